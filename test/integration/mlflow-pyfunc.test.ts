import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { loadTrainingTable } from '../../src/application/train-model.js';
import { loadModelArtifact } from '../../src/domain/artifact/model-artifact.js';
import { FEATURE_NAMES } from '../../src/domain/features/catalogue.js';
import { cli } from '../harness/cli.js';
import { startMlflowModelServer, startMlflowServer, type MlflowModelServer, type MlflowTestServer } from '../harness/mlflow-server.js';
import { repoRoot } from '../harness/spawn.js';

/**
 * The registered champion as a Python data scientist uses it: `mlflow.pyfunc.load_model` on the
 * registry alias, and `mlflow models serve` on it, both from the real mlflow of the venv against a
 * real tracking server. Their probabilities must be the TypeScript model's (what `returns predict`
 * runs) and model.sql's on DuckDB (what PredictBatch runs), row by row.
 */
const SOURCE = 'synthetic://?rows=3000&seed=5&start=2018-11-01&end=2019-04-30';
const CONFIG = { training: { families: ['logistic', 'gbdt'], search: { logistic: { base: {}, grid: {} }, gbdt: { base: { maxRounds: 30 }, grid: {} } }, importance: { repeats: 0 } } };
const MODEL_URI = 'models:/product-returns@champion';
const DATE = '2019-04-01';
const MATURE = 'label_mature';

const PYFUNC_SCRIPT = `
import json, sys
import mlflow, pandas as pd
features = pd.read_parquet(sys.argv[1])
features = features[features.label_mature]
model = mlflow.pyfunc.load_model(sys.argv[2])
out = model.predict(features[json.loads(sys.argv[3])])
json.dump({"line_number": features.line_number.tolist(), "p": out["return_probability"].tolist()}, sys.stdout)
`;

type Scores = Map<number, number>;

function worstDifference(a: Scores, b: Scores): number {
  expect([...b.keys()].sort((x, y) => x - y)).toEqual([...a.keys()].sort((x, y) => x - y));
  let worst = 0;
  for (const [k, p] of a) worst = Math.max(worst, Math.abs(p - b.get(k)!));
  return worst;
}

describe('the champion as an MLflow Model (python_function)', () => {
  let tracking: MlflowTestServer;
  let cwd: string;
  let featuresFile: string;
  let typescript: Scores;
  let sql: Scores;

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-pyfunc-'));
    await writeFile(path.join(cwd, 'returns.json'), JSON.stringify(CONFIG));
    tracking = await startMlflowServer();
    const r = await cli(['run', 'RegisterModel', '--date', DATE, '--config', 'returns.json'], { cwd, env: { RETURNS_SOURCE: SOURCE, MLFLOW_TRACKING_URI: tracking.uri } });
    if (r.code !== 0) throw new Error(`RegisterModel failed: ${r.stderr}`);

    featuresFile = path.join(cwd, 'data', 'BuildFeatures', `date=${DATE}`, 'features.parquet');
    const trained = path.join(cwd, 'data', 'TrainModel', `date=${DATE}`);
    const { model } = loadModelArtifact(JSON.parse(await readFile(path.join(trained, 'model.json'), 'utf8')), 'model.json');
    const table = await loadTrainingTable(new DuckDbTableReader(), featuresFile);
    const probabilities = model.predictProba(table.x);
    typescript = new Map([...table.lineNumber].map((k, i) => [k, probabilities[i]!]));

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const expression = (await readFile(path.join(trained, 'model.sql'), 'utf8')).trim();
    const reader = await connection.runAndReadAll(`SELECT line_number, CAST(${expression} AS DOUBLE) AS p FROM read_parquet('${featuresFile}') WHERE ${MATURE}`);
    sql = new Map(reader.getRowObjects().map((row) => [Number(row['line_number']), row['p'] as number]));
    connection.closeSync();
    instance.closeSync();
  }, 600_000);

  afterAll(async () => {
    await tracking?.stop();
    await rm(cwd, { recursive: true, force: true });
  });

  it('loads with mlflow.pyfunc.load_model from the registry alias and predicts what returns predicts', async () => {
    const { stdout } = await promisify(execFile)(path.join(repoRoot, '.venv', 'bin', 'python'), ['-c', PYFUNC_SCRIPT, featuresFile, MODEL_URI, JSON.stringify(FEATURE_NAMES)], {
      env: { ...process.env, MLFLOW_TRACKING_URI: tracking.uri },
      maxBuffer: 64 * 1024 * 1024,
    });
    const out = JSON.parse(stdout) as { line_number: number[]; p: number[] };
    const python = new Map(out.line_number.map((k, i) => [k, out.p[i]!]));
    expect(python.size).toBeGreaterThan(500);
    expect(worstDifference(typescript, python)).toBeLessThan(1e-9);
    expect(worstDifference(sql, python)).toBeLessThan(1e-9);
    // Not vacuous: the model separates rows.
    expect(Math.max(...python.values()) - Math.min(...python.values())).toBeGreaterThan(0.05);
  });

  describe('mlflow models serve', () => {
    let served: MlflowModelServer;
    beforeAll(async () => {
      served = await startMlflowModelServer(MODEL_URI, tracking.uri);
    }, 300_000);
    afterAll(async () => {
      await served?.stop();
    });

    it('answers /invocations with the same probabilities', async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(`SELECT line_number, ${FEATURE_NAMES.join(', ')} FROM read_parquet('${featuresFile}') WHERE ${MATURE} ORDER BY line_number LIMIT 300`);
      const rows = reader.getRowObjects();
      connection.closeSync();
      instance.closeSync();
      const res = await fetch(`${served.uri}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_split: { columns: FEATURE_NAMES, data: rows.map((row) => FEATURE_NAMES.map((name) => row[name] ?? null)) } }),
      });
      const text = await res.text();
      expect({ status: res.status, text: res.status === 200 ? '' : text }).toEqual({ status: 200, text: '' });
      const { predictions } = JSON.parse(text) as { predictions: { return_probability: number }[] };
      const servedScores = new Map(rows.map((row, i) => [Number(row['line_number']), predictions[i]!.return_probability]));
      const expected = new Map([...servedScores.keys()].map((k) => [k, typescript.get(k)!]));
      expect(worstDifference(expected, servedScores)).toBeLessThan(1e-9);
    });

    it('refuses a body without the feature columns, naming one', async () => {
      const res = await fetch(`${served.uri}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_split: { columns: ['brand'], data: [['B1']] } }),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/category|missing/i);
    });
  });
});
