/**
 * Population stability index: how far the distribution of a value on the scored day has moved
 * from the training window.
 *
 *   PSI = sum over bins of (current share - reference share) * ln(current share / reference share)
 *
 * Bins come from the reference window only, so the same day compared against the same model's
 * training window always uses the same bins:
 *   numeric      quantile cut points of the reference values (see quantileCuts); NaN values form
 *                their own "(missing)" bin;
 *   categorical  the most frequent reference levels, one bin each; every other level, including
 *                levels the reference never saw, goes to "(other)"; null goes to "(missing)".
 * An empty bin would make the logarithm infinite, so a share of 0 counts as PSI_EPSILON.
 * Usual reading: below 0.1 stable, 0.1 to 0.2 a moderate shift, above 0.2 a significant one.
 */
import { short } from './format.js';

/** The share an empty bin counts as. */
export const PSI_EPSILON = 1e-4;
export const DEFAULT_PSI_BINS = 10;
/** Reference levels beyond this many (by frequency) share the "(other)" bin. */
export const DEFAULT_PSI_MAX_LEVELS = 20;
export const MISSING_BIN = '(missing)';
export const OTHER_BIN = '(other)';

export interface PsiBin {
  readonly label: string;
  readonly referenceCount: number;
  readonly currentCount: number;
  readonly referenceShare: number;
  readonly currentShare: number;
  /** This bin's term of the sum. */
  readonly contribution: number;
}

export interface PsiResult {
  /** NaN when either side has no rows: there is nothing to compare. */
  readonly psi: number;
  readonly referenceRows: number;
  readonly currentRows: number;
  /** In bin order (numeric: ascending values, then missing); bins empty on both sides are left out. */
  readonly bins: readonly PsiBin[];
}

/**
 * PSI from counts per bin (same bin order on both sides). Exported for callers that bin
 * themselves; the numeric and categorical functions below end here.
 */
export function psiFromCounts(labels: readonly string[], reference: readonly number[], current: readonly number[], epsilon = PSI_EPSILON): PsiResult {
  if (labels.length !== reference.length || labels.length !== current.length) {
    throw new Error(`PSI needs one count per bin on each side: ${labels.length} labels, ${reference.length} reference and ${current.length} current counts`);
  }
  const referenceRows = reference.reduce((a, b) => a + b, 0);
  const currentRows = current.reduce((a, b) => a + b, 0);
  const bins: PsiBin[] = [];
  let psi = 0;
  labels.forEach((label, i) => {
    const r = reference[i] as number;
    const c = current[i] as number;
    if (r === 0 && c === 0) return;
    const referenceShare = referenceRows === 0 ? 0 : r / referenceRows;
    const currentShare = currentRows === 0 ? 0 : c / currentRows;
    const e = Math.max(referenceShare, epsilon);
    const a = Math.max(currentShare, epsilon);
    const contribution = (a - e) * Math.log(a / e);
    psi += contribution;
    bins.push({ label, referenceCount: r, currentCount: c, referenceShare, currentShare, contribution });
  });
  return { psi: referenceRows === 0 || currentRows === 0 ? Number.NaN : psi, referenceRows, currentRows, bins };
}

/**
 * Cut points splitting the reference into `bins` groups of near-equal size: the k-th cut is the
 * value at 1-based rank ceil(k * n / bins) of the sorted values, so bin (-inf, cut_k] holds at
 * least k/bins of the rows. Repeated cuts (ties) merge, and a cut at the maximum is dropped (the
 * bin above it would be empty in the reference). Example: 1..10 in 5 bins -> 2, 4, 6, 8.
 */
export function quantileCuts(referenceValues: ArrayLike<number>, bins = DEFAULT_PSI_BINS): number[] {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`PSI bins must be a positive integer, got ${bins}`);
  let n = 0;
  for (let i = 0; i < referenceValues.length; i++) if (!Number.isNaN(referenceValues[i])) n++;
  const sorted = new Float64Array(n);
  for (let i = 0, j = 0; i < referenceValues.length; i++) if (!Number.isNaN(referenceValues[i])) sorted[j++] = referenceValues[i] as number;
  sorted.sort();
  const cuts: number[] = [];
  if (n === 0) return cuts;
  const max = sorted[n - 1] as number;
  for (let k = 1; k < bins; k++) {
    const cut = sorted[Math.ceil((k * n) / bins) - 1] as number;
    if (cut < max && cut !== cuts[cuts.length - 1]) cuts.push(cut);
  }
  return cuts;
}

/** Index of the bin of `v` for ascending `cuts`: bins are (-inf, c1], (c1, c2], ..., (c_m, inf). */
function binOf(v: number, cuts: readonly number[]): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v > (cuts[mid] as number)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function numericLabels(cuts: readonly number[]): string[] {
  if (cuts.length === 0) return ['all values'];
  return [
    `≤ ${short(cuts[0] as number)}`,
    ...cuts.slice(1).map((c, i) => `(${short(cuts[i] as number)}, ${short(c)}]`),
    `> ${short(cuts[cuts.length - 1] as number)}`,
  ];
}

/** PSI of a numeric value (NaN = missing) with quantile bins of the reference. */
export function numericPsi(reference: ArrayLike<number>, current: ArrayLike<number>, bins = DEFAULT_PSI_BINS, epsilon = PSI_EPSILON): PsiResult {
  const cuts = quantileCuts(reference, bins);
  const size = cuts.length + 2; // value bins, then missing
  const count = (values: ArrayLike<number>): number[] => {
    const out = new Array<number>(size).fill(0);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      const b = Number.isNaN(v) ? size - 1 : binOf(v, cuts);
      out[b] = (out[b] as number) + 1;
    }
    return out;
  };
  return psiFromCounts([...numericLabels(cuts), MISSING_BIN], count(reference), count(current), epsilon);
}

/** PSI of a categorical value (null = missing), one bin per frequent reference level. */
export function categoricalPsi(
  reference: readonly (string | null)[],
  current: readonly (string | null)[],
  maxLevels = DEFAULT_PSI_MAX_LEVELS,
  epsilon = PSI_EPSILON,
): PsiResult {
  const frequency = new Map<string, number>();
  for (const v of reference) if (v !== null) frequency.set(v, (frequency.get(v) ?? 0) + 1);
  // Most frequent first; equal counts by name, so the bins do not depend on row order.
  const kept = [...frequency.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxLevels)
    .map(([level]) => level);
  const index = new Map(kept.map((level, i) => [level, i]));
  const other = kept.length;
  const missingBin = kept.length + 1;
  const count = (values: readonly (string | null)[]): number[] => {
    const out = new Array<number>(kept.length + 2).fill(0);
    for (const v of values) {
      const b = v === null ? missingBin : (index.get(v) ?? other);
      out[b] = (out[b] as number) + 1;
    }
    return out;
  };
  return psiFromCounts([...kept, OTHER_BIN, MISSING_BIN], count(reference), count(current), epsilon);
}
