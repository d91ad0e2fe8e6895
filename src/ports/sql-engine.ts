/**
 * A SQL engine that runs one job: register inputs as views, run statements, write result
 * tables. DuckDB (embedded) and Spark (spark-submit) implement it; the SQL is shared.
 */
export type TableFormat = 'parquet' | 'csv';

export interface SqlInput {
  /** The view name the statements use. */
  readonly name: string;
  /** A local path or a store URI (file://, s3://). */
  readonly location: string;
  readonly format: TableFormat;
  /** For CSV inputs: column name -> SQL type, so both engines read the same types. */
  readonly columns?: Readonly<Record<string, string>>;
}

export interface SqlOutput {
  /** A table or view created by the statements. */
  readonly table: string;
  /** A local path or a store URI. */
  readonly location: string;
  readonly format: TableFormat;
  /** ORDER BY clause applied when writing, so output bytes are deterministic. */
  readonly orderBy?: string;
}

export interface SqlJob {
  readonly inputs: readonly SqlInput[];
  readonly statements: readonly string[];
  readonly outputs: readonly SqlOutput[];
  /**
   * Optional performance hint: views (created by the statements) that later statements or
   * outputs read more than once, in dependency order. An engine may compute each once and keep
   * the rows for the rest of the job (DuckDB: a temporary table; Spark: CACHE TABLE); results
   * are the same whether or not it does.
   */
  readonly cache?: readonly string[];
}

export interface SqlJobResult {
  /** Row count of each written output, by table name. */
  readonly rowCounts: Readonly<Record<string, number>>;
}

export interface SqlEngine {
  readonly name: 'duckdb' | 'spark';
  runJob(job: SqlJob): Promise<SqlJobResult>;
  /** Runs one query and returns its rows as plain objects (small results only). */
  query(sql: string, inputs?: readonly SqlInput[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}
