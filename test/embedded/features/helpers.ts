/** Shared steps of the feature tests: order CSV -> validated Parquet -> features, and reading them back. */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { buildFeatures, type BuildFeaturesRequest } from '../../../src/application/build-features.js';
import { validateOrders } from '../../../src/application/validate-orders.js';
import type { FeatureSummary } from '../../../src/domain/features/feature-summary.js';

export const repoRoot = path.resolve(import.meta.dirname, '../../..');
export const SAMPLE = path.resolve(repoRoot, '../shared/data/order_dataset.sample.csv');
export const FIXTURE = path.resolve(repoRoot, 'test/fixtures/features/orders.csv');

/** Validates an order CSV (a path or a stream) into `<dir>/orders.parquet`, as ValidateOrders does. */
export async function validatedParquet(engine: DuckDbEngine, input: string | Readable, dir: string, asOf = '2019-05-01'): Promise<string> {
  await mkdir(dir, { recursive: true });
  const staging = path.join(dir, 'accepted.staging.csv');
  const parquet = path.join(dir, 'orders.parquet');
  try {
    await validateOrders({
      input: typeof input === 'string' ? createReadStream(input) : input,
      asOf,
      quarantine: createWriteStream(path.join(dir, 'quarantine.csv')),
      staging: { stream: createWriteStream(staging), location: staging },
      acceptedLocation: parquet,
      engine,
    });
  } finally {
    await rm(staging, { force: true });
  }
  return parquet;
}

export interface Built {
  readonly summary: FeatureSummary;
  readonly parquet: string;
}

export async function build(
  engine: DuckDbEngine,
  ordersParquet: string,
  outputParquet: string,
  options: Partial<Omit<BuildFeaturesRequest, 'engine' | 'ordersParquet' | 'outputParquet'>> = {},
): Promise<Built> {
  const summary = await buildFeatures({ engine, ordersParquet, outputParquet, asOf: '2019-05-01', ...options });
  return { summary, parquet: outputParquet };
}

/** Every row of a Parquet file, in file order. */
export async function parquetRows(engine: DuckDbEngine, file: string): Promise<Record<string, unknown>[]> {
  return engine.query('SELECT * FROM t', [{ name: 't', location: file, format: 'parquet' }]);
}

/** Rows keyed by line_number. */
export function byLine(rows: readonly Record<string, unknown>[]): Map<number, Record<string, unknown>> {
  return new Map(rows.map((r) => [r['line_number'] as number, r]));
}
