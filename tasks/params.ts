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

export const pipelineParams = { date: dateParam, source: sourceParam };
export type PipelineParams = typeof pipelineParams;
