import { param } from '../src/orchestrator/parameter.js';

/** The as-of date: a task run for D sees only rows dated before D. */
export const dateParam = param.date({ description: 'as-of date (YYYY-MM-DD); the task sees only rows dated before it' });

/**
 * Where order lines come from. Not significant: it does not change which day's checkpoint a
 * task writes, only where IngestOrders reads; every task passes it down so the CLI's --source
 * reaches IngestOrders.
 */
export const sourceParam = param.string({
  default: '',
  significant: false,
  description: 'source URI of order lines (file://, s3://, kaggle://, hdfs://, synthetic://); empty: configured default',
});

/** Which SQL engine builds features (and scores in batch); not significant: both give the same rows. */
export const engineParam = param.enum(['duckdb', 'spark', 'auto'] as const, {
  default: 'auto',
  significant: false,
  description: 'SQL engine: duckdb, spark, or auto (Spark for large inputs when a master is configured)',
});

export const pipelineParams = { date: dateParam, source: sourceParam, engine: engineParam };
export type PipelineParams = typeof pipelineParams;

/** The pipeline parameters a task hands to the tasks it requires, so flags reach every stage. */
export function carry(p: { readonly date: string; readonly source: string; readonly engine: 'duckdb' | 'spark' | 'auto' }): {
  date: string;
  source: string;
  engine: 'duckdb' | 'spark' | 'auto';
} {
  return { date: p.date, source: p.source, engine: p.engine };
}
