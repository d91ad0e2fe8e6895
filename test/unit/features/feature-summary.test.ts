import { FEATURE_NAMES } from '../../../src/domain/features/catalogue.js';
import { SUMMARY_COLUMNS } from '../../../src/domain/features/feature-sql.js';
import { FeatureSummaryError, featureSummaryOf, serializeFeatureSummary } from '../../../src/domain/features/feature-summary.js';

const options = { asOf: '2019-05-01', horizonDays: 35, split: { testDays: 30, validationDays: 30 } };
const row = {
  order_rows: 130,
  return_rows: 25,
  purchase_lines: 105,
  train_rows: 50,
  train_positives: 10,
  validation_rows: 10,
  validation_positives: 3,
  test_rows: 20,
  test_positives: 0,
  unlabelled_rows: 25,
  links_key: 15n,
  links_fallback: 4,
  same_row_returns: 2,
  first_purchase_date: '2018-11-01',
  last_purchase_date: '2019-04-30',
};

describe('feature summary', () => {
  it('adds up splits, labels and links from the summary row', () => {
    const s = featureSummaryOf(row, options);
    expect(s.labelled_rows).toBe(80);
    expect(s.positives).toBe(13);
    expect(s.label_rate).toBeCloseTo(13 / 80, 12);
    expect(s.splits.test.label_rate).toBe(0);
    expect(s.splits.train).toEqual({ rows: 50, positives: 10, label_rate: 0.2, from: null, to: '2019-01-25' });
    expect(s.splits.validation).toMatchObject({ from: '2019-01-26', to: '2019-02-24' });
    expect(s.splits.test).toMatchObject({ from: '2019-02-25', to: '2019-03-26' });
    expect(s.splits.unlabelled).toEqual({ rows: 25, from: '2019-03-27', to: '2019-04-30' });
    expect(s.links).toEqual({ total: 19, by_transaction_key: 15, via_fallback: 4, unlinked_returns: 6, same_row_returns: 2 });
    expect(s.date_range).toEqual({ first: '2018-11-01', last: '2019-04-30' });
    expect(s.last_mature_date).toBe('2019-03-26');
    expect(s.features).toEqual(FEATURE_NAMES);
    expect(JSON.parse(serializeFeatureSummary(s))).toEqual(s);
  });

  it('gives null rates for empty splits and an empty range for a zero-day split', () => {
    const s = featureSummaryOf({ ...row, test_rows: 0, test_positives: 0 }, { ...options, split: { testDays: 0, validationDays: 30 } });
    expect(s.splits.test).toEqual({ rows: 0, positives: 0, label_rate: null, from: null, to: null });
  });

  it('refuses a summary row with a missing or malformed column', () => {
    for (const column of SUMMARY_COLUMNS) {
      const broken: Record<string, unknown> = { ...row };
      delete broken[column];
      expect(() => featureSummaryOf(broken, options)).toThrow(FeatureSummaryError);
    }
    expect(() => featureSummaryOf({ ...row, train_rows: -1 }, options)).toThrow(/train_rows/);
    expect(() => featureSummaryOf({ ...row, first_purchase_date: '1/11/2018' }, options)).toThrow(/first_purchase_date/);
  });
});
