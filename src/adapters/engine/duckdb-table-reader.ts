import { DuckDBInstance } from '@duckdb/node-api';
import type { ColumnRequest, TableColumns, TableReader } from '../../ports/table-reader.js';
import { localPathOf, quoteIdentifier } from './duckdb-engine.js';

/**
 * Reads Parquet columns with DuckDB chunk by chunk straight into typed arrays, so two million
 * rows of features never become two million JS objects.
 */
export class DuckDbTableReader implements TableReader {
  async readColumns(parquetPath: string, columns: readonly ColumnRequest[], where?: string): Promise<TableColumns> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    try {
      const select = columns.map((c) => (c.type === 'number' ? `CAST(${quoteIdentifier(c.name)} AS DOUBLE)` : `CAST(${quoteIdentifier(c.name)} AS VARCHAR)`)).join(', ');
      const file = localPathOf(parquetPath).replaceAll("'", "''");
      const countRows = await connection.runAndReadAll(`SELECT COUNT(*) FROM read_parquet('${file}', hive_partitioning = false)${where ? ` WHERE ${where}` : ''}`);
      const rows = Number(countRows.getRows()[0]![0]);
      const numbers: Record<string, Float64Array> = {};
      const strings: Record<string, (string | null)[]> = {};
      for (const c of columns) {
        if (c.type === 'number') numbers[c.name] = new Float64Array(rows);
        else strings[c.name] = new Array<string | null>(rows);
      }
      const result = await connection.stream(`SELECT ${select} FROM read_parquet('${file}', hive_partitioning = false)${where ? ` WHERE ${where}` : ''}`);
      let offset = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        columns.forEach((c, j) => {
          const values = chunk.getColumnValues(j);
          if (c.type === 'number') {
            const target = numbers[c.name]!;
            for (let i = 0; i < values.length; i++) target[offset + i] = values[i] === null ? Number.NaN : (values[i] as number);
          } else {
            const target = strings[c.name]!;
            for (let i = 0; i < values.length; i++) target[offset + i] = values[i] === null ? null : (values[i] as string);
          }
        });
        offset += chunk.rowCount;
      }
      if (offset !== rows) throw new Error(`read ${offset} rows of ${parquetPath}, expected ${rows}`);
      return { rows, numbers, strings };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }
}
