import { predictBatch } from '../src/application/predict-batch.js';
import { MODEL_KEY_TAG } from '../src/application/champion.js';
import { addDays } from '../src/domain/dates.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { BuildFeatures } from './build-features.js';
import { engineLocations } from './engine-locations.js';
import { withScratch } from './local-files.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { RegisterModel } from './register-model.js';
import { PipelineTask, type PipelineResources } from './resources.js';

/**
 * Scores every purchase line dated D with the champion as of D (the one RegisterModel(D) left),
 * using point-in-time features built from the history before D: those of BuildFeatures(D+1),
 * which holds the lines dated D. Runs model.sql on the engine BuildFeatures used.
 */
export class PredictBatch extends PipelineTask<PipelineParams> {
  static override readonly family = 'PredictBatch';
  static override readonly params = pipelineParams;
  static override readonly version = '2';
  static override readonly description = 'score the purchase lines of the day with the champion model';

  override requires() {
    return { registration: new RegisterModel(carry(this.p)), features: new BuildFeatures({ ...carry(this.p), date: addDays(this.p.date, 1) }) };
  }

  override output() {
    return { parquet: this.file('predictions.parquet'), csv: this.file('predictions.csv'), summary: this.file('summary.json') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const { registry, config } = ctx.resources;
    const registration = await this.inputOf(ctx, this.requires().registration).readJson<{ championAfter: number; model: string }>();
    const champion = await registry.getVersion(registration.model, registration.championAfter);
    if (!champion) throw new Error(`${registration.model} version ${registration.championAfter} (the champion as of ${this.p.date}) is not in the registry ${registry.location}`);
    const modelKey = champion.tags[MODEL_KEY_TAG];
    if (!modelKey) throw new Error(`${registration.model} version ${champion.version} has no ${MODEL_KEY_TAG} tag`);
    const modelSql = (await ctx.store.get(modelKey.replace(/model\.json$/, 'model.sql'))).toString('utf8').trim();
    const features = this.inputOf(ctx, this.requires().features);
    const summary = await features.summary.readJson<{ engine?: 'duckdb' | 'spark' }>();
    const engineKind = this.p.engine === 'auto' ? (summary.engine ?? 'duckdb') : this.p.engine;
    const engine = await ctx.resources.createEngine(engineKind, ctx.logger);
    const out = this.outputsIn(ctx);
    try {
      const { rows } = await withScratch(ctx, 'predict', async (dir) => {
        const where = await engineLocations(engine.name, dir, { features: features.features }, { parquet: out.parquet, csv: out.csv });
        const result = await predictBatch(engine, {
          featuresLocation: where.inputs.features,
          modelSql,
          modelVersion: `${registration.model}/${champion.version}`,
          day: this.p.date,
          parquetLocation: where.outputs.parquet,
          csvLocation: where.outputs.csv,
        });
        await where.publish();
        return result;
      });
      ctx.logger.info(`scored ${rows} purchase lines of ${this.p.date} with ${registration.model} version ${champion.version} on ${engine.name}`);
      await out.summary.writeJson({ day: this.p.date, rows, model: registration.model, model_version: champion.version, engine: engine.name, registry: config.registry.modelName });
    } finally {
      await engine.close();
    }
  }
}
