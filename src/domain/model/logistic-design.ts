/**
 * The logistic regression's design matrix during fitting, laid out for the optimiser: row after
 * row, the dense values (standardised numerics, missing indicators, target encodings) and the
 * coefficient slot each categorical block takes. One pass over the rows then gives the margin, the
 * loss and the gradient together, reading each row's values from one place instead of one array
 * per column.
 *
 * Slot 0 is the intercept; the other slots are numbered by the fitting code (logistic.ts).
 */
import { CholeskyFactor } from './cholesky.js';
import { sigmoid } from './sql.js';

/** A design column as logistic.ts builds it: dense values, or a level index into a block of coefficients. */
export type DesignColumn = { kind: 'dense'; values: Float64Array; at: number } | { kind: 'block'; index: Int32Array; at: number };

/** Rows the start Hessian is estimated from at most: it only preconditions, the optimum does not depend on it. */
const HESSIAN_ROWS = 20_000;

export class LogisticDesign {
  /** n x denseSlot.length, row-major. */
  private readonly dense: Float64Array;
  private readonly denseSlot: Int32Array;
  /** n x blocks, row-major: the absolute coefficient slot of each row in each block. */
  private readonly blockSlot: Int32Array;
  private readonly blocks: number;
  /** Per row: weight / total weight (the loss is a weighted mean). */
  private readonly share: Float64Array;

  constructor(
    columns: readonly DesignColumn[],
    private readonly y: Uint8Array,
    w: Float64Array,
    /** Coefficient slots, intercept included. */
    readonly width: number,
  ) {
    const n = y.length;
    const dense = columns.filter((c) => c.kind === 'dense');
    const blocks = columns.filter((c) => c.kind === 'block');
    const nd = dense.length;
    this.denseSlot = Int32Array.from(dense, (c) => c.at);
    this.dense = new Float64Array(n * nd);
    dense.forEach((c, j) => {
      for (let i = 0, k = j; i < n; i++, k += nd) this.dense[k] = c.values[i] as number;
    });
    this.blocks = blocks.length;
    this.blockSlot = new Int32Array(n * blocks.length);
    blocks.forEach((c, j) => {
      for (let i = 0, k = j; i < n; i++, k += blocks.length) this.blockSlot[k] = c.at + (c.index[i] as number);
    });
    let total = 0;
    for (let i = 0; i < n; i++) total += w[i] as number;
    this.share = new Float64Array(n);
    for (let i = 0; i < n; i++) this.share[i] = (w[i] as number) / total;
  }

  /** The intercept alone that fits the data best: the log-odds of the weighted share of label 1. */
  baseRateIntercept(): number {
    let positive = 0;
    for (let i = 0; i < this.y.length; i++) positive += (this.share[i] as number) * (this.y[i] as number);
    return Math.log(positive / (1 - positive));
  }

  /** Weighted mean log loss plus (l2 / 2) |theta without intercept|^2; writes the gradient into `grad`. */
  objective(theta: Float64Array, grad: Float64Array, l2: number): number {
    const { dense, denseSlot, blockSlot, blocks, share, y } = this;
    const n = y.length;
    const nd = denseSlot.length;
    const intercept = theta[0] as number;
    // The dense coefficients in row order, so the inner loops read them sequentially.
    const beta = new Float64Array(nd);
    for (let j = 0; j < nd; j++) beta[j] = theta[denseSlot[j] as number] as number;
    const denseGrad = new Float64Array(nd);
    grad.fill(0);
    let loss = 0;
    let g0 = 0;
    for (let i = 0, d = 0, b = 0; i < n; i++, d += nd, b += blocks) {
      // Two partial sums: a single chain of adds waits on each add's latency.
      let m0 = intercept;
      let m1 = 0;
      let j = 0;
      for (; j + 1 < nd; j += 2) {
        m0 += (beta[j] as number) * (dense[d + j] as number);
        m1 += (beta[j + 1] as number) * (dense[d + j + 1] as number);
      }
      if (j < nd) m0 += (beta[j] as number) * (dense[d + j] as number);
      for (let k = 0; k < blocks; k++) m1 += theta[blockSlot[b + k] as number] as number;
      const m = m0 + m1;
      const wi = share[i] as number;
      const yi = y[i] as number;
      // softplus(m) - y m and sigmoid(m) from one exp, without overflow
      const e = Math.exp(-Math.abs(m));
      loss += wi * ((m > 0 ? m : 0) + Math.log1p(e) - yi * m);
      const r = wi * ((m >= 0 ? 1 / (1 + e) : e / (1 + e)) - yi);
      g0 += r;
      for (let j = 0; j < nd; j++) denseGrad[j] = (denseGrad[j] as number) + r * (dense[d + j] as number);
      for (let k = 0; k < blocks; k++) {
        const s = blockSlot[b + k] as number;
        grad[s] = (grad[s] as number) + r;
      }
    }
    grad[0] = g0;
    for (let j = 0; j < nd; j++) grad[denseSlot[j] as number] = denseGrad[j] as number;
    let penalty = 0;
    for (let j = 1; j < theta.length; j++) {
      const t = theta[j] as number;
      penalty += t * t;
      grad[j] = (grad[j] as number) + l2 * t;
    }
    return loss + 0.5 * l2 * penalty;
  }

  /**
   * The Hessian of the objective where every row has the probability sigmoid(intercept) (the start
   * point), factored: p0 (1 - p0) X'WX / sum(W) plus l2 on every slot but the intercept's. Rows
   * are taken at a fixed stride when there are more than HESSIAN_ROWS.
   */
  startHessian(intercept: number, l2: number): CholeskyFactor {
    const { dense, denseSlot, blockSlot, blocks, share, width } = this;
    const n = share.length;
    const nd = denseSlot.length;
    const stride = Math.max(1, Math.ceil(n / HESSIAN_ROWS));
    const p0 = sigmoid(intercept);
    const h = new Float64Array(width * width);
    // Per row, the slots it touches and their values: intercept, dense, blocks.
    const slot = new Int32Array(1 + nd + blocks);
    const value = new Float64Array(1 + nd + blocks);
    slot.set(denseSlot, 1);
    value[0] = 1;
    value.fill(1, 1 + nd);
    let sampled = 0;
    for (let i = 0; i < n; i += stride) {
      const wi = share[i] as number;
      sampled += wi;
      for (let j = 0; j < nd; j++) value[1 + j] = dense[i * nd + j] as number;
      for (let k = 0; k < blocks; k++) slot[1 + nd + k] = blockSlot[i * blocks + k] as number;
      for (let a = 0; a < slot.length; a++) {
        const va = wi * (value[a] as number);
        if (va === 0) continue;
        const sa = slot[a] as number;
        for (let c = 0; c <= a; c++) {
          const sc = slot[c] as number;
          // The lower triangle: the factorisation reads only that.
          const k = sa >= sc ? sa * width + sc : sc * width + sa;
          h[k] = (h[k] as number) + va * (value[c] as number);
        }
      }
    }
    const scale = sampled > 0 ? (p0 * (1 - p0)) / sampled : 0;
    for (let k = 0; k < h.length; k++) h[k] = (h[k] as number) * scale;
    for (let j = 1; j < width; j++) h[j * width + j] = (h[j * width + j] as number) + l2;
    return CholeskyFactor.of(h, width);
  }
}
