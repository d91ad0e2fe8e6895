import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { buildGraph, CycleError } from '../../../src/orchestrator/graph.js';
import { checkCompleteness, listingPrefixes } from '../../../src/orchestrator/completeness.js';
import { readHistory } from '../../../src/orchestrator/run-log.js';
import { Scheduler, type SchedulerOptions } from '../../../src/orchestrator/scheduler.js';
import { formatSummary, summaryJson } from '../../../src/orchestrator/summary.js';
import type { AnyTask } from '../../../src/orchestrator/task.js';
import { FakeClock } from '../../harness/fake-clock.js';
import { MemoryObjectStore } from '../../harness/memory-store.js';
import { Forgetful, Group, Join, Leaf, newWorld, Ping, type ToyWorld } from '../../harness/toy-tasks.js';

function setup(options: Partial<SchedulerOptions> = {}, store = new MemoryObjectStore(), world = newWorld()) {
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  let n = 0;
  const run = (roots: AnyTask[], more: Partial<SchedulerOptions> = {}) =>
    new Scheduler<ToyWorld>(
      { store, logger, clock, resources: world, runId: `20261127T020000Z-run${++n}` },
      { workers: 1, retries: 0, retryDelayMs: 100, ...options, ...more },
    ).run(roots);
  return { store, clock, logger, world, run };
}

describe('graph', () => {
  it('deduplicates shared requirements and orders dependencies first', () => {
    const g = buildGraph([new Join({ name: 'x', leaves: 'a,b' }), new Join({ name: 'y', leaves: 'b,c' })]);
    expect(g.order.map((t) => t.id)).toEqual([
      'Leaf(name=a, date=2026-11-27)',
      'Leaf(name=b, date=2026-11-27)',
      'Join(name=x, leaves=a,b)',
      'Leaf(name=c, date=2026-11-27)',
      'Join(name=y, leaves=b,c)',
    ]);
    expect(g.dependents.get('Leaf(name=b, date=2026-11-27)')).toEqual(['Join(name=x, leaves=a,b)', 'Join(name=y, leaves=b,c)']);
  });

  it('rejects a cycle and names its path', () => {
    expect(() => buildGraph([new Ping({ n: 1 })])).toThrow(new CycleError(['Ping(n=1)', 'Pong(n=1)', 'Ping(n=1)']));
  });
});

describe('scheduler', () => {
  it('runs the DAG in dependency order, then skips it all on a second run', async () => {
    const { run, world, store } = setup();
    const first = await run([new Join({ name: 'x' })]);
    expect(first.status).toBe('success');
    expect(world.runs).toEqual(['Leaf(name=a, date=2026-11-27)', 'Leaf(name=b, date=2026-11-27)', 'Join(name=x, leaves=a,b)']);
    expect((await store.get('Join/name=x/leaves=a,b/result.txt')).toString()).toBe('leaf a\nleaf b\n');
    const marker = JSON.parse((await store.get('Join/name=x/leaves=a,b/_SUCCESS')).toString());
    expect(marker).toMatchObject({ task_id: 'Join(name=x, leaves=a,b)', params: { name: 'x', leaves: 'a,b' }, outputs: ['Join/name=x/leaves=a,b/result.txt', 'Join/name=x/leaves=a,b/count.json'] });

    const second = await run([new Join({ name: 'x' })]);
    expect(second.ran).toEqual([]);
    expect(second.complete).toHaveLength(3);
    expect(world.runs).toHaveLength(3);
    expect(formatSummary(second)).toContain('everything was already complete');
    expect(summaryJson(second)).toMatchObject({ status: 'success', ran: [], failed: [], blocked: [] });
    expect((summaryJson(second).outputs as Record<string, string[]>)['Join(name=x, leaves=a,b)']).toEqual([
      'memory://test/Join/name=x/leaves=a,b/result.txt',
      'memory://test/Join/name=x/leaves=a,b/count.json',
    ]);
  });

  it('does not take outputs without a completion marker as complete', async () => {
    const { run, world, store } = setup();
    await store.put('Leaf/name=a/date=2026-11-27/out.txt', 'half-done');
    await run([new Leaf({ name: 'a' })]);
    expect(world.runs).toEqual(['Leaf(name=a, date=2026-11-27)']);
  });

  it('retries with exponential backoff, then succeeds', async () => {
    const { run, world, clock } = setup({ retries: 3, retryDelayMs: 100 });
    world.failures.set('Leaf(name=a, date=2026-11-27)', 2);
    const s = await run([new Leaf({ name: 'a' })]);
    expect(s.status).toBe('success');
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('gives up after the configured retries', async () => {
    const { run, world } = setup({ retries: 1 });
    world.failures.set('Leaf(name=a, date=2026-11-27)', 5);
    const s = await run([new Leaf({ name: 'a' })]);
    expect(s.status).toBe('failed');
    expect(s.failed).toEqual([{ id: 'Leaf(name=a, date=2026-11-27)', error: 'planned failure of Leaf(name=a, date=2026-11-27)', attempts: 2 }]);
  });

  it('blocks what is downstream of a failure but finishes independent branches', async () => {
    const { run, world } = setup({ workers: 1 });
    world.failures.set('Leaf(name=x1, date=2026-11-27)', 1);
    const s = await run([new Group({ names: 'x,y' })]);
    expect(s.status).toBe('failed');
    expect(s.failed.map((f) => f.id)).toEqual(['Leaf(name=x1, date=2026-11-27)']);
    expect(s.blocked).toEqual(['Join(name=x, leaves=x1,x2)', 'Group(names=x,y)']);
    expect(s.ran).toEqual(expect.arrayContaining(['Leaf(name=x2, date=2026-11-27)', 'Leaf(name=y1, date=2026-11-27)', 'Join(name=y, leaves=y1,y2)']));
    expect(formatSummary(s)).toMatch(/1 could not run|2 could not run because an upstream task failed/);

    // The re-run does only the missing work.
    world.runs.length = 0;
    const again = await run([new Group({ names: 'x,y' })]);
    expect(again.status).toBe('success');
    expect(world.runs).toEqual(['Leaf(name=x1, date=2026-11-27)', 'Join(name=x, leaves=x1,x2)']);
  });

  it('runs independent tasks in parallel up to --workers', async () => {
    for (const workers of [1, 3]) {
      const { run, world } = setup({ workers });
      for (const n of ['a1', 'a2', 'b1', 'b2', 'c1', 'c2']) world.delays.set(`Leaf(name=${n}, date=2026-11-27)`, 20);
      await run([new Group({ names: 'a,b,c' })]);
      expect(world.maxActive).toBe(workers);
      expect(world.runs).toHaveLength(9);
    }
  });

  it('--force invalidates a task and everything downstream, and nothing else', async () => {
    const { run, world } = setup();
    await run([new Join({ name: 'x' })]);
    world.runs.length = 0;
    await run([new Join({ name: 'x' })], { force: ['Leaf(name=b, date=2026-11-27)'] });
    expect(world.runs).toEqual(['Leaf(name=b, date=2026-11-27)', 'Join(name=x, leaves=a,b)']);
    await expect(run([new Join({ name: 'x' })], { force: ['Nope'] })).rejects.toThrow(/--force Nope: no such task in this DAG \(families: Leaf, Join\)/);
  });

  it('fails a task that did not write its declared output', async () => {
    const { run } = setup();
    const s = await run([new Forgetful({})]);
    expect(s.failed[0]!.error).toBe('run() finished without writing memory://test/Forgetful/never.txt');
  });

  it('writes every event of a run to the run log in the store', async () => {
    const { run, store, world } = setup({ retries: 1 });
    world.failures.set('Leaf(name=a, date=2026-11-27)', 1);
    await run([new Join({ name: 'x' })]);
    const [latest] = await readHistory(store, 5);
    expect(latest!.events.map((e) => `${e.event}${e.task_id ? ` ${e.task_id}` : ''}`)).toEqual([
      'run_started',
      'task_started Leaf(name=a, date=2026-11-27)',
      'task_retried Leaf(name=a, date=2026-11-27)',
      'task_started Leaf(name=a, date=2026-11-27)',
      'task_finished Leaf(name=a, date=2026-11-27)',
      'task_started Leaf(name=b, date=2026-11-27)',
      'task_finished Leaf(name=b, date=2026-11-27)',
      'task_started Join(name=x, leaves=a,b)',
      'task_finished Join(name=x, leaves=a,b)',
      'run_finished',
    ]);
  });

  it('tags log lines inside a task with its task id', async () => {
    const { run, logger } = setup();
    await run([new Leaf({ name: 'a' })]);
    expect(logger.lines.find((l) => l.message === 'task started')!.fields.task_id).toBe('Leaf(name=a, date=2026-11-27)');
  });
});

describe('batched completeness', () => {
  it('answers 500 tasks of one family with one listing, not one request per target', async () => {
    const { run, store } = setup({ workers: 4 });
    const leaves = Array.from({ length: 500 }, (_, i) => new Leaf({ name: `n${i}` }));
    await run(leaves);
    store.calls.list = 0;
    store.calls.exists = 0;
    const complete = await checkCompleteness(store, buildGraph(leaves));
    expect(complete.size).toBe(500);
    expect(store.calls.list).toBe(1);
    expect(store.calls.exists).toBe(0);
  });
});

describe('listing prefixes', () => {
  it('covers keys with one prefix when they fit in a page, and splits them into page-sized prefixes otherwise', () => {
    const keys = Array.from({ length: 2500 }, (_, i) => `Daily/date=${String(i).padStart(4, '0')}/_SUCCESS`).sort();
    expect(listingPrefixes(keys.slice(0, 900))).toEqual(['Daily/date=0']);
    const prefixes = listingPrefixes(keys, 1000);
    expect(prefixes).toEqual(['Daily/date=0', 'Daily/date=1', 'Daily/date=2']);
    // Every key is under exactly one prefix.
    for (const k of keys) expect(prefixes.filter((p) => k.startsWith(p))).toHaveLength(1);
    expect(listingPrefixes(keys, 100)).toHaveLength(25); // 'Daily/date=00' ... 'Daily/date=24'
  });
});
