/**
 * Use case: score the purchase lines of one day with a model's SQL expression, on whichever
 * engine holds the data (DuckDB locally, Spark on a cluster), so a large day never passes
 * through this process. Writes Parquet and CSV with the keys, the probability, the model
 * version and the as-of date.
 */
import { renderSteps } from '../domain/features/sql-steps.js';
import { sqlDate } from '../domain/features/portable-sql.js';
import type { SqlEngine, SqlJob } from '../ports/sql-engine.js';

export const PREDICTIONS_TABLE = 'predictions';

export function predictionJob(input: {
  featuresLocation: string;
  modelSql: string;
  modelVersion: string;
  day: string;
  parquetLocation: string;
  csvLocation: string;
}): SqlJob {
  const version = input.modelVersion.replaceAll("'", "''");
  return {
    inputs: [{ name: 'scored_features', location: input.featuresLocation, format: 'parquet' }],
    statements: renderSteps([
      {
        name: PREDICTIONS_TABLE,
        sql: `SELECT line_number, buyer_id, transaction_id, item_code, date,
  CAST(${input.modelSql} AS DOUBLE) AS return_probability,
  '${version}' AS model_version,
  ${sqlDate(input.day)} AS as_of
FROM scored_features
WHERE date = ${sqlDate(input.day)}`,
      },
    ]),
    outputs: [
      { table: PREDICTIONS_TABLE, location: input.parquetLocation, format: 'parquet', orderBy: 'line_number' },
      { table: PREDICTIONS_TABLE, location: input.csvLocation, format: 'csv', orderBy: 'line_number' },
    ],
  };
}

export async function predictBatch(engine: SqlEngine, input: Parameters<typeof predictionJob>[0]): Promise<{ rows: number }> {
  const result = await engine.runJob(predictionJob(input));
  return { rows: result.rowCounts[PREDICTIONS_TABLE] ?? 0 };
}
