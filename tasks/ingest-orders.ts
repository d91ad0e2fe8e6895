import { createHash } from 'node:crypto';
import { ingestOrders } from '../src/application/ingest-orders.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';

/**
 * Copies the raw order lines, unchanged and streaming, into the raw zone of the store. The raw
 * zone is keyed by source, not by date, so the nightly run does not copy an unchanged source
 * again; the dated manifest records which raw object this day's pipeline reads.
 */
export class IngestOrders extends PipelineTask<PipelineParams> {
  static override readonly family = 'IngestOrders';
  static override readonly params = pipelineParams;
  static override readonly version = '2';
  static override readonly description = 'copy the raw order lines into the store (raw zone), with checksum and source';

  override output() {
    return { manifest: this.file('manifest.json') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const source = ctx.resources.openSource(this.p.source, this.p.date, ctx.logger);
    const zone = `raw/source=${createHash('sha256').update(source.uri).digest('hex').slice(0, 16)}`;
    const rawKey = `${zone}/orders.csv`;
    const manifest = await ingestOrders({
      source,
      store: ctx.store,
      rawKey,
      manifestKey: `${zone}/manifest.json`,
      logger: ctx.logger,
      progress: ctx.resources.byteProgress('ingest', ctx.logger),
    });
    await this.outputsIn(ctx).manifest.writeJson({ ...manifest, raw_key: rawKey });
  }
}

/** What IngestOrders' manifest tells downstream tasks. */
export interface IngestedDataset {
  readonly source_uri: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly raw_key: string;
}
