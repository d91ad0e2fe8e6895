import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from '../harness/cli.js';
import { startMlflowServer, type MlflowTestServer } from '../harness/mlflow-server.js';

/**
 * TrainModel + RegisterModel through the CLI against a real MLflow server: the run, its
 * parameters, metrics and artifacts, the registered version and the champion alias; then an
 * outage (the pipeline finishes, tracking failure reported, sync-tracking completes the records
 * without duplicates); then a person's promote and rollback.
 */
const SOURCE = 'synthetic://?rows=3000&seed=4&start=2018-11-01&end=2019-04-30';
const CONFIG = {
  training: { families: ['logistic', 'gbdt'], search: { logistic: { base: {}, grid: {} }, gbdt: { base: { maxRounds: 40 }, grid: {} } }, importance: { repeats: 0 } },
  registry: { experiment: 'returns-it', modelName: 'returns-it' },
};

describe('the pipeline with a real MLflow server', () => {
  let server: MlflowTestServer;
  let cwd: string;
  const env = (): NodeJS.ProcessEnv => ({ RETURNS_SOURCE: SOURCE, MLFLOW_TRACKING_URI: server.uri, USER: 'test-operator' });
  const run = (args: string[]) => cli([...args, '--config', 'returns.json'], { cwd, env: env() });
  async function rest<T>(method: 'GET' | 'POST', route: string, body: Record<string, unknown>): Promise<T> {
    const url = new URL(`${server.uri}${route}`);
    if (method === 'GET') for (const [k, v] of Object.entries(body)) url.searchParams.set(k, String(v));
    const res = await fetch(url, method === 'POST' ? { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {});
    if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
  const runsOf = async (): Promise<{ info: { run_id: string; artifact_uri: string }; data: { params?: { key: string; value: string }[]; metrics?: { key: string; value: number }[]; tags?: { key: string; value: string }[] } }[]> => {
    const { experiment } = await rest<{ experiment: { experiment_id: string } }>('GET', '/api/2.0/mlflow/experiments/get-by-name', { experiment_name: 'returns-it' });
    return (await rest<{ runs?: never[] }>('POST', '/api/2.0/mlflow/runs/search', { experiment_ids: [experiment.experiment_id], max_results: 100 })).runs ?? [];
  };

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-mlflow-pipe-'));
    await writeFile(path.join(cwd, 'returns.json'), JSON.stringify(CONFIG));
    server = await startMlflowServer();
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('records the training in MLflow and registers the champion', async () => {
    const r = await run(['run', 'RegisterModel', '--date', '2019-04-01', '--json']);
    expect(r.stderr).not.toMatch(/"level":"(error|warn)"/);
    expect(r.code).toBe(0);
    const runs = await runsOf();
    expect(runs).toHaveLength(1);
    const [mlRun] = runs;
    const params = Object.fromEntries((mlRun!.data.params ?? []).map((p) => [p.key, p.value]));
    expect(params).toMatchObject({ as_of: '2019-04-01', horizon_days: '35', engine: 'duckdb' });
    const metrics = (mlRun!.data.metrics ?? []).map((m) => m.key);
    expect(metrics).toEqual(
      expect.arrayContaining(['out_of_time.auc', 'out_of_time.log_loss', 'fold_1.out_of_time_log_loss', 'refit.rows', 'candidate_1_gbdt.out_of_time_log_loss', 'candidate_1.fold_1.early_stopping_log_loss']),
    );
    // The boosting candidate's early-stopping loss on its first fold round by round, as MLflow's metric history.
    const { metrics: history } = await rest<{ metrics: { step: number; value: number }[] }>('GET', '/api/2.0/mlflow/metrics/get-history', {
      run_id: mlRun!.info.run_id,
      metric_key: 'candidate_1.fold_1.early_stopping_log_loss',
    });
    expect(history.length).toBeGreaterThan(1);
    expect(history.map((h) => h.step).sort((a, b) => a - b)).toEqual(history.map((_, i) => i + 1));
    const root = mlRun!.info.artifact_uri.replace(/^mlflow-artifacts:\/?/, '');
    for (const [artifact, file] of [
      ['model.json', 'TrainModel/date=2019-04-01/model.json'],
      ['model.sql', 'TrainModel/date=2019-04-01/model.sql'],
    ] as const) {
      const res = await fetch(`${server.uri}/api/2.0/mlflow-artifacts/artifacts/${root}/${artifact}`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(path.join(cwd, 'data', file)))).toBe(true);
    }
    const { model_version: champion } = await rest<{ model_version: { version: string; run_id: string } }>('GET', '/api/2.0/mlflow/registered-models/alias', { name: 'returns-it', alias: 'champion' });
    expect(champion).toMatchObject({ version: '1', run_id: mlRun!.info.run_id });
  });

  it('finishes the pipeline while MLflow is down, and sync-tracking completes the record without duplicates', async () => {
    await server.kill();
    let trained;
    try {
      trained = await run(['run', 'TrainModel', '--date', '2019-04-08', '--json']);
    } finally {
      await server.start();
    }
    expect(trained.code).toBe(0);
    expect(trained.stderr).toMatch(/experiment tracking failed \(the model is safe in the store; run 'returns sync-tracking' later\)/);
    expect(await runsOf()).toHaveLength(1);
    const sync = await run(['sync-tracking']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/pushed now: 1, failed: 0/);
    expect(await runsOf()).toHaveLength(2);
    expect((await run(['sync-tracking'])).stdout).toMatch(/already synced: 2, pushed now: 0/);
    expect(await runsOf()).toHaveLength(2);
    const registered = await run(['run', 'RegisterModel', '--date', '2019-04-08', '--json']);
    expect(registered.code).toBe(0);
    expect(await runsOf()).toHaveLength(2);
  });

  it('lets a person promote a version and roll back, each change logged with who and why', async () => {
    const before = JSON.parse((await run(['model', 'show', 'champion', '--json'])).stdout) as { version: number };
    const other = before.version === 1 ? 2 : 1;
    expect((await run(['model', 'promote', String(other), '--reason', 'A/B test winner'])).stdout).toContain(`champion: version ${before.version} -> ${other}`);
    expect((await run(['model', 'rollback', '--reason', 'revenue dropped'])).stdout).toContain(`champion: version ${other} -> ${before.version}`);
    const history = (await run(['model', 'history'])).stdout;
    expect(history).toMatch(/by test-operator: A\/B test winner/);
    expect(history).toMatch(/by test-operator: revenue dropped/);
    const { model_version: champion } = await rest<{ model_version: { version: string } }>('GET', '/api/2.0/mlflow/registered-models/alias', { name: 'returns-it', alias: 'champion' });
    expect(champion.version).toBe(String(before.version));
  });
});
