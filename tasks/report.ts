import { buildReport } from '../src/application/build-report.js';
import { loadVersionModel } from '../src/application/champion.js';
import { gatherReportData } from '../src/application/report-data.js';
import { parseOutOfTimeCsv } from '../src/application/train-model.js';
import { loadModelArtifact } from '../src/domain/artifact/model-artifact.js';
import { addDays } from '../src/domain/dates.js';
import { FEATURE_CATALOGUE } from '../src/domain/features/catalogue.js';
import type { FeatureSummary } from '../src/domain/features/feature-summary.js';
import type { QualityReport } from '../src/domain/orders/quality-report.js';
import type { RegistrationSummary } from '../src/domain/report/report-content.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { BuildFeatures } from './build-features.js';
import { localCopyOf, withScratch } from './local-files.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PredictBatch } from './predict-batch.js';
import { RegisterModel } from './register-model.js';
import { PipelineTask, type PipelineResources } from './resources.js';
import { TrainModel } from './train-model.js';
import { ValidateOrders } from './validate-orders.js';

/**
 * The page people read: data quality, training data, model comparison, test metrics and curves,
 * calibration, deciles, importance, return rates by category/brand/size, and drift between the
 * training window and the scored day (a warning in the run log above the threshold).
 */
export class Report extends PipelineTask<PipelineParams> {
  static override readonly family = 'Report';
  static override readonly params = pipelineParams;
  static override readonly version = '3';
  static override readonly description = 'self-contained HTML report and Markdown summary, with drift';

  override requires() {
    return {
      predictions: new PredictBatch(carry(this.p)),
      model: new TrainModel(carry(this.p)),
      registration: new RegisterModel(carry(this.p)),
      features: new BuildFeatures(carry(this.p)),
      scoredFeatures: new BuildFeatures({ ...carry(this.p), date: addDays(this.p.date, 1) }),
      orders: new ValidateOrders(carry(this.p)),
    };
  }

  override output() {
    return { html: this.file('report.html'), markdown: this.file('report.md') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const { config, tableReader, registry, chartRenderer } = ctx.resources;
    const r = this.requires();
    const trained = this.inputOf(ctx, r.model);
    const loaded = loadModelArtifact(await trained.model.readJson(), trained.model.uri, FEATURE_CATALOGUE);
    const registration = await this.inputOf(ctx, r.registration).readJson<RegistrationSummary & { model: string }>();
    const championVersion = registration.championAfter === registration.version ? undefined : await registry.getVersion(registration.model, registration.championAfter);
    const scoring = championVersion ? await loadVersionModel(ctx.store, championVersion) : loaded;
    const report = await withScratch(ctx, 'report', async (dir) =>
      buildReport({
        asOf: this.p.date,
        quality: await this.inputOf(ctx, r.orders).report.readJson<QualityReport>(),
        featureSummary: await this.inputOf(ctx, r.features).summary.readJson<FeatureSummary>(),
        artifact: loaded.artifact,
        registration,
        data: await gatherReportData({
          reader: tableReader,
          featuresParquet: await localCopyOf(this.inputOf(ctx, r.features).features, dir),
          scoredFeaturesParquet: await localCopyOf(this.inputOf(ctx, r.scoredFeatures).features, dir),
          predictionsParquet: await localCopyOf(this.inputOf(ctx, r.predictions).parquet, dir),
          model: loaded.model,
          outOfTime: parseOutOfTimeCsv((await trained.outOfTime.read()).toString('utf8'), trained.outOfTime.key),
          scoringModel: scoring.model,
          maxReferenceRows: config.report.maxReferenceRows,
        }),
        options: config.report,
        renderer: chartRenderer,
      }),
    );
    for (const a of report.driftAlerts) {
      ctx.logger.warn(`drift: PSI of ${a.feature} is ${a.psi.toFixed(3)}, above ${config.report.driftThreshold}`, { feature: a.feature, psi: a.psi });
    }
    const out = this.outputsIn(ctx);
    await out.html.write(report.html);
    await out.markdown.write(report.markdown);
  }
}
