import type { TaskContext } from '../src/orchestrator/task.js';
import { RegisterModel } from './register-model.js';
import { carry, pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';

/** Demonstration body: records what it read. The real stage replaces it. */
export class PredictBatch extends PipelineTask<PipelineParams> {
  static override readonly family = 'PredictBatch';
  static override readonly params = pipelineParams;
  static override readonly description = 'predictions (demonstration)';

  override requires() {
    return { upstream: new RegisterModel(carry(this.p)) };
  }

  override output() {
    return { result: this.file('predictions.json') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const upstream = this.inputOf(ctx, this.requires().upstream);
    const inputs = Object.values(upstream).map((t) => t.key);
    await this.outputsIn(ctx).result.writeJson({ task: this.id, inputs });
  }
}
