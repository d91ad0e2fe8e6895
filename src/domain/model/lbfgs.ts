/**
 * L-BFGS minimisation (Nocedal & Wright, algorithm 7.4/7.5) with a backtracking Armijo line
 * search, on Float64Arrays. Enough for the smooth convex objectives here (penalised logistic
 * loss); deterministic: no randomness, fixed iteration order.
 *
 * An optional preconditioner stands for the initial inverse Hessian H0 of the two-loop
 * recursion (instead of the usual scalar gamma = s'y / y'y): with a good approximation of the
 * Hessian the first step is a Newton step and the rest of the run only corrects how the curvature
 * moves, so ill-conditioned problems (one-hot columns of rare levels next to the intercept)
 * converge in a few dozen iterations instead of hundreds.
 */

export interface LbfgsOptions {
  readonly maxIterations: number;
  /** Stop when the largest gradient component is below this. */
  readonly gradientTolerance: number;
  /** Pairs of updates remembered. */
  readonly history: number;
  /** Replaces v by H0^-1 v in place, H0 a fixed symmetric positive definite Hessian approximation. */
  readonly precondition?: (v: Float64Array) => void;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** `evaluate(x, grad)` returns f(x) and writes the gradient into `grad`. */
export function minimizeLbfgs(
  evaluate: (x: Float64Array, grad: Float64Array) => number,
  start: Float64Array,
  options: LbfgsOptions,
): LbfgsResult {
  const n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let f = evaluate(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(options.history);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);

  for (let iter = 0; iter < options.maxIterations; iter++) {
    if (maxAbs(g) < options.gradientTolerance) return { x, value: f, iterations: iter, converged: true };

    // Two-loop recursion: direction = -H g.
    for (let i = 0; i < n; i++) direction[i] = -(g[i] as number);
    for (let k = s.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(s[k] as Float64Array, direction);
      alpha[k] = a;
      axpy(-a, y[k] as Float64Array, direction);
    }
    if (options.precondition !== undefined) {
      options.precondition(direction);
    } else if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last] as Float64Array, y[last] as Float64Array) / dot(y[last] as Float64Array, y[last] as Float64Array);
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) * gamma;
    } else {
      // First step: a unit-length move, since the gradient's scale says nothing about curvature.
      const norm = Math.sqrt(dot(direction, direction));
      for (let i = 0; i < n; i++) direction[i] = (direction[i] as number) / Math.max(norm, 1);
    }
    for (let k = 0; k < s.length; k++) {
      const b = (rho[k] as number) * dot(y[k] as Float64Array, direction);
      axpy((alpha[k] as number) - b, s[k] as Float64Array, direction);
    }

    let slope = dot(g, direction);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from (preconditioned) steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -(g[i] as number);
      options.precondition?.(direction);
      slope = dot(g, direction);
    }

    let step = 1;
    let fNew = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + step * (direction[i] as number);
      fNew = evaluate(xNew, gNew);
      if (fNew <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fNew <= f)) return { x, value: f, iterations: iter, converged: false };

    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = (xNew[i] as number) - (x[i] as number);
      yk[i] = (gNew[i] as number) - (g[i] as number);
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(sk, sk) * dot(yk, yk))) {
      if (s.length === options.history) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const improvement = f - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = fNew;
    if (improvement <= 1e-15 * Math.max(1, Math.abs(f))) {
      return { x, value: f, iterations: iter + 1, converged: maxAbs(g) < options.gradientTolerance };
    }
  }
  return { x, value: f, iterations: options.maxIterations, converged: maxAbs(g) < options.gradientTolerance };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}
