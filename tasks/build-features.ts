import { buildFeatures } from '../src/application/build-features.js';
import { buildSnapshot } from '../src/application/build-snapshot.js';
import { chooseEngine } from '../src/application/choose-engine.js';
import { serializeFeatureSummary } from '../src/domain/features/feature-summary.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import { engineLocations } from './engine-locations.js';
import { withScratch } from './local-files.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';
import { ValidateOrders } from './validate-orders.js';

/**
 * One row per purchase line dated before D: keys, the label where it is mature, the split, and
 * point-in-time features. The SQL is shared by DuckDB and Spark.
 */
export class BuildFeatures extends PipelineTask<PipelineParams> {
  static override readonly family = 'BuildFeatures';
  static override readonly params = pipelineParams;
  static override readonly version = '4';
  static override readonly description = 'point-in-time labels and features, with the train/validation/test split';

  override requires() {
    return { orders: new ValidateOrders(carry(this.p)) };
  }

  override output() {
    return { features: this.file('features.parquet'), summary: this.file('summary.json'), snapshot: this.file('snapshot.parquet') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const { config } = ctx.resources;
    const out = this.outputsIn(ctx);
    const orders = this.inputOf(ctx, this.requires().orders).orders;
    const inputBytes = (await ctx.store.list(orders.key)).find((o) => o.key === orders.key)?.size ?? 0;
    const choice = chooseEngine(this.p.engine, inputBytes, { master: config.spark.master, aboveBytes: config.features.sparkAboveBytes });
    ctx.logger.info(`building features on ${choice.engine} (${choice.reason})`);
    const engine = await ctx.resources.createEngine(choice.engine, ctx.logger);
    try {
      await withScratch(ctx, 'features', async (dir) => {
        const where = await engineLocations(engine.name, dir, { orders }, { features: out.features });
        const summaryTable = where.scratch('summary.parquet');
        const summary = await buildFeatures({
          engine,
          ordersParquet: where.inputs.orders,
          outputParquet: where.outputs.features,
          asOf: this.p.date,
          horizonDays: config.features.horizonDays,
          split: config.features.split,
          summaryTable,
          logger: ctx.logger,
        });
        await where.publish();
        // The serving snapshot (history aggregates as of D, for the REST API). It is small, so it
        // is built on DuckDB whichever engine built the features.
        const snapEngine = engine.name === 'duckdb' ? engine : await ctx.resources.createEngine('duckdb', ctx.logger);
        try {
          const snap = await engineLocations('duckdb', dir, { orders }, { snapshot: out.snapshot });
          await buildSnapshot({ engine: snapEngine, ordersParquet: snap.inputs.orders, outputParquet: snap.outputs.snapshot, asOf: this.p.date, logger: ctx.logger });
          await snap.publish();
        } finally {
          if (snapEngine !== engine) await snapEngine.close();
        }
        // The summary plus which engine built it (for tracking and the report).
        await out.summary.writeJson({ ...(JSON.parse(serializeFeatureSummary(summary)) as object), engine: choice.engine, engine_reason: choice.reason });
      });
    } finally {
      await engine.close();
    }
  }
}
