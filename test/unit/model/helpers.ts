/** Small generated datasets for the model tests (seeded; a few thousand rows at most). */
import { subsetRows, type FeatureMatrix } from '../../../src/domain/model/feature-matrix.js';
import { syntheticFeatures } from '../../fixtures/synthetic-features.js';

export interface Split {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
  readonly vx: FeatureMatrix;
  readonly vy: Uint8Array;
}

/** `train` + `valid` rows of the synthetic signal, split in row order. */
export function splitData(train: number, valid: number, numeric: number, categorical: number, seed = 3): Split {
  const d = syntheticFeatures(train + valid, numeric, categorical, seed);
  const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
  return { x: subsetRows(d.x, range(0, train)), y: d.y.slice(0, train), vx: subsetRows(d.x, range(train, valid)), vy: d.y.slice(train) };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
