/**
 * Joins several CSV files (daily files of a folder or an S3 prefix) into one CSV stream with a
 * single header line. Every file must start with the same header as the first one, so that a
 * file from another export never slips its columns under the wrong names.
 */
import { Readable } from 'node:stream';
import { SourceError } from './source-error.js';

export interface CsvPart {
  /** How the part is named in errors (a path or a URI). */
  readonly name: string;
  /** Opened only when its turn comes, so one connection or file handle is open at a time. */
  open(): Promise<Readable>;
}

/** A daily file of a data-lake folder, relative to the folder: `date=YYYY-MM-DD/name.csv`. */
const DAILY_FILE = /^date=\d{4}-\d{2}-\d{2}\/[^/]+\.csv$/i;

export function isDailyCsvFile(relative: string): boolean {
  return DAILY_FILE.test(relative);
}

/** Date then name order; the fixed-width date makes it plain string order. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const NEWLINE = 0x0a;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** A header longer than this is not a header: stop buffering and say so. */
const MAX_HEADER_BYTES = 1 << 20;

/**
 * The first part passes through byte for byte; later parts lose their header line (after it is
 * checked). A newline is inserted only where a part does not end with one, so rows never merge.
 */
export function concatCsvParts(parts: readonly CsvPart[]): Readable {
  if (parts.length === 0) throw new SourceError('no CSV files to read');
  async function* bytes(): AsyncGenerator<Buffer> {
    let header: string | undefined;
    let firstName = '';
    let endsWithNewline = true;
    for (const part of parts) {
      const stream = await part.open();
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      let headerDone = false;
      let sawBytes = false;
      for await (const raw of stream) {
        let chunk = Buffer.isBuffer(raw) ? raw : Buffer.from(raw as Uint8Array);
        if (chunk.length === 0) continue;
        sawBytes = true;
        if (!headerDone) {
          pending.push(chunk);
          pendingBytes += chunk.length;
          const joined = Buffer.concat(pending, pendingBytes);
          const eol = joined.indexOf(NEWLINE);
          if (eol < 0) {
            if (pendingBytes > MAX_HEADER_BYTES) throw new SourceError(`${part.name}: no line break in the first ${MAX_HEADER_BYTES} bytes; is it a CSV file?`);
            pending = [joined];
            continue;
          }
          headerDone = true;
          pending = [];
          const line = normalizeHeader(joined.subarray(0, eol));
          if (header === undefined) {
            header = line;
            firstName = part.name;
            chunk = joined;
          } else {
            if (line !== header) {
              throw new SourceError(
                `${part.name}: header differs from the first file ${firstName}: got "${line}", expected "${header}"`,
              );
            }
            chunk = joined.subarray(eol + 1);
            if (chunk.length > 0 && !endsWithNewline) yield Buffer.from('\n');
          }
        }
        if (chunk.length === 0) continue;
        endsWithNewline = chunk[chunk.length - 1] === NEWLINE;
        yield chunk;
      }
      if (!sawBytes) throw new SourceError(`${part.name}: file is empty (expected at least a header line)`);
      if (!headerDone) {
        // A file made of one line without a line break: it can only be a header.
        const line = normalizeHeader(Buffer.concat(pending));
        if (header === undefined) {
          header = line;
          firstName = part.name;
          const only = Buffer.concat(pending);
          endsWithNewline = false;
          yield only;
        } else if (line !== header) {
          throw new SourceError(`${part.name}: header differs from the first file ${firstName}: got "${line}", expected "${header}"`);
        }
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** Compares headers without a byte-order mark or a carriage return, which editors add freely. */
function normalizeHeader(line: Buffer): string {
  let bytes = line;
  if (bytes.subarray(0, 3).equals(BOM)) bytes = bytes.subarray(3);
  return bytes.toString('utf8').replace(/\r$/, '');
}
