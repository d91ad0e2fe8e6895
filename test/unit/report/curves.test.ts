/** ROC, precision-recall and calibration points, on examples small enough to check by hand. */
import { expectedCalibrationError, rocAuc } from '../../../src/domain/model/metrics.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import {
  calibrationBins,
  downsample,
  MAX_CURVE_POINTS,
  precisionRecallCurve,
  precisionRecallPoints,
  rocCurve,
  rocPoints,
  trapezoidArea,
} from '../../../src/domain/report/curves.js';

const P = [0.9, 0.8, 0.7, 0.6];
const Y = [1, 0, 1, 0];

function random(n: number, seed: number): { p: Float64Array; y: Uint8Array } {
  const rng = Rng.fromSeed(seed);
  const p = new Float64Array(n);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    p[i] = rng.uniform();
    y[i] = rng.uniform() < p[i]! ? 1 : 0;
  }
  return { p, y };
}

describe('rocPoints', () => {
  it('steps through the scores from (0, 0) to (1, 1)', () => {
    expect(rocPoints(P, Y).map((q) => [q.fpr, q.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
  });

  it('moves tied scores together, so its area equals rocAuc (ties count half)', () => {
    const points = rocPoints([0.5, 0.5, 0.2], [1, 0, 0]);
    expect(points.map((q) => [q.fpr, q.tpr])).toEqual([
      [0, 0],
      [0.5, 1],
      [1, 1],
    ]);
    expect(trapezoidArea(points.map((q) => ({ x: q.fpr, y: q.tpr })))).toBeCloseTo(0.75, 12);
    const { p, y } = random(3000, 4);
    const rounded = p.map((v) => Math.round(v * 50) / 50); // many ties
    expect(trapezoidArea(rocPoints(rounded, y).map((q) => ({ x: q.fpr, y: q.tpr })))).toBeCloseTo(rocAuc(rounded, y), 10);
  });

  it('is empty when a class is missing', () => {
    expect(rocPoints([0.1, 0.2], [1, 1])).toEqual([]);
    expect(rocPoints([], [])).toEqual([]);
  });
});

describe('precisionRecallPoints', () => {
  it('gives recall and precision at each threshold, highest first', () => {
    expect(precisionRecallPoints(P, Y).map((q) => [q.recall, q.precision, q.threshold])).toEqual([
      [0.5, 1, 0.9],
      [0.5, 0.5, 0.8],
      [1, 2 / 3, 0.7],
      [1, 0.5, 0.6],
    ]);
    expect(precisionRecallPoints([0.3], [0])).toEqual([]);
  });
});

describe('downsample', () => {
  it('keeps at most the budget, the first and last points, in order, the same every time', () => {
    const points = Array.from({ length: 1000 }, (_, i) => i);
    const kept = downsample(points, 200);
    expect(kept).toHaveLength(200);
    expect(kept[0]).toBe(0);
    expect(kept[199]).toBe(999);
    for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
    expect(downsample(points, 200)).toEqual(kept);
    expect(downsample([1, 2, 3], 200)).toEqual([1, 2, 3]);
    expect(() => downsample(points, 1)).toThrow(/at least 2/);
  });

  it('bounds the curves of a large test split', () => {
    const { p, y } = random(5000, 9);
    const roc = rocCurve(p, y);
    expect(roc).toHaveLength(MAX_CURVE_POINTS);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0, threshold: null });
    expect(roc[roc.length - 1]).toMatchObject({ fpr: 1, tpr: 1 });
    expect(precisionRecallCurve(p, y)).toHaveLength(MAX_CURVE_POINTS);
    // The thinned curve stays close to the full one.
    expect(trapezoidArea(roc.map((q) => ({ x: q.fpr, y: q.tpr })))).toBeCloseTo(rocAuc(p, y), 2);
  });
});

describe('calibrationBins', () => {
  it('groups rows in equal-width bins, a probability of 1 in the last, and leaves empty bins out', () => {
    const p = [0.05, 0.15, 0.12, 1.0];
    const y = [0, 1, 0, 1];
    const bins = calibrationBins(p, y);
    expect(bins.map((b) => [b.bin, b.rows])).toEqual([
      [0, 1],
      [1, 2],
      [9, 1],
    ]);
    expect(bins[1]!.meanPredicted).toBeCloseTo(0.135, 12);
    expect(bins[1]!.observedRate).toBe(0.5);
    expect(bins[2]).toMatchObject({ lower: 0.9, upper: 1, meanPredicted: 1, observedRate: 1 });
  });

  it('agrees with the expected calibration error of metrics.ts', () => {
    const { p, y } = random(2000, 3);
    const bins = calibrationBins(p, y);
    const ece = bins.reduce((s, b) => s + (b.rows / p.length) * Math.abs(b.meanPredicted - b.observedRate), 0);
    expect(ece).toBeCloseTo(expectedCalibrationError(p, y), 12);
  });
});
