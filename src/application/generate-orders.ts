/**
 * Use case: write a synthetic Kaggle-format order file (and, on request, the side file of true
 * return probabilities). The story lives in src/domain/synthetic; this module only turns its
 * records into CSV bytes, as a stream that respects backpressure or as files written atomically.
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
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { z } from 'zod';
import { isIsoDate } from '../domain/dates.js';
import { generateSyntheticOrders, type PurchaseTruth, type SyntheticRecord } from '../domain/synthetic/generator.js';
import { KAGGLE_COLUMNS, type KaggleRow } from '../domain/synthetic/kaggle-format.js';
import { SYNTHETIC_LIMITS, type SyntheticOptions } from '../domain/synthetic/options.js';
import { csvLine, csvValue } from './csv-sink.js';

export const TRUTH_COLUMNS = ['row', 'Buyer ID', 'Transaction ID', 'Item Code', 'Date', 'true_probability', 'returned', 'return_date', 'censored', 'same_row', 'bracket_size'] as const;

/** Strings are gathered into chunks of about this size before they are handed to a stream. */
const CHUNK_CHARS = 64 * 1024;

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

export interface GenerateOrdersProgress {
  readonly purchaseLines: number;
  readonly totalRows: number;
}

export interface GenerateOrdersToFilesOptions extends SyntheticOptions {
  /** Path of the order CSV. */
  readonly out: string;
  /** Path of the truth side file; none is written when absent. */
  readonly truthOut?: string;
  /** Called about every 64 KiB of output, for progress bars. */
  readonly onProgress?: (progress: GenerateOrdersProgress) => void;
}

export interface GenerateOrdersSummary {
  readonly purchaseLines: number;
  /** Separate return rows (Final Quantity -1). */
  readonly returnRows: number;
  /** Purchase lines carrying their own return (Final Quantity 0). */
  readonly sameRowReturns: number;
  /** Returns drawn but falling after the period end, hence not written. */
  readonly censoredReturns: number;
  readonly nonProductRows: number;
  /** Data rows of the order file (header excluded). */
  readonly totalRows: number;
}

class ChunkedFileWriter {
  private chunk: string;

  private constructor(
    readonly path: string,
    readonly stream: WriteStream,
    header: string,
  ) {
    this.chunk = header;
    // Errors are read from stream.errored where we wait; this listener only keeps an error that
    // happens between two waits from becoming an uncaught exception.
    stream.on('error', () => undefined);
  }

  /** Opens the file, failing here (not mid-generation) when it cannot be created. */
  static async open(path: string, header: string): Promise<ChunkedFileWriter> {
    const stream = createWriteStream(path);
    await once(stream, 'open');
    return new ChunkedFileWriter(path, stream, header);
  }

  /** Adds text to the pending chunk; true when the chunk is big enough to flush. */
  append(text: string): boolean {
    this.chunk += text;
    return this.chunk.length >= CHUNK_CHARS;
  }

  /** Hands the pending chunk to the file, waiting only when the file is behind. */
  async flush(): Promise<void> {
    const text = this.chunk;
    this.chunk = '';
    if (this.stream.errored) throw this.stream.errored;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.chunk.length > 0) await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}

function stagingPath(path: string): string {
  return `${path}.partial-${process.pid}`;
}

/**
 * Writes the order CSV and, if asked, the truth side file. Each file is written under a staging
 * name and renamed into place at the end, so a crash never leaves a truncated file at `out`.
 */
export async function generateOrdersToFiles(options: GenerateOrdersToFilesOptions): Promise<GenerateOrdersSummary> {
  const records: Iterable<SyntheticRecord> = generateSyntheticOrders(options);
  const csv = await ChunkedFileWriter.open(stagingPath(options.out), KAGGLE_HEADER);
  let truth: ChunkedFileWriter | undefined;
  try {
    truth = options.truthOut === undefined ? undefined : await ChunkedFileWriter.open(stagingPath(options.truthOut), TRUTH_HEADER);
  } catch (error) {
    csv.stream.destroy();
    await rm(csv.path, { force: true });
    throw error;
  }
  const counts = { purchaseLines: 0, returnRows: 0, sameRowReturns: 0, censoredReturns: 0, nonProductRows: 0, totalRows: 0 };
  try {
    for (const record of records) {
      counts.totalRows++;
      if (record.kind === 'purchase') {
        counts.purchaseLines++;
        if (record.truth.sameRow) counts.sameRowReturns++;
        if (record.truth.censored) counts.censoredReturns++;
        if (truth?.append(truthCsvLine(counts.totalRows, record.row, record.truth)) === true) await truth.flush();
      } else if (record.kind === 'return') {
        counts.returnRows++;
      } else {
        counts.nonProductRows++;
      }
      // Awaiting only when a chunk is full keeps the loop synchronous for most rows.
      if (csv.append(kaggleCsvLine(record.row))) {
        await csv.flush();
        options.onProgress?.({ purchaseLines: counts.purchaseLines, totalRows: counts.totalRows });
      }
    }
    await csv.close();
    if (truth !== undefined) await truth.close();
    await rename(csv.path, options.out);
    if (truth !== undefined && options.truthOut !== undefined) await rename(truth.path, options.truthOut);
  } catch (error) {
    csv.stream.destroy();
    truth?.stream.destroy();
    await rm(csv.path, { force: true });
    if (truth !== undefined) await rm(truth.path, { force: true });
    throw error;
  }
  options.onProgress?.({ purchaseLines: counts.purchaseLines, totalRows: counts.totalRows });
  return counts;
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
