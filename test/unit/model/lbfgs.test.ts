import { CholeskyFactor } from '../../../src/domain/model/cholesky.js';
import { minimizeLbfgs } from '../../../src/domain/model/lbfgs.js';
import { maxAbsDiff } from './helpers.js';

/** f(x) = 1/2 x'Ax - b'x for a diagonal A: its minimum is x = b / diag(A). */
function quadratic(diagonal: readonly number[], b: readonly number[]) {
  return (x: Float64Array, grad: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < x.length; i++) {
      const a = diagonal[i] as number;
      const xi = x[i] as number;
      grad[i] = a * xi - (b[i] as number);
      f += 0.5 * a * xi * xi - (b[i] as number) * xi;
    }
    return f;
  };
}

describe('Cholesky factor', () => {
  it('solves a symmetric positive definite system (hand-checked)', () => {
    // A = L L' with L = [[2,0,0],[1,3,0],[0.5,-1,1]]; A x = b for x = [1, -2, 3].
    const a = Float64Array.from([4, 2, 1, 2, 10, -2.5, 1, -2.5, 2.25]);
    const x = Float64Array.from([1, -2, 3]);
    const b = Float64Array.from([0, 1, 2].map((i) => [0, 1, 2].reduce((s, j) => s + (a[i * 3 + j] as number) * (x[j] as number), 0)));
    CholeskyFactor.of(a, 3).solveInPlace(b);
    expect(maxAbsDiff(b, x)).toBeLessThan(1e-12);
  });

  it('factors a singular matrix by flooring the vanishing pivot, leaving that direction still', () => {
    // The second variable never moves the objective: its row and column are zero.
    const a = Float64Array.from([2, 0, 0, 0]);
    const v = Float64Array.from([4, 0]);
    CholeskyFactor.of(a, 2).solveInPlace(v);
    expect(v[0]).toBeCloseTo(2, 12);
    expect(v[1]).toBe(0);
  });

  it('refuses a matrix of the wrong size', () => {
    expect(() => CholeskyFactor.of(new Float64Array(5), 2)).toThrow('a 2 x 2 matrix needs 4 entries, got 5');
  });
});

describe('L-BFGS', () => {
  const diagonal = [1, 10, 100, 1e3, 1e4];
  const b = [1, 2, 3, 4, 5];
  const optimum = b.map((v, i) => v / (diagonal[i] as number));
  const options = { maxIterations: 500, gradientTolerance: 1e-6, history: 10 };

  it('finds the minimum of an ill-conditioned quadratic', () => {
    const result = minimizeLbfgs(quadratic(diagonal, b), new Float64Array(5), options);
    expect(result.converged).toBe(true);
    expect(maxAbsDiff(result.x, optimum)).toBeLessThan(1e-5);
    expect(result.iterations).toBeGreaterThan(5);
  });

  it('takes a Newton step first with a preconditioner: an exact Hessian converges at once', () => {
    const hessian = CholeskyFactor.of(Float64Array.from({ length: 25 }, (_, k) => (k % 6 === 0 ? (diagonal[k / 6] as number) : 0)), 5);
    const result = minimizeLbfgs(quadratic(diagonal, b), new Float64Array(5), { ...options, precondition: (v) => hessian.solveInPlace(v) });
    expect(result.converged).toBe(true);
    expect(result.iterations).toBe(1);
    expect(maxAbsDiff(result.x, optimum)).toBeLessThan(1e-12);
  });
});
