/**
 * Rolling-origin (expanding-window) backtest folds over the mature purchases. Fold k scores the
 * purchases of one window of days with a model fitted on every mature purchase dated before that
 * window, so each out-of-time score comes from a model that never saw its row. The windows are
 * the most recent mature days, back to back, and shrink to fit the history that exists: a
 * TrainModel runs as soon as `minMatureDays` of mature labels exist.
 */
import { z } from 'zod';
import { addDays, daysBetween } from '../dates.js';

export const backtestConfigSchema = z
  .object({
    /** Number of windows scored out of time. */
    folds: z.number().int().min(1).max(20).default(3),
    /** Longest window, in days; windows shrink when the history is short. */
    windowDays: z.number().int().min(1).max(366).default(14),
    /** Days of mature purchases the first fold is fitted on, at least. */
    minTrainDays: z.number().int().min(1).max(3660).default(7),
    /** Below this many days of mature purchases TrainModel refuses to run. */
    minMatureDays: z.number().int().min(2).max(3660).default(21),
    /**
     * Share of a fold's training days held back (the most recent ones) for the early stopping of
     * the families that stop early; the window itself is never used for it.
     */
    earlyStoppingShare: z.number().gt(0).lt(1).default(0.15),
  })
  .strict();

export type BacktestConfig = z.infer<typeof backtestConfigSchema>;

export const BACKTEST_DEFAULTS: BacktestConfig = backtestConfigSchema.parse({});

/** One fold: the rows it is fitted on and the rows it scores, as indices into the mature rows. */
export interface BacktestFold {
  readonly fold: number;
  /** Dates of the training rows (inclusive): the first mature date to the day before the window. */
  readonly train: { readonly from: string; readonly to: string };
  readonly window: { readonly from: string; readonly to: string };
  readonly trainRows: readonly number[];
  /** The training rows of the most recent days, for early stopping (a subset of trainRows). */
  readonly earlyStoppingRows: readonly number[];
  /** trainRows without earlyStoppingRows: what a family that stops early is fitted on. */
  readonly fitRows: readonly number[];
  readonly windowRows: readonly number[];
}

export class NotEnoughHistoryError extends Error {
  /** Nothing a retry can change: the data has too few mature days. */
  readonly permanent = true;
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughHistoryError';
  }
}

/** The mature date range of the rows' dates (ISO strings), or null when there are none. */
function dateSpan(dates: readonly string[]): { first: string; last: string } | null {
  let first: string | null = null;
  let last: string | null = null;
  for (const d of dates) {
    if (first === null || d < first) first = d;
    if (last === null || d > last) last = d;
  }
  return first === null || last === null ? null : { first, last };
}

/**
 * The folds for mature rows dated `dates` (one ISO date per row, any order), as of `asOf`.
 * `lastMatureDate` is the last date whose labels are mature (asOf - H - 1): the windows end there
 * even when the data stops earlier, so they are the same days whatever rows exist.
 */
export function backtestFolds(dates: readonly string[], lastMatureDate: string, config: BacktestConfig, context: { asOf: string; horizonDays: number }): BacktestFold[] {
  const span = dateSpan(dates);
  const matureDays = span === null ? 0 : daysBetween(span.first, lastMatureDate) + 1;
  if (span === null || matureDays < config.minMatureDays) {
    const have = span === null ? 'there are no mature purchases' : `mature purchases run from ${span.first} to ${lastMatureDate} (${matureDays} days)`;
    throw new NotEnoughHistoryError(
      `not enough mature history before ${context.asOf} to train: ${have}; TrainModel needs at least ${config.minMatureDays} days ` +
        `(labels need ${context.horizonDays} days to mature, so the data must start by ${addDays(lastMatureDate, 1 - config.minMatureDays)})`,
    );
  }
  const windowDays = Math.max(1, Math.min(config.windowDays, Math.floor((matureDays - config.minTrainDays) / config.folds)));
  const folds: BacktestFold[] = [];
  for (let k = 0; k < config.folds; k++) {
    const windowTo = addDays(lastMatureDate, -(config.folds - 1 - k) * windowDays);
    const windowFrom = addDays(windowTo, 1 - windowDays);
    const trainTo = addDays(windowFrom, -1);
    const trainDays = daysBetween(span.first, trainTo) + 1;
    const stopDays = Math.max(1, Math.round(trainDays * config.earlyStoppingShare));
    const stopFrom = addDays(trainTo, 1 - stopDays);
    const trainRows: number[] = [];
    const earlyStoppingRows: number[] = [];
    const fitRows: number[] = [];
    const windowRows: number[] = [];
    dates.forEach((d, i) => {
      if (d >= windowFrom && d <= windowTo) windowRows.push(i);
      else if (d <= trainTo) {
        trainRows.push(i);
        (d >= stopFrom ? earlyStoppingRows : fitRows).push(i);
      }
    });
    folds.push({ fold: k + 1, train: { from: span.first, to: trainTo }, window: { from: windowFrom, to: windowTo }, trainRows, earlyStoppingRows, fitRows, windowRows });
  }
  return folds;
}
