/**
 * Row weights from class weights and caller weights, shared by every family so "balanced"
 * means the same thing everywhere: each class gets half of the total weight.
 */
import { z } from 'zod';

export const classWeightSchema = z.union([
  z.literal('none'),
  z.literal('balanced'),
  z.object({ negative: z.number().positive(), positive: z.number().positive() }).strict(),
]);

export type ClassWeight = z.infer<typeof classWeightSchema>;

export function rowWeights(y: Uint8Array, classWeight: ClassWeight, weights?: Float64Array): Float64Array {
  const n = y.length;
  const base = weights ?? new Float64Array(n).fill(1);
  let wPos = 1;
  let wNeg = 1;
  if (classWeight === 'balanced') {
    let pos = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      total += base[i] as number;
      if (y[i] === 1) pos += base[i] as number;
    }
    wPos = total / (2 * pos);
    wNeg = total / (2 * (total - pos));
  } else if (classWeight !== 'none') {
    wPos = classWeight.positive;
    wNeg = classWeight.negative;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const w = base[i] as number;
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`weight at row ${i} is ${w}; weights must be finite and >= 0`);
    out[i] = w * (y[i] === 1 ? wPos : wNeg);
  }
  return out;
}
