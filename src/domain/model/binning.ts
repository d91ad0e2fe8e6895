/**
 * Feature binning for the tree families: every feature becomes a Uint8Array of bin numbers, so
 * tree growth works on small integers and per-bin histograms instead of sorting raw values.
 *
 * Bin layout, per feature (at most 256 bins):
 * - bin 0 is "missing" (NaN / code -1), for both kinds;
 * - numeric: bins 1..k in increasing value; bin j holds edges[j-2] < x <= edges[j-1], so "bins
 *   1..b go left" is exactly the raw test `x <= edges[b-1]` that prediction and SQL use;
 * - categorical: bin 1 is "other" (levels too rare to keep, and at prediction time levels never
 *   seen), bins 2.. are the kept levels, most frequent first.
 *
 * Numeric edges are midpoints between consecutive distinct values. With few distinct values each
 * gets its own bin (exact splits, as an exhaustive CART would find); otherwise edges follow the
 * quantiles of a seeded row sample.
 */
import { type FeatureMatrix, type FeatureSpec, resolveColumns } from './feature-matrix.js';
import { Rng } from '../synthetic/prng.js';

export const MISSING_BIN = 0;
export const OTHER_BIN = 1;
export const MAX_BINS = 256;

export interface NumericBinMapper {
  readonly name: string;
  readonly kind: 'numeric';
  /** Upper edges of bins 1..k-1 (bin k is unbounded above). */
  readonly edges: Float64Array;
  /** Including the missing bin. */
  readonly nBins: number;
}

export interface CategoricalBinMapper {
  readonly name: string;
  readonly kind: 'categorical';
  /** levels[i] is bin i + 2. */
  readonly levels: readonly string[];
  readonly nBins: number;
}

export type BinMapper = NumericBinMapper | CategoricalBinMapper;

export interface BinningOptions {
  /** Bins per feature including the missing bin (and "other" for categoricals); 3..256. */
  readonly maxBins: number;
  /** A categorical level seen fewer times than this in training goes to "other". */
  readonly minCategoryCount: number;
  /** Rows sampled to place numeric edges (all rows when fewer). */
  readonly sampleRows: number;
  readonly seed: number;
}

export const DEFAULT_BINNING: BinningOptions = { maxBins: 256, minCategoryCount: 10, sampleRows: 200_000, seed: 0 };

/** A column-major matrix of bin numbers, one Uint8Array per feature. */
export interface BinnedMatrix {
  readonly rows: number;
  readonly bins: readonly Uint8Array[];
  readonly nBins: Int32Array;
  /** 1 for categorical features (splits on sets of bins), 0 for numeric (splits on a bin order). */
  readonly categorical: Uint8Array;
}

export function fitBinMappers(x: FeatureMatrix, specs: readonly FeatureSpec[], options: BinningOptions = DEFAULT_BINNING): BinMapper[] {
  if (options.maxBins < 3 || options.maxBins > MAX_BINS) throw new Error(`maxBins must be in 3..${MAX_BINS}, got ${options.maxBins}`);
  const columns = resolveColumns(x, specs);
  const sample = sampleIndex(x.rows, options.sampleRows, options.seed);
  return columns.map((column): BinMapper => {
    if (column.kind === 'numeric') {
      const values = new Float64Array(sample.length);
      let n = 0;
      for (let i = 0; i < sample.length; i++) {
        const v = column.values[sample[i] as number] as number;
        if (!Number.isNaN(v)) values[n++] = v;
      }
      const edges = numericEdges(values.subarray(0, n).sort(), options.maxBins - 1);
      return { name: column.name, kind: 'numeric', edges, nBins: edges.length + 2 };
    }
    const counts = new Float64Array(column.levels.length);
    for (let i = 0; i < column.codes.length; i++) {
      const code = column.codes[i] as number;
      if (code >= 0) counts[code] = (counts[code] as number) + 1;
    }
    const kept = column.levels
      .map((level, code) => ({ level, count: counts[code] as number }))
      .filter((e) => e.count >= options.minCategoryCount && e.count > 0)
      .sort((a, b) => b.count - a.count || (a.level < b.level ? -1 : a.level > b.level ? 1 : 0))
      .slice(0, options.maxBins - 2)
      .map((e) => e.level);
    return { name: column.name, kind: 'categorical', levels: kept, nBins: kept.length + 2 };
  });
}

/** Row numbers to place edges on: all rows, or a seeded sample of `size` of them. */
function sampleIndex(rows: number, size: number, seed: number): Uint32Array {
  const all = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) all[i] = i;
  if (rows <= size) return all;
  const rng = Rng.fromSeed(seed, 0x6269);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(rows - i);
    const t = all[i] as number;
    all[i] = all[j] as number;
    all[j] = t;
  }
  return all.subarray(0, size).sort();
}

/** Edges for sorted non-missing values, at most `valueBins` - 1 of them. */
function numericEdges(sorted: Float64Array, valueBins: number): Float64Array {
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i] as number;
    if (distinct.length > 0 && distinct[distinct.length - 1] === v) counts[counts.length - 1] = (counts[counts.length - 1] as number) + 1;
    else {
      distinct.push(v);
      counts.push(1);
    }
  }
  const edges: number[] = [];
  if (distinct.length <= valueBins) {
    for (let d = 0; d + 1 < distinct.length; d++) edges.push(midpoint(distinct[d] as number, distinct[d + 1] as number));
    return Float64Array.from(edges);
  }
  // Greedy quantiles: close a bin once the running count passes the next multiple of n / bins,
  // so a value heavier than a whole bin still gets a bin of its own.
  const n = sorted.length;
  let target = 1;
  let cumulative = 0;
  for (let d = 0; d + 1 < distinct.length && edges.length < valueBins - 1; d++) {
    cumulative += counts[d] as number;
    if (cumulative >= (target * n) / valueBins) {
      edges.push(midpoint(distinct[d] as number, distinct[d + 1] as number));
      while (cumulative >= (target * n) / valueBins) target++;
    }
  }
  return Float64Array.from(edges);
}

/** A threshold t with a <= t < b, so a goes left and b right. */
function midpoint(a: number, b: number): number {
  const t = a + (b - a) / 2;
  return Number.isFinite(t) && a <= t && t < b ? t : a;
}

/** The bin of a numeric value: 1 + the number of edges below it. */
export function numericBin(edges: Float64Array, v: number): number {
  if (Number.isNaN(v)) return MISSING_BIN;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= (edges[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo + 1;
}

/** Bins every feature of `x` with the fitted mappers (columns found by name). */
export function binMatrix(x: FeatureMatrix, mappers: readonly BinMapper[]): BinnedMatrix {
  const columns = resolveColumns(x, mappers);
  const bins = columns.map((column, f) => {
    const mapper = mappers[f] as BinMapper;
    const out = new Uint8Array(x.rows);
    if (column.kind === 'numeric' && mapper.kind === 'numeric') {
      const { edges } = mapper;
      for (let i = 0; i < x.rows; i++) out[i] = numericBin(edges, column.values[i] as number);
    } else if (column.kind === 'categorical' && mapper.kind === 'categorical') {
      const binOfLevel = new Map(mapper.levels.map((level, i) => [level, i + 2] as const));
      const binOfCode = column.levels.map((level) => binOfLevel.get(level) ?? OTHER_BIN);
      for (let i = 0; i < x.rows; i++) {
        const code = column.codes[i] as number;
        out[i] = code < 0 ? MISSING_BIN : (binOfCode[code] as number);
      }
    }
    return out;
  });
  return {
    rows: x.rows,
    bins,
    nBins: Int32Array.from(mappers.map((m) => m.nBins)),
    categorical: Uint8Array.from(mappers.map((m) => (m.kind === 'categorical' ? 1 : 0))),
  };
}

/** Rows sampled to place numeric edges when the tree families bin their training rows. */
const EDGE_SAMPLE_ROWS = 200_000;

export interface TreeBinningSettings {
  readonly maxBins: number;
  readonly minCategoryCount: number;
  readonly seed: number;
}

export interface BinnedTraining {
  readonly mappers: readonly BinMapper[];
  readonly data: BinnedMatrix;
}

// A model search fits several tree candidates on the same matrix objects, and binning is a fifth
// of a boosting fit on 100k rows, so both are memoised per matrix object (held weakly) and
// settings. Feature matrices are never changed once built, so a memo cannot go stale.
const trainingBins = new WeakMap<FeatureMatrix, Map<string, BinnedTraining>>();
const otherBins = new WeakMap<readonly BinMapper[], WeakMap<FeatureMatrix, BinnedMatrix>>();

/** The tree families' binning of their training rows: mappers fitted on `train`, and its bins. */
export function binTrainingMatrix(train: FeatureMatrix, specs: readonly FeatureSpec[], settings: TreeBinningSettings): BinnedTraining {
  const key = JSON.stringify([specs.map((s) => [s.name, s.kind]), settings.maxBins, settings.minCategoryCount, settings.seed]);
  let byKey = trainingBins.get(train);
  if (byKey === undefined) trainingBins.set(train, (byKey = new Map()));
  let binned = byKey.get(key);
  if (binned === undefined) {
    const mappers = fitBinMappers(train, specs, { ...settings, sampleRows: EDGE_SAMPLE_ROWS });
    binned = { mappers, data: binMatrix(train, mappers) };
    byKey.set(key, binned);
  }
  return binned;
}

/** Other rows (e.g. validation) binned with a training matrix's mappers, memoised likewise. */
export function binWithMappers(x: FeatureMatrix, mappers: readonly BinMapper[]): BinnedMatrix {
  let byMatrix = otherBins.get(mappers);
  if (byMatrix === undefined) otherBins.set(mappers, (byMatrix = new WeakMap()));
  let data = byMatrix.get(x);
  if (data === undefined) byMatrix.set(x, (data = binMatrix(x, mappers)));
  return data;
}
