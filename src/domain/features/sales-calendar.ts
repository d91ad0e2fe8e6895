/**
 * The dates of the seasonal sales the calendar features measure distances to (SALE_EVENTS in
 * catalogue.ts). Pure: a Date is only used as a calendar calculator.
 *
 * Black Friday is the day after the fourth Thursday of November (23 Nov 2018, 29 Nov 2019); the
 * "last Friday of November" is not always it (30 Nov 2018 was not). Boxing Day is 26 December,
 * the first day of the UK winter sale.
 */
import { addDays, isIsoDate } from '../dates.js';
import type { SaleEvent } from './catalogue.js';

export interface SaleDate {
  readonly event: SaleEvent;
  /** YYYY-MM-DD. */
  readonly date: string;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function blackFridayOf(year: number): string {
  const first = `${pad(year, 4)}-11-01`;
  const weekday = new Date(`${first}T00:00:00Z`).getUTCDay(); // 0 = Sunday, 4 = Thursday
  const firstThursday = 1 + ((4 - weekday + 7) % 7);
  return `${pad(year, 4)}-11-${pad(firstThursday + 21 + 1, 2)}`;
}

export function boxingDayOf(year: number): string {
  return `${pad(year, 4)}-12-26`;
}

/** Every sale date of the years `fromYear` to `toYear` (both included), in date order. */
export function saleDates(fromYear: number, toYear: number): SaleDate[] {
  if (!Number.isInteger(fromYear) || !Number.isInteger(toYear) || fromYear < 1 || toYear > 9998 || toYear < fromYear) {
    throw new RangeError(`sale years must be integers with 1 <= fromYear <= toYear <= 9998, got ${fromYear}..${toYear}`);
  }
  const out: SaleDate[] = [];
  for (let year = fromYear; year <= toYear; year++) {
    out.push({ event: 'black_friday', date: blackFridayOf(year) }, { event: 'boxing_day', date: boxingDayOf(year) });
  }
  return out;
}

/**
 * Sale dates covering every purchase date from `earliest` to `asOf`: one year before the
 * earliest (so "days since" always has a previous sale) to one year after the as-of date (so
 * "days to" always has a next one).
 */
export function saleDatesCovering(earliest: string, asOf: string): SaleDate[] {
  if (!isIsoDate(earliest) || !isIsoDate(asOf)) throw new RangeError(`expected dates YYYY-MM-DD, got ${earliest} and ${asOf}`);
  const from = Number(earliest.slice(0, 4)) - 1;
  const to = Number(addDays(asOf, 366).slice(0, 4));
  return saleDates(from, Math.max(from, to));
}
