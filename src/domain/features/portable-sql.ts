/**
 * SQL pieces that DuckDB and Spark SQL (4.x, ANSI mode) evaluate the same way. The feature SQL
 * is written once with these, so both engines run the very same statements.
 *
 * Things the two engines disagree on, and what is used instead:
 *   - date differences: DuckDB's `date - date` is an integer and `datediff('day', a, b)` takes a
 *     unit first; Spark's `date - date` is an interval and `datediff(end, start)` has no unit.
 *     Dates become integer day numbers (sqlEpochDay) from year(), month() and dayofmonth(), and
 *     every difference is an integer subtraction.
 *   - day of week: DuckDB's dayofweek() is 0..6 from Sunday, Spark's 1..7; it is taken from the
 *     day number modulo 7 instead.
 *   - division: `/` is floating point in both for integer operands, but Spark in ANSI mode
 *     raises on a zero divisor where DuckDB returns NULL, so every divisor is NULLIF(x, 0).
 *   - number literals: `0.5` is an exact DECIMAL in both; doubles are written `0.5E0`.
 *   - FLOOR returns DOUBLE in DuckDB and BIGINT in Spark, so its results are CAST.
 *   - DISTINCT inside window functions is DuckDB-only: distinct counts use GROUP BY.
 */

/** Every function the feature SQL calls (checked by a unit test against the generated SQL). */
export const PORTABLE_FUNCTIONS = [
  'CAST',
  'COALESCE',
  'COUNT',
  'DATE', // the typed literal DATE 'YYYY-MM-DD'
  'DAYOFMONTH',
  'FLOOR',
  'GREATEST',
  'IN',
  'LPAD',
  'MAX',
  'MIN',
  'MONTH',
  'NULLIF',
  'OVER',
  'SPLIT_PART',
  'SUM',
  'TRIM',
  'YEAR',
] as const;

/**
 * Days since 1970-01-01 of a DATE expression, as an INTEGER, by the civil-calendar formula
 * (years counted from March, so the leap day ends a year). Exact for every Gregorian date from
 * year 1; FLOOR of a double is exact for these magnitudes.
 */
export function sqlEpochDay(date: string): string {
  const y = `(YEAR(${date}) - CASE WHEN MONTH(${date}) <= 2 THEN 1 ELSE 0 END)`;
  const marchMonth = `((MONTH(${date}) + 9) % 12)`;
  return (
    `CAST(365 * ${y} + FLOOR(${y} / 4E0) - FLOOR(${y} / 100E0) + FLOOR(${y} / 400E0)` +
    ` + FLOOR((153 * ${marchMonth} + 2) / 5E0) + DAYOFMONTH(${date}) - 1 - 719468 AS INTEGER)`
  );
}

/** A DATE literal both engines read. The caller has checked the text is YYYY-MM-DD. */
export function sqlDate(isoDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new RangeError(`not a date YYYY-MM-DD: ${JSON.stringify(isoDate)}`);
  return `DATE '${isoDate}'`;
}

/** An integer literal (day numbers, counts). */
export function sqlInteger(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`);
  return n < 0 ? `(${n})` : String(n);
}

/** `numerator / denominator` as a double, NULL when the denominator is 0 or NULL. */
export function sqlRatio(numerator: string, denominator: string): string {
  return `CAST(${numerator} AS DOUBLE) / NULLIF(CAST(${denominator} AS DOUBLE), 0E0)`;
}
