/**
 * Parsers for the text of one CSV field. Each returns the typed value or a one-line problem;
 * they never guess (an ambiguous value is a problem, not a coercion).
 */
import { z } from 'zod';

export type FieldResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

function fromZod<T>(schema: z.ZodType<T>, text: string): FieldResult<T> {
  const parsed = schema.safeParse(text);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: parsed.error.issues[0]?.message ?? 'invalid value' };
}

/** Plain decimals, and scientific notation (spreadsheets write tiny leftovers like -1.42E-14). */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

const moneySchema = z
  .string()
  .trim()
  .regex(DECIMAL, 'is not a number')
  .transform(Number)
  .refine(Number.isFinite, 'is out of range');

/** A money amount in pounds, e.g. `74.17`, `-15.84`, `0`. */
export function parseMoney(text: string): FieldResult<number> {
  return fromZod(moneySchema, text);
}

/** Counts are stored as 32-bit integers; anything larger is not a count of items. */
const MAX_COUNT = 2 ** 31 - 1;

const countSchema = z
  .string()
  .trim()
  .regex(/^[+-]?\d+$/, 'is not a whole number')
  .transform(Number)
  .refine((n) => Math.abs(n) <= MAX_COUNT, 'is out of range');

/** An item count, e.g. `1`, `-1`, `0`. */
export function parseCount(text: string): FieldResult<number> {
  return fromZod(countSchema, text);
}

export interface ParsedId {
  /** The ID exactly as written (trimmed). */
  readonly value: string;
  /** True when a spreadsheet rounded it to scientific notation: other IDs may share this text. */
  readonly lossy: boolean;
}

const DIGITS = /^\d+$/;
/** What a spreadsheet writes for a long integer: `5.36356E+13`, `1.226E+13`, `2E+13`. */
const ROUNDED = /^\d(?:\.\d+)?[eE]\+?\d+$/;

const idSchema = z
  .string()
  .trim()
  .refine((s) => DIGITS.test(s) || ROUNDED.test(s), 'is neither digits nor a number like 5.36356E+13')
  .transform((s): ParsedId => ({ value: s, lossy: !DIGITS.test(s) }));

/** An Item ID, Buyer ID or Transaction ID. */
export function parseId(text: string): FieldResult<ParsedId> {
  return fromZod(idSchema, text);
}

const DAY_MONTH_YEAR = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

const dateSchema = z
  .string()
  .trim()
  .regex(DAY_MONTH_YEAR, 'is not a d/m/yyyy date')
  .transform((s, ctx) => {
    const [, d, m, y] = DAY_MONTH_YEAR.exec(s) as RegExpExecArray;
    const day = Number(d);
    const month = Number(m);
    const year = Number(y);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
      ctx.addIssue({ code: 'custom', message: 'is not a calendar date (day/month/year)' });
      return z.NEVER;
    }
    return `${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  });

/** A `d/m/yyyy` date of the Kaggle file (no zero padding needed), as ISO `YYYY-MM-DD`. */
export function parseDayMonthYear(text: string): FieldResult<string> {
  return fromZod(dateSchema, text);
}

/** Texts longer than this are not remembered, so a cache holds kilobytes, never megabytes. */
const MAX_REMEMBERED_CHARS = 40;

/**
 * The same parser, remembering its answers for up to `maxEntries` distinct short texts (then it
 * forgets them all and starts over). Order files repeat the same amounts, counts, dates and item
 * IDs on most rows, and zod's parse was the largest cost of checking a row: every distinct text
 * is still judged by the parser, once. Results are immutable, so sharing them is safe.
 */
export function remembering<T>(parse: (text: string) => FieldResult<T>, maxEntries = 4096): (text: string) => FieldResult<T> {
  const answers = new Map<string, FieldResult<T>>();
  return (text) => {
    const known = answers.get(text);
    if (known !== undefined) return known;
    const result = parse(text);
    if (text.length <= MAX_REMEMBERED_CHARS) {
      if (answers.size >= maxEntries) answers.clear();
      answers.set(text, result);
    }
    return result;
  };
}

/** Required text: anything but blank. Surrounding spaces are dropped. */
export function parseText(text: string): FieldResult<string> {
  const value = text.trim();
  return value.length > 0 ? { ok: true, value } : { ok: false, problem: 'is empty' };
}
