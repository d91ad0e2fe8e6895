import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../src/adapters/engine/duckdb-engine.js';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { loadTrainingTable } from '../../src/application/train-model.js';
import { readSnapshot } from '../../src/application/build-snapshot.js';
import { loadModelArtifact } from '../../src/domain/artifact/model-artifact.js';
import { FEATURE_CATALOGUE } from '../../src/domain/features/catalogue.js';
import { cli } from '../harness/cli.js';
import { repoRoot } from '../harness/spawn.js';

/** A small dataset and a fast search, so the whole pipeline runs in seconds. */
const SOURCE = 'synthetic://?rows=4000&seed=5';
const CONFIG = {
  training: {
    families: ['logistic', 'gbdt'],
    search: { logistic: { base: {}, grid: {} }, gbdt: { base: { maxRounds: 60 }, grid: {} } },
    importance: { repeats: 1, maxRows: 2000 },
  },
};
const DAY = '2019-04-20';

describe('the pipeline on the embedded defaults, up to PredictBatch', () => {
  let a: string;
  let b: string;
  const run = (cwd: string, args: string[]) => cli([...args, '--config', 'returns.json'], { cwd, env: { RETURNS_SOURCE: SOURCE } });

  beforeAll(async () => {
    [a, b] = await Promise.all([mkdtemp(path.join(tmpdir(), 'returns-pipe-a-')), mkdtemp(path.join(tmpdir(), 'returns-pipe-b-'))]);
    for (const dir of [a, b]) await writeFile(path.join(dir, 'returns.json'), JSON.stringify(CONFIG));
  });
  afterAll(async () => {
    await Promise.all([a, b].map((d) => rm(d, { recursive: true, force: true })));
  });

  it('runs every stage, and the same data and config give the same bytes', async () => {
    const first = await run(a, ['run', 'PredictBatch', '--date', DAY, '--json']);
    expect(first.stderr).not.toMatch(/"level":"error"/);
    expect(first.code).toBe(0);
    const second = await run(b, ['run', 'PredictBatch', '--date', DAY, '--json']);
    expect(second.code).toBe(0);
    for (const file of [
      `ValidateOrders/date=${DAY}/orders.parquet`,
      `ValidateOrders/date=${DAY}/quarantine.csv`,
      `BuildFeatures/date=${DAY}/features.parquet`,
      `BuildFeatures/date=${DAY}/snapshot.parquet`,
      `TrainModel/date=${DAY}/model.json`,
      `TrainModel/date=${DAY}/model.sql`,
      `PredictBatch/date=${DAY}/predictions.parquet`,
      `PredictBatch/date=${DAY}/predictions.csv`,
    ]) {
      const [x, y] = await Promise.all([readFile(path.join(a, 'data', file)), readFile(path.join(b, 'data', file))]);
      expect({ file, same: x.equals(y) }).toEqual({ file, same: true });
    }
  });

  it('writes a model artifact that loads, and whose SQL agrees with predictProba within 1e-9', async () => {
    const json = JSON.parse(await readFile(path.join(a, 'data', `TrainModel/date=${DAY}/model.json`), 'utf8'));
    const { artifact, model } = loadModelArtifact(json, 'model.json', FEATURE_CATALOGUE);
    expect(artifact.as_of).toBe(DAY);
    expect(artifact.metrics.refit.rows).toBe(artifact.data_fingerprint.rows.refit);
    expect(artifact.metrics.folds.length).toBeGreaterThan(0);
    expect(artifact.features.map((f) => f.name)).toEqual(FEATURE_CATALOGUE.map((f) => f.name));
    expect(() => loadModelArtifact({ ...json, format_version: 99 }, 'old.json')).toThrow(/format version 99; this returns reads version 2/);

    const features = path.join(a, 'data', `BuildFeatures/date=${DAY}/features.parquet`);
    const table = await loadTrainingTable(new DuckDbTableReader(), features);
    const p = model.predictProba(table.x);
    const sql = (await readFile(path.join(a, 'data', `TrainModel/date=${DAY}/model.sql`), 'utf8')).trim();
    const engine = new DuckDbEngine();
    const rows = await engine.query(`SELECT ${sql} AS p, line_number FROM f WHERE label_mature`, [{ name: 'f', location: features, format: 'parquet' }]);
    expect(rows).toHaveLength(p.length);
    let worst = 0;
    rows.forEach((r, i) => (worst = Math.max(worst, Math.abs((r.p as number) - p[i]!))));
    expect(worst).toBeLessThan(1e-9);

    // The line numbers come in the same row order (the out-of-time predictions are joined on them).
    expect(Array.from(table.lineNumber)).toEqual(rows.map((r) => Number(r.line_number)));
  });

  it('scores exactly the purchase lines of the day, with the champion', async () => {
    const csv = (await readFile(path.join(a, 'data', `PredictBatch/date=${DAY}/predictions.csv`), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('line_number,buyer_id,transaction_id,item_code,date,return_probability,model_version,as_of');
    const engine = new DuckDbEngine();
    const [{ n }] = (await engine.query(`SELECT COUNT(*) AS n FROM f WHERE date = DATE '${DAY}'`, [
      { name: 'f', location: path.join(a, 'data', `BuildFeatures/date=2019-04-21/features.parquet`), format: 'parquet' },
    ])) as [{ n: number }];
    expect(csv.length - 1).toBe(n);
    expect(n).toBeGreaterThan(0);
    for (const line of csv.slice(1)) {
      const cells = line.split(',');
      const prob = Number(cells[5]);
      expect(prob).toBeGreaterThan(0);
      expect(prob).toBeLessThan(1);
      expect(cells[4]).toBe(DAY);
      expect(cells[6]).toBe('product-returns/1');
    }
    const again = await run(a, ['run', 'PredictBatch', '--date', DAY, '--json']);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!).ran).toEqual([]);
  });

  it('writes the serving snapshot the REST API loads', async () => {
    const snapshot = await readSnapshot(new DuckDbTableReader(), path.join(a, 'data', `BuildFeatures/date=${DAY}/snapshot.parquet`));
    expect(snapshot.asOf).toBe(DAY);
    expect(snapshot.globalRate).toBeGreaterThan(0.05);
    expect(snapshot.keys.buyer.size).toBeGreaterThan(100);
    expect(snapshot.keys.category.size).toBeGreaterThan(3);
  });

  it('returns predict scores the real sample with the champion', async () => {
    const r = await cli(['predict', '--model', 'champion', '--input', path.resolve(repoRoot, '../shared/data/order_dataset.sample.csv'), '--output', 'p.csv'], { cwd: a });
    expect(r.stderr).not.toMatch(/error/);
    expect(r.stdout).toMatch(/wrote .*p\.csv: 105 purchase lines scored with product-returns version 1/);
    const lines = (await readFile(path.join(a, 'p.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('line_number,Buyer ID,Transaction ID,Item Code,Date,return_probability');
    expect(lines).toHaveLength(106);
  });
});
