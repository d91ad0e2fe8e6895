/** What a caller chooses about a synthetic dataset, and the rules those choices must follow. */
import { dayNumberOf } from './calendar.js';
import { isIsoDate } from '../dates.js';

export interface SyntheticOptions {
  /** Purchase lines to generate; return rows and non-product lines come in addition. */
  readonly rows: number;
  /** Any non-negative safe integer; the same seed gives the same bytes. */
  readonly seed: number;
  /** First day of the period, YYYY-MM-DD (default 2018-11-01, as the real file). */
  readonly start?: string;
  /** Last day of the period, included, YYYY-MM-DD (default 2019-04-30, as the real file). */
  readonly end?: string;
}

export interface ResolvedSyntheticOptions {
  readonly rows: number;
  readonly seed: number;
  readonly start: string;
  readonly end: string;
  readonly startDay: number;
  readonly endDay: number;
}

export const SYNTHETIC_DEFAULTS = { start: '2018-11-01', end: '2019-04-30' } as const;

export const SYNTHETIC_LIMITS = {
  MAX_ROWS: 1_000_000_000,
  /** Ten years: enough for any as-of scenario, small enough to keep per-day tables trivial. */
  MAX_DAYS: 3660,
} as const;

export class SyntheticOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntheticOptionsError';
  }
}

export function resolveSyntheticOptions(options: SyntheticOptions): ResolvedSyntheticOptions {
  const { rows, seed } = options;
  const start = options.start ?? SYNTHETIC_DEFAULTS.start;
  const end = options.end ?? SYNTHETIC_DEFAULTS.end;
  if (!Number.isInteger(rows) || rows < 1 || rows > SYNTHETIC_LIMITS.MAX_ROWS) {
    throw new SyntheticOptionsError(`rows must be an integer from 1 to ${SYNTHETIC_LIMITS.MAX_ROWS}, got ${rows}`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new SyntheticOptionsError(`seed must be a non-negative integer, got ${seed}`);
  if (!isIsoDate(start)) throw new SyntheticOptionsError(`start must be a date YYYY-MM-DD, got ${JSON.stringify(start)}`);
  if (!isIsoDate(end)) throw new SyntheticOptionsError(`end must be a date YYYY-MM-DD, got ${JSON.stringify(end)}`);
  const startDay = dayNumberOf(start);
  const endDay = dayNumberOf(end);
  if (endDay < startDay) throw new SyntheticOptionsError(`end ${end} is before start ${start}`);
  if (endDay - startDay + 1 > SYNTHETIC_LIMITS.MAX_DAYS) {
    throw new SyntheticOptionsError(`the period ${start}..${end} is longer than ${SYNTHETIC_LIMITS.MAX_DAYS} days`);
  }
  return { rows, seed, start, end, startDay, endDay };
}
