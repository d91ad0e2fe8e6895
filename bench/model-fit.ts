/**
 * Fit time and quality of each model family on a generated 200,000 x 30 feature matrix (24
 * numeric, 6 categorical, missing values, a non-linear signal), scored on 50,000 validation rows.
 * Run with `npx tsx bench/model-fit.ts [--rows=200000] [--families=logistic,tree,forest,gbdt]`;
 * figures go to bench/results/model-fit.json. The comparison with scikit-learn and LightGBM is
 * bench/forward-test.ts, on a data scientist's own features and the days after the as-of date.
 */
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
