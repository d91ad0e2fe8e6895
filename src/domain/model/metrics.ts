/**
 * Evaluation metrics for predicted probabilities against 0/1 labels. Ties are handled the way
 * scikit-learn does: ROC AUC counts a tied positive/negative pair as half a pair, and PR AUC is
 * average precision with one step per distinct score.
 */

export interface DecileRow {
  /** 1 = the tenth of rows with the highest predicted probability. */
  readonly decile: number;
  readonly rows: number;
  readonly meanPredicted: number;
  readonly returnRate: number;
}

export interface MetricSet {
  readonly rows: number;
  readonly positives: number;
  readonly rocAuc: number;
  readonly prAuc: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly ece: number;
  readonly deciles: readonly DecileRow[];
}

/** Probabilities are clipped to [EPS, 1 - EPS] for log loss, so one sure miss is costly, not infinite. */
export const LOG_LOSS_EPS = 1e-15;

function checkSizes(p: ArrayLike<number>, y: ArrayLike<number>): void {
  if (p.length !== y.length) throw new Error(`${p.length} predictions for ${y.length} labels`);
  if (p.length === 0) throw new Error('metrics need at least one row');
}

/** Row numbers ordered by score, ascending; equal scores keep row order (deterministic). */
function orderByScore(p: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => (p[a] as number) - (p[b] as number) || a - b);
}

/** Area under the ROC curve (probability a random positive outranks a random negative; ties 1/2). */
export function rocAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSizes(p, y);
  const order = orderByScore(p);
  let negativesBelow = 0;
  let pairs = 0;
  let positives = 0;
  let negatives = 0;
  for (let start = 0; start < order.length; ) {
    const score = p[order[start] as number] as number;
    let pos = 0;
    let neg = 0;
    let end = start;
    while (end < order.length && p[order[end] as number] === score) {
      if (y[order[end] as number] === 1) pos++;
      else neg++;
      end++;
    }
    pairs += pos * negativesBelow + 0.5 * pos * neg;
    negativesBelow += neg;
    positives += pos;
    negatives += neg;
    start = end;
  }
  if (positives === 0 || negatives === 0) return Number.NaN;
  return pairs / (positives * negatives);
}

/** Average precision: sum over distinct thresholds (high to low) of recall gained x precision. */
export function prAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSizes(p, y);
  const order = orderByScore(p);
  let totalPositives = 0;
  for (let i = 0; i < y.length; i++) totalPositives += y[i] === 1 ? 1 : 0;
  if (totalPositives === 0) return Number.NaN;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let end = order.length; end > 0; ) {
    const score = p[order[end - 1] as number] as number;
    let start = end;
    let groupTp = 0;
    while (start > 0 && p[order[start - 1] as number] === score) {
      if (y[order[start - 1] as number] === 1) groupTp++;
      start--;
    }
    tp += groupTp;
    seen += end - start;
    ap += (groupTp / totalPositives) * (tp / seen);
    end = start;
  }
  return ap;
}

export function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSizes(p, y);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const q = Math.min(Math.max(p[i] as number, LOG_LOSS_EPS), 1 - LOG_LOSS_EPS);
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / p.length;
}

export function brierScore(p: ArrayLike<number>, y: ArrayLike<number>): number {
  checkSizes(p, y);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const d = (p[i] as number) - (y[i] as number);
    s += d * d;
  }
  return s / p.length;
}

/**
 * Expected calibration error over `bins` equal-width bins of [0, 1]: the row-weighted mean of
 * |mean predicted - observed rate| per bin (a probability of exactly 1 falls in the last bin).
 */
export function expectedCalibrationError(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): number {
  checkSizes(p, y);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(bins - 1, Math.floor((p[i] as number) * bins));
    sumP[b] = (sumP[b] as number) + (p[i] as number);
    sumY[b] = (sumY[b] as number) + (y[i] as number);
    count[b] = (count[b] as number) + 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const c = count[b] as number;
    if (c > 0) ece += (c / p.length) * Math.abs((sumP[b] as number) / c - (sumY[b] as number) / c);
  }
  return ece;
}

/**
 * Observed return rate by decile of predicted probability. Rows are ranked by probability, high
 * first (ties in row order), and cut into ten groups of near-equal size.
 */
export function returnRateByDecile(p: ArrayLike<number>, y: ArrayLike<number>): DecileRow[] {
  checkSizes(p, y);
  const order = orderByScore(p).reverse();
  const n = order.length;
  const out: DecileRow[] = [];
  for (let d = 0; d < 10; d++) {
    const from = Math.floor((d * n) / 10);
    const to = Math.floor(((d + 1) * n) / 10);
    let sp = 0;
    let sy = 0;
    for (let k = from; k < to; k++) {
      sp += p[order[k] as number] as number;
      sy += y[order[k] as number] as number;
    }
    const rows = to - from;
    out.push({ decile: d + 1, rows, meanPredicted: rows > 0 ? sp / rows : Number.NaN, returnRate: rows > 0 ? sy / rows : Number.NaN });
  }
  return out;
}

export function evaluate(p: ArrayLike<number>, y: ArrayLike<number>): MetricSet {
  checkSizes(p, y);
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] === 1 ? 1 : 0;
  return {
    rows: y.length,
    positives,
    rocAuc: rocAuc(p, y),
    prAuc: prAuc(p, y),
    logLoss: logLoss(p, y),
    brier: brierScore(p, y),
    ece: expectedCalibrationError(p, y),
    deciles: returnRateByDecile(p, y),
  };
}

/** The metrics of always predicting `baseRate` (the training return rate): the bar to beat. */
export function baselineMetrics(baseRate: number, y: ArrayLike<number>): MetricSet {
  return evaluate(new Float64Array(y.length).fill(baseRate), y);
}
