/**
 * Days as integers (days since 1970-01-01, UTC) so the generator can add, compare and bucket dates
 * without building Date objects per row. Pure: a Date is only used as a calendar calculator.
 */
import { isIsoDate } from '../dates.js';
import { formatKaggleDate } from './kaggle-format.js';

const MS_PER_DAY = 86_400_000;

export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** 0 = Sunday ... 6 = Saturday. */
  readonly weekday: number;
}

export function dayNumberOf(isoDate: string): number {
  if (!isIsoDate(isoDate)) throw new Error(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(isoDate)}`);
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / MS_PER_DAY);
}

export function civilDateOf(dayNumber: number): CivilDate {
  const d = new Date(dayNumber * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() };
}

/**
 * Formats day numbers the way the Kaggle file writes dates, remembering the strings of the days
 * it has seen. It only ever sees the period plus the return window, so it stays small.
 */
export class KaggleDateFormatter {
  private readonly cache = new Map<number, string>();

  format(dayNumber: number): string {
    let text = this.cache.get(dayNumber);
    if (text === undefined) {
      const { year, month, day } = civilDateOf(dayNumber);
      text = formatKaggleDate(year, month, day);
      this.cache.set(dayNumber, text);
    }
    return text;
  }
}

/** The day number of Black Friday (the day after the fourth Thursday of November) in a year. */
export function blackFridayOf(year: number): number {
  const first = dayNumberOf(`${year}-11-01`);
  const weekday = civilDateOf(first).weekday;
  const firstThursday = first + ((4 - weekday + 7) % 7);
  return firstThursday + 21 + 1;
}
