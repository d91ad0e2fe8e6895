import { computePipelineStatus, summariseRuns, type NodeView, type PipelineStatus } from '../../../src/orchestrator/pipeline-status.js';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { readHistory, type RunEvent } from '../../../src/orchestrator/run-log.js';
import { Scheduler } from '../../../src/orchestrator/scheduler.js';
import { FakeClock } from '../../harness/fake-clock.js';
import { Combine, Extract, Gates, Publish } from '../../harness/gated-tasks.js';
import { MemoryObjectStore } from '../../harness/memory-store.js';

const ORDERS = 'Extract(name=orders, date=2026-11-27)';
const RETURNS = 'Extract(name=returns, date=2026-11-27)';
const COMBINE = 'Combine(date=2026-11-27)';
const PUBLISH = 'Publish(date=2026-11-27)';
const COMBINE_LOCK = 'Combine/date=2026-11-27/_LOCK';

function byId(status: PipelineStatus): Record<string, NodeView> {
  return Object.fromEntries(status.nodes.map((n) => [n.id, n]));
}

function statuses(status: PipelineStatus): Record<string, string> {
  return Object.fromEntries(status.nodes.map((n) => [n.id, n.status]));
}

function setup() {
  const store = new MemoryObjectStore();
  const clock = new FakeClock();
  const gates = new Gates();
  let n = 0;
  const scheduler = () =>
    new Scheduler<Gates>({ store, logger: createMemoryLogger(), clock, resources: gates, runId: `20261127T020000Z-run${++n}` }, { workers: 1, retries: 0, retryDelayMs: 10 });
  const status = () => computePipelineStatus(store, [new Publish({})], { now: clock.now() });
  return { store, clock, gates, scheduler, status };
}

/** Asks again until the predicate holds: the run log is written in the background of a run. */
async function eventually(get: () => Promise<PipelineStatus>, ok: (s: PipelineStatus) => boolean): Promise<PipelineStatus> {
  let last = await get();
  for (let i = 0; i < 200 && !ok(last); i++) {
    await new Promise((r) => setTimeout(r, 5));
    last = await get();
  }
  return last;
}

/** A hand-written run log object, for states a live scheduler passes through too quickly. */
async function writeRun(store: MemoryObjectStore, runId: string, events: Omit<RunEvent, 'run_id'>[]): Promise<void> {
  await store.put(`_runs/${runId}.jsonl`, events.map((e) => JSON.stringify({ run_id: runId, ...e })).join('\n') + '\n');
}

describe('computePipelineStatus', () => {
  it('shows a DAG nobody ran as pending, with its edges, dependencies first', async () => {
    const { status } = setup();
    const s = await status();
    expect(s.nodes.map((n) => n.id)).toEqual([ORDERS, RETURNS, COMBINE, PUBLISH]);
    expect(s.nodes.every((n) => n.status === 'pending' && n.durationMs === undefined && n.runId === undefined)).toBe(true);
    expect(s.edges).toEqual([
      { from: ORDERS, to: COMBINE },
      { from: RETURNS, to: COMBINE },
      { from: COMBINE, to: PUBLISH },
    ]);
    expect(s.roots).toEqual([PUBLISH]);
    expect(s.running).toBe(false);
    expect(byId(s)[ORDERS]!.params).toEqual({ name: 'orders', date: '2026-11-27' });
  });

  it('follows a live run: running while its task is held, complete with durations after', async () => {
    const { gates, scheduler, status, clock, store } = setup();
    gates.close('Combine');
    const run = scheduler().run([new Publish({})]);
    await gates.whenEntered('Combine');
    clock.advance(4_000);

    const during = await eventually(status, (s) => s.running);
    expect(statuses(during)).toEqual({ [ORDERS]: 'complete', [RETURNS]: 'complete', [COMBINE]: 'running', [PUBLISH]: 'pending' });
    expect(byId(during)[COMBINE]).toMatchObject({ runId: '20261127T020000Z-run1', lastEvent: 'task_started', attempt: 1, durationMs: 4_000 });
    expect(await store.exists(COMBINE_LOCK)).toBe(true);

    gates.open('Combine');
    expect((await run).status).toBe('success');
    const after = await status();
    expect(after.running).toBe(false);
    expect(Object.values(statuses(after))).toEqual(['complete', 'complete', 'complete', 'complete']);
    // The clock moved 4 s while Combine was held: that is its recorded duration.
    expect(byId(after)[COMBINE]).toMatchObject({ durationMs: 4_000, runId: '20261127T020000Z-run1' });
  });

  it('marks a failed task failed with its error, and what it blocked pending', async () => {
    const { gates, scheduler, status } = setup();
    gates.failures.set('Combine', 1);
    expect((await scheduler().run([new Publish({})])).status).toBe('failed');
    const s = await status();
    expect(statuses(s)).toEqual({ [ORDERS]: 'complete', [RETURNS]: 'complete', [COMBINE]: 'failed', [PUBLISH]: 'pending' });
    expect(byId(s)[COMBINE]).toMatchObject({ error: 'planned failure of Combine', lastEvent: 'task_failed' });
    expect(byId(s)[PUBLISH]).toMatchObject({ lastEvent: 'task_blocked', runId: '20261127T020000Z-run1' });

    // A later successful run replaces the failure.
    const again = await scheduler().run([new Publish({})]);
    expect(again.status).toBe('success');
    expect(Object.values(statuses(await status()))).toEqual(['complete', 'complete', 'complete', 'complete']);
  });

  it('does not call a task running when its run was killed: no lock, or an expired one', async () => {
    const { store, status } = setup();
    await writeRun(store, '20261127T010000Z-dead', [
      { ts: '2026-11-27T01:00:00.000Z', event: 'run_started', detail: { roots: [PUBLISH], tasks: 4 } },
      { ts: '2026-11-27T01:00:01.000Z', event: 'task_started', task_id: COMBINE, attempt: 1 },
    ]);
    expect(byId(await status())[COMBINE]).toMatchObject({ status: 'pending', lastEvent: 'task_started' });

    await store.put(COMBINE_LOCK, JSON.stringify({ token: 't', run_id: 'x', host: 'h', pid: 1, expires_at: Date.parse('2026-11-27T01:30:00Z') }));
    expect(byId(await status())[COMBINE]!.status).toBe('pending');

    await store.put(COMBINE_LOCK, JSON.stringify({ token: 't', run_id: 'x', host: 'h', pid: 1, expires_at: Date.parse('2026-11-27T02:01:00Z') }));
    const live = byId(await status())[COMBINE]!;
    expect(live.status).toBe('running');
    // FakeClock's now is 02:00:00; the task started at 01:00:01.
    expect(live.durationMs).toBe(3_599_000);
  });

  it('counts a task waiting for its retry as running, and a finished run as not running', async () => {
    const { store, status } = setup();
    await store.put(COMBINE_LOCK, JSON.stringify({ token: 't', run_id: 'x', host: 'h', pid: 1, expires_at: Date.parse('2026-11-27T03:00:00Z') }));
    const events: Omit<RunEvent, 'run_id'>[] = [
      { ts: '2026-11-27T01:59:00.000Z', event: 'run_started' },
      { ts: '2026-11-27T01:59:10.000Z', event: 'task_started', task_id: COMBINE, attempt: 1 },
      { ts: '2026-11-27T01:59:20.000Z', event: 'task_retried', task_id: COMBINE, attempt: 1, error: 'flaky' },
    ];
    await writeRun(store, '20261127T015900Z-retry', events);
    expect(byId(await status())[COMBINE]).toMatchObject({ status: 'running', lastEvent: 'task_retried', attempt: 1 });

    await writeRun(store, '20261127T015900Z-retry', [...events, { ts: '2026-11-27T01:59:30.000Z', event: 'run_finished', detail: { status: 'failed' } }]);
    expect(byId(await status())[COMBINE]!.status).toBe('pending');
  });

  it('takes a task status from the newest run that touched it', async () => {
    const { store, status } = setup();
    await writeRun(store, '20261126T020000Z-old', [
      { ts: '2026-11-26T02:00:00.000Z', event: 'run_started' },
      { ts: '2026-11-26T02:00:01.000Z', event: 'task_started', task_id: ORDERS, attempt: 1 },
      { ts: '2026-11-26T02:00:03.500Z', event: 'task_failed', task_id: ORDERS, attempt: 1, error: 'disk full' },
      { ts: '2026-11-26T02:00:04.000Z', event: 'run_finished', detail: { status: 'failed' } },
    ]);
    // A newer run about other tasks only does not hide the old failure.
    await writeRun(store, '20261127T010000Z-other', [
      { ts: '2026-11-27T01:00:00.000Z', event: 'run_started' },
      { ts: '2026-11-27T01:00:01.000Z', event: 'task_started', task_id: RETURNS, attempt: 1 },
      { ts: '2026-11-27T01:00:03.000Z', event: 'task_finished', task_id: RETURNS, attempt: 1, duration_ms: 2_000 },
      { ts: '2026-11-27T01:00:04.000Z', event: 'run_finished', detail: { status: 'success' } },
    ]);
    const s = byId(await status());
    expect(s[ORDERS]).toMatchObject({ status: 'failed', error: 'disk full', durationMs: 2_500, runId: '20261126T020000Z-old' });
    // RETURNS finished but its outputs are not in the store (removed since): pending, with its last duration.
    expect(s[RETURNS]).toMatchObject({ status: 'pending', durationMs: 2_000, lastEvent: 'task_finished' });
  });
});

describe('summariseRuns', () => {
  it('summarises finished and unfinished runs, newest first as given', async () => {
    const store = new MemoryObjectStore();
    await writeRun(store, '20261127T010000Z-a', [
      { ts: '2026-11-27T01:00:00.000Z', event: 'run_started', detail: { roots: [PUBLISH], tasks: 4 } },
      { ts: '2026-11-27T01:00:02.000Z', event: 'task_failed', task_id: COMBINE, attempt: 2, error: 'boom' },
      { ts: '2026-11-27T01:01:30.000Z', event: 'run_finished', detail: { status: 'failed', ran: 2, complete: 0, failed: 1, blocked: 1 } },
    ]);
    await writeRun(store, '20261127T020000Z-b', [{ ts: '2026-11-27T02:00:00.000Z', event: 'run_started', detail: { roots: [PUBLISH], tasks: 4 } }]);
    const runs = summariseRuns(await readHistory(store, 10));
    expect(runs).toEqual([
      { runId: '20261127T020000Z-b', startedAt: '2026-11-27T02:00:00.000Z', status: 'unfinished', roots: [PUBLISH], tasks: 4, failures: [] },
      {
        runId: '20261127T010000Z-a',
        startedAt: '2026-11-27T01:00:00.000Z',
        finishedAt: '2026-11-27T01:01:30.000Z',
        status: 'failed',
        roots: [PUBLISH],
        tasks: 4,
        counts: { ran: 2, complete: 0, failed: 1, blocked: 1 },
        durationMs: 90_000,
        failures: [{ taskId: COMBINE, error: 'boom' }],
      },
    ]);
  });
});

describe('gated toy DAG', () => {
  it('builds Extract x2 -> Combine -> Publish', () => {
    expect(new Combine({}).requires().map((t) => t.id)).toEqual([ORDERS, RETURNS]);
    expect(new Extract({ name: 'x' }).dir).toBe('Extract/name=x/date=2026-11-27');
  });
});
