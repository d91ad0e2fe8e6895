/**
 * The points of the report's evaluation charts, from predicted probabilities and 0/1 labels:
 * ROC and precision-recall curves (one point per distinct score, thinned to a fixed budget so a
 * chart of two million rows stays small) and calibration bins. Equal scores move together, as in
 * metrics.ts, so the area under the full ROC curve is exactly rocAuc.
 */

/** How many points a curve keeps at most. */
export const MAX_CURVE_POINTS = 200;

export interface RocPoint {
  readonly fpr: number;
  readonly tpr: number;
  /** Rows with a score >= threshold are called returns; null for the (0, 0) start. */
  readonly threshold: number | null;
}

export interface PrPoint {
  readonly recall: number;
  readonly precision: number;
  readonly threshold: number;
}

export interface CalibrationBin {
  /** 0-based bin of [0, 1] in equal widths. */
  readonly bin: number;
  readonly lower: number;
  readonly upper: number;
  readonly rows: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
}

function check(p: ArrayLike<number>, y: ArrayLike<number>): void {
  if (p.length !== y.length) throw new Error(`${p.length} predictions for ${y.length} labels`);
}

/** Row numbers by score, highest first; equal scores in row order (deterministic). */
function descending(p: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(p.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (p[b] as number) - (p[a] as number) || a - b);
}

/**
 * Cumulative true and false positives at each distinct score, highest score first: what a
 * classifier calling "return" at score >= threshold gets right and wrong.
 */
function confusionSteps(p: ArrayLike<number>, y: ArrayLike<number>): { threshold: number; tp: number; fp: number }[] {
  const order = descending(p);
  const steps: { threshold: number; tp: number; fp: number }[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (y[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || p[next] !== p[i]) steps.push({ threshold: p[i] as number, tp, fp });
  }
  return steps;
}

/** Every ROC point, from (0, 0) to (1, 1). Empty when a class is absent (the curve is undefined). */
export function rocPoints(p: ArrayLike<number>, y: ArrayLike<number>): RocPoint[] {
  check(p, y);
  const steps = confusionSteps(p, y);
  const last = steps[steps.length - 1];
  if (!last || last.tp === 0 || last.fp === 0) return [];
  return [{ fpr: 0, tpr: 0, threshold: null }, ...steps.map((s) => ({ fpr: s.fp / last.fp, tpr: s.tp / last.tp, threshold: s.threshold }))];
}

/** Every precision-recall point, highest threshold (lowest recall) first. Empty without positives. */
export function precisionRecallPoints(p: ArrayLike<number>, y: ArrayLike<number>): PrPoint[] {
  check(p, y);
  const steps = confusionSteps(p, y);
  const positives = steps[steps.length - 1]?.tp ?? 0;
  if (positives === 0) return [];
  return steps.map((s) => ({ recall: s.tp / positives, precision: s.tp / (s.tp + s.fp), threshold: s.threshold }));
}

/**
 * At most `max` points, evenly spaced by position, always keeping the first and the last. The
 * choice depends only on the number of points, so it is the same on every run.
 */
export function downsample<T>(points: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (!Number.isInteger(max) || max < 2) throw new RangeError(`a curve needs at least 2 points, got ${max}`);
  const n = points.length;
  if (n <= max) return [...points];
  return Array.from({ length: max }, (_, i) => points[Math.round((i * (n - 1)) / (max - 1))] as T);
}

export function rocCurve(p: ArrayLike<number>, y: ArrayLike<number>, max = MAX_CURVE_POINTS): RocPoint[] {
  return downsample(rocPoints(p, y), max);
}

export function precisionRecallCurve(p: ArrayLike<number>, y: ArrayLike<number>, max = MAX_CURVE_POINTS): PrPoint[] {
  return downsample(precisionRecallPoints(p, y), max);
}

/** Area under a polyline by the trapezoid rule (x ascending). */
export function trapezoidArea(points: readonly { readonly x: number; readonly y: number }[]): number {
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    area += ((b.x - a.x) * (a.y + b.y)) / 2;
  }
  return area;
}

/**
 * Rows grouped in `bins` equal-width bins of predicted probability (as expectedCalibrationError
 * in metrics.ts: a probability of exactly 1 falls in the last bin); empty bins are left out.
 */
export function calibrationBins(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): CalibrationBin[] {
  check(p, y);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const rows = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor((p[i] as number) * bins)));
    sumP[b] = (sumP[b] as number) + (p[i] as number);
    sumY[b] = (sumY[b] as number) + (y[i] as number);
    rows[b] = (rows[b] as number) + 1;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = rows[b] as number;
    if (n > 0) out.push({ bin: b, lower: b / bins, upper: (b + 1) / bins, rows: n, meanPredicted: (sumP[b] as number) / n, observedRate: (sumY[b] as number) / n });
  }
  return out;
}
