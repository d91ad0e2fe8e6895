/** Reads chosen columns of a table file into memory, column by column (typed arrays for numbers). */
export interface ColumnRequest {
  readonly name: string;
  /** number: DOUBLE-compatible (NULL -> NaN); string: text (NULL -> null). */
  readonly type: 'number' | 'string';
}

export interface TableColumns {
  readonly rows: number;
  readonly numbers: Readonly<Record<string, Float64Array>>;
  readonly strings: Readonly<Record<string, readonly (string | null)[]>>;
}

export interface TableReader {
  /** `where` is an optional SQL condition over the table's columns. */
  readColumns(parquetPath: string, columns: readonly ColumnRequest[], where?: string): Promise<TableColumns>;
}
