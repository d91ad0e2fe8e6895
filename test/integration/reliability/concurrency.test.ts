/**
 * Operations: four `returns run Report` processes started together on one store. All must succeed,
 * and the store's locks must make each task's run() execute exactly once across the four: counted
 * as `task_finished` events per task id over every run log in the store.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DAY, FAST_CONFIG, SOURCE, ensureBuilt, finishedCounts, startCli, summaryOf } from './support.js';

const PROCESSES = 4;
const TASKS = [
  `IngestOrders(date=${DAY})`,
  `ValidateOrders(date=${DAY})`,
  `BuildFeatures(date=${DAY})`,
  `TrainModel(date=${DAY})`,
  `RegisterModel(date=${DAY})`,
  'IngestOrders(date=2019-04-21)',
  'ValidateOrders(date=2019-04-21)',
  'BuildFeatures(date=2019-04-21)',
  `PredictBatch(date=${DAY})`,
  `Report(date=${DAY})`,
];

describe('four returns run Report processes on one store', () => {
  let work: string;
  beforeAll(async () => {
    await ensureBuilt();
    work = await mkdtemp(path.join(tmpdir(), 'returns-concurrent-'));
    await writeFile(path.join(work, 'returns.json'), JSON.stringify(FAST_CONFIG));
  }, 600_000);
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('all exit 0 and every task runs exactly once', async () => {
    const started = Date.now();
    const runs = Array.from({ length: PROCESSES }, () => startCli(['run', 'Report', '--date', DAY, '--config', 'returns.json', '--json'], work, { RETURNS_SOURCE: SOURCE }));
    const results = await Promise.all(runs.map((r) => r.done));
    const wall = Date.now() - started;
    expect(results.map((r, i) => ({ i, code: r.code, tail: r.code === 0 ? '' : r.stderr.slice(-1500) }))).toEqual(results.map((_, i) => ({ i, code: 0, tail: '' })));
    for (const r of results) expect(summaryOf(r.stdout)).toMatchObject({ status: 'success' });

    const counts = await finishedCounts(path.join(work, 'data'));
    expect(Object.fromEntries([...counts].sort())).toEqual(Object.fromEntries(TASKS.map((t) => [t, 1] as const).sort()));
    const ranBy = results.map((r) => ((summaryOf(r.stdout)?.ran as string[] | undefined) ?? []).length);
    console.log(`concurrency test: ${PROCESSES} processes in ${wall} ms; tasks run per process: ${ranBy.join(', ')} (total ${ranBy.reduce((a, b) => a + b, 0)})`);
    expect(ranBy.reduce((a, b) => a + b, 0)).toBe(TASKS.length);
  }, 300_000);
});
