import { createHash } from 'node:crypto';
import { buildGraph } from '../orchestrator/graph.js';
import type { AnyTask } from '../orchestrator/task.js';
import { UsageError } from './usage-error.js';
import type { Runtime } from './compose.js';

/**
 * The source is not part of IngestOrders' identity (a day's checkpoint is the day's, wherever
 * it came from), so a finished IngestOrders(D) would silently stand for another source. Before a
 * run, each finished IngestOrders of the DAG is compared with the source this run would read; a
 * different one is a usage error that says how to re-ingest, unless IngestOrders is forced.
 */
export async function checkSourcesUnchanged(rt: Runtime, roots: readonly AnyTask[], force: readonly string[]): Promise<void> {
  if (force.some((f) => f === 'IngestOrders' || f.startsWith('IngestOrders('))) return;
  const ingests = buildGraph(roots).order.filter((t) => t.family === 'IngestOrders');
  for (const task of ingests) {
    const key = `${task.dir}/manifest.json`;
    if (!(await rt.store.exists(key))) continue;
    const manifest = JSON.parse((await rt.store.get(key)).toString('utf8')) as { source_uri?: string; raw_key?: string };
    const p = task.p as { source: string; date: string };
    const uri = rt.resources.openSource(p.source, p.date, rt.logger).uri;
    const zone = `raw/source=${createHash('sha256').update(uri).digest('hex').slice(0, 16)}/`;
    if (manifest.raw_key && !manifest.raw_key.startsWith(zone)) {
      throw new UsageError(
        `${task.id} was ingested from ${manifest.source_uri ?? 'another source'}, not ${uri}; run again with --force IngestOrders to re-ingest it and rebuild what depends on it`,
      );
    }
  }
}
