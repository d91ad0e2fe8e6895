/**
 * Streams an order CSV into header, rows, blank lines and unreadable records, with physical
 * line numbers and the original text of each row. Whole-file problems (not UTF-8, not CSV,
 * wrong header, cut-off end) become one-line OrderFileErrors. Memory stays flat: the records of
 * one input chunk at a time, plus one record of look-ahead to recognise a truncated last line.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, Parser, type Options } from 'csv-parse';
import {
  SNIFF_BYTES,
  checkHeader,
  fileErrors,
  sniffFileStart,
  type ColumnIndex,
  type OrderFileError,
} from '../domain/orders/index.js';

/** Items come in file order: blank lines may precede the header; rows always follow it. */
export type OrderCsvItem =
  | { readonly type: 'header'; readonly columnIndex: ColumnIndex; readonly fieldCount: number }
  | { readonly type: 'row'; readonly lineNumber: number; readonly fields: readonly string[]; readonly raw: string }
  | { readonly type: 'blank'; readonly lineNumber: number };

const NEWLINE = 0x0a;
/**
 * A record longer than this (in characters) is not an order row. The cap also bounds memory
 * when a stray quote would otherwise make the parser buffer the rest of the file as one value.
 */
export const MAX_RECORD_CHARS = 1 << 20;

/**
 * Passes bytes through unchanged after checking that they are UTF-8 text and not a binary
 * format; fails with an OrderFileError naming the line otherwise.
 */
class Utf8Check extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private head: Buffer[] = [];
  private headBytes = 0;
  private sniffed = false;
  /** Line number at the start of the next chunk. */
  private line = 1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (!this.sniffed) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return callback();
      chunk = this.takeHead();
      const problem = sniffFileStart(chunk);
      if (problem !== undefined) return callback(problem);
    }
    callback(this.check(chunk, true));
  }

  override _flush(callback: TransformCallback): void {
    if (!this.sniffed) {
      const chunk = this.takeHead();
      const problem = sniffFileStart(chunk) ?? this.check(chunk, true);
      if (problem !== undefined) return callback(problem);
    }
    try {
      this.decoder.decode();
    } catch {
      return callback(fileErrors.cutCharacter(this.line));
    }
    callback();
  }

  private takeHead(): Buffer {
    this.sniffed = true;
    const all = Buffer.concat(this.head, this.headBytes);
    this.head = [];
    return all;
  }

  /** Checks and forwards one chunk; returns the error instead of throwing. */
  private check(chunk: Buffer, stream: boolean): OrderFileError | undefined {
    try {
      this.decoder.decode(chunk, { stream });
    } catch {
      return this.locate(chunk);
    }
    for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, at + 1)) this.line += 1;
    this.push(chunk);
    return undefined;
  }

  /** Finds the first bad byte of a chunk the strict decoder refused, for the message. */
  private locate(chunk: Buffer): OrderFileError {
    const text = new TextDecoder('utf-8').decode(chunk);
    const bad = text.indexOf('\uFFFD');
    const before = bad < 0 ? text : text.slice(0, bad);
    const offset = Buffer.byteLength(before);
    const newlines = before.split('\n').length - 1;
    return fileErrors.notUtf8(this.line + newlines, chunk[offset]);
  }
}

const LF = 10;
const CR = 13;

/**
 * The record's text without its line break: csv-parse's `raw` may start with the `\n` of the
 * previous record's CRLF and ends with this record's line break, if any.
 */
function stripTerminator(raw: string): string {
  const start = raw.charCodeAt(0) === LF ? 1 : 0;
  let end = raw.length;
  const last = end > start ? raw.charCodeAt(end - 1) : -1;
  if (last === LF) {
    end -= 1;
    if (end > start && raw.charCodeAt(end - 1) === CR) end -= 1;
  } else if (last === CR) {
    end -= 1;
  }
  return start === 0 && end === raw.length ? raw : raw.slice(start, end);
}

/** Line breaks in the text, each of CRLF, CR and LF counting once. */
function lineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF) count += 1;
    else if (c === CR) {
      count += 1;
      if (text.charCodeAt(i + 1) === LF) i += 1;
    }
  }
  return count;
}

interface ParsedRecord {
  readonly start: number;
  readonly fields: string[];
  readonly raw: string;
  /** Whether the record ended with a line break (a cut-off last line does not). */
  readonly terminated: boolean;
}

/**
 * csv-parse with `raw: true`, numbering each record's physical lines as it is parsed, so that a
 * parse error names the line where the failing record starts, and handing on the records of each
 * input chunk as one array. This is what an `on_record` callback would do, without the
 * per-record info object csv-parse builds for such a callback, and with one hand-over per chunk
 * instead of one per record: both were measurable shares of reading large files.
 */
class LineNumberingParser extends Parser {
  /** Last physical line consumed by a record; records arrive in file order. */
  lastLine = 0;
  private batch: ParsedRecord[] = [];

  constructor(options: Options) {
    // Two batches of look-ahead (not csv-parse's 16 records): enough to keep parsing while the
    // consumer works, few enough that parsed rows do not pile up in memory.
    super({ ...options, readableHighWaterMark: 2 } as Options);
  }

  // csv-parse calls push() once per record, synchronously inside _transform/_flush.
  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      this.pushBatch();
      return super.push(null, encoding);
    }
    const record = chunk as { record: string[]; raw: string };
    const raw = stripTerminator(record.raw);
    const start = this.lastLine + 1;
    this.lastLine = start + lineBreaks(raw);
    const last = record.raw.charCodeAt(record.raw.length - 1);
    this.batch.push({ start, fields: record.record, raw, terminated: last === LF || last === CR });
    return true;
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    super._transform(chunk, encoding, (err?: Error | null) => {
      this.pushBatch();
      callback(err);
    });
  }

  override _flush(callback: TransformCallback): void {
    super._flush((err?: Error | null) => {
      this.pushBatch();
      callback(err);
    });
  }

  private pushBatch(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    super.push(batch);
  }
}

function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && (fields[0] ?? '').trim() === '';
}

/** A CSV parser failure as a file error: with relaxed quotes and column counts, few remain. */
function fileErrorOf(err: CsvError, line: number, maxRecordChars: number): OrderFileError {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') return fileErrors.unclosedQuote(line);
  if (err.code === 'CSV_MAX_RECORD_SIZE') return fileErrors.recordTooLong(line, maxRecordChars);
  return fileErrors.notCsv(`line ${line} could not be read as CSV (${err.message})`);
}

export interface ReadOrderCsvOptions {
  /** Longest record accepted, in characters (default MAX_RECORD_CHARS). */
  readonly maxRecordChars?: number;
}

/**
 * The items of the file in order, a batch (the records of one input chunk) at a time: a caller
 * that handles millions of rows awaits once per batch rather than once per row.
 */
export async function* readOrderCsvBatches(input: Readable, options: ReadOrderCsvOptions = {}): AsyncGenerator<OrderCsvItem[]> {
  const maxRecordChars = options.maxRecordChars ?? MAX_RECORD_CHARS;
  // Records are never skipped: csv-parse drops the rest of its buffer after some errors, so any
  // parse error fails the file rather than losing rows silently.
  const parser = new LineNumberingParser({
    bom: true,
    delimiter: ',',
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: maxRecordChars,
  });

  const flowing = pipeline(input, new Utf8Check(), parser).then(
    () => undefined,
    (err: unknown) => err,
  );

  let header: { columnIndex: ColumnIndex; fieldCount: number } | undefined;
  let pending: ParsedRecord | undefined;
  let rows = 0;

  function itemOf(record: ParsedRecord): OrderCsvItem {
    if (isBlank(record.fields)) return { type: 'blank', lineNumber: record.start };
    rows += 1;
    return { type: 'row', lineNumber: record.start, fields: record.fields, raw: record.raw };
  }

  try {
    for await (const records of parser as AsyncIterable<ParsedRecord[]>) {
      const items: OrderCsvItem[] = [];
      for (const record of records) {
        if (header === undefined) {
          if (isBlank(record.fields)) {
            items.push({ type: 'blank', lineNumber: record.start });
            continue;
          }
          const columnIndex = checkHeader(record.fields);
          header = { columnIndex, fieldCount: record.fields.length };
          items.push({ type: 'header', ...header });
          continue;
        }
        // One record of look-ahead: the last one is judged once the file has ended.
        if (pending !== undefined) items.push(itemOf(pending));
        pending = record;
      }
      if (items.length > 0) yield items;
    }
  } catch (err) {
    if (err instanceof CsvError) throw fileErrorOf(err, parser.lastLine + 1, maxRecordChars);
    throw err;
  } finally {
    // Stops reading the input when the consumer gives up early (or a check above threw).
    if (!parser.destroyed && !parser.readableEnded) parser.destroy();
  }
  const failure = await flowing;
  if (failure instanceof CsvError) throw fileErrorOf(failure, parser.lastLine + 1, maxRecordChars);
  if (failure !== undefined) throw failure;

  if (header === undefined) throw fileErrors.empty();
  if (pending !== undefined) {
    if (!pending.terminated && !isBlank(pending.fields) && pending.fields.length < header.fieldCount) {
      throw fileErrors.truncatedLastLine(pending.start, pending.fields.length, header.fieldCount);
    }
    yield [itemOf(pending)];
  }
  if (rows === 0) throw fileErrors.headerOnly();
}
