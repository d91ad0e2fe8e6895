/**
 * Scale of the orchestrator: a backfill DAG of 10,000 tasks (one per day, each requiring the
 * previous day's task and a shared upstream task) is built, its completeness checked and the
 * scheduler reports that nothing needs to run. Targets: < 5 s on the local store, < 15 s on the
 * S3 server. Luigi, for comparison, calls exists() once per target.
 *
 *   npx tsx bench/orchestrator-scale.ts [--tasks 10000] [--skip-s3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createMemoryLogger } from '../src/adapters/logging/winston-logger.js';
import { systemClock } from '../src/adapters/clock/system-clock.js';
import { LocalObjectStore } from '../src/adapters/storage/local-store.js';
import { openStore } from '../src/adapters/storage/open-store.js';
import { addDays } from '../src/domain/dates.js';
import { param } from '../src/orchestrator/parameter.js';
import { Scheduler } from '../src/orchestrator/scheduler.js';
import { Task, type AnyTask } from '../src/orchestrator/task.js';
import { markerKey } from '../src/orchestrator/marker.js';
import { flattenOutputs } from '../src/orchestrator/target.js';
import type { ObjectStore } from '../src/ports/object-store.js';
import { startS3Server } from '../test/harness/s3-server.js';
import { writeBenchResult } from './results.js';

const upstreamParams = { name: param.string() };
class Upstream extends Task<typeof upstreamParams> {
  static override readonly family = 'Upstream';
  static override readonly params = upstreamParams;
  override output() {
    return this.file('data.txt');
  }
  async run(): Promise<void> {
    throw new Error('bench: nothing should run');
  }
}

const dayParams = { date: param.date() };
class Daily extends Task<typeof dayParams> {
  static override readonly family = 'Daily';
  static override readonly params = dayParams;
  static first = '2000-01-01';
  override requires(): AnyTask[] {
    const deps: AnyTask[] = [new Upstream({ name: 'shared' })];
    if (this.p.date > Daily.first) deps.push(new Daily({ date: addDays(this.p.date, -1) }));
    return deps;
  }
  override output() {
    return { a: this.file('a.parquet'), b: this.file('b.json') };
  }
  async run(): Promise<void> {
    throw new Error('bench: nothing should run');
  }
}

async function populate(store: ObjectStore, tasks: AnyTask[]): Promise<void> {
  const keys = tasks.flatMap((t) => [...flattenOutputs(t.output()).map((r) => r.key), markerKey(t)]);
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < keys.length) await store.put(keys[next++]!, 'x');
    }),
  );
}

async function measure(label: string, store: ObjectStore, n: number): Promise<Record<string, number | string>> {
  const dates = Array.from({ length: n }, (_, i) => addDays(Daily.first, i));
  const tasks: AnyTask[] = [new Upstream({ name: 'shared' }), ...dates.map((d) => new Daily({ date: d }))];
  const t0 = performance.now();
  await populate(store, tasks);
  const populateMs = performance.now() - t0;

  const start = performance.now();
  const roots = dates.map((d) => new Daily({ date: d }));
  const summary = await new Scheduler({ store, logger: createMemoryLogger(), clock: systemClock, resources: undefined, runId: `bench-${Date.now()}` }, { workers: 4, retries: 0, retryDelayMs: 0 }).run(roots);
  const seconds = (performance.now() - start) / 1000;
  if (summary.ran.length !== 0 || summary.complete.length !== n + 1) throw new Error(`${label}: expected all ${n + 1} complete, got ${summary.complete.length} complete and ${summary.ran.length} ran`);
  console.log(`${label}: ${n + 1} tasks built, checked and found complete in ${seconds.toFixed(2)} s (populating the store took ${(populateMs / 1000).toFixed(1)} s)`);
  return { store: label, tasks: n + 1, seconds: Number(seconds.toFixed(3)) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const n = Number(args[args.indexOf('--tasks') + 1] ?? 10_000) || 10_000;
  const results: Record<string, number | string>[] = [];

  const dir = await mkdtemp(path.join(tmpdir(), 'returns-bench-'));
  try {
    results.push({ ...(await measure('local', new LocalObjectStore(dir), n)), target_seconds: 5 });
  } finally {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch((e: Error) => console.error(`could not remove ${dir}: ${e.message}`));
  }

  if (!args.includes('--skip-s3')) {
    const server = await startS3Server();
    try {
      const store = openStore('s3://bench-bucket/checkpoints', { s3: server.settings });
      results.push({ ...(await measure(`s3 (${server.kind})`, store, n)), target_seconds: 15 });
      await store.close();
    } finally {
      await server.stop();
    }
  }
  await writeBenchResult('orchestrator-scale', { tasks: n + 1, results });
}

await main();
