import {
  FEATURE_DEFAULTS,
  FeatureOptionsError,
  checkFeatureOptions,
  epochDayOf,
  featureSettingsSchema,
  splitBoundaries,
} from '../../../src/domain/features/feature-options.js';

const options = { asOf: '2019-05-01', horizonDays: 35, split: { testDays: 30, validationDays: 30 } };

describe('feature options', () => {
  it('defaults to a 35-day horizon and 30 + 30 days of test and validation', () => {
    expect(featureSettingsSchema.parse({})).toEqual({ horizonDays: 35, split: { testDays: 30, validationDays: 30 } });
    expect(FEATURE_DEFAULTS.horizonDays).toBe(35);
  });

  it('rejects bad dates, horizons and splits with a message naming the field', () => {
    expect(() => checkFeatureOptions({ ...options, asOf: '2019-02-30' })).toThrow(FeatureOptionsError);
    expect(() => checkFeatureOptions({ ...options, horizonDays: 0 })).toThrow(/horizonDays must be at least 1/);
    expect(() => checkFeatureOptions({ ...options, horizonDays: 3.5 })).toThrow(/whole number/);
    expect(() => checkFeatureOptions({ ...options, split: { testDays: -1, validationDays: 30 } })).toThrow(/split.testDays/);
    expect(() => featureSettingsSchema.parse({ horizon: 35 })).toThrow();
  });

  it('makes a label mature only when all H days after the purchase are before the as-of date', () => {
    // Rows before 2019-05-01 are seen; a purchase on 2019-03-26 has its 35 days up to 2019-04-30.
    expect(splitBoundaries(options)).toEqual({ lastMatureDate: '2019-03-26', testFrom: '2019-02-25', validationFrom: '2019-01-26' });
  });

  it('allows empty test and validation splits', () => {
    expect(splitBoundaries({ ...options, split: { testDays: 0, validationDays: 0 } })).toEqual({
      lastMatureDate: '2019-03-26',
      testFrom: '2019-03-27',
      validationFrom: '2019-03-27',
    });
  });

  it('numbers days from 1970-01-01', () => {
    expect(epochDayOf('1970-01-01')).toBe(0);
    expect(epochDayOf('2019-05-01')).toBe(18017);
  });
});
