import type { TaskContext } from '../src/orchestrator/task.js';
import { PredictBatch } from './predict-batch.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';

/** Demonstration body: records what it read. The real stage replaces it. */
export class Report extends PipelineTask<PipelineParams> {
  static override readonly family = 'Report';
  static override readonly params = pipelineParams;
  static override readonly description = 'report (demonstration)';

  override requires() {
    return { upstream: new PredictBatch(carry(this.p)) };
  }

  override output() {
    return { result: this.file('report.json') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const upstream = this.inputOf(ctx, this.requires().upstream);
    const inputs = Object.values(upstream).map((t) => t.key);
    await this.outputsIn(ctx).result.writeJson({ task: this.id, inputs });
  }
}
