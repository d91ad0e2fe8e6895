/**
 * Problems with a whole order file (as opposed to one row). Each is one line that says what is
 * wrong and what to do; the CLI prints it as is, without a stack trace.
 */
import { ORDER_COLUMNS } from './columns.js';

export const FILE_ERROR_CODES = [
  'empty_file',
  'header_only',
  'no_header',
  'missing_columns',
  'unknown_columns',
  'duplicate_columns',
  'wrong_delimiter',
  'not_utf8',
  'truncated_last_line',
  'unclosed_quote',
  'record_too_long',
  'not_csv',
] as const;

export type FileErrorCode = (typeof FILE_ERROR_CODES)[number];

export class OrderFileError extends Error {
  constructor(
    readonly code: FileErrorCode,
    /** What is wrong, without the file name. */
    readonly detail: string,
    /** The file or URI, when known; it prefixes the message. */
    readonly source?: string,
  ) {
    super(oneLine(source === undefined ? detail : `${source}: ${detail}`));
    this.name = 'OrderFileError';
  }

  /** The same error, naming the file it is about. */
  in(source: string): OrderFileError {
    return new OrderFileError(this.code, this.detail, source);
  }
}

function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const EXPECTED_HEADER = `expected the header ${ORDER_COLUMNS.join(',')}`;

export const fileErrors = {
  empty: (): OrderFileError =>
    new OrderFileError('empty_file', `the file is empty; ${EXPECTED_HEADER} followed by order rows`),
  headerOnly: (): OrderFileError =>
    new OrderFileError('header_only', 'the file has a header line but no order rows; was the export cut short?'),
  notUtf8: (line: number, byte?: number): OrderFileError =>
    new OrderFileError(
      'not_utf8',
      `the file is not UTF-8 text: invalid byte${byte === undefined ? '' : ` 0x${byte.toString(16).padStart(2, '0').toUpperCase()}`} on line ${line}; re-save it as UTF-8 CSV`,
    ),
  utf16: (): OrderFileError =>
    new OrderFileError('not_utf8', 'the file is UTF-16 text (a "Unicode text" export); re-save it as UTF-8 CSV'),
  cutCharacter: (line: number): OrderFileError =>
    new OrderFileError(
      'truncated_last_line',
      `the file ends in the middle of a UTF-8 character on line ${line}; the download or copy was cut short`,
    ),
  truncatedLastLine: (line: number, found: number, expected: number): OrderFileError =>
    new OrderFileError(
      'truncated_last_line',
      `the last line (${line}) has ${found} of ${expected} values and no line break: the file was cut short; download or copy it again`,
    ),
  unclosedQuote: (line: number): OrderFileError =>
    new OrderFileError(
      'unclosed_quote',
      `line ${line} opens a quoted value that is never closed, so every line after it would be swallowed; fix the stray double quote (or the cut-off end of the file)`,
    ),
  recordTooLong: (line: number, limit: number): OrderFileError =>
    new OrderFileError(
      'record_too_long',
      `the record starting on line ${line} is longer than ${limit} characters, far more than an order row; look for a stray double quote near that line, or check that this is the order file`,
    ),
  notCsv: (what: string): OrderFileError => new OrderFileError('not_csv', `not a CSV file: ${what}`),
};

/** Magic numbers of formats people mistake for CSV, and what to do about each. */
const SIGNATURES: readonly { readonly bytes: readonly number[]; readonly what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'it is a ZIP archive (a zipped download or an .xlsx workbook); unzip it or export the sheet as CSV' },
  { bytes: [0x1f, 0x8b], what: 'it is gzip-compressed; decompress it first' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'it is a Parquet file' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'it is a PDF document' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'it is an old Excel (.xls) workbook; export the sheet as CSV' },
];

/** How many leading bytes `sniffFileStart` wants to see (fewer is fine at the end of a file). */
export const SNIFF_BYTES = 512;

/**
 * Recognises a file that is not text at all from its first bytes, before any CSV parsing
 * produces a misleading message about columns.
 */
export function sniffFileStart(head: Uint8Array): OrderFileError | undefined {
  for (const { bytes, what } of SIGNATURES) {
    if (head.length >= bytes.length && bytes.every((b, i) => head[i] === b)) return fileErrors.notCsv(what);
  }
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    return fileErrors.utf16();
  }
  if (head.includes(0)) return fileErrors.notCsv('it contains binary data (NUL bytes)');
  return undefined;
}
