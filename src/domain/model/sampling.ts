/**
 * Seeded draws used by the families (row and column subsamples, bootstrap, shuffles), on the
 * project's one PRNG (xoshiro128** in domain/synthetic/prng.ts). Results are sorted where order
 * carries no meaning, so rows are visited front to back (cache friendly, and deterministic).
 */
import type { Rng } from '../synthetic/prng.js';

/** `k` distinct integers from 0..n-1, ascending (partial Fisher-Yates). */
export function sampleWithoutReplacement(rng: Rng, n: number, k: number): Uint32Array {
  const pool = new Uint32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  const take = Math.min(k, n);
  for (let i = 0; i < take; i++) {
    const j = i + rng.int(n - i);
    const t = pool[i] as number;
    pool[i] = pool[j] as number;
    pool[j] = t;
  }
  return pool.slice(0, take).sort();
}

/** How many times each of n rows is drawn in `draws` draws with replacement. */
export function bootstrapCounts(rng: Rng, n: number, draws: number): Float64Array {
  const counts = new Float64Array(n);
  for (let d = 0; d < draws; d++) {
    const i = rng.int(n);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** Shuffles a typed array in place (Fisher-Yates). */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(rng: Rng, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
  return a;
}

/** 0..n-1 as a Uint32Array. */
export function identityRows(n: number): Uint32Array {
  const rows = new Uint32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return rows;
}
