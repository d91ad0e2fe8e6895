import { brierScore, evaluate, expectedCalibrationError, logLoss, prAuc, returnRateByDecile, rocAuc, baselineMetrics } from '../../../src/domain/model/metrics.js';

describe('metrics against hand-computed values', () => {
  const p = [0.1, 0.4, 0.4, 0.8];
  const y = [0, 1, 0, 1];

  it('ROC AUC counts a tied positive/negative pair as half a pair', () => {
    // pairs (pos, neg): (0.4, 0.1) 1, (0.4, 0.4) 0.5, (0.8, 0.1) 1, (0.8, 0.4) 1 -> 3.5 / 4
    expect(rocAuc(p, y)).toBeCloseTo(0.875, 15);
    expect(rocAuc([0.5, 0.5, 0.5], [0, 1, 1])).toBeCloseTo(0.5, 15);
    expect(rocAuc([0.9, 0.1], [0, 1])).toBe(0);
    expect(rocAuc([0.2, 0.3], [1, 1])).toBeNaN();
  });

  it('PR AUC is average precision with one step per distinct score', () => {
    // 0.8: recall 1/2 at precision 1; 0.4 (one pos, one neg): recall +1/2 at precision 2/3
    expect(prAuc(p, y)).toBeCloseTo(0.5 + 1 / 3, 15);
    expect(prAuc([0.9, 0.8, 0.1], [1, 1, 0])).toBeCloseTo(1, 15);
  });

  it('log loss and Brier score', () => {
    expect(logLoss([0.9, 0.2], [1, 0])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 15);
    // a sure miss is clipped, not infinite
    expect(logLoss([0], [1])).toBeCloseTo(-Math.log(1e-15), 10);
    expect(brierScore([0.9, 0.2], [1, 0])).toBeCloseTo((0.01 + 0.04) / 2, 15);
  });

  it('expected calibration error on a tiny example', () => {
    // bins: [0,.1): {.05 | 0} -> .05; [.1,.2): {.15, .12 | 1, 0} -> |.135 - .5|; [.9, 1]: {.95 | 1} -> .05
    const ece = expectedCalibrationError([0.05, 0.15, 0.12, 0.95], [0, 1, 0, 1]);
    expect(ece).toBeCloseTo(0.25 * 0.05 + 0.5 * 0.365 + 0.25 * 0.05, 12);
    expect(expectedCalibrationError([1, 1], [1, 1])).toBe(0);
  });

  it('return rate by decile ranks rows by probability, highest first', () => {
    const probs = Array.from({ length: 20 }, (_, i) => i / 20);
    const labels = probs.map((q) => (q >= 0.9 ? 1 : 0));
    const deciles = returnRateByDecile(probs, labels);
    expect(deciles).toHaveLength(10);
    expect(deciles[0]).toEqual({ decile: 1, rows: 2, meanPredicted: (0.95 + 0.9) / 2, returnRate: 1 });
    expect(deciles[9]?.returnRate).toBe(0);
    expect(deciles.reduce((s, d) => s + d.rows, 0)).toBe(20);
  });

  it('the base-rate baseline has AUC 0.5 and the log loss of a constant', () => {
    const labels = [1, 0, 0, 0];
    const base = baselineMetrics(0.25, labels);
    expect(base.rocAuc).toBe(0.5);
    expect(base.logLoss).toBeCloseTo(-(Math.log(0.25) + 3 * Math.log(0.75)) / 4, 15);
    expect(evaluate([0.9, 0.1, 0.2, 0.3], labels).rocAuc).toBe(1);
  });
});
