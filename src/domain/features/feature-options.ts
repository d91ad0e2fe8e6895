/**
 * What a BuildFeatures run is parameterised by, and the label and split dates that follow.
 *
 * As-of semantics: a run for date D sees only rows dated before D. A purchase's label looks at
 * the H days after it (its return must be dated at most H days after the purchase), so the label
 * is mature only when all those days are before D: purchase date + H < D. The last mature date
 * is therefore D - H - 1; purchases after it are written unlabelled.
 *
 * Split by purchase date, among mature purchases: the last `testDays` mature days are test, the
 * `validationDays` before them validation, everything earlier train.
 */
import { z } from 'zod';
import { addDays, daysBetween, isIsoDate } from '../dates.js';

export interface SplitDays {
  readonly testDays: number;
  readonly validationDays: number;
}

export interface FeatureOptions {
  /** The run date D, YYYY-MM-DD: only rows dated before it are read. */
  readonly asOf: string;
  /** Label horizon H in days. */
  readonly horizonDays: number;
  readonly split: SplitDays;
}

export const FEATURE_DEFAULTS = { horizonDays: 35, split: { testDays: 30, validationDays: 30 } } as const;

/** Days a horizon or a split part may span: ten years, far past any use, small enough to catch typos. */
const MAX_DAYS = 3660;

const days = (what: string, min: number) =>
  z
    .number()
    .int(`${what} must be a whole number of days`)
    .min(min, `${what} must be at least ${min}`)
    .max(MAX_DAYS, `${what} must be at most ${MAX_DAYS}`);

/** The zod form of the tunable options, for config files and CLI flags. */
export const featureSettingsSchema = z
  .object({
    horizonDays: days('horizonDays', 1).default(FEATURE_DEFAULTS.horizonDays),
    split: z
      .object({
        testDays: days('split.testDays', 0).default(FEATURE_DEFAULTS.split.testDays),
        validationDays: days('split.validationDays', 0).default(FEATURE_DEFAULTS.split.validationDays),
      })
      .strict()
      .default({ ...FEATURE_DEFAULTS.split }),
  })
  .strict();

export class FeatureOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureOptionsError';
  }
}

/** Checks options built in code (config goes through featureSettingsSchema first). */
export function checkFeatureOptions(options: FeatureOptions): FeatureOptions {
  if (!isIsoDate(options.asOf)) throw new FeatureOptionsError(`asOf must be a date YYYY-MM-DD, got ${JSON.stringify(options.asOf)}`);
  const parsed = featureSettingsSchema.safeParse({ horizonDays: options.horizonDays, split: options.split });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => i.message).join('; ');
    throw new FeatureOptionsError(`bad feature options: ${problems}`);
  }
  return { asOf: options.asOf, horizonDays: parsed.data.horizonDays, split: parsed.data.split };
}

/** Days since 1970-01-01: the integer day numbers the feature SQL compares. */
export function epochDayOf(isoDate: string): number {
  return daysBetween('1970-01-01', isoDate);
}

/** The dates that cut purchases into label states and splits (all inclusive). */
export interface SplitBoundaries {
  /** Latest purchase date with a mature label: asOf - horizonDays - 1. */
  readonly lastMatureDate: string;
  /** First test date; test runs to lastMatureDate. */
  readonly testFrom: string;
  /** First validation date; validation runs to the day before testFrom. */
  readonly validationFrom: string;
}

export function splitBoundaries(options: FeatureOptions): SplitBoundaries {
  const lastMatureDate = addDays(options.asOf, -options.horizonDays - 1);
  const testFrom = addDays(lastMatureDate, 1 - options.split.testDays);
  const validationFrom = addDays(testFrom, -options.split.validationDays);
  return { lastMatureDate, testFrom, validationFrom };
}
