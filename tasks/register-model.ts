import { syncTracking } from '../src/application/sync-tracking.js';
import { readTrackingRecord } from '../src/application/tracking-record.js';
import { outOfTimeWindowOf, registerAndDecide } from '../src/application/champion.js';
import { loadTrainingTable, parseOutOfTimeCsv } from '../src/application/train-model.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { BuildFeatures } from './build-features.js';
import { localCopyOf, withScratch } from './local-files.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';
import { TrainModel } from './train-model.js';

interface TrackingOutput {
  record_id: string;
  synced: boolean;
  run_id: string | null;
  artifact_uri: string | null;
}

/**
 * Registers the trained model as a new version and promotes it to champion only if it beats the
 * current champion on rows neither model was fitted on (see src/application/champion.ts).
 */
export class RegisterModel extends PipelineTask<PipelineParams> {
  static override readonly family = 'RegisterModel';
  static override readonly params = pipelineParams;
  static override readonly version = '3';
  static override readonly description = 'register the model version; promote it to champion if it beats the champion';

  override requires() {
    return { model: new TrainModel(carry(this.p)), features: new BuildFeatures(carry(this.p)) };
  }

  override output() {
    return this.file('registration.json');
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const { config, registry, tracker } = ctx.resources;
    const trained = this.inputOf(ctx, this.requires().model);
    let tracking = await trained.tracking.readJson<TrackingOutput>();
    if (!tracking.synced) {
      // The tracker was down when the model was trained: replay the record first.
      await syncTracking({ store: ctx.store, tracker, clock: ctx.clock, logger: ctx.logger });
      const record = await readTrackingRecord(ctx.store, tracking.record_id);
      const synced = record?.syncs[tracker.location];
      if (!synced) throw new Error(`the training is not yet recorded in the tracker (${tracker.location}); the model is safe in the store. Run 'returns sync-tracking' once the tracker is reachable, then run again`);
      tracking = { ...tracking, synced: true, run_id: synced.runId, artifact_uri: synced.artifactUri };
    }
    const table = await withScratch(ctx, 'register', async (dir) =>
      loadTrainingTable(ctx.resources.tableReader, await localCopyOf(this.inputOf(ctx, this.requires().features).features, dir)),
    );
    const result = await registerAndDecide({
      registry,
      store: ctx.store,
      clock: ctx.clock,
      modelName: config.registry.modelName,
      runId: tracking.run_id!,
      artifactUri: tracking.artifact_uri!,
      modelKey: trained.model.key,
      asOf: this.p.date,
      window: outOfTimeWindowOf(table, parseOutOfTimeCsv((await trained.outOfTime.read()).toString('utf8'), trained.outOfTime.key)),
      rules: { minLogLossImprovement: config.registry.minLogLossImprovement, aucTolerance: config.registry.aucTolerance },
    });
    ctx.logger.info(`registered ${config.registry.modelName} version ${result.version}: ${result.decision.promote ? 'promoted to champion' : 'champion kept'} (${result.decision.reason})`);
    await this.outputsIn(ctx).writeJson({ model: config.registry.modelName, registry: registry.location, ...result });
  }
}
