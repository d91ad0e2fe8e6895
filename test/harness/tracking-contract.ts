/**
 * The behaviour every ExperimentTracker + ModelRegistry pair must have, as one jest suite. Each
 * adapter's test file calls `describeTrackingContract` with a factory; the local adapter and the
 * MLflow adapter (against a real server) run the same assertions.
 *
 * Tests share one backend per file, so each test works in its own experiment / model name.
 */
import { randomBytes } from 'node:crypto';
import { trackingRecordId } from '../../src/domain/tracking/names.js';
import { moveAlias } from '../../src/application/model-versions.js';
import { listRuns, showRun } from '../../src/application/show-runs.js';
import { trackTraining } from '../../src/application/track-training.js';
import { readTrackingRecord } from '../../src/application/tracking-record.js';
import { TrackingError, type ExperimentTracker, type MetricPoint, type RunToLog } from '../../src/ports/experiment-tracker.js';
import type { ModelRegistry } from '../../src/ports/model-registry.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { FakeClock } from './fake-clock.js';

export interface TrackingBackend {
  readonly tracker: ExperimentTracker;
  readonly registry: ModelRegistry;
  /** The pipeline's store (records, audit log; for the local adapters also the runs themselves). */
  readonly store: ObjectStore;
}

/** Every byte value, so that an artifact round trip proves binary safety. */
export const BINARY_ARTIFACT = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** A run as TrainModel would log it: two model families, boosting curves, four artifacts. */
export function sampleRun(experiment: string, overrides: Partial<RunToLog> = {}): RunToLog {
  const t0 = Date.UTC(2019, 2, 1, 6, 0, 0);
  const curve: MetricPoint[] = [0, 1, 2, 3, 4].map((step) => ({ key: 'gbm.val.logloss', value: 0.69 - step * 0.01, step, timestamp: t0 + 1000 + step }));
  const modelJson = Buffer.from(JSON.stringify({ family: 'gbm', trees: [[1, 2, 3]] }));
  return {
    experiment,
    recordId: uniqueName('rec'),
    pipelineRunId: '20190301T060000Z-abc123',
    runName: 'TrainModel 2019-03-01',
    startTime: t0,
    endTime: t0 + 60_000,
    status: 'FINISHED',
    params: { as_of: '2019-03-01', horizon_days: '35', engine: 'duckdb', data_fingerprint: 'sha256:0f0f', 'gbm.learning_rate': '0.1' },
    metrics: [
      ...curve,
      { key: 'gbm.val.auc', value: 0.71, step: 0, timestamp: t0 + 2000 },
      { key: 'logreg.val.auc', value: 0.66, step: 0, timestamp: t0 + 2000 },
      { key: 'test.auc', value: 0.7, step: 0, timestamp: t0 + 3000 },
      // A diverged model family: JSON has no NaN, so each adapter must carry it its own way.
      { key: 'sgd.val.logloss', value: Number.NaN, step: 0, timestamp: t0 + 2000 },
    ],
    tags: { 'returns.selected_family': 'gbm', 'returns.as_of': '2019-03-01' },
    artifacts: [
      { path: 'model.json', read: async () => modelJson },
      { path: 'model.sql', read: async () => Buffer.from('SELECT 1 / (1 + exp(-(0.2 * price))) AS p FROM features\n') },
      { path: 'reports/quality-report.json', read: async () => Buffer.from('{"accepted":120,"quarantined":6}') },
      { path: 'reports/training-report.bin', read: async () => BINARY_ARTIFACT },
    ],
    ...overrides,
  };
}

export function describeTrackingContract(label: string, backend: () => TrackingBackend): void {
  describe(`tracking contract: ${label}`, () => {
    it('logs a run with its params, metric histories (steps), tags, status, times and artifacts', async () => {
      const { tracker } = backend();
      const run = sampleRun(uniqueName('exp'));
      const logged = await tracker.logRun(run);
      expect(logged.created).toBe(true);

      const detail = await tracker.getRun(logged.runId);
      expect(detail).toBeDefined();
      if (!detail) return;
      expect(detail.runId).toBe(logged.runId);
      expect(detail.experiment).toBe(run.experiment);
      expect(detail.runName).toBe(run.runName);
      expect(detail.status).toBe('FINISHED');
      expect(detail.startTime).toBe(run.startTime);
      expect(detail.endTime).toBe(run.endTime);
      expect(detail.recordId).toBe(run.recordId);
      expect(detail.pipelineRunId).toBe(run.pipelineRunId);
      expect(detail.artifactUri).toBe(logged.artifactUri);
      expect(detail.params).toEqual(run.params);
      expect(detail.tags).toMatchObject(run.tags);
      const byKeyStep = (a: MetricPoint, b: MetricPoint): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step);
      expect([...detail.metrics].sort(byKeyStep)).toEqual([...run.metrics].sort(byKeyStep));
      expect(detail.metrics.filter((m) => m.key === 'gbm.val.logloss').map((m) => m.step)).toEqual([0, 1, 2, 3, 4]);

      expect(detail.artifacts.map((a) => a.path)).toEqual(['model.json', 'model.sql', 'reports/quality-report.json', 'reports/training-report.bin']);
      expect(detail.artifacts.find((a) => a.path === 'reports/training-report.bin')?.size).toBe(BINARY_ARTIFACT.length);
      for (const artifact of run.artifacts) {
        expect((await tracker.readArtifact(logged.runId, artifact.path)).equals(await artifact.read())).toBe(true);
      }
    });

    it('finds a run by its record id and lists runs newest first', async () => {
      const { tracker } = backend();
      const experiment = uniqueName('exp');
      const older = sampleRun(experiment);
      const newer = sampleRun(experiment, { startTime: older.startTime + 86_400_000, endTime: older.endTime + 86_400_000 });
      const a = await tracker.logRun(older);
      const b = await tracker.logRun(newer);
      expect(a.runId).not.toBe(b.runId);

      expect((await tracker.findRun(experiment, older.recordId))?.runId).toBe(a.runId);
      expect(await tracker.findRun(experiment, uniqueName('rec'))).toBeUndefined();
      expect(await tracker.findRun(uniqueName('no-such-exp'), older.recordId)).toBeUndefined();

      expect((await tracker.listRuns(experiment)).map((r) => r.runId)).toEqual([b.runId, a.runId]);
      expect((await tracker.listRuns(experiment, { limit: 1 })).map((r) => r.runId)).toEqual([b.runId]);
      expect(await tracker.listRuns(uniqueName('no-such-exp'))).toEqual([]);
    });

    it('logging the same record again updates the same run: no duplicate run, no duplicate metric points', async () => {
      const { tracker } = backend();
      const run = sampleRun(uniqueName('exp'));
      const first = await tracker.logRun(run);
      const second = await tracker.logRun(run);
      expect(second.runId).toBe(first.runId);
      expect(second.created).toBe(false);
      expect(await tracker.listRuns(run.experiment)).toHaveLength(1);
      const detail = await tracker.getRun(first.runId);
      expect(detail?.metrics).toHaveLength(run.metrics.length);
    });

    it('answers undefined for an unknown run and throws a TrackingError for a missing artifact', async () => {
      const { tracker } = backend();
      expect(await tracker.getRun('0123456789abcdef0123456789abcdef')).toBeUndefined();
      const logged = await tracker.logRun(sampleRun(uniqueName('exp')));
      await expect(tracker.readArtifact(logged.runId, 'no/such/file.json')).rejects.toBeInstanceOf(TrackingError);
    });

    it('rejects record ids and artifact paths that could escape a filter or a folder', async () => {
      const { tracker } = backend();
      await expect(tracker.logRun(sampleRun(uniqueName('exp'), { recordId: "x' or 1=1" }))).rejects.toThrow(/record id/);
      const escaping = sampleRun(uniqueName('exp'), { artifacts: [{ path: '../outside.json', read: async () => Buffer.from('x') }] });
      await expect(tracker.logRun(escaping)).rejects.toThrow(/unsafe store key/);
    });

    it('registers versions idempotently per run, with tags and the run artifact location', async () => {
      const { tracker, registry } = backend();
      const experiment = uniqueName('exp');
      const name = uniqueName('model');
      const r1 = await tracker.logRun(sampleRun(experiment));
      const r2 = await tracker.logRun(sampleRun(experiment));

      const v1 = await registry.registerVersion({ name, runId: r1.runId, artifactUri: r1.artifactUri, tags: { as_of: '2019-03-01' } });
      expect(v1).toMatchObject({ name, version: 1, runId: r1.runId, source: r1.artifactUri, aliases: [] });
      expect(v1.tags).toMatchObject({ as_of: '2019-03-01' });
      const v2 = await registry.registerVersion({ name, runId: r2.runId, artifactUri: r2.artifactUri });
      expect(v2.version).toBe(2);
      const again = await registry.registerVersion({ name, runId: r1.runId, artifactUri: r1.artifactUri });
      expect(again.version).toBe(1);

      expect((await registry.listVersions(name)).map((v) => [v.version, v.runId])).toEqual([
        [1, r1.runId],
        [2, r2.runId],
      ]);
      expect((await registry.getVersion(name, 2))?.source).toBe(r2.artifactUri);
      expect(await registry.getVersion(name, 3)).toBeUndefined();
      expect(await registry.listVersions(uniqueName('no-such-model'))).toEqual([]);
      expect(await registry.getVersion(uniqueName('no-such-model'), 1)).toBeUndefined();
    });

    it('sets, moves and reads the champion alias', async () => {
      const { tracker, registry } = backend();
      const experiment = uniqueName('exp');
      const name = uniqueName('model');
      const r1 = await tracker.logRun(sampleRun(experiment));
      const r2 = await tracker.logRun(sampleRun(experiment));
      await registry.registerVersion({ name, runId: r1.runId, artifactUri: r1.artifactUri });
      await registry.registerVersion({ name, runId: r2.runId, artifactUri: r2.artifactUri });

      expect(await registry.getAlias(name, 'champion')).toBeUndefined();
      await registry.setAlias(name, 'champion', 1);
      expect((await registry.getAlias(name, 'champion'))?.version).toBe(1);
      expect((await registry.getVersion(name, 1))?.aliases).toEqual(['champion']);

      await registry.setAlias(name, 'champion', 2);
      await registry.setAlias(name, 'challenger', 1);
      expect((await registry.getAlias(name, 'champion'))?.runId).toBe(r2.runId);
      expect((await registry.listVersions(name)).map((v) => v.aliases)).toEqual([['challenger'], ['champion']]);
      expect(await registry.getAlias(uniqueName('no-such-model'), 'champion')).toBeUndefined();
      await expect(registry.setAlias(name, 'champion', 9)).rejects.toBeInstanceOf(TrackingError);
      expect((await registry.getAlias(name, 'champion'))?.version).toBe(2);
    });

    it('keeps an append-only audit log of alias changes, with who, when, why and the previous version', async () => {
      const { tracker, registry } = backend();
      const name = uniqueName('model');
      const run = await tracker.logRun(sampleRun(uniqueName('exp')));
      const run2 = await tracker.logRun(sampleRun(uniqueName('exp')));
      await registry.registerVersion({ name, runId: run.runId, artifactUri: run.artifactUri });
      await registry.registerVersion({ name, runId: run2.runId, artifactUri: run2.artifactUri });

      const first = await moveAlias(registry, { name, alias: 'champion', version: 1, actor: 'returns', reason: 'first model', at: new Date('2019-03-01T06:00:00Z') });
      const second = await moveAlias(registry, {
        name,
        alias: 'champion',
        version: 2,
        actor: 'alice',
        reason: 'AUC 0.72 > 0.71 + 0.005',
        at: new Date('2019-03-08T06:00:00Z'),
      });
      expect(first.seq).toBe(1);
      expect(second).toMatchObject({ seq: 2, previousVersion: 1, version: 2, actor: 'alice' });
      expect((await registry.getAlias(name, 'champion'))?.version).toBe(2);
      expect(await registry.aliasAudit(name)).toEqual([
        { seq: 1, name, alias: 'champion', version: 1, actor: 'returns', reason: 'first model', at: '2019-03-01T06:00:00.000Z' },
        { seq: 2, name, alias: 'champion', version: 2, previousVersion: 1, actor: 'alice', reason: 'AUC 0.72 > 0.71 + 0.005', at: '2019-03-08T06:00:00.000Z' },
      ]);
      expect(await registry.aliasAudit(uniqueName('no-such-model'))).toEqual([]);
    });

    it('trackTraining writes the record to the store, pushes it, and the run shows in `returns runs`', async () => {
      const { tracker, store } = backend();
      const experiment = uniqueName('exp');
      const clock = new FakeClock(Date.parse('2019-03-01T06:05:00Z'));
      const recordId = trackingRecordId('20190301T060000Z-abc123', 'TrainModel(date=2019-03-01)');
      const outcome = await trackTraining(
        { store, tracker, clock },
        {
          recordId,
          pipelineRunId: '20190301T060000Z-abc123',
          experiment,
          runName: 'TrainModel 2019-03-01',
          startTime: new Date('2019-03-01T06:00:00Z'),
          endTime: new Date('2019-03-01T06:04:00Z'),
          params: { horizon_days: 35, engine: 'duckdb' },
          metrics: [{ key: 'val.auc', value: 0.7 }, { key: 'gbm.val.logloss', value: 0.6, step: 3 }],
          artifacts: [{ path: 'model.json', body: '{"m":1}' }],
        },
      );
      expect(outcome).toMatchObject({ recordId, synced: true, tracker: tracker.location });
      const record = await readTrackingRecord(store, recordId);
      expect(record?.syncs[tracker.location]?.runId).toBe(outcome.runId);
      expect(record?.params).toEqual({ horizon_days: '35', engine: 'duckdb' });

      const table = await listRuns(tracker, { experiment, store });
      expect(table).toContain(outcome.runId as string);
      expect(table).not.toContain('not in this tracker yet');
      const shown = await showRun(tracker, outcome.runId as string, { experiment });
      expect(shown).toContain('horizon_days = 35');
      expect(shown).toContain('gbm.val.logloss = 0.6');
      expect(shown).toContain('model.json  7 bytes');
      // The record id (what the training log names) finds the same run.
      expect(await showRun(tracker, recordId, { experiment })).toBe(shown);
    });
  });
}
