import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { LocalModelRegistry } from '../../src/adapters/tracking/local-registry.js';
import { LocalExperimentTracker } from '../../src/adapters/tracking/local-tracker.js';
import { openTracking } from '../../src/adapters/tracking/open-tracking.js';
import { syncTracking } from '../../src/application/sync-tracking.js';
import { trackTraining } from '../../src/application/track-training.js';
import { listTrackingRecords, readTrackingRecord } from '../../src/application/tracking-record.js';
import { TrackingError, type ExperimentTracker } from '../../src/ports/experiment-tracker.js';
import { FakeClock } from '../harness/fake-clock.js';
import { describeTrackingContract, sampleRun, uniqueName, type TrackingBackend } from '../harness/tracking-contract.js';

let tmp: string;
let backend: TrackingBackend;
const clock = new FakeClock(Date.parse('2019-03-01T07:00:00Z'));

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'returns-tracking-local-'));
  const store = new LocalObjectStore(path.join(tmp, 'store'));
  backend = { store, tracker: new LocalExperimentTracker(store), registry: new LocalModelRegistry(store, clock) };
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describeTrackingContract('local store', () => backend);

describe('local tracking', () => {
  it('keeps runs and artifacts as files under _tracking/ and the registry under _registry/', async () => {
    const { store, tracker, registry } = backend;
    const run = sampleRun(uniqueName('exp'));
    const logged = await tracker.logRun(run);
    expect(await store.exists(`_tracking/runs/${logged.runId}.json`)).toBe(true);
    expect(await store.exists(`_tracking/run-artifacts/${logged.runId}/reports/training-report.bin`)).toBe(true);
    const name = uniqueName('model');
    await registry.registerVersion({ name, runId: logged.runId, artifactUri: logged.artifactUri });
    await registry.setAlias(name, 'champion', 1);
    expect(await store.exists(`_registry/${name}/versions/000001.json`)).toBe(true);
    expect(await store.exists(`_registry/${name}/aliases/champion.json`)).toBe(true);
  });

  it('two registrations racing for the next version number both get a version', async () => {
    const { tracker, registry } = backend;
    const name = uniqueName('model');
    const runs = await Promise.all([tracker.logRun(sampleRun(uniqueName('exp'))), tracker.logRun(sampleRun(uniqueName('exp')))]);
    const versions = await Promise.all(runs.map((r) => registry.registerVersion({ name, runId: r.runId, artifactUri: r.artifactUri })));
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2]);
  });

  it('concurrent audit appends lose no entry', async () => {
    const { registry } = backend;
    const name = uniqueName('model');
    await Promise.all(
      [1, 2, 3, 4, 5].map((i) => registry.appendAliasAudit({ name, alias: 'champion', version: i, actor: 'test', reason: `r${i}`, at: '2019-03-01T00:00:00.000Z' })),
    );
    const log = await registry.aliasAudit(name);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log.map((e) => e.version).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('openTracking picks the local adapters when MLFLOW_TRACKING_URI is unset or empty', () => {
    for (const env of [{}, { MLFLOW_TRACKING_URI: '' }]) {
      const { tracker, registry } = openTracking({ env, store: backend.store, clock });
      expect(tracker.kind).toBe('local');
      expect(registry.kind).toBe('local');
    }
    expect(openTracking({ env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:1' }, store: backend.store, clock }).tracker.kind).toBe('mlflow');
  });
});

/** A tracker that refuses while `down` is set, in front of a real local tracker. */
class FlakyTracker implements ExperimentTracker {
  readonly kind = 'local' as const;
  down = true;
  calls = 0;
  constructor(private readonly inner: LocalExperimentTracker) {}
  get location(): string {
    return this.inner.location;
  }
  async logRun(...args: Parameters<ExperimentTracker['logRun']>) {
    this.calls++;
    if (this.down) throw new TrackingError('MLflow POST /api/2.0/mlflow/runs/search at http://127.0.0.1:1: cannot connect (ECONNREFUSED)');
    return this.inner.logRun(...args);
  }
  findRun(...args: Parameters<ExperimentTracker['findRun']>) {
    return this.inner.findRun(...args);
  }
  listRuns(...args: Parameters<ExperimentTracker['listRuns']>) {
    return this.inner.listRuns(...args);
  }
  getRun(...args: Parameters<ExperimentTracker['getRun']>) {
    return this.inner.getRun(...args);
  }
  readArtifact(...args: Parameters<ExperimentTracker['readArtifact']>) {
    return this.inner.readArtifact(...args);
  }
}

describe('tracking while the tracker is down', () => {
  it('keeps the record, reports why, and syncTracking completes it later without duplicates', async () => {
    const store = new LocalObjectStore(path.join(tmp, 'flaky-store'));
    const tracker = new FlakyTracker(new LocalExperimentTracker(store));
    const experiment = uniqueName('exp');
    const training = (recordId: string) => ({
      recordId,
      pipelineRunId: 'p1',
      experiment,
      runName: 'TrainModel 2019-03-01',
      startTime: new Date('2019-03-01T06:00:00Z'),
      endTime: new Date('2019-03-01T06:01:00Z'),
      params: { horizon_days: 35 },
      metrics: [{ key: 'val.auc', value: 0.7 }],
      artifacts: [{ path: 'model.json', body: '{"m":1}' }],
    });
    const outcomes = [await trackTraining({ store, tracker, clock }, training('rec-a')), await trackTraining({ store, tracker, clock }, training('rec-b'))];
    expect(outcomes.map((o) => o.synced)).toEqual([false, false]);
    expect(outcomes[0]?.error).toContain('ECONNREFUSED');
    expect((await readTrackingRecord(store, 'rec-a'))?.lastFailure?.error).toContain('ECONNREFUSED');
    expect(await store.exists('_tracking/record-artifacts/rec-a/model.json')).toBe(true);

    // Still down: the first failure stops the sync, the other record is left for later.
    const whileDown = await syncTracking({ store, tracker, clock });
    expect(whileDown.failed.map((f) => f.recordId)).toEqual(['rec-a']);
    expect(whileDown.skipped).toEqual(['rec-b']);

    tracker.down = false;
    const back = await syncTracking({ store, tracker, clock });
    expect(back.pushed.map((p) => p.recordId)).toEqual(['rec-a', 'rec-b']);
    const again = await syncTracking({ store, tracker, clock });
    expect(again).toMatchObject({ upToDate: 2, pushed: [], failed: [], skipped: [] });
    expect(await tracker.listRuns(experiment)).toHaveLength(2);
    const records = await listTrackingRecords(store);
    expect(records.every((r) => r.syncs[tracker.location] !== undefined && r.lastFailure === undefined)).toBe(true);
  });
});
