/**
 * Cholesky factorisation of a symmetric positive (semi-)definite matrix and the solve with it:
 * what turns a Hessian approximation into a preconditioner (lbfgs.ts). Row-major n x n
 * Float64Arrays; deterministic.
 */

/** The lower factor L (A = L L') of a symmetric positive semi-definite matrix. */
export class CholeskyFactor {
  private constructor(
    readonly n: number,
    private readonly lower: Float64Array,
  ) {}

  /**
   * Factors `a` (only its lower triangle is read; `a` is left untouched). A pivot that vanishes
   * (a direction the data never moves, such as the coefficient of a level absent from training
   * without a penalty) is replaced by `floor` times the largest diagonal entry, so the factor
   * always exists and solves leave such directions nearly still.
   */
  static of(a: Float64Array, n: number, floor = 1e-10): CholeskyFactor {
    if (a.length !== n * n) throw new Error(`a ${n} x ${n} matrix needs ${n * n} entries, got ${a.length}`);
    let maxDiagonal = 0;
    for (let i = 0; i < n; i++) maxDiagonal = Math.max(maxDiagonal, a[i * n + i] as number);
    const smallest = floor * (maxDiagonal > 0 ? maxDiagonal : 1);
    const l = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      let d = a[j * n + j] as number;
      for (let k = 0; k < j; k++) d -= (l[j * n + k] as number) ** 2;
      const pivot = Math.sqrt(d > smallest ? d : smallest);
      l[j * n + j] = pivot;
      for (let i = j + 1; i < n; i++) {
        let s = a[i * n + j] as number;
        for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
        l[i * n + j] = s / pivot;
      }
    }
    return new CholeskyFactor(n, l);
  }

  /** Replaces b by A^-1 b (forward then back substitution). */
  solveInPlace(b: Float64Array): void {
    const { n, lower: l } = this;
    if (b.length !== n) throw new Error(`a vector of ${n} entries expected, got ${b.length}`);
    for (let i = 0; i < n; i++) {
      let s = b[i] as number;
      for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (b[k] as number);
      b[i] = s / (l[i * n + i] as number);
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[i] as number;
      for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (b[k] as number);
      b[i] = s / (l[i * n + i] as number);
    }
  }
}
