import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { categoricalColumn, featureMatrix, matrixFromRows, numericColumn } from '../../../src/domain/model/feature-matrix.js';
import { LogisticClassifier } from '../../../src/domain/model/logistic.js';
import { rocAuc } from '../../../src/domain/model/metrics.js';
import { classifierFromJSON } from '../../../src/domain/model/registry.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { maxAbsDiff, splitData } from './helpers.js';

describe('logistic regression', () => {
  it('matches ml-logistic-regression run to convergence (no penalty)', () => {
    const rng = Rng.fromSeed(21);
    const n = 150;
    const a = Array.from({ length: n }, () => rng.normal());
    const b = Array.from({ length: n }, () => rng.uniform() * 4);
    const y = a.map((v, i) => (rng.uniform() < 1 / (1 + Math.exp(-(0.5 + 1.2 * v - 0.7 * (b[i] as number)))) ? 1 : 0));
    const reference = new LogisticRegression({ numSteps: 1000, learningRate: 0.01 });
    const design = new Matrix(a.map((v, i) => [1, v, b[i] as number]));
    reference.train(design, Matrix.columnVector(y));
    const expected = reference.classifiers[0]?.testScores(design) ?? [];

    const ours = new LogisticClassifier({ l2: 0, gradientTolerance: 1e-10 });
    ours.fit(featureMatrix([numericColumn('a', a), numericColumn('b', b)]), Uint8Array.from(y));
    expect(maxAbsDiff(ours.predictProba(featureMatrix([numericColumn('a', a), numericColumn('b', b)])), expected)).toBeLessThan(1e-6);
  });

  it('fits group rates exactly for one categorical feature without penalty (hand-computed MLE)', () => {
    const values = [...Array<string>(10).fill('a'), ...Array<string>(10).fill('b')];
    const y = Uint8Array.from([1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    const model = new LogisticClassifier({ l2: 0, minLevelCount: 1, gradientTolerance: 1e-10 });
    model.fit(featureMatrix([categoricalColumn('c', values)]), y);
    const p = model.predictProba(matrixFromRows([{ c: 'a' }, { c: 'b' }], [{ name: 'c', kind: 'categorical' }]));
    expect(p[0]).toBeCloseTo(0.3, 6);
    expect(p[1]).toBeCloseTo(0.7, 6);
  });

  it('shrinks coefficients with the L2 penalty and supports class weights', () => {
    const d = splitData(2000, 10, 4, 0);
    const weak = new LogisticClassifier({ l2: 0 });
    const strong = new LogisticClassifier({ l2: 1 });
    weak.fit(d.x, d.y);
    strong.fit(d.x, d.y);
    const spread = (m: LogisticClassifier): number => {
      const p = m.predictProba(d.x);
      return Math.max(...p) - Math.min(...p);
    };
    expect(spread(strong)).toBeLessThan(spread(weak));
    const balanced = new LogisticClassifier({ classWeight: 'balanced' });
    balanced.fit(d.x, d.y);
    const mean = (p: Float64Array): number => p.reduce((s, v) => s + v, 0) / p.length;
    expect(mean(balanced.predictProba(d.x))).toBeGreaterThan(mean(weak.predictProba(d.x)) + 0.1);
  });

  it('reaches the optimum in a few Newton-like iterations (start Hessian preconditioner)', () => {
    // One-hot columns of levels of very different frequencies next to the intercept make the
    // problem ill-conditioned: plain L-BFGS took 210 iterations here, preconditioned 17.
    const d = splitData(3000, 10, 4, 3);
    const model = new LogisticClassifier({ l2: 1e-4, gradientTolerance: 1e-8 });
    model.fit(d.x, d.y);
    expect(model.iterations).toBeGreaterThan(0);
    expect(model.iterations).toBeLessThanOrEqual(30);
  });

  it.each(['onehot', 'target'] as const)('recovers a known signal with %s encoding, deterministically', (encoding) => {
    const d = splitData(2000, 2000, 6, 3);
    const fit = (): LogisticClassifier => {
      const m = new LogisticClassifier({ encoding });
      m.fit(d.x, d.y);
      return m;
    };
    const model = fit();
    expect(rocAuc(model.predictProba(d.vx), d.vy)).toBeGreaterThan(0.72);
    const json = JSON.stringify(model.toJSON());
    expect(JSON.stringify(fit().toJSON())).toBe(json);
    expect(Array.from(classifierFromJSON(JSON.parse(json)).predictProba(d.vx))).toEqual(Array.from(model.predictProba(d.vx)));
  }, 30_000);
});
