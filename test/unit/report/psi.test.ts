/** Population stability index on examples worked out by hand (the sums are in the comments). */
import { driftAlerts, driftRows } from '../../../src/domain/report/drift.js';
import { categoricalColumn, featureMatrix, numericColumn } from '../../../src/domain/model/feature-matrix.js';
import { categoricalPsi, MISSING_BIN, numericPsi, OTHER_BIN, PSI_EPSILON, psiFromCounts, quantileCuts } from '../../../src/domain/report/psi.js';

const ONE_TO_TEN = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

describe('quantileCuts', () => {
  it('cuts 1..10 into five bins of two at 2, 4, 6 and 8', () => {
    expect(quantileCuts(ONE_TO_TEN, 5)).toEqual([2, 4, 6, 8]);
    // Row order does not matter.
    expect(quantileCuts([...ONE_TO_TEN].reverse(), 5)).toEqual([2, 4, 6, 8]);
  });

  it('merges tied cuts, drops a cut at the maximum, and ignores missing values', () => {
    // sorted 1,1,1,1,2: rank ceil(5/2) = 3 -> 1.
    expect(quantileCuts([2, 1, 1, 1, 1], 2)).toEqual([1]);
    // Every value the same: one bin.
    expect(quantileCuts([3, 3, 3, 3], 4)).toEqual([]);
    expect(quantileCuts([Number.NaN, 1, 2, Number.NaN], 2)).toEqual([1]);
    expect(quantileCuts([], 10)).toEqual([]);
  });

  it('refuses a bin count that is not a positive integer', () => {
    expect(() => quantileCuts(ONE_TO_TEN, 0)).toThrow(/positive integer/);
  });
});

describe('numericPsi', () => {
  it('matches the hand-computed sum over quantile bins', () => {
    // Bins (-inf,2], (2,4], (4,6], (6,8], (8,inf): reference 0.2 each; current 3,1,1,1,4 of 10.
    // 0.1 ln(1.5) + 3 * (-0.1) ln(0.5) + 0.2 ln(2) = 0.0405465 + 0.2079442 + 0.1386294
    const result = numericPsi(ONE_TO_TEN, [1, 1, 1, 3, 5, 7, 9, 9, 9, 9], 5);
    expect(result.psi).toBeCloseTo(0.3871201, 6);
    expect(result.bins.map((b) => b.label)).toEqual(['≤ 2', '(2, 4]', '(4, 6]', '(6, 8]', '> 8']);
    expect(result.bins.map((b) => b.currentCount)).toEqual([3, 1, 1, 1, 4]);
    expect(result.referenceRows).toBe(10);
    expect(result.currentRows).toBe(10);
  });

  it('is 0 for the same distribution, whatever the sample size', () => {
    expect(numericPsi(ONE_TO_TEN, ONE_TO_TEN, 5).psi).toBe(0);
    expect(numericPsi(ONE_TO_TEN, [...ONE_TO_TEN, ...ONE_TO_TEN], 5).psi).toBeCloseTo(0, 12);
  });

  it('puts missing values in their own bin and counts an empty bin as epsilon', () => {
    // Reference 1, 2, NaN, NaN in 2 bins: cut 1; bins <=1, >1, missing = 0.25, 0.25, 0.5.
    // Current 1, 1, 1, NaN = 0.75, 0 (-> 1e-4), 0.25.
    // 0.5 ln(3) + (1e-4 - 0.25) ln(1e-4 / 0.25) + (-0.25) ln(0.5)
    const result = numericPsi([1, 2, Number.NaN, Number.NaN], [1, 1, 1, Number.NaN], 2);
    expect(PSI_EPSILON).toBe(1e-4);
    expect(result.psi).toBeCloseTo(2.677822, 5);
    expect(result.bins.map((b) => b.label)).toEqual(['≤ 1', '> 1', MISSING_BIN]);
    expect(result.bins[1]!.currentShare).toBe(0);
  });

  it('is NaN when a side has no rows: there is nothing to compare', () => {
    expect(numericPsi(ONE_TO_TEN, [], 5).psi).toBeNaN();
    expect(numericPsi([], [1, 2], 5).psi).toBeNaN();
  });
});

describe('categoricalPsi', () => {
  it('keeps the most frequent reference levels and sends the rest, unseen levels included, to (other)', () => {
    // maxLevels 2: a (2), then b before c (tie, by name). Reference a,b,other,missing = 0.4, 0.2, 0.2, 0.2.
    // Current a, d, d, null: 0.25, 0 (-> 1e-4), 0.5, 0.25.
    // (0.25-0.4) ln(0.625) + (1e-4-0.2) ln(1e-4/0.2) + 0.3 ln(2.5) + 0.05 ln(1.25)
    const result = categoricalPsi(['a', 'a', 'b', 'c', null], ['a', 'd', 'd', null], 2);
    expect(result.psi).toBeCloseTo(1.8759653, 6);
    expect(result.bins.map((b) => [b.label, b.referenceCount, b.currentCount])).toEqual([
      ['a', 2, 1],
      ['b', 1, 0],
      [OTHER_BIN, 1, 2],
      [MISSING_BIN, 1, 1],
    ]);
  });

  it('leaves out bins empty on both sides and is 0 for the same shares', () => {
    const result = categoricalPsi(['x', 'y', 'y'], ['y', 'x', 'y', 'y', 'x', 'y']);
    expect(result.psi).toBeCloseTo(0, 12);
    expect(result.bins.map((b) => b.label)).toEqual(['y', 'x']);
  });
});

describe('psiFromCounts', () => {
  it('sums (a - e) ln(a / e) and checks its inputs', () => {
    // 0.5/0.5 against 0.9/0.1: 0.4 ln(1.8) + (-0.4) ln(0.2)
    expect(psiFromCounts(['p', 'q'], [5, 5], [9, 1]).psi).toBeCloseTo(0.4 * Math.log(1.8) - 0.4 * Math.log(0.2), 12);
    expect(() => psiFromCounts(['p'], [1, 2], [1])).toThrow(/one count per bin/);
  });
});

describe('drift rows and alerts', () => {
  const reference = featureMatrix([numericColumn('n', ONE_TO_TEN), categoricalColumn('c', ['a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'])]);
  // n shifts strongly (all above 8), c does not move.
  const current = featureMatrix([numericColumn('n', [9, 10, 9, 10]), categoricalColumn('c', ['b', 'a', 'b', 'a'])]);

  it('measures every feature and the score, and alerts strictly above the threshold', () => {
    const rows = driftRows(reference, current, { reference: ONE_TO_TEN, current: ONE_TO_TEN }, { threshold: 0.2, bins: 5 });
    expect(rows.map((r) => [r.feature, r.kind])).toEqual([
      ['n', 'numeric'],
      ['c', 'categorical'],
      ['return_probability', 'score'],
    ]);
    expect(rows.map((r) => r.alert)).toEqual([true, false, false]);
    expect(driftAlerts(rows)).toEqual([{ feature: 'n', psi: rows[0]!.result.psi }]);
    const exact = driftRows(reference, current, null, { threshold: rows[0]!.result.psi, bins: 5 });
    expect(driftAlerts(exact)).toEqual([]);
  });

  it('names a feature missing from the scored day', () => {
    expect(() => driftRows(reference, featureMatrix([numericColumn('n', [1])]), null)).toThrow(/feature c is missing from the scored day/);
  });
});
