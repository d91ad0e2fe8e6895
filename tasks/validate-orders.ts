import { createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { validateOrders } from '../src/application/validate-orders.js';
import { DataQualityError } from '../src/domain/orders/data-quality-error.js';
import { OrderFileError } from '../src/domain/orders/file-errors.js';
import { formatQualitySummary, serializeQualityReport, type QualityReport } from '../src/domain/orders/quality-report.js';
import { toIsoDate } from '../src/domain/dates.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { IngestOrders, type IngestedDataset } from './ingest-orders.js';
import { permanent, storeFile, withScratch } from './local-files.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';

/**
 * Parses and checks every raw row: accepted rows become typed Parquet, the others go to the
 * quarantine file with their line number and every reason, and a quality report counts both.
 * Too large a quarantined share fails the task (nothing downstream runs on bad data).
 */
export class ValidateOrders extends PipelineTask<PipelineParams> {
  static override readonly family = 'ValidateOrders';
  static override readonly params = pipelineParams;
  static override readonly version = '2';
  static override readonly description = 'parse and check every row: typed Parquet, quarantine with reasons, quality report';

  override requires() {
    return { ingest: new IngestOrders(carry(this.p)) };
  }

  override output() {
    return {
      orders: this.file('orders.parquet'),
      quarantine: this.file('quarantine.csv'),
      report: this.file('quality.json'),
      summary: this.file('quality.txt'),
    };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const out = this.outputsIn(ctx);
    const ingested = await this.inputOf(ctx, this.requires().ingest).manifest.readJson<IngestedDataset>();
    const engine = await ctx.resources.createEngine('duckdb', ctx.logger);
    try {
      await withScratch(ctx, 'validate', async (dir) => {
        const files = { parquet: path.join(dir, 'orders.parquet'), quarantine: path.join(dir, 'quarantine.csv'), staging: path.join(dir, 'staging.csv') };
        let report: QualityReport;
        try {
          report = await validateOrders({
            input: await ctx.store.getStream(ingested.raw_key),
            source: ingested.source_uri,
            // Rows after the task's date are valid history for later dates (features filter by date);
            // only rows dated after today are impossible.
            asOf: toIsoDate(ctx.clock.now()),
            maxQuarantineShare: ctx.resources.config.validation.maxQuarantineShare,
            quarantine: createWriteStream(files.quarantine),
            staging: { stream: createWriteStream(files.staging), location: files.staging },
            acceptedLocation: files.parquet,
            engine,
            logger: ctx.logger,
          });
        } catch (err) {
          if (err instanceof DataQualityError) {
            // The report and the quarantine are kept for people to read; without a completion
            // marker they are not taken for a finished task.
            await out.report.write(serializeQualityReport(err.report));
            await out.summary.write(formatQualitySummary(err.report));
            await storeFile(out.quarantine, files.quarantine).catch(() => undefined);
            throw permanent(err.withReportPath(out.report.uri));
          }
          if (err instanceof OrderFileError) throw permanent(err);
          throw err;
        }
        await storeFile(out.orders, files.parquet);
        await storeFile(out.quarantine, files.quarantine);
        await out.report.write(serializeQualityReport(report));
        await out.summary.write(formatQualitySummary(report));
        ctx.logger.info(`validated ${report.rows_in} rows: ${report.rows_accepted} accepted, ${report.rows_quarantined} quarantined`, {
          quarantined_share: report.quarantined_share,
        });
      });
    } finally {
      await engine.close();
    }
  }
}
