import {
  calibratorFromJSON,
  chooseCalibrator,
  fitIsotonic,
  fitPlatt,
  IsotonicCalibrator,
  ISOTONIC_EPS,
  poolAdjacentViolators,
  safeLogit,
} from '../../../src/domain/model/calibration.js';
import { logLoss } from '../../../src/domain/model/metrics.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';

describe('calibration', () => {
  it('pool-adjacent-violators pools decreasing neighbours into weighted means', () => {
    expect(poolAdjacentViolators([1, 3, 2, 4, 3, 5], [1, 1, 1, 1, 1, 1])).toEqual({ values: [1, 2.5, 3.5, 5], sizes: [1, 2, 2, 1] });
    // weights: (3*1 + 2*3) / 4 = 2.25
    expect(poolAdjacentViolators([3, 2], [1, 3])).toEqual({ values: [2.25], sizes: [2] });
    expect(poolAdjacentViolators([0, 1, 0, 1], [1, 1, 1, 1]).values).toEqual([0, 0.5, 1]);
  });

  it('isotonic calibration is PAV on the score grid, with empty cells filled from below', () => {
    const iso = fitIsotonic([0.11, 0.21, 0.31, 0.41], [0, 1, 0, 1], 10);
    const out = iso.apply(Float64Array.from([0.05, 0.11, 0.25, 0.35, 0.45, 0.99, 1]));
    expect(Array.from(out)).toEqual([ISOTONIC_EPS, ISOTONIC_EPS, 0.5, 0.5, 1 - ISOTONIC_EPS, 1 - ISOTONIC_EPS, 1 - ISOTONIC_EPS]);
    // scores in one cell are pooled
    const pooled = fitIsotonic([0.51, 0.52, 0.53], [1, 0, 0], 10);
    expect(pooled.apply(Float64Array.from([0.5]))[0]).toBeCloseTo(1 / 3, 15);
  });

  it('Platt scaling recovers the slope and intercept that generated the labels', () => {
    const rng = Rng.fromSeed(5);
    const n = 20_000;
    const p = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = 1 / (1 + Math.exp(-rng.normal() * 1.5));
      y[i] = rng.uniform() < 1 / (1 + Math.exp(-(2 * safeLogit(p[i] as number) - 0.5))) ? 1 : 0;
    }
    const platt = fitPlatt(p, y);
    expect(platt.a).toBeCloseTo(2, 0);
    expect(Math.abs(platt.a - 2)).toBeLessThan(0.1);
    expect(Math.abs(platt.b + 0.5)).toBeLessThan(0.1);
  });

  it('keeps p = 0 and p = 1 finite through Platt scaling', () => {
    const platt = fitPlatt([0.2, 0.8, 0.3, 0.7], [0, 1, 1, 0]);
    const out = platt.apply(Float64Array.from([0, 1]));
    expect(Number.isFinite(out[0])).toBe(true);
    expect(Number.isFinite(out[1])).toBe(true);
  });

  it('chooses a calibrator by out-of-fold log loss and improves a distorted score', () => {
    const rng = Rng.fromSeed(9);
    const n = 5000;
    const p = new Float64Array(n);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const truth = 1 / (1 + Math.exp(-(rng.normal() * 2 - 1)));
      y[i] = rng.uniform() < truth ? 1 : 0;
      p[i] = 1 / (1 + Math.exp(-safeLogit(truth) / 3)); // under-confident
    }
    const choice = chooseCalibrator(p, y, { seed: 1 });
    expect(choice.calibrator.kind).not.toBe('identity');
    const cv = choice.crossValidatedLogLoss;
    expect(Math.min(cv.platt ?? Infinity, cv.isotonic ?? Infinity)).toBeLessThan(cv.identity ?? 0);
    expect(logLoss(choice.calibrator.apply(p), y)).toBeLessThan(logLoss(p, y));
    // same inputs, same choice
    expect(JSON.stringify(chooseCalibrator(p, y, { seed: 1 }).calibrator.toJSON())).toBe(JSON.stringify(choice.calibrator.toJSON()));
  });

  it('writes SQL that uses the inner expression exactly once', () => {
    const p = Float64Array.from([0.1, 0.3, 0.6, 0.9, 0.2]);
    const y = Uint8Array.from([0, 0, 1, 1, 1]);
    for (const calibrator of [fitPlatt(p, y), fitIsotonic(p, y, 100)]) {
      expect(calibrator.toSQL('INNER_EXPR').split('INNER_EXPR')).toHaveLength(2);
    }
  });

  it('round-trips through JSON', () => {
    const p = Float64Array.from([0.1, 0.3, 0.6, 0.9, 0.2]);
    const y = Uint8Array.from([0, 0, 1, 1, 1]);
    for (const calibrator of [fitPlatt(p, y), fitIsotonic(p, y, 100)]) {
      const back = calibratorFromJSON(JSON.parse(JSON.stringify(calibrator.toJSON())));
      expect(Array.from(back.apply(p))).toEqual(Array.from(calibrator.apply(p)));
    }
    expect(() => new IsotonicCalibrator(10, [0.5])).toThrow(/values/);
  });
});
