/** The served model/snapshot pair: loaded whole before it is swapped in, kept when a refresh fails. */
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { ModelHolder, type ModelRef, type SnapshotRef } from '../../../src/application/model-holder.js';
import type { LoadedModel } from '../../../src/domain/artifact/model-artifact.js';
import { EMPTY_SNAPSHOT, type HistorySnapshot } from '../../../src/domain/features/online-features.js';
import { FakeClock } from '../../harness/fake-clock.js';

function loaded(asOf: string): LoadedModel {
  return { artifact: { as_of: asOf }, model: { features: [] } } as unknown as LoadedModel;
}

/** A promise the test resolves when it chooses. */
function gate<T>(): { promise: Promise<T>; open: (value: T) => void; fail: (err: Error) => void } {
  let open!: (value: T) => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

function ref(version: number, load: () => Promise<LoadedModel>): ModelRef {
  return { id: `m/${version}`, label: `m/${version}`, name: 'm', version, load };
}

describe('ModelHolder', () => {
  it('keeps serving the old pair until the new model has loaded completely', async () => {
    let current = ref(1, async () => loaded('2019-01-01'));
    const loads: string[] = [];
    const holder = new ModelHolder({ locateModel: async () => current, logger: createMemoryLogger(), clock: new FakeClock() });
    expect(holder.state).toBeUndefined();
    expect(await holder.refresh('start')).toBe(true);
    const first = holder.state!;
    expect(first.model.label).toBe('m/1');
    expect(first.snapshotId).toBeNull();
    expect(first.snapshot).toBe(EMPTY_SNAPSHOT);

    const g = gate<LoadedModel>();
    current = ref(2, () => {
      loads.push('m/2');
      return g.promise;
    });
    const refreshing = holder.refresh('poll');
    await new Promise((r) => setImmediate(r));
    expect(loads).toEqual(['m/2']);
    expect(holder.state).toBe(first);
    g.open(loaded('2019-02-01'));
    expect(await refreshing).toBe(true);
    expect(holder.state!.model.label).toBe('m/2');
    expect(holder.state!.artifact.as_of).toBe('2019-02-01');
  });

  it('does not reload what did not change, and reloads only the part that did', async () => {
    let modelLoads = 0;
    let snapshotLoads = 0;
    let snapshotId = 's/1';
    const snapshot = { ...EMPTY_SNAPSHOT, asOf: '2019-03-01' } as HistorySnapshot;
    const holder = new ModelHolder({
      locateModel: async () => ref(1, async () => (modelLoads++, loaded('2019-01-01'))),
      locateSnapshot: async (): Promise<SnapshotRef> => ({ id: snapshotId, load: async () => (snapshotLoads++, snapshot) }),
      logger: createMemoryLogger(),
      clock: new FakeClock(),
    });
    await holder.refresh('start');
    expect(await holder.refresh('poll')).toBe(false);
    expect([modelLoads, snapshotLoads]).toEqual([1, 1]);
    snapshotId = 's/2';
    expect(await holder.refresh('poll')).toBe(true);
    expect([modelLoads, snapshotLoads]).toEqual([1, 2]);
    expect(holder.state!.snapshotId).toBe('s/2');
  });

  it('keeps the served pair when a refresh fails, and says why', async () => {
    let fail = false;
    const logger = createMemoryLogger();
    const holder = new ModelHolder({
      locateModel: async () => (fail ? ref(2, async () => Promise.reject(new Error('model.json is malformed'))) : ref(1, async () => loaded('2019-01-01'))),
      logger,
      clock: new FakeClock(),
    });
    await holder.refresh('start');
    fail = true;
    expect(await holder.refresh('SIGHUP')).toBe(false);
    expect(holder.state!.model.label).toBe('m/1');
    expect(holder.problem).toMatch(/model.json is malformed/);
    expect(logger.lines.some((l) => l.level === 'error' && /still serving m\/1/.test(l.message))).toBe(true);
  });

  it('runs refreshes one at a time, in call order', async () => {
    const order: string[] = [];
    let n = 0;
    const holder = new ModelHolder({
      locateModel: async () => {
        const v = ++n;
        order.push(`locate ${v}`);
        return ref(v, async () => {
          await new Promise((r) => setTimeout(r, 5));
          order.push(`loaded ${v}`);
          return loaded('2019-01-01');
        });
      },
      logger: createMemoryLogger(),
      clock: new FakeClock(),
    });
    await Promise.all([holder.refresh('a'), holder.refresh('b')]);
    expect(order).toEqual(['locate 1', 'loaded 1', 'locate 2', 'loaded 2']);
    expect(holder.state!.model.label).toBe('m/2');
  });

  it('is not ready while there is no champion', async () => {
    const holder = new ModelHolder({ locateModel: async () => undefined, logger: createMemoryLogger(), clock: new FakeClock() });
    expect(await holder.refresh('start')).toBe(false);
    expect(holder.state).toBeUndefined();
    expect(holder.problem).toMatch(/no champion/);
  });
});
