/**
 * Fit time and quality of each model family on a generated 200,000 x 30 feature matrix (24
 * numeric, 6 categorical, missing values, a non-linear signal), scored on 50,000 validation rows.
 * Run with `npx tsx bench/model-fit.ts [--rows=200000] [--families=logistic,tree,forest,gbdt]
 * [--export=DIR]`; figures go to bench/results/model-fit.json. --export also writes the matrix
 * (column-major doubles, categorical codes, NaN = missing) for bench/model-fit-reference.py, which
 * fits scikit-learn's HistGradientBoostingClassifier and LightGBM on the very same rows.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeBenchResult } from './results.js';
import type { ClassifierFamily } from '../src/domain/model/classifier.js';
import { subsetRows } from '../src/domain/model/feature-matrix.js';
import { logLoss, rocAuc } from '../src/domain/model/metrics.js';
import { createClassifier } from '../src/domain/model/registry.js';
import { syntheticFeatures } from '../test/fixtures/synthetic-features.js';

const flag = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const rows = Number(flag('rows') ?? 200_000);
const validRows = Math.round(rows / 4);
const families = (flag('families')?.split(',') ?? ['logistic', 'tree', 'forest', 'gbdt']) as ClassifierFamily[];
const data = syntheticFeatures(rows + validRows, 24, 6, 1);

const exportDir = flag('export');
if (exportDir !== undefined) {
  const n = data.x.rows;
  const out = new Float64Array(n * data.x.columns.length);
  data.x.columns.forEach((c, j) => {
    for (let i = 0; i < n; i++) out[j * n + i] = c.kind === 'numeric' ? (c.values[i] as number) : (c.codes[i] as number) < 0 ? Number.NaN : (c.codes[i] as number);
  });
  mkdirSync(exportDir, { recursive: true });
  writeFileSync(path.join(exportDir, 'x.f64'), Buffer.from(out.buffer));
  writeFileSync(path.join(exportDir, 'y.u8'), Buffer.from(data.y.buffer, data.y.byteOffset, data.y.byteLength));
  writeFileSync(path.join(exportDir, 'meta.json'), JSON.stringify({ n, rows, valid: validRows, cols: data.x.columns.map((c) => c.kind) }));
  console.log(`matrix written to ${exportDir}`);
}
const range = (from: number, count: number): Uint32Array => Uint32Array.from({ length: count }, (_, i) => from + i);
const x = subsetRows(data.x, range(0, rows));
const y = data.y.slice(0, rows);
const vx = subsetRows(data.x, range(rows, validRows));
const vy = data.y.slice(rows);
const oracle = data.p.slice(rows);

const results: Record<string, unknown>[] = [];
for (const family of families) {
  const model = createClassifier(family, { seed: 1 });
  let rounds = 0;
  const t0 = performance.now();
  model.fit(x, y, { validation: { x: vx, y: vy }, onRound: (r) => (rounds = r) });
  const fitSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const p = model.predictProba(vx);
  const predictSeconds = (performance.now() - t1) / 1000;
  const figures = {
    family,
    fit_seconds: Number(fitSeconds.toFixed(2)),
    predict_seconds_per_50k: Number(((predictSeconds * 50_000) / validRows).toFixed(3)),
    validation_auc: Number(rocAuc(p, vy).toFixed(4)),
    validation_log_loss: Number(logLoss(p, vy).toFixed(4)),
    rounds_run: rounds,
    json_kb: Math.round(JSON.stringify(model.toJSON()).length / 1024),
    sql_kb: Math.round(model.toSQL((c) => `"${c}"`).length / 1024),
  };
  console.log(JSON.stringify(figures));
  results.push(figures);
}

await writeBenchResult('model-fit', {
  train_rows: rows,
  validation_rows: validRows,
  features: { numeric: 24, categorical: 6 },
  oracle: { validation_auc: Number(rocAuc(oracle, vy).toFixed(4)), validation_log_loss: Number(logLoss(oracle, vy).toFixed(4)) },
  defaults: 'each family with its default parameters and seed 1; gbdt stops early on the validation rows',
  results,
});
