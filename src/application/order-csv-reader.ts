/**
 * Streams an order CSV into header, rows, blank lines and unreadable records, with physical
 * line numbers and the original text of each row. Whole-file problems (not UTF-8, not CSV,
 * wrong header, cut-off end) become one-line OrderFileErrors. Memory stays flat: one record at a
 * time, plus one record of look-ahead to recognise a truncated last line.
 */
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse, type Options } from 'csv-parse';
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
    for (const byte of chunk) if (byte === NEWLINE) this.line += 1;
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

/** The record's text without its line break (csv-parse includes part of it in `raw`). */
function stripTerminator(raw: string): string {
  return raw.replace(/^\n/, '').replace(/(?:\r\n|\r|\n)$/, '');
}

function lineBreaks(text: string): number {
  return text.match(/\r\n|\r|\n/g)?.length ?? 0;
}

interface ParsedRecord {
  readonly start: number;
  readonly fields: string[];
  readonly raw: string;
  /** Whether the record ended with a line break (a cut-off last line does not). */
  readonly terminated: boolean;
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

export async function* readOrderCsv(input: Readable, options: ReadOrderCsvOptions = {}): AsyncGenerator<OrderCsvItem> {
  const maxRecordChars = options.maxRecordChars ?? MAX_RECORD_CHARS;
  /** Last physical line consumed by a record; records arrive in file order. */
  let lastLine = 0;

  // With `raw: true` csv-parse hands on_record the fields and the record's text.
  const onRecord = (record: { record: string[]; raw: string }): ParsedRecord => {
    const raw = stripTerminator(record.raw);
    const start = lastLine + 1;
    lastLine = start + lineBreaks(raw);
    return { start, fields: record.record, raw, terminated: /[\r\n]$/.test(record.raw) };
  };
  // Records are never skipped: csv-parse drops the rest of its buffer after some errors, so any
  // parse error fails the file rather than losing rows silently.
  const parser = parse({
    bom: true,
    delimiter: ',',
    raw: true,
    relax_column_count: true,
    relax_quotes: true,
    max_record_size: maxRecordChars,
    on_record: onRecord as unknown as Options['on_record'],
  });

  const flowing = pipeline(input, new Utf8Check(), parser).then(
    () => undefined,
    (err: unknown) => err,
  );

  let header: { columnIndex: ColumnIndex; fieldCount: number } | undefined;
  let pending: ParsedRecord | undefined;
  let rows = 0;

  function* emit(record: ParsedRecord): Generator<OrderCsvItem> {
    if (isBlank(record.fields)) {
      yield { type: 'blank', lineNumber: record.start };
      return;
    }
    rows += 1;
    yield { type: 'row', lineNumber: record.start, fields: record.fields, raw: record.raw };
  }

  try {
    for await (const record of parser as AsyncIterable<ParsedRecord>) {
      if (header === undefined) {
        if (isBlank(record.fields)) {
          yield { type: 'blank', lineNumber: record.start };
          continue;
        }
        const columnIndex = checkHeader(record.fields);
        header = { columnIndex, fieldCount: record.fields.length };
        yield { type: 'header', ...header };
        continue;
      }
      if (pending !== undefined) yield* emit(pending);
      pending = record;
    }
  } catch (err) {
    if (err instanceof CsvError) throw fileErrorOf(err, lastLine + 1, maxRecordChars);
    throw err;
  } finally {
    // Stops reading the input when the consumer gives up early (or a check above threw).
    if (!parser.destroyed && !parser.readableEnded) parser.destroy();
  }
  const failure = await flowing;
  if (failure instanceof CsvError) throw fileErrorOf(failure, lastLine + 1, maxRecordChars);
  if (failure !== undefined) throw failure;

  if (header === undefined) throw fileErrors.empty();
  if (pending !== undefined) {
    if (!pending.terminated && !isBlank(pending.fields) && pending.fields.length < header.fieldCount) {
      throw fileErrors.truncatedLastLine(pending.start, pending.fields.length, header.fieldCount);
    }
    yield* emit(pending);
  }
  if (rows === 0) throw fileErrors.headerOnly();
}
