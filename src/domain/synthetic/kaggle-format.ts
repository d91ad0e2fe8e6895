/**
 * How the Kaggle file `order_dataset.csv` writes its values, reproduced byte for byte so the
 * synthetic file exercises the same parsing rules as the real one. Every rule below was read off
 * the real sample (../shared/data/order_dataset.sample.csv).
 */

import { ORDER_COLUMNS } from '../orders/columns.js';

/** The columns of the Kaggle file, in file order (one list for the whole domain). */
export const KAGGLE_COLUMNS = ORDER_COLUMNS;

export type KaggleColumn = (typeof KAGGLE_COLUMNS)[number];

/** One CSV row: every column present, every value already formatted as the file writes it. */
export type KaggleRow = { readonly [C in KaggleColumn]: string };

/** The Category of lines that are not products (the file leaves their product columns empty). */
export const NON_PRODUCT_CATEGORY = 'DPR';

/**
 * A money amount given in integer pence, written as the file writes it: no trailing zeros, no
 * decimal point for whole pounds (`89`, `79.2`, `-15.83`, `0`), never `-0`.
 */
export function formatMoney(cents: number): string {
  if (!Number.isInteger(cents)) throw new Error(`money must be whole pence, got ${cents}`);
  if (cents === 0) return '0';
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const pounds = Math.floor(abs / 100);
  const pence = abs % 100;
  if (pence === 0) return `${sign}${pounds}`;
  if (pence % 10 === 0) return `${sign}${pounds}.${pence / 10}`;
  return `${sign}${pounds}.${pence < 10 ? '0' : ''}${pence}`;
}

/**
 * `a / b` rounded to an integer, halves away from zero (so negating the input negates the result:
 * a return row's tax is exactly minus its purchase's tax).
 */
export function divideRounded(a: number, b: number): number {
  const q = Math.abs(a) / Math.abs(b);
  const r = Math.floor(q + 0.5);
  return (a < 0) !== (b < 0) ? -r : r;
}

/**
 * A calendar date as the file writes it. The real file went through a spreadsheet that read
 * day-first dates as month-first where it could: dates whose day is 12 or less came back as
 * `d/m/yyyy` with no zero padding (`3/3/2019`, `10/1/2019`), the others stayed as text
 * `dd/mm/yyyy` with a zero-padded month (`14/04/2019`, `28/11/2018`).
 */
export function formatKaggleDate(year: number, month: number, day: number): string {
  if (day <= 12) return `${day}/${month}/${year}`;
  return `${day}/${month < 10 ? '0' : ''}${month}/${year}`;
}

/**
 * An integer as a spreadsheet shows it in its General format once it is too long: scientific
 * notation with six significant digits, trailing zeros dropped, upper-case `E` and a signed
 * two-digit exponent (`53635612345678` -> `5.36356E+13`, `12260012345678` -> `1.226E+13`).
 * The file kept that display text, so such IDs are lossy keys.
 */
export function formatSpreadsheetScientific(value: number): string {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`expected a positive number, got ${value}`);
  if (Number.isSafeInteger(value) && value >= 1e6) return formatLargeInteger(value);
  const [mantissa = '', exponent = ''] = value.toExponential(5).split('e');
  const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${trimmed}E${sign}${digits}`;
}

/**
 * The same for integers of 7 to 16 digits (every ID), by integer arithmetic: it runs once per
 * row, and is several times faster than toExponential plus string surgery. value / 10^k is
 * exact to far better than the 10^-k spacing of its possible fractions, so rounding matches
 * toExponential (halves up), which the tests check.
 */
function formatLargeInteger(value: number): string {
  let exponent = String(value).length - 1;
  let digits = Math.round(value / 10 ** (exponent - 5));
  if (digits === 1_000_000) {
    digits = 100_000;
    exponent++;
  }
  const text = String(digits);
  let end = 6;
  while (end > 1 && text.charCodeAt(end - 1) === 48) end--;
  const mantissa = end === 1 ? text.slice(0, 1) : `${text.slice(0, 1)}.${text.slice(1, end)}`;
  return `${mantissa}E+${exponent < 10 ? '0' : ''}${exponent}`;
}

/** Patterns of the formats above, for checks and tests. */
export const KAGGLE_PATTERNS = {
  date: /^(?:(?:[1-9]|1[0-2])\/(?:[1-9]|1[0-2])|(?:1[3-9]|2\d|3[01])\/(?:0[1-9]|1[0-2]))\/\d{4}$/,
  scientific: /^[1-9](?:\.\d{0,4}[1-9])?E\+\d{2}$/,
  money: /^-?(?:0|[1-9]\d*)(?:\.\d?[1-9])?$/,
  itemCode: /^[0-9A-F]{2}-[0-9A-F]{3}-[0-9A-F]{3}-[0-9A-F]{3}-[0-9A-F]-[0-9A-F]{7}$/,
} as const;
