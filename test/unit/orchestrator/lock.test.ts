import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { StoreLocks } from '../../../src/orchestrator/lock.js';
import { FakeClock } from '../../harness/fake-clock.js';
import { MemoryObjectStore } from '../../harness/memory-store.js';

// A long lease: the fake clock moves on with every poll, and only the expiry test lets it run out.
const options = { leaseMs: 1_000_000_000, heartbeatMs: 1_000_000_000, pollMs: 500 };

function locks(store: MemoryObjectStore, clock: FakeClock, pid: number, alive: (pid: number) => boolean = () => true) {
  return new StoreLocks(store, clock, { runId: `run-${pid}`, host: 'h1', pid }, options, createMemoryLogger(), alive);
}

describe('store locks', () => {
  it('lets one holder in and makes the other wait until the task is done', async () => {
    const store = new MemoryObjectStore();
    const clock = new FakeClock();
    const a = await locks(store, clock, 1).acquire('T/_LOCK', { isDone: async () => false });
    expect(a).not.toBe('done');
    let done = false;
    const waiting = locks(store, clock, 2).acquire('T/_LOCK', { isDone: async () => done });
    await new Promise((r) => setTimeout(r, 5));
    done = true;
    expect(await waiting).toBe('done');
    expect(await locks(store, clock, 3).acquire('T/_LOCK', { isDone: async () => false, noWait: true })).toBe('held');
  });

  it('hands the lock over once the holder releases it', async () => {
    const store = new MemoryObjectStore();
    const clock = new FakeClock();
    const a = await locks(store, clock, 1).acquire('T/_LOCK', { isDone: async () => false });
    const waiting = locks(store, clock, 2).acquire('T/_LOCK', { isDone: async () => false });
    await new Promise((r) => setTimeout(r, 5));
    if (typeof a === 'string') throw new Error('expected a lease');
    await a.release();
    const b = await waiting;
    expect(typeof b).toBe('object');
  });

  it('takes over a lock whose lease expired, and only one waiter wins', async () => {
    const store = new MemoryObjectStore();
    const clock = new FakeClock();
    await locks(store, clock, 1).acquire('T/_LOCK', { isDone: async () => false });
    clock.advance(options.leaseMs + 1); // the holder stopped heartbeating
    const results = await Promise.all(
      [2, 3, 4].map((pid) => locks(store, clock, pid).acquire('T/_LOCK', { isDone: async () => false, noWait: true })),
    );
    expect(results.filter((r) => typeof r === 'object')).toHaveLength(1);
    expect(results.filter((r) => r === 'held')).toHaveLength(2);
  });

  it('takes over at once a lock held by a dead process on this host', async () => {
    const store = new MemoryObjectStore();
    const clock = new FakeClock();
    await locks(store, clock, 1).acquire('T/_LOCK', { isDone: async () => false });
    const next = await locks(store, clock, 2, (pid) => pid !== 1).acquire('T/_LOCK', { isDone: async () => false, noWait: true });
    expect(typeof next).toBe('object');
  });

  it('treats an unreadable lock object as stale instead of blocking forever', async () => {
    const store = new MemoryObjectStore();
    await store.put('T/_LOCK', 'garbage');
    const lease = await locks(store, new FakeClock(), 2).acquire('T/_LOCK', { isDone: async () => false, noWait: true });
    expect(typeof lease).toBe('object');
  });
});
