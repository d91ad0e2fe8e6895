/**
 * Permutation feature importance: how much worse the model does on validation rows when one
 * feature's values are shuffled across rows (breaking its link to the label, keeping its
 * distribution). Shuffles are seeded; each feature is shuffled `repeats` times and averaged.
 */
import type { ColumnScorer } from './classifier.js';
import { withColumn, type FeatureColumn, type FeatureMatrix } from './feature-matrix.js';
import { logLoss, rocAuc } from './metrics.js';
import { shuffleInPlace } from './sampling.js';
import { Rng } from '../synthetic/prng.js';

export interface FeatureImportance {
  readonly feature: string;
  /** Mean increase of log loss when shuffled (higher = more important). */
  readonly logLossIncrease: number;
  /** Mean decrease of ROC AUC when shuffled. */
  readonly aucDecrease: number;
  /** Standard deviation of the log loss increase over the repeats. */
  readonly logLossIncreaseStd: number;
}

function permuted(column: FeatureColumn, order: Uint32Array): FeatureColumn {
  if (column.kind === 'numeric') return { ...column, values: Float64Array.from(order, (i) => column.values[i] as number) };
  return { ...column, codes: Int32Array.from(order, (i) => column.codes[i] as number) };
}

/** A ColumnScorer that simply predicts every changed matrix anew. */
export function predictingColumnScorer(predict: (x: FeatureMatrix) => Float64Array, x: FeatureMatrix): ColumnScorer {
  return { base: predict(x), withColumn: (position, column) => predict(withColumn(x, position, column)) };
}

/** Importance of every column of `x` (the matrix `scorer` scores), most important first (ties by name). */
export function permutationImportance(
  scorer: ColumnScorer,
  x: FeatureMatrix,
  y: Uint8Array,
  options: { repeats?: number; seed?: number } = {},
): FeatureImportance[] {
  const repeats = options.repeats ?? 3;
  const baseP = scorer.base;
  const baseLoss = logLoss(baseP, y);
  const baseAuc = rocAuc(baseP, y);
  const out = x.columns.map((column, position): FeatureImportance => {
    const rng = Rng.fromSeed(options.seed ?? 0, 0x696d70 + position);
    const increases: number[] = [];
    let aucDrop = 0;
    for (let r = 0; r < repeats; r++) {
      const order = new Uint32Array(x.rows);
      for (let i = 0; i < x.rows; i++) order[i] = i;
      shuffleInPlace(rng, order);
      const p = scorer.withColumn(position, permuted(column, order));
      increases.push(logLoss(p, y) - baseLoss);
      aucDrop += baseAuc - rocAuc(p, y);
    }
    const mean = increases.reduce((s, v) => s + v, 0) / repeats;
    const variance = increases.reduce((s, v) => s + (v - mean) * (v - mean), 0) / repeats;
    return { feature: column.name, logLossIncrease: mean, aucDecrease: aucDrop / repeats, logLossIncreaseStd: Math.sqrt(variance) };
  });
  return out.sort((a, b) => b.logLossIncrease - a.logLossIncrease || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0));
}
