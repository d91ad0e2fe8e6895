/**
 * Probability calibration, fitted on validation predictions: identity, Platt scaling (a logistic
 * fit on the logit of the score) or isotonic regression (pool-adjacent-violators). Which one is
 * chosen by cross-validated log loss on the validation rows, since on the rows it was fitted on
 * isotonic always wins.
 *
 * Each calibrator also writes itself as SQL around the classifier's expression, and the inner
 * expression appears ONCE in the result (a classifier's SQL can be a megabyte; repeating it per
 * isotonic step would not do):
 * - Platt: logit(p) = -LN(1/p - 1) needs p once; 1e-300 is added twice so p = 0 and p = 1 stay
 *   finite (it changes no other double): sigma(a*logit + b) = 1 / (1 + EXP(a*LN(...) - b)).
 * - isotonic: the step function is kept on a grid of `gridSize` cells of [0, 1], and the SQL
 *   reads cell FLOOR(p * gridSize) from a fixed-width lookup string (SUBSTR, TRIM, CAST: in both
 *   engines). PAV is fitted on the same grid (scores in one cell are pooled), so the grid is the
 *   model itself, not an approximation of it.
 */
import { z } from 'zod';
import { logLoss } from './metrics.js';
import { sqlNumber } from './sql.js';
import { Rng } from '../synthetic/prng.js';

export const CALIBRATION_METHODS = ['identity', 'platt', 'isotonic'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

export const calibratorJsonSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('identity') }).strict(),
  z.object({ kind: z.literal('platt'), a: z.number(), b: z.number() }).strict(),
  z.object({ kind: z.literal('isotonic'), gridSize: z.number().int().min(1), values: z.array(z.number().min(0).max(1)) }).strict(),
]);

export type CalibratorJson = z.infer<typeof calibratorJsonSchema>;

export interface Calibrator {
  readonly kind: CalibrationMethod;
  apply(p: Float64Array): Float64Array;
  /** SQL of the calibrated probability, given the SQL of the uncalibrated one (used once). */
  toSQL(inner: string): string;
  toJSON(): CalibratorJson;
}

/** Isotonic values are kept in [EPS, 1 - EPS]: a cell with no positive must not predict exactly 0. */
export const ISOTONIC_EPS = 1e-6;
export const DEFAULT_GRID_SIZE = 1000;

export class IdentityCalibrator implements Calibrator {
  readonly kind = 'identity' as const;
  apply(p: Float64Array): Float64Array {
    return Float64Array.from(p);
  }
  toSQL(inner: string): string {
    return inner;
  }
  toJSON(): CalibratorJson {
    return { kind: 'identity' };
  }
}

/** logit(p) written so p = 0 and p = 1 give finite values; the SQL repeats these exact steps. */
export function safeLogit(p: number): number {
  return -Math.log(1 / (p + 1e-300) - 1 + 1e-300);
}

export class PlattCalibrator implements Calibrator {
  readonly kind = 'platt' as const;
  constructor(
    readonly a: number,
    readonly b: number,
  ) {}

  apply(p: Float64Array): Float64Array {
    const out = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) {
      const q = p[i] as number;
      out[i] = 1 / (1 + Math.exp(this.a * Math.log(1 / (q + 1e-300) - 1 + 1e-300) - this.b));
    }
    return out;
  }

  toSQL(inner: string): string {
    return `(1E0 / (1E0 + EXP(${sqlNumber(this.a)} * LN(1E0 / ((${inner}) + 1E-300) - 1E0 + 1E-300) - ${sqlNumber(this.b)})))`;
  }

  toJSON(): CalibratorJson {
    return { kind: 'platt', a: this.a, b: this.b };
  }
}

export class IsotonicCalibrator implements Calibrator {
  readonly kind = 'isotonic' as const;
  /** values[k] for cells k = 0..gridSize (the last holds p = 1 exactly). */
  constructor(
    readonly gridSize: number,
    readonly values: readonly number[],
  ) {
    if (values.length !== gridSize + 1) throw new Error(`isotonic calibrator: ${values.length} values for a grid of ${gridSize}`);
  }

  cell(p: number): number {
    return Math.min(this.gridSize, Math.max(0, Math.floor(p * this.gridSize)));
  }

  apply(p: Float64Array): Float64Array {
    const out = new Float64Array(p.length);
    for (let i = 0; i < p.length; i++) out[i] = this.values[this.cell(p[i] as number)] as number;
    return out;
  }

  toSQL(inner: string): string {
    // A lookup table in a string literal, read at FLOOR(p * gridSize): the inner expression once.
    // (A CASE on the cell would not do: engines rewrite `CASE x WHEN ...` into one copy of x per
    // WHEN, and x is the whole classifier.) Each value's shortest round-trip digits, padded to a
    // fixed width, parse back to the same double in both engines.
    const texts = this.values.map((v) => String(v));
    const width = Math.max(...texts.map((t) => t.length));
    const table = texts.map((t) => t.padEnd(width, ' ')).join('');
    const cell = `CAST(FLOOR((${inner}) * ${sqlNumber(this.gridSize)}) AS INTEGER)`;
    return `CAST(TRIM(SUBSTR('${table}', ${cell} * ${width} + 1, ${width})) AS DOUBLE)`;
  }

  toJSON(): CalibratorJson {
    return { kind: 'isotonic', gridSize: this.gridSize, values: [...this.values] };
  }
}

export function calibratorFromJSON(json: unknown): Calibrator {
  const parsed = calibratorJsonSchema.parse(json);
  if (parsed.kind === 'identity') return new IdentityCalibrator();
  if (parsed.kind === 'platt') return new PlattCalibrator(parsed.a, parsed.b);
  return new IsotonicCalibrator(parsed.gridSize, parsed.values);
}

/**
 * Platt scaling: maximum likelihood a, b of P(y=1) = sigma(a * logit(p) + b), by Newton's method
 * on the two parameters (a 1e-9 ridge keeps it defined on separable data).
 */
export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>): PlattCalibrator {
  const n = p.length;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) z[i] = safeLogit(p[i] as number);
  let a = 1;
  let b = 0;
  const ridge = 1e-9 * n;
  for (let iter = 0; iter < 100; iter++) {
    let ga = ridge * a;
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < n; i++) {
      const zi = z[i] as number;
      const q = 1 / (1 + Math.exp(-(a * zi + b)));
      const r = q - (y[i] as number);
      const h = Math.max(q * (1 - q), 1e-12);
      ga += r * zi;
      gb += r;
      haa += h * zi * zi;
      hab += h * zi;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    // Damped when a full step is very large (near-separable data).
    const scale = Math.min(1, 5 / Math.max(Math.abs(da), Math.abs(db)));
    a -= scale * da;
    b -= scale * db;
    if (Math.abs(da) < 1e-12 && Math.abs(db) < 1e-12) break;
  }
  return new PlattCalibrator(a, b);
}

/**
 * Pool-adjacent-violators: the non-decreasing fit of y (weights w) in the given order. Returns
 * each block's weighted mean and the number of consecutive points it covers.
 */
export function poolAdjacentViolators(y: ArrayLike<number>, w: ArrayLike<number>): { values: number[]; sizes: number[] } {
  const values: number[] = [];
  const weights: number[] = [];
  const sizes: number[] = [];
  for (let i = 0; i < y.length; i++) {
    values.push(y[i] as number);
    weights.push(w[i] as number);
    sizes.push(1);
    while (values.length > 1 && (values[values.length - 2] as number) >= (values[values.length - 1] as number)) {
      const v2 = values.pop() as number;
      const w2 = weights.pop() as number;
      const s2 = sizes.pop() as number;
      const k = values.length - 1;
      const w1 = weights[k] as number;
      const total = w1 + w2;
      values[k] = total > 0 ? ((values[k] as number) * w1 + v2 * w2) / total : values[k] as number;
      weights[k] = total;
      sizes[k] = (sizes[k] as number) + s2;
    }
  }
  return { values, sizes };
}

export function fitIsotonic(p: ArrayLike<number>, y: ArrayLike<number>, gridSize = DEFAULT_GRID_SIZE): IsotonicCalibrator {
  const cells = gridSize + 1;
  const sumY = new Float64Array(cells);
  const count = new Float64Array(cells);
  const probe = new IsotonicCalibrator(gridSize, new Array<number>(cells).fill(0));
  for (let i = 0; i < p.length; i++) {
    const k = probe.cell(p[i] as number);
    sumY[k] = (sumY[k] as number) + (y[i] as number);
    count[k] = (count[k] as number) + 1;
  }
  const used: number[] = [];
  for (let k = 0; k < cells; k++) if ((count[k] as number) > 0) used.push(k);
  if (used.length === 0) throw new Error('isotonic calibration needs at least one row');
  const fit = poolAdjacentViolators(
    used.map((k) => (sumY[k] as number) / (count[k] as number)),
    used.map((k) => count[k] as number),
  );
  const cellValue = new Float64Array(cells).fill(Number.NaN);
  let at = 0;
  fit.values.forEach((v, block) => {
    const clipped = Math.min(1 - ISOTONIC_EPS, Math.max(ISOTONIC_EPS, v));
    for (let j = 0; j < (fit.sizes[block] as number); j++) cellValue[used[at++] as number] = clipped;
  });
  // Empty cells take the value of the nearest filled cell below (above, before the first one).
  const values = new Array<number>(cells);
  let last = cellValue[used[0] as number] as number;
  for (let k = 0; k < cells; k++) {
    const v = cellValue[k] as number;
    if (!Number.isNaN(v)) last = v;
    values[k] = last;
  }
  return new IsotonicCalibrator(gridSize, values);
}

export function fitCalibrator(method: CalibrationMethod, p: ArrayLike<number>, y: ArrayLike<number>, gridSize = DEFAULT_GRID_SIZE): Calibrator {
  if (method === 'identity') return new IdentityCalibrator();
  if (method === 'platt') return fitPlatt(p, y);
  return fitIsotonic(p, y, gridSize);
}

export interface CalibrationChoice {
  readonly calibrator: Calibrator;
  /** Out-of-fold log loss of each method tried. */
  readonly crossValidatedLogLoss: Readonly<Partial<Record<CalibrationMethod, number>>>;
  /** The chosen method's out-of-fold calibrated probabilities: each row calibrated without it. */
  readonly outOfFold: Float64Array;
}

/**
 * Picks the method with the lowest out-of-fold log loss on the validation predictions (k folds,
 * seeded), then fits it on all of them. Ties go to the simpler method (the order of `methods`).
 */
export function chooseCalibrator(
  p: Float64Array,
  y: Uint8Array,
  options: { methods?: readonly CalibrationMethod[]; folds?: number; seed?: number; gridSize?: number } = {},
): CalibrationChoice {
  const methods = options.methods ?? CALIBRATION_METHODS;
  const folds = options.folds ?? 5;
  const gridSize = options.gridSize ?? DEFAULT_GRID_SIZE;
  if (methods.length === 0) throw new Error('no calibration method to choose from');
  const rng = Rng.fromSeed(options.seed ?? 0, 0x63616c);
  const fold = new Uint8Array(p.length);
  for (let i = 0; i < p.length; i++) fold[i] = rng.int(folds);
  const scores: Partial<Record<CalibrationMethod, number>> = {};
  let best: CalibrationMethod = methods[0] as CalibrationMethod;
  let bestOutOfFold = new Float64Array(0);
  for (const method of methods) {
    const oof = new Float64Array(p.length);
    for (let k = 0; k < folds; k++) {
      const trainIdx: number[] = [];
      const testIdx: number[] = [];
      for (let i = 0; i < p.length; i++) (fold[i] === k ? testIdx : trainIdx).push(i);
      if (testIdx.length === 0) continue;
      const calibrator = fitCalibrator(method, trainIdx.map((i) => p[i] as number), trainIdx.map((i) => y[i] as number), gridSize);
      const out = calibrator.apply(Float64Array.from(testIdx, (i) => p[i] as number));
      testIdx.forEach((i, j) => {
        oof[i] = out[j] as number;
      });
    }
    scores[method] = logLoss(oof, y);
    if (method === best || (scores[method] as number) < (scores[best] ?? Number.POSITIVE_INFINITY)) {
      best = method;
      bestOutOfFold = oof;
    }
  }
  return { calibrator: fitCalibrator(best, p, y, gridSize), crossValidatedLogLoss: scores, outOfFold: bestOutOfFold };
}
