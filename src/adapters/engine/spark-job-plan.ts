/**
 * The job plan the Spark engine hands to its PySpark driver (spark/driver.py) as a JSON file:
 * inputs, statements and outputs of a SqlJob (or one query), with every location turned into a
 * URI Spark opens itself (`s3a://bucket/key`, `file:///absolute/path`) and every CSV column type
 * into Spark's DDL spelling. Only the Spark engine uses it; the field names are the driver's.
 *
 * The plan never holds a secret: S3 credentials reach the driver through its environment.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqlInput, SqlJob, SqlOutput, TableFormat } from '../../ports/sql-engine.js';

/** Bumped when the driver must read the plan differently; the driver refuses other versions. */
export const SPARK_PLAN_VERSION = 1;

export interface SparkPlanInput {
  readonly name: string;
  readonly format: TableFormat;
  readonly uri: string;
  /** CSV only: [column, Spark type] in file order (the header row is skipped, types go by position). */
  readonly columns?: readonly (readonly [string, string])[];
}

export interface SparkPlanOutput {
  readonly table: string;
  readonly format: TableFormat;
  readonly uri: string;
  readonly orderBy?: string;
}

/** What the driver needs to reach S3 through s3a, credentials excepted. */
export interface SparkPlanS3 {
  readonly endpoint?: string;
  readonly region: string;
  readonly pathStyle: boolean;
  readonly maxAttempts: number;
}

interface SparkPlanBase {
  readonly version: typeof SPARK_PLAN_VERSION;
  readonly appName: string;
  /** A local file the driver writes its outcome to (see spark/driver.py). */
  readonly resultPath: string;
  readonly inputs: readonly SparkPlanInput[];
  readonly s3?: SparkPlanS3;
}

export interface SparkJobPlan extends SparkPlanBase {
  readonly kind: 'job';
  readonly statements: readonly string[];
  readonly outputs: readonly SparkPlanOutput[];
}

export interface SparkQueryPlan extends SparkPlanBase {
  readonly kind: 'query';
  readonly query: string;
}

export type SparkPlan = SparkJobPlan | SparkQueryPlan;

export class SparkPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SparkPlanError';
  }
}

export interface PlanContext {
  readonly appName: string;
  readonly resultPath: string;
  readonly s3?: SparkPlanS3;
  /** Folder relative local locations are resolved against (the driver and executors have their own cwd). */
  readonly cwd: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** SQL type names as used in column declarations: `DOUBLE`, `DECIMAL(18,2)`, `STRING`. */
const SQL_TYPE = /^[A-Za-z][A-Za-z0-9_ ]*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?$/;

/**
 * DuckDB's names for the types SqlInput.columns uses, as Spark's DDL spells them. Types both
 * engines spell alike (BIGINT, INTEGER, DOUBLE, BOOLEAN, DATE, DECIMAL(p,s), STRING)
 * pass through.
 */
const SPARK_TYPE_NAMES: Readonly<Record<string, string>> = {
  VARCHAR: 'STRING',
  TEXT: 'STRING',
  CHAR: 'STRING',
  BPCHAR: 'STRING',
  INT8: 'BIGINT',
  LONG: 'BIGINT',
  INT4: 'INT',
  INT: 'INT',
  SIGNED: 'INT',
  INT2: 'SMALLINT',
  SHORT: 'SMALLINT',
  INT1: 'TINYINT',
  FLOAT8: 'DOUBLE',
  FLOAT4: 'FLOAT',
  REAL: 'FLOAT',
  BOOL: 'BOOLEAN',
  LOGICAL: 'BOOLEAN',
  NUMERIC: 'DECIMAL',
  // DuckDB's TIMESTAMP has no time zone, like Spark's TIMESTAMP_NTZ (Spark's TIMESTAMP is DuckDB's
  // TIMESTAMPTZ); Parquet outputs then carry the same timestamp flavour from both engines.
  TIMESTAMP: 'TIMESTAMP_NTZ',
  DATETIME: 'TIMESTAMP_NTZ',
  TIMESTAMPTZ: 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
};

/** DuckDB's DECIMAL without arguments is DECIMAL(18,3); Spark's would be DECIMAL(10,0). */
const DUCKDB_DEFAULT_DECIMAL = '(18,3)';

/** A column type as Spark's DDL reads it. */
export function sparkColumnType(type: string, where: string): string {
  const text = type.trim();
  if (!SQL_TYPE.test(text)) throw new SparkPlanError(`${where} has an unusable type ${JSON.stringify(type)}`);
  const match = /^([A-Za-z][A-Za-z0-9_ ]*?)\s*(\(.*\))?$/.exec(text);
  const base = (match?.[1] ?? text).toUpperCase();
  const spark = SPARK_TYPE_NAMES[base.replace(/\s+/g, ' ')] ?? base;
  const args = match?.[2]?.replace(/\s+/g, '') ?? (spark === 'DECIMAL' ? DUCKDB_DEFAULT_DECIMAL : '');
  return `${spark}${args}`;
}

/**
 * A location as a URI Spark opens: `s3://` becomes `s3a://` (hadoop-aws), `file://` URIs and plain
 * paths become `file://` + the absolute path. The path stays unencoded: Hadoop's Path parses
 * `file:///a b/c` as written and would read `%20` literally. Other schemes pass through.
 */
export function sparkUri(location: string, cwd: string): string {
  const text = location.trim();
  if (text === '') throw new SparkPlanError('empty location');
  const scheme = /^([a-z][a-z0-9+.-]+):\/\//i.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return `file://${path.resolve(cwd, text)}`;
  if (scheme === 'file') {
    const rest = text.slice('file://'.length);
    // file:///abs is absolute; file://relative/path (as store URIs allow) is relative to cwd.
    const local = rest.startsWith('/') || rest.startsWith('localhost/') ? fileURLToPath(text) : path.resolve(cwd, rest);
    return `file://${local}`;
  }
  if (scheme === 's3') return `s3a://${text.slice('s3://'.length)}`;
  return text;
}

function identifier(name: string, what: string): string {
  if (!IDENTIFIER.test(name)) throw new SparkPlanError(`${what} ${JSON.stringify(name)} is not a plain SQL identifier`);
  return name;
}

function planInput(input: SqlInput, cwd: string): SparkPlanInput {
  const name = identifier(input.name, 'input name');
  const uri = sparkUri(input.location, cwd);
  if (input.format === 'parquet') return { name, format: 'parquet', uri };
  const columns = Object.entries(input.columns ?? {});
  if (columns.length === 0) {
    throw new SparkPlanError(`CSV input ${name} needs its column types, so every engine reads the same types`);
  }
  return {
    name,
    format: 'csv',
    uri,
    columns: columns.map(([column, type]) => [column, sparkColumnType(type, `column ${column} of ${name}`)] as const),
  };
}

/** The items of an ORDER BY list: split at commas outside parentheses and quotes. */
function orderItems(orderBy: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < orderBy.length; i++) {
    const c = orderBy[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      items.push(orderBy.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(orderBy.slice(start).trim());
  return items.filter((item) => item !== '');
}

/**
 * The ORDER BY of an output with DuckDB's NULL placement spelled out: DuckDB puts NULLs last in
 * both directions, Spark puts them first when ascending. Items that say NULLS FIRST/LAST keep it.
 */
export function withDuckDbNullOrder(orderBy: string): string {
  return orderItems(orderBy)
    .map((item) => (/\bNULLS\s+(FIRST|LAST)$/i.test(item) ? item : `${item} NULLS LAST`))
    .join(', ');
}

function planOutput(output: SqlOutput, cwd: string): SparkPlanOutput {
  const uri = sparkUri(output.location, cwd);
  if (uri.endsWith('/')) throw new SparkPlanError(`output ${output.table} goes to ${output.location}, a folder; name the file`);
  return {
    table: identifier(output.table, 'output table'),
    format: output.format,
    uri,
    ...(output.orderBy !== undefined && output.orderBy.trim() !== '' ? { orderBy: withDuckDbNullOrder(output.orderBy) } : {}),
  };
}

function base(inputs: readonly SqlInput[], context: PlanContext): SparkPlanBase {
  return {
    version: SPARK_PLAN_VERSION,
    appName: context.appName,
    resultPath: context.resultPath,
    inputs: inputs.map((input) => planInput(input, context.cwd)),
    ...(context.s3 !== undefined ? { s3: context.s3 } : {}),
  };
}

export function jobPlan(job: SqlJob, context: PlanContext): SparkJobPlan {
  return {
    ...base(job.inputs, context),
    kind: 'job',
    statements: [...job.statements],
    outputs: job.outputs.map((output) => planOutput(output, context.cwd)),
  };
}

export function queryPlan(sql: string, inputs: readonly SqlInput[], context: PlanContext): SparkQueryPlan {
  return { ...base(inputs, context), kind: 'query', query: sql };
}
