import { createHash } from 'node:crypto';
import { flattenParams, trackTraining } from '../src/application/track-training.js';
import { trainModel } from '../src/application/train-model.js';
import { mlflowModelFiles } from '../src/domain/artifact/mlflow-model.js';
import { serializeArtifact } from '../src/domain/artifact/model-artifact.js';
import type { FeatureSummary } from '../src/domain/features/feature-summary.js';
import { trackingRecordId } from '../src/domain/tracking/names.js';
import type { Target } from '../src/orchestrator/target.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { BuildFeatures } from './build-features.js';
import { IngestOrders, type IngestedDataset } from './ingest-orders.js';
import { localCopyOf, withScratch } from './local-files.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';

async function sha256Of(target: Target): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await target.readStream()) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Fits the candidate model families, picks and calibrates the winner on validation, evaluates it
 * once on test, writes model.json, model.sql and a training report, and records the training in
 * the experiment tracker (a tracker that is down does not fail the task: `returns sync-tracking`
 * replays it later).
 */
export class TrainModel extends PipelineTask<PipelineParams> {
  static override readonly family = 'TrainModel';
  static override readonly params = pipelineParams;
  static override readonly version = '2';
  static override readonly description = 'fit, select, calibrate and evaluate models; write model.json and model.sql';

  override requires() {
    return { features: new BuildFeatures(carry(this.p)), ingest: new IngestOrders(carry(this.p)) };
  }

  override output() {
    return { model: this.file('model.json'), sql: this.file('model.sql'), report: this.file('training-report.json'), tracking: this.file('tracking.json') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const { config } = ctx.resources;
    const started = ctx.clock.now();
    const out = this.outputsIn(ctx);
    const features = this.inputOf(ctx, this.requires().features);
    const ingested = await this.inputOf(ctx, this.requires().ingest).manifest.readJson<IngestedDataset>();
    const summary = await features.summary.readJson<FeatureSummary & { engine?: string }>();
    const rounds: { key: string; value: number; step: number }[] = [];

    const trained = await withScratch(ctx, 'train', async (dir) =>
      trainModel({
        reader: ctx.resources.tableReader,
        featuresParquet: await localCopyOf(features.features, dir),
        asOf: this.p.date,
        horizonDays: config.features.horizonDays,
        modelConfig: config.training,
        fingerprint: {
          source_uri: ingested.source_uri,
          raw_sha256: ingested.sha256,
          features_sha256: await sha256Of(features.features),
          rows: { train: 0, validation: 0, test: 0 },
          date_range: { first: summary.date_range.first, last: summary.date_range.last },
        },
        codeVersion: ctx.resources.codeVersion,
        logger: ctx.logger,
        onRound: (candidate, round, m) => {
          if (m.validationLogLoss !== undefined) rounds.push({ key: `candidate_${candidate}.validation_log_loss`, value: m.validationLogLoss, step: round });
        },
      }),
    );
    const { artifact } = trained;
    const report = { as_of: this.p.date, estimator: artifact.estimator, calibrator: artifact.calibrator, metrics: artifact.metrics, importance: artifact.importance, data: artifact.data_fingerprint };
    await out.model.write(serializeArtifact(artifact));
    await out.sql.write(`${trained.sql}\n`);
    await out.report.writeJson(report);
    const test = artifact.metrics.test?.calibrated;
    ctx.logger.info(`trained ${artifact.estimator.family} with ${artifact.calibrator.method} calibration`, {
      test_auc: test?.rocAuc,
      test_log_loss: test?.logLoss,
      validation_log_loss: artifact.metrics.validation.calibrated.logLoss,
    });

    const metric = (key: string, value: number | null | undefined): { key: string; value: number }[] => (value === null || value === undefined ? [] : [{ key, value }]);
    const outcome = await trackTraining(
      { store: ctx.store, tracker: ctx.resources.tracker, clock: ctx.clock, logger: ctx.logger },
      {
        recordId: trackingRecordId(ctx.runId, this.id),
        pipelineRunId: ctx.runId,
        experiment: config.registry.experiment,
        runName: `TrainModel ${this.p.date}`,
        startTime: started,
        endTime: ctx.clock.now(),
        params: flattenParams({
          as_of: this.p.date,
          horizon_days: config.features.horizonDays,
          engine: summary.engine ?? 'duckdb',
          family: artifact.estimator.family,
          calibration: artifact.calibrator.method,
          hyperparameters: artifact.estimator.params,
          data: { source: ingested.source_uri, raw_sha256: ingested.sha256, features_sha256: artifact.data_fingerprint.features_sha256, ...artifact.data_fingerprint.rows },
        }),
        metrics: [
          ...metric('validation.log_loss', artifact.metrics.validation.calibrated.logLoss),
          ...metric('validation.auc', artifact.metrics.validation.calibrated.rocAuc),
          ...metric('test.log_loss', test?.logLoss),
          ...metric('test.auc', test?.rocAuc),
          ...metric('test.pr_auc', test?.prAuc),
          ...metric('test.brier', test?.brier),
          ...metric('test.ece', test?.ece),
          ...metric('test.baseline_log_loss', artifact.metrics.test?.baseline.logLoss),
          ...artifact.metrics.candidates.flatMap((c, i) => [...metric(`candidate_${i}_${c.family}.validation_log_loss`, c.logLoss), ...metric(`candidate_${i}_${c.family}.validation_auc`, c.rocAuc)]),
          ...rounds,
        ],
        tags: { 'returns.task_id': this.id, 'returns.as_of': this.p.date },
        artifacts: [
          { path: 'model.json', key: out.model.key },
          { path: 'model.sql', key: out.sql.key },
          { path: 'training-report.json', key: out.report.key },
          { path: 'features-summary.json', key: features.summary.key },
          ...mlflowModelFiles(artifact),
        ],
      },
    );
    if (!outcome.synced) ctx.logger.warn(`experiment tracking failed (the model is safe in the store; run 'returns sync-tracking' later): ${outcome.error ?? 'unknown error'}`);
    await out.tracking.writeJson({ record_id: outcome.recordId, tracker: outcome.tracker, synced: outcome.synced, run_id: outcome.runId ?? null, artifact_uri: outcome.artifactUri ?? null, error: outcome.error ?? null });
  }
}
