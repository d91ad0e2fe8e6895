/** The config schema reuses the domain's schemas, so defaults and limits are declared once. */
import { configSchema, defaultConfig } from '../../../config/schema.js';
import { FEATURE_DEFAULTS, featureSettingsSchema } from '../../../src/domain/features/feature-options.js';
import { DEFAULT_MAX_QUARANTINED_SHARE } from '../../../src/domain/orders/quality-report.js';

const problems = (input: unknown): string[] => {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('config/schema.ts', () => {
  it("takes the features section's defaults and limits from the domain", () => {
    expect(defaultConfig.features).toEqual({ ...featureSettingsSchema.parse({}), sparkAboveBytes: 2 * 1024 ** 3 });
    expect(defaultConfig.features.split).toEqual(FEATURE_DEFAULTS.split);
    // The domain allows an empty test split (a run with no test window); so does the config.
    expect(configSchema.parse({ features: { split: { testDays: 0 } } }).features.split).toEqual({ testDays: 0, validationDays: FEATURE_DEFAULTS.split.validationDays });
    expect(problems({ features: { horizonDays: 0 } })).toEqual(['features.horizonDays: horizonDays must be at least 1']);
    expect(defaultConfig.validation.maxQuarantineShare).toBe(DEFAULT_MAX_QUARANTINED_SHARE);
  });

  it('refuses features.engine: the engine is the --engine run parameter', () => {
    expect(problems({ features: { engine: 'spark' } })).toEqual(['features: Unrecognized key: "engine"']);
  });
});
