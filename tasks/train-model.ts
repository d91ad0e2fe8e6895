import { createHash } from 'node:crypto';
import { flattenParams, trackTraining } from '../src/application/track-training.js';
import { csvLine } from '../src/application/csv-sink.js';
import { OUT_OF_TIME_COLUMNS, trainModel, type OutOfTimeRow } from '../src/application/train-model.js';
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

/** The out-of-time predictions as CSV: numbers in JavaScript's shortest round-trip form, so the bytes are stable. */
function outOfTimeCsv(rows: readonly OutOfTimeRow[]): string {
  let out = csvLine(OUT_OF_TIME_COLUMNS);
  for (const r of rows) out += csvLine(OUT_OF_TIME_COLUMNS.map((c) => String(r[c])));
  return out;
}

/**
 * Chooses a model family and its hyperparameters by out-of-time backtest, refits the winner on
 * every mature row and calibrates it with its out-of-time scores; writes model.json, model.sql,
 * the out-of-time predictions and a training report, and records the training in the experiment
 * tracker (a tracker that is down does not fail the task: `returns sync-tracking` replays it later).
 */
export class TrainModel extends PipelineTask<PipelineParams> {
  static override readonly family = 'TrainModel';
  static override readonly params = pipelineParams;
  static override readonly version = '3';
  static override readonly description = 'fit, select, calibrate and evaluate models; write model.json and model.sql';

  override requires() {
    return { features: new BuildFeatures(carry(this.p)), ingest: new IngestOrders(carry(this.p)) };
  }

  override output() {
    return {
      model: this.file('model.json'),
      sql: this.file('model.sql'),
      outOfTime: this.file('out-of-time.csv'),
      report: this.file('training-report.json'),
      tracking: this.file('tracking.json'),
    };
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
          rows: { refit: 0, out_of_time: 0 },
          date_range: { first: summary.date_range.first, last: summary.date_range.last },
        },
        codeVersion: ctx.resources.codeVersion,
        logger: ctx.logger,
        onRound: (candidate, fold, round, m) => {
          if (m.validationLogLoss !== undefined) rounds.push({ key: `candidate_${candidate}.fold_${fold}.early_stopping_log_loss`, value: m.validationLogLoss, step: round });
        },
      }),
    );
    const { artifact } = trained;
    const report = { as_of: this.p.date, estimator: artifact.estimator, calibrator: artifact.calibrator, metrics: artifact.metrics, importance: artifact.importance, data: artifact.data_fingerprint };
    await out.model.write(serializeArtifact(artifact));
    await out.sql.write(`${trained.sql}\n`);
    await out.outOfTime.write(outOfTimeCsv(trained.outOfTime));
    await out.report.writeJson(report);
    const oot = artifact.metrics.out_of_time.calibrated;
    ctx.logger.info(`trained ${artifact.estimator.family} with ${artifact.calibrator.method} calibration on ${artifact.metrics.refit.rows} mature rows`, {
      out_of_time_auc: oot.rocAuc,
      out_of_time_log_loss: oot.logLoss,
      folds: artifact.metrics.folds.length,
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
          // Every score is out of time: from fold models that never saw the rows they scored.
          ...metric('out_of_time.log_loss', oot.logLoss),
          ...metric('out_of_time.auc', oot.rocAuc),
          ...metric('out_of_time.pr_auc', oot.prAuc),
          ...metric('out_of_time.brier', oot.brier),
          ...metric('out_of_time.ece', oot.ece),
          ...metric('out_of_time.uncalibrated_log_loss', artifact.metrics.out_of_time.uncalibrated.logLoss),
          ...metric('out_of_time.baseline_log_loss', artifact.metrics.out_of_time.baseline.logLoss),
          ...artifact.metrics.folds.flatMap((f) => [
            ...metric(`fold_${f.fold}.out_of_time_log_loss`, f.logLoss),
            ...metric(`fold_${f.fold}.out_of_time_auc`, f.rocAuc),
            ...metric(`fold_${f.fold}.baseline_log_loss`, f.baselineLogLoss),
          ]),
          ...metric('refit.rows', artifact.metrics.refit.rows),
          ...artifact.metrics.candidates.flatMap((c, i) => [
            ...metric(`candidate_${i}_${c.family}.out_of_time_log_loss`, c.logLoss),
            ...metric(`candidate_${i}_${c.family}.out_of_time_auc`, c.rocAuc),
          ]),
          ...rounds,
        ],
        tags: { 'returns.task_id': this.id, 'returns.as_of': this.p.date },
        artifacts: [
          { path: 'model.json', key: out.model.key },
          { path: 'model.sql', key: out.sql.key },
          { path: 'out-of-time.csv', key: out.outOfTime.key },
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
