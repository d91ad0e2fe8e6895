/**
 * The MLflow adapters against a real `mlflow server` (SQLite backend, proxied local artifacts)
 * started on loopback by the harness: the shared contract, an independent look at what landed in
 * MLflow through its raw REST API, and a server outage in the middle of tracking.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { MlflowClient } from '../../src/adapters/tracking/mlflow-client.js';
import { MlflowModelRegistry } from '../../src/adapters/tracking/mlflow-registry.js';
import { parseMlflowSettings, type MlflowAuth } from '../../src/adapters/tracking/mlflow-settings.js';
import { MlflowExperimentTracker } from '../../src/adapters/tracking/mlflow-tracker.js';
import { openTracking } from '../../src/adapters/tracking/open-tracking.js';
import { moveAlias } from '../../src/application/model-versions.js';
import { listRuns } from '../../src/application/show-runs.js';
import { syncTracking } from '../../src/application/sync-tracking.js';
import { trackTraining, type TrainingToTrack } from '../../src/application/track-training.js';
import { readTrackingRecord } from '../../src/application/tracking-record.js';
import { TrackingError } from '../../src/ports/experiment-tracker.js';
import { FakeClock } from '../harness/fake-clock.js';
import { startMlflowServer, type MlflowTestServer } from '../harness/mlflow-server.js';
import { BINARY_ARTIFACT, describeTrackingContract, sampleRun, uniqueName, type TrackingBackend } from '../harness/tracking-contract.js';

let server: MlflowTestServer;
let tmp: string;
let store: LocalObjectStore;
let backend: TrackingBackend;
const clock = new FakeClock(Date.parse('2019-03-01T07:00:00Z'));

function mlflow(options: { fetch?: typeof fetch; auth?: MlflowAuth; maxAttempts?: number } = {}) {
  const client = new MlflowClient(
    parseMlflowSettings({ trackingUri: server.uri, maxAttempts: options.maxAttempts ?? 2, timeoutMs: 20_000, ...(options.auth ? { auth: options.auth } : {}) }),
    options.fetch,
  );
  return { client, tracker: new MlflowExperimentTracker(client), registry: new MlflowModelRegistry(client, store) };
}

interface RawKeyValue {
  key: string;
  value: string;
}
interface RawRun {
  info: { run_id: string; status: string; artifact_uri: string };
  data: { params: RawKeyValue[]; tags: RawKeyValue[] };
}
interface RawMetric {
  key: string;
  value: number;
  step: number;
}
interface RawModelVersion {
  version: string;
  run_id: string;
  source: string;
  aliases?: string[];
  tags: RawKeyValue[];
}
const asRecord = (pairs: RawKeyValue[]): Record<string, string> => Object.fromEntries(pairs.map((p) => [p.key, p.value]));

/** MLflow's REST API, called directly: what landed there, independently of the adapter. */
async function rest<T>(method: 'GET' | 'POST', endpoint: string, body?: unknown): Promise<T> {
  const url = new URL(`${server.uri}${endpoint}`);
  if (method === 'GET' && body) for (const [k, v] of Object.entries(body as Record<string, string>)) url.searchParams.set(k, v);
  const res = await fetch(url, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
  if (!res.ok) throw new Error(`${method} ${endpoint}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function runsWithRecord(experimentName: string, recordId: string): Promise<RawRun[]> {
  const { experiment } = await rest<{ experiment: { experiment_id: string } }>('GET', '/api/2.0/mlflow/experiments/get-by-name', { experiment_name: experimentName });
  const found = await rest<{ runs?: RawRun[] }>('POST', '/api/2.0/mlflow/runs/search', {
    experiment_ids: [experiment.experiment_id],
    filter: `tags.\`returns.record_id\` = '${recordId}'`,
  });
  return found.runs ?? [];
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'returns-tracking-mlflow-'));
  store = new LocalObjectStore(path.join(tmp, 'store'));
  server = await startMlflowServer({ dir: path.join(tmp, 'mlflow') });
  const { tracker, registry } = mlflow();
  backend = { store, tracker, registry };
  // A fresh venv's first `mlflow server` compiles MLflow and creates the database: minutes, not seconds.
}, 240_000);
afterAll(async () => {
  await server?.stop();
  await rm(tmp, { recursive: true, force: true });
});

describeTrackingContract('MLflow server', () => backend);

describe('MLflow adapters, seen through MLflow itself', () => {
  it('a tracked and registered training appears in MLflow with params, metric steps, tags, artifacts, version and alias', async () => {
    const experiment = uniqueName('exp');
    const name = uniqueName('model');
    const run = sampleRun(experiment);
    const logged = await backend.tracker.logRun(run);
    await backend.registry.registerVersion({ name, runId: logged.runId, artifactUri: logged.artifactUri, tags: { as_of: '2019-03-01' } });
    await moveAlias(backend.registry, { name, alias: 'champion', version: 1, actor: 'returns', reason: 'first model', at: new Date('2019-03-01T07:00:00Z') });

    const { run: got } = await rest<{ run: RawRun }>('GET', '/api/2.0/mlflow/runs/get', { run_id: logged.runId });
    expect(got.info.status).toBe('FINISHED');
    expect(got.info.artifact_uri).toMatch(/^mlflow-artifacts:/);
    const params = asRecord(got.data.params);
    expect(params).toEqual(run.params);
    const tags = asRecord(got.data.tags);
    expect(tags).toMatchObject({ ...run.tags, 'returns.record_id': run.recordId, 'returns.pipeline_run_id': run.pipelineRunId, 'mlflow.runName': run.runName });
    const history = await rest<{ metrics: RawMetric[] }>('GET', '/api/2.0/mlflow/metrics/get-history', { run_id: logged.runId, metric_key: 'gbm.val.logloss' });
    const curve = run.metrics.filter((m) => m.key === 'gbm.val.logloss');
    expect(history.metrics.map((m) => [m.step, m.value])).toEqual(curve.map((m) => [m.step, m.value]));
    expect(curve.map((m) => m.step)).toEqual([0, 1, 2, 3, 4]);

    // Download through the tracking server's artifact proxy and compare bytes.
    const root = got.info.artifact_uri.replace(/^mlflow-artifacts:\/?/, '');
    for (const artifact of run.artifacts) {
      const res = await fetch(`${server.uri}/api/2.0/mlflow-artifacts/artifacts/${root}/${artifact.path}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(await artifact.read())).toBe(true);
    }
    expect((await backend.tracker.readArtifact(logged.runId, 'reports/training-report.bin')).equals(BINARY_ARTIFACT)).toBe(true);

    const { model_version: version } = await rest<{ model_version: RawModelVersion }>('GET', '/api/2.0/mlflow/model-versions/get', { name, version: '1' });
    expect(version).toMatchObject({ run_id: logged.runId, source: logged.artifactUri, aliases: ['champion'] });
    const versionTags = asRecord(version.tags);
    expect(versionTags.as_of).toBe('2019-03-01');
    expect(JSON.parse(versionTags['returns.alias_audit.000001'] ?? 'null')).toMatchObject({ alias: 'champion', actor: 'returns', reason: 'first model' });
    const { model_version: champion } = await rest<{ model_version: RawModelVersion }>('GET', '/api/2.0/mlflow/registered-models/alias', { name, alias: 'champion' });
    expect(champion.version).toBe('1');
  });

  it('a push cut off half-way (artifact upload refused) is completed by a replay on the same run', async () => {
    const experiment = uniqueName('exp');
    const refuseArtifacts: typeof fetch = async (input, init) => {
      if (String(input).includes('/mlflow-artifacts/')) return new Response('{"error_code":"TEMPORARILY_UNAVAILABLE","message":"disk full"}', { status: 500 });
      return fetch(input, init);
    };
    const run = sampleRun(experiment);
    const broken = mlflow({ fetch: refuseArtifacts }).tracker;
    const error = await broken.logRun(run).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(TrackingError);
    expect((error as TrackingError).message).toMatch(/^MLflow PUT \/api\/2\.0\/mlflow-artifacts\/artifacts\/.+: HTTP 500 TEMPORARILY_UNAVAILABLE: disk full$/);
    const partial = await runsWithRecord(experiment, run.recordId);
    expect(partial).toHaveLength(1);
    expect(partial[0]?.info.status).toBe('RUNNING');

    const replay = await backend.tracker.logRun(run);
    expect(replay).toMatchObject({ runId: partial[0]?.info.run_id, created: false });
    const after = await runsWithRecord(experiment, run.recordId);
    expect(after).toHaveLength(1);
    expect(after[0]?.info.status).toBe('FINISHED');
    expect((await backend.tracker.getRun(replay.runId))?.artifacts).toHaveLength(run.artifacts.length);
  });

  it('sends the bearer token as a header and never puts it in an error message', async () => {
    const token = `tok-${uniqueName('secret')}`;
    const seen: string[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization') ?? '');
      return fetch(input, init);
    };
    const { tracker } = mlflow({ fetch: spy, auth: { kind: 'bearer', token } });
    const logged = await tracker.logRun(sampleRun(uniqueName('exp')));
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h === `Bearer ${token}`)).toBe(true);
    const error = await tracker.readArtifact(logged.runId, 'missing.json').catch((err: Error) => err);
    expect(error).toBeInstanceOf(TrackingError);
    expect((error as Error).message).toMatch(/^MLflow GET \/api\/2\.0\/mlflow-artifacts\/artifacts\/.+\/missing\.json: HTTP 404/);
    expect((error as Error).message).not.toContain(token);
  });
});

describe('MLflow server down during training', () => {
  it('keeps the records in the store, reports the failure, and syncTracking completes them once the server is back, without duplicates', async () => {
    const experiment = uniqueName('exp');
    const { tracker } = openTracking({ env: { MLFLOW_TRACKING_URI: server.uri }, store, clock, mlflow: { maxAttempts: 2, timeoutMs: 5_000 } });
    const training = (recordId: string): TrainingToTrack => ({
      recordId,
      pipelineRunId: '20190301T060000Z-down',
      experiment,
      runName: `TrainModel ${recordId}`,
      startTime: new Date('2019-03-01T06:00:00Z'),
      endTime: new Date('2019-03-01T06:02:00Z'),
      params: { horizon_days: 35, engine: 'duckdb' },
      metrics: [0, 1, 2].map((step) => ({ key: 'gbm.val.logloss', value: 0.6 - step / 100, step })),
      artifacts: [
        { path: 'model.json', body: '{"family":"gbm"}' },
        { path: 'reports/training-report.bin', body: BINARY_ARTIFACT },
      ],
    });
    const ids = [uniqueName('down-a'), uniqueName('down-b')];

    await server.kill();
    const outcomes = [];
    for (const id of ids) outcomes.push(await trackTraining({ store, tracker, clock }, training(id)));
    expect(outcomes.map((o) => o.synced)).toEqual([false, false]);
    expect(outcomes[0]?.error).toMatch(/^MLflow GET \/api\/2\.0\/mlflow\/experiments\/get-by-name at http:\/\/127\.0\.0\.1:\d+: cannot connect \(ECONNREFUSED\)$/);
    for (const id of ids) {
      const record = await readTrackingRecord(store, id);
      expect(record?.syncs).toEqual({});
      expect(record?.lastFailure?.error).toContain('ECONNREFUSED');
    }
    expect(await listRuns(tracker, { experiment, store }).catch((err: Error) => err.message)).toContain('ECONNREFUSED');

    await server.start();
    expect(await listRuns(tracker, { experiment, store })).toContain('2 training record(s) in the store are not in this tracker yet');
    const synced = await syncTracking({ store, tracker, clock });
    expect(synced.failed).toEqual([]);
    expect(synced.pushed.filter((p) => ids.includes(p.recordId)).map((p) => p.created)).toEqual([true, true]);

    const again = await syncTracking({ store, tracker, clock });
    expect(again.pushed).toEqual([]);
    for (const id of ids) {
      const runs = await runsWithRecord(experiment, id);
      expect(runs).toHaveLength(1);
      const runId = runs[0]?.info.run_id ?? '';
      expect((await readTrackingRecord(store, id))?.syncs[tracker.location]?.runId).toBe(runId);
      expect((await tracker.readArtifact(runId, 'reports/training-report.bin')).equals(BINARY_ARTIFACT)).toBe(true);
      const history = await rest<{ metrics: RawMetric[] }>('GET', '/api/2.0/mlflow/metrics/get-history', { run_id: runId, metric_key: 'gbm.val.logloss' });
      expect(history.metrics.map((m) => m.step)).toEqual([0, 1, 2]);
    }
    expect(await tracker.listRuns(experiment)).toHaveLength(2);
    expect(await listRuns(tracker, { experiment, store })).not.toContain('not in this tracker yet');
  });
});
