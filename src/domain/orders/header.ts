/**
 * Checks the header line of an order file and tells where each column is. A header that is not
 * the Kaggle header is a file error naming exactly which columns are missing or unexpected.
 */
import { ORDER_COLUMNS, ORDER_HEADER_LINE, isOrderColumn, type ColumnIndex, type OrderColumn } from './columns.js';
import { OrderFileError, fileErrors } from './file-errors.js';
import { quoteValue } from './quote-value.js';

const OTHER_DELIMITERS: readonly (readonly [string, string])[] = [
  [';', 'semicolons'],
  ['\t', 'tabs'],
  ['|', 'vertical bars'],
];

/** Letters and digits only, lower case: how a near-miss column name is matched to a real one. */
function squash(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function unknownWithHint(name: string): string {
  if (name.trim() === '') return `${quoteValue(name)} (an empty name: a trailing comma on the header line?)`;
  const match = ORDER_COLUMNS.find((column) => squash(column) === squash(name));
  return match === undefined ? quoteValue(name) : `${quoteValue(name)} (did you mean "${match}"?)`;
}

function list(names: readonly string[]): string {
  return names.map((n) => quoteValue(n)).join(', ');
}

/** The fields of the first line of a file, as a comma-separated CSV parser split them. */
export function checkHeader(fields: readonly string[]): ColumnIndex {
  const first = (fields[0] ?? '').trimStart();
  if (first.startsWith('<')) throw fileErrors.notCsv(`the first line starts like HTML or XML (${quoteValue(first)}), not the order header`);
  if (first.startsWith('{') || first.startsWith('[')) {
    throw fileErrors.notCsv(`the first line starts like JSON (${quoteValue(first)}), not the order header`);
  }
  if (fields.length === 1) {
    const only = fields[0] ?? '';
    for (const [delimiter, label] of OTHER_DELIMITERS) {
      if (!only.includes(delimiter)) continue;
      const parts = only.split(delimiter).map((p) => p.trim().replace(/^"(.*)"$/, '$1'));
      if (parts.filter(isOrderColumn).length >= 2) {
        throw new OrderFileError(
          'wrong_delimiter',
          `the columns are separated by ${label}, not commas; export the file as comma-separated CSV`,
        );
      }
    }
    if (!isOrderColumn(only)) {
      throw fileErrors.notCsv(`the first line ${quoteValue(only)} is not a CSV header (${'expected ' + ORDER_HEADER_LINE})`);
    }
  }

  const known = fields.filter(isOrderColumn);
  if (known.length === 0 && fields.length === ORDER_COLUMNS.length) {
    throw new OrderFileError(
      'no_header',
      `the first line looks like an order row, not the header; add the header line ${ORDER_HEADER_LINE}`,
    );
  }

  const seen = new Set<string>();
  const repeated = fields.filter((name) => (seen.has(name) ? true : (seen.add(name), false)));
  if (repeated.length > 0) {
    throw new OrderFileError('duplicate_columns', `the header repeats ${list([...new Set(repeated)])}; each column must appear once`);
  }

  const missing = ORDER_COLUMNS.filter((column) => !fields.includes(column));
  const unknown = fields.filter((name) => !isOrderColumn(name));
  if (missing.length > 0 || unknown.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing column${missing.length > 1 ? 's' : ''} ${list(missing)}`);
    if (unknown.length > 0) parts.push(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map(unknownWithHint).join(', ')}`);
    throw new OrderFileError(
      missing.length > 0 ? 'missing_columns' : 'unknown_columns',
      `the header does not match the order file: ${parts.join('; ')}`,
    );
  }

  return Object.fromEntries(ORDER_COLUMNS.map((column) => [column, fields.indexOf(column)])) as Record<OrderColumn, number>;
}
