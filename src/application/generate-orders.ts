/**
 * Use case: a synthetic Kaggle-format order file (and the lines of the side file of true return
 * probabilities). The story lives in src/domain/synthetic; this module only turns its records into
 * CSV text, as a stream that respects backpressure; src/adapters/source/synthetic-files.ts writes
 * the files of `returns generate`.
 *
 * The truth side file has one row per purchase line of the order file, in the same order:
 *   row               1-based number of the purchase line among the order file's data rows
 *                     (header excluded; no value holds a line break, so it is also the file's
 *                     line number minus 1). This is the join key: Buyer ID, Transaction ID and
 *                     Item Code are lossy in the Kaggle format and can repeat.
 *   Buyer ID, Transaction ID, Item Code, Date
 *                     byte-identical to the purchase line's values, for readability and checks.
 *   true_probability  the probability of a return within 35 days that the story used (6 decimals).
 *   returned          1 when a return was drawn, even if it falls after the period end.
 *   return_date       the drawn return's date, formatted as the Date column; empty when none.
 *   censored          1 when the drawn return falls after the period end and is not in the data.
 *   same_row          1 when the return is carried in the purchase's own row (Final Quantity 0).
 *   bracket_size      sizes of the same model in the line's bracket group (1 = not bracketed).
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { generateSyntheticOrders, type PurchaseTruth } from '../domain/synthetic/generator.js';
import { KAGGLE_COLUMNS, type KaggleRow } from '../domain/synthetic/kaggle-format.js';
import { SYNTHETIC_LIMITS, type SyntheticOptions } from '../domain/synthetic/options.js';
import { csvLine, csvValue } from './csv-sink.js';

export const TRUTH_COLUMNS = ['row', 'Buyer ID', 'Transaction ID', 'Item Code', 'Date', 'true_probability', 'returned', 'return_date', 'censored', 'same_row', 'bracket_size'] as const;

/** Strings are gathered into chunks of about this size before they are handed to a stream. */
export const CHUNK_CHARS = 64 * 1024;

// Columns that hold numbers or dates the domain formats itself can never need quotes.
const TEXT_COLUMNS = new Set<string>(['Item Name', 'Category', 'Version', 'Item Code', 'Item ID', 'Buyer ID', 'Transaction ID']);
const COLUMN_NEEDS_CHECK = KAGGLE_COLUMNS.map((c) => TEXT_COLUMNS.has(c));

export function kaggleCsvLine(row: KaggleRow): string {
  let line = '';
  for (let i = 0; i < KAGGLE_COLUMNS.length; i++) {
    const value = row[KAGGLE_COLUMNS[i] as (typeof KAGGLE_COLUMNS)[number]];
    line += (i === 0 ? '' : ',') + (COLUMN_NEEDS_CHECK[i] === true ? csvValue(value) : value);
  }
  return line + '\n';
}

export function truthCsvLine(rowNumber: number, row: KaggleRow, truth: PurchaseTruth): string {
  return (
    `${rowNumber},${csvValue(row['Buyer ID'])},${csvValue(row['Transaction ID'])},${csvValue(row['Item Code'])},${row.Date},` +
    `${truth.probability.toFixed(6)},${truth.returned ? 1 : 0},${truth.returnDate},${truth.censored ? 1 : 0},${truth.sameRow ? 1 : 0},${truth.bracketSize}\n`
  );
}

export const KAGGLE_HEADER = csvLine(KAGGLE_COLUMNS);
export const TRUTH_HEADER = csvLine(TRUTH_COLUMNS);

/**
 * The order file as a byte stream (header first). Rows are generated only as the consumer reads,
 * so a slow consumer holds back the generator instead of filling memory.
 */
export function generateOrdersCsv(options: SyntheticOptions): Readable {
  const records = generateSyntheticOrders(options); // validates options now, not on first read
  function* chunks(): Generator<string> {
    let chunk = KAGGLE_HEADER;
    for (const record of records) {
      chunk += kaggleCsvLine(record.row);
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk.length > 0) yield chunk;
  }
  return Readable.from(chunks(), { objectMode: false });
}

function wholeNumber(min: number, max: number) {
  return z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : v),
    z
      .string()
      .regex(/^\d[\d_]*$/, 'must be a whole number')
      .transform((s) => Number(s.replace(/_/g, '')))
      .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`)),
  );
}

const isoDate = z.string().refine(isIsoDate, 'must be a date YYYY-MM-DD');

/**
 * The generator's options as they come from outside (CLI flags, URI query parameters): strings or
 * numbers; `10_000_000` is accepted for readability. Cross-field rules (end after start, period
 * length) are checked by the domain when generation starts.
 */
export const syntheticOptionsSchema = z
  .object({
    rows: wholeNumber(1, SYNTHETIC_LIMITS.MAX_ROWS),
    seed: wholeNumber(0, Number.MAX_SAFE_INTEGER),
    start: isoDate.optional(),
    end: isoDate.optional(),
  })
  .strict();

/** A zod error as one line: `rows: must be a whole number; seed: required`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.map(String).join('.');
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'required' : issue.code === 'unrecognized_keys' ? `unknown option(s) ${issue.keys.join(', ')}` : issue.message;
      return where.length > 0 ? `${where}: ${message}` : message;
    })
    .join('; ');
}
