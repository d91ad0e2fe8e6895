/**
 * The embedded SqlEngine: DuckDB in process. Each job gets a fresh in-memory database, so views
 * and tables of one job never leak into the next. Inputs become views (CSV read with the
 * declared column types, no type sniffing; Parquet as is), statements run in order, the views
 * the job asks to cache are computed once into temporary tables, and each
 * output is written with an ORDER BY to a staging file that is renamed into place, so a reader
 * never sees half a file.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, DuckDBTypeId, type DuckDBConnection, type DuckDBResultReader } from '@duckdb/node-api';
import type { SqlEngine, SqlInput, SqlJob, SqlJobResult, SqlOutput } from '../../ports/sql-engine.js';

export interface DuckDbEngineOptions {
  /**
   * Worker threads. Default 1: with one thread, output files are the same bytes on every run
   * (parallel aggregation can reorder float sums and row groups).
   */
  readonly threads?: number;
  /** e.g. '2GB'; DuckDB's default (80% of RAM) otherwise. */
  readonly memoryLimit?: string;
  /** Where DuckDB spills when a job does not fit in memory. */
  readonly tempDirectory?: string;
}

export class SqlEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SqlEngineError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** SQL type names as used in column declarations: `DOUBLE`, `DECIMAL(18,2)`, `STRING`. */
const SQL_TYPE = /^[A-Za-z][A-Za-z0-9_ ]*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?$/;

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new SqlEngineError(`${what} ${JSON.stringify(name)} is not a plain SQL identifier`);
  return name;
}

/** Quotes any column name (e.g. `Item Name`) for use in statements. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function stringLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A location as a local path: plain paths and file:// URIs. Remote stores must be staged first. */
export function localPathOf(location: string): string {
  if (location.startsWith('file://')) return fileURLToPath(location);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (scheme !== null) {
    throw new SqlEngineError(
      `the DuckDB engine reads and writes local files only; stage ${location} to a local file first`,
    );
  }
  return path.resolve(location);
}

export function inputViewSql(input: SqlInput): string {
  const name = identifier(input.name, 'input name');
  const file = stringLiteral(localPathOf(input.location));
  // Store paths look like `Task/date=2019-05-01/x.parquet`: without hive_partitioning = false DuckDB
  // would read `date` from the folder name instead of the file, silently replacing the column.
  if (input.format === 'parquet') return `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_parquet(${file}, hive_partitioning = false)`;
  if (input.columns === undefined || Object.keys(input.columns).length === 0) {
    throw new SqlEngineError(`CSV input ${name} needs its column types, so every engine reads the same types`);
  }
  const columns = Object.entries(input.columns)
    .map(([column, type]) => {
      if (!SQL_TYPE.test(type)) throw new SqlEngineError(`column ${column} of ${name} has an unusable type ${JSON.stringify(type)}`);
      return `${stringLiteral(column)}: ${stringLiteral(type)}`;
    })
    .join(', ');
  return (
    `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_csv(${file}, columns = {${columns}}, ` +
    `header = true, auto_detect = false, delim = ',', quote = '"', escape = '"', hive_partitioning = false)`
  );
}

export function copySql(output: SqlOutput, target: string): string {
  const table = identifier(output.table, 'output table');
  const order = output.orderBy === undefined ? '' : ` ORDER BY ${output.orderBy}`;
  const format = output.format === 'parquet' ? 'FORMAT parquet, COMPRESSION snappy' : 'FORMAT csv, HEADER true';
  return `COPY (SELECT * FROM ${table}${order}) TO ${stringLiteral(target)} (${format})`;
}

/**
 * Computes a view once: its rows go into a temporary table and the view is redefined to read
 * that table, so the statements and outputs that use the view by name do not recompute it.
 */
export function cacheViewSql(view: string): string[] {
  const name = identifier(view, 'cached view');
  const table = `${name}__cached`;
  return [`CREATE TEMP TABLE ${table} AS SELECT * FROM ${name}`, `CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM ${table}`];
}

/** Plain JS values: BIGINTs as numbers when exact, DATEs as 'YYYY-MM-DD'. */
function plainRows(reader: DuckDBResultReader): Record<string, unknown>[] {
  const dateColumns = new Set(
    reader
      .columnNames()
      .filter((_, i) => reader.columnTypeId(i) === DuckDBTypeId.DATE),
  );
  return reader.getRowObjectsJS().map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === 'bigint') {
        out[key] = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
      } else if (value instanceof Date && dateColumns.has(key)) {
        out[key] = value.toISOString().slice(0, 10);
      } else {
        out[key] = value;
      }
    }
    return out;
  });
}

let stagingCounter = 0;

export class DuckDbEngine implements SqlEngine {
  readonly name = 'duckdb' as const;

  constructor(private readonly options: DuckDbEngineOptions = {}) {}

  async runJob(job: SqlJob): Promise<SqlJobResult> {
    return this.withConnection(job.inputs, async (connection) => {
      for (const statement of job.statements) await this.run(connection, statement);
      for (const view of job.cache ?? []) {
        for (const statement of cacheViewSql(view)) await this.run(connection, statement);
      }
      const rowCounts: Record<string, number> = {};
      for (const output of job.outputs) {
        rowCounts[output.table] = await this.writeOutput(connection, output);
      }
      return { rowCounts };
    });
  }

  async query(sql: string, inputs: readonly SqlInput[] = []): Promise<Record<string, unknown>[]> {
    return this.withConnection(inputs, async (connection) => {
      try {
        return plainRows(await connection.runAndReadAll(sql));
      } catch (err) {
        throw this.failure(sql, err);
      }
    });
  }

  /** Nothing to release: every job opens and closes its own database. */
  async close(): Promise<void> {}

  private async writeOutput(connection: DuckDBConnection, output: SqlOutput): Promise<number> {
    const target = localPathOf(output.location);
    await mkdir(path.dirname(target), { recursive: true });
    stagingCounter += 1;
    const staging = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${stagingCounter}.tmp`);
    try {
      const reader = await this.runAndRead(connection, copySql(output, staging));
      // COPY answers with one row: the number of rows written.
      const written = Number(reader.getRowsJS()[0]?.[0] ?? reader.rowsChanged);
      await rename(staging, target);
      return written;
    } catch (err) {
      await rm(staging, { force: true });
      throw err;
    }
  }

  private async withConnection<T>(inputs: readonly SqlInput[], work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    const settings: Record<string, string> = { threads: String(this.options.threads ?? 1) };
    if (this.options.memoryLimit !== undefined) settings['memory_limit'] = this.options.memoryLimit;
    if (this.options.tempDirectory !== undefined) settings['temp_directory'] = this.options.tempDirectory;
    const instance = await DuckDBInstance.create(':memory:', settings);
    const connection = await instance.connect();
    try {
      for (const input of inputs) await this.run(connection, inputViewSql(input));
      return await work(connection);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  }

  private async run(connection: DuckDBConnection, sql: string): Promise<void> {
    try {
      await connection.run(sql);
    } catch (err) {
      throw this.failure(sql, err);
    }
  }

  private async runAndRead(connection: DuckDBConnection, sql: string): Promise<DuckDBResultReader> {
    try {
      return await connection.runAndReadAll(sql);
    } catch (err) {
      throw this.failure(sql, err);
    }
  }

  private failure(sql: string, err: unknown): SqlEngineError {
    const reason = err instanceof Error ? err.message : String(err);
    const shown = sql.length > 300 ? `${sql.slice(0, 299)}…` : sql;
    return new SqlEngineError(`DuckDB failed: ${reason.replace(/\s+/g, ' ').trim()} (while running: ${shown.replace(/\s+/g, ' ')})`, {
      cause: err,
    });
  }
}
