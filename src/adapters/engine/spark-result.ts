/**
 * The result file spark/driver.py writes: row counts of a job, rows of a query, or the failure in
 * one line. Query values arrive as JSON; the forms JSON cannot carry are tagged by the driver
 * (`{"$bigint": "..."}` and friends) and become the values DuckDbEngine.query returns: numbers
 * (BigInt past 2^53), 'YYYY-MM-DD' strings for dates, Date objects for timestamps.
 */
import { z } from 'zod';

const DriverFailureSchema = z.object({
  ok: z.literal(false),
  errorClass: z.string(),
  message: z.string(),
  step: z.string().optional(),
});

const JobSuccessSchema = z.object({
  ok: z.literal(true),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
});

const QuerySuccessSchema = z.object({
  ok: z.literal(true),
  columns: z.array(z.string()),
  rows: z.array(z.array(z.unknown())),
});

export type DriverFailure = z.output<typeof DriverFailureSchema>;
export type JobSuccess = z.output<typeof JobSuccessSchema>;
export type QuerySuccess = z.output<typeof QuerySuccessSchema>;

export class BadDriverResultError extends Error {
  constructor(detail: string) {
    super(`the Spark driver wrote an unreadable result: ${detail}`);
    this.name = 'BadDriverResultError';
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

export function parseDriverResult(text: string, kind: 'job'): JobSuccess | DriverFailure;
export function parseDriverResult(text: string, kind: 'query'): QuerySuccess | DriverFailure;
export function parseDriverResult(text: string, kind: 'job' | 'query'): JobSuccess | QuerySuccess | DriverFailure {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new BadDriverResultError((err as Error).message);
  }
  const failure = parse(DriverFailureSchema, value);
  if (failure !== undefined) return failure;
  const success = kind === 'job' ? parse(JobSuccessSchema, value) : parse(QuerySuccessSchema, value);
  if (success === undefined) throw new BadDriverResultError(`not a ${kind} result`);
  return success;
}

const NON_FINITE: Readonly<Record<string, number>> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

/** One value of a query row, tags resolved. */
export function decodeValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [tag, raw] = entries[0] as [string, unknown];
    if (typeof raw === 'string') {
      if (tag === '$bigint') return BigInt(raw);
      if (tag === '$double') return NON_FINITE[raw.toLowerCase()] ?? Number(raw);
      if (tag === '$timestamp') return new Date(raw);
      if (tag === '$binary') return new Uint8Array(Buffer.from(raw, 'base64'));
    }
  }
  return Object.fromEntries(entries.map(([key, inner]) => [key, decodeValue(inner)]));
}

/** Rows as plain objects keyed by column name, like DuckDbEngine.query. */
export function queryRows(result: QuerySuccess): Record<string, unknown>[] {
  return result.rows.map((row) => {
    const out: Record<string, unknown> = {};
    result.columns.forEach((column, i) => {
      out[column] = decodeValue(row[i]);
    });
    return out;
  });
}
