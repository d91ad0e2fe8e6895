import { defaultConfig } from '../../../config/schema.js';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import type { Runtime } from '../../../src/cli/compose.js';
import { ScheduledRuns, schedulerLockKey } from '../../../src/cli/scheduled-runs.js';
import { defaultLockOptions, StoreLocks } from '../../../src/orchestrator/lock.js';
import { readHistory } from '../../../src/orchestrator/run-log.js';
import { Scheduler } from '../../../src/orchestrator/scheduler.js';
import { FakeClock } from '../../harness/fake-clock.js';
import { MemoryObjectStore } from '../../harness/memory-store.js';
import { Leaf, newWorld, type ToyWorld } from '../../harness/toy-tasks.js';

/** ScheduledRuns over toy tasks in a memory store: one runtime (new run id) per trigger, as the CLI does. */
function setup() {
  const store = new MemoryObjectStore();
  const clock = new FakeClock();
  const logger = createMemoryLogger();
  const world = newWorld();
  let n = 0;
  const openRuntime = async (): Promise<Runtime> => {
    const runId = `20261127T020000Z-trigger${++n}`;
    const runtime = {
      config: defaultConfig,
      store,
      logger: logger.child({ run_id: runId }),
      runId,
      resources: world,
      scheduler: () => new Scheduler<ToyWorld>({ store, logger, clock, resources: world, runId }, { workers: 1, retries: 0, retryDelayMs: 0 }),
    };
    return runtime as unknown as Runtime;
  };
  // The memory store's close() would be a no-op anyway; the runner closes each runtime's store.
  const runs = new ScheduledRuns({ family: 'Leaf', taskFor: (date) => new Leaf({ name: 'a', date }), openRuntime, clock, logger, host: 'this-host', pid: 4242 });
  return { store, clock, logger, world, runs };
}

describe('ScheduledRuns (one trigger of returns schedule)', () => {
  it('runs the task for the UTC date of the trigger and releases the scheduler lock', async () => {
    const { store, world, runs } = setup();
    // 21:30 in New York on the 27th is already the 28th in UTC.
    const outcome = await runs.fire(new Date('2026-11-27T21:30:00-05:00'));
    expect(outcome).toMatchObject({ kind: 'ran', date: '2026-11-28', summary: { status: 'success', ran: ['Leaf(name=a, date=2026-11-28)'] } });
    expect(world.runs).toEqual(['Leaf(name=a, date=2026-11-28)']);
    expect(store.objects.has(schedulerLockKey('Leaf'))).toBe(false);
    expect(runs.busy).toBe(false);
  });

  it('skips a trigger that comes while the previous run of this process is going', async () => {
    const { world, logger, runs } = setup();
    const at = new Date('2026-11-27T02:00:00Z');
    const first = runs.fire(at);
    const second = await runs.fire(at);
    expect(second).toEqual({ kind: 'skipped', date: '2026-11-27', reason: 'the previous run in this process is still going' });
    expect(runs.busy).toBe(true);
    expect((await first).kind).toBe('ran');
    expect(world.runs).toEqual(['Leaf(name=a, date=2026-11-27)']);
    // Every trigger is logged, the skipped one too.
    expect(logger.lines.filter((l) => l.message === 'schedule triggered')).toHaveLength(2);
    expect(logger.lines.filter((l) => l.message.startsWith('schedule trigger skipped'))).toHaveLength(1);
    // Once the first is over, the next trigger runs (and finds the task complete).
    const third = await runs.fire(at);
    expect(third).toMatchObject({ kind: 'ran', summary: { ran: [], complete: ['Leaf(name=a, date=2026-11-27)'] } });
  });

  it('skips a trigger while another scheduler holds the lock in the store, and says who', async () => {
    const { store, clock, world, logger, runs } = setup();
    const other = new StoreLocks(store, clock, { runId: 'other-run', host: 'other-host', pid: 7 }, defaultLockOptions, createMemoryLogger());
    const lease = await other.acquire(schedulerLockKey('Leaf'), { isDone: async () => false, noWait: true });
    expect(typeof lease).toBe('object');

    const outcome = await runs.fire(clock.now());
    expect(outcome).toEqual({ kind: 'skipped', date: '2026-11-27', reason: 'the previous run is still going: run other-run (pid 7 on other-host)' });
    expect(world.runs).toEqual([]);
    // Nothing of a run was started: no run log.
    expect(await readHistory(store, 10)).toEqual([]);
    expect(logger.lines.some((l) => l.level === 'warn' && l.message.startsWith('schedule trigger skipped') && l.fields.run_id === '20261127T020000Z-trigger1')).toBe(true);

    if (typeof lease === 'object') await lease.release();
    expect((await runs.fire(clock.now())).kind).toBe('ran');
    expect(world.runs).toEqual(['Leaf(name=a, date=2026-11-27)']);
  });

  it('takes over the lock of a scheduler that died (its lease ran out)', async () => {
    const { store, clock, world, runs } = setup();
    const dead = new StoreLocks(store, clock, { runId: 'dead-run', host: 'other-host', pid: 7 }, defaultLockOptions, createMemoryLogger());
    const lease = await dead.acquire(schedulerLockKey('Leaf'), { isDone: async () => false, noWait: true });
    expect(typeof lease).toBe('object');
    clock.advance(defaultConfig.lock.leaseSeconds * 1000 + 1);
    expect((await runs.fire(clock.now())).kind).toBe('ran');
    expect(world.runs).toEqual(['Leaf(name=a, date=2026-11-27)']);
    // The dead holder's late release leaves the new owner's lock alone (and there is none left now).
    if (typeof lease === 'object') await lease.release();
    expect(store.objects.has(schedulerLockKey('Leaf'))).toBe(false);
  });

  it('names the lock after the task family, under _scheduler/', () => {
    expect(schedulerLockKey('TrainModel')).toBe('_scheduler/TrainModel/_LOCK');
    expect(() => schedulerLockKey('../x')).toThrow(/unsafe store key/);
  });
});
