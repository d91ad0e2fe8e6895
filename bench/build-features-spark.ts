/**
 * BuildFeatures through Spark local mode next to DuckDB on the same validated orders, and the
 * ratio. Spark pays a JVM start and job planning per submit, so the ratio is large on one machine;
 * Spark is for data that outgrows one.
 *
 *   npx tsx bench/build-features-spark.ts [--rows 1000000] [--master local[2]]
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../src/adapters/engine/duckdb-engine.js';
import { SparkEngine } from '../src/adapters/engine/spark-engine.js';
import { buildFeatures } from '../src/application/build-features.js';
import { generateOrdersCsv } from '../src/application/generate-orders.js';
import { validateOrders } from '../src/application/validate-orders.js';
import type { SqlEngine } from '../src/ports/sql-engine.js';
import { writeBenchResult } from './results.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string): string => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const rows = Number(arg('--rows', '1000000'));
const master = arg('--master', 'local[2]');
const AS_OF = '2019-05-01';

const dir = await mkdtemp(path.join(tmpdir(), 'returns-bench-spark-'));
try {
  const orders = path.join(dir, 'orders.parquet');
  const staging = path.join(dir, 'staging.csv');
  let t = performance.now();
  await validateOrders({
    input: generateOrdersCsv({ rows, seed: 1 }),
    asOf: '2026-11-27',
    quarantine: createWriteStream(path.join(dir, 'quarantine.csv')),
    staging: { stream: createWriteStream(staging), location: staging },
    acceptedLocation: orders,
    engine: new DuckDbEngine({ threads: 2 }),
  });
  console.log(`generated and validated ${rows} purchase lines in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  const time = async (engine: SqlEngine, name: string): Promise<{ seconds: number; purchase_lines: number }> => {
    t = performance.now();
    const summary = await buildFeatures({ engine, ordersParquet: orders, outputParquet: path.join(dir, `${name}.parquet`), asOf: AS_OF, summaryTable: path.join(dir, `${name}-summary.parquet`) });
    const seconds = (performance.now() - t) / 1000;
    console.log(`${name}: BuildFeatures on ${summary.purchase_lines} purchase lines in ${seconds.toFixed(1)} s`);
    return { seconds: Number(seconds.toFixed(1)), purchase_lines: summary.purchase_lines };
  };
  const duckdb = await time(new DuckDbEngine({ threads: 2, memoryLimit: '3GB' }), 'duckdb');
  const spark = await time(new SparkEngine({ master, driverMemory: '3g', conf: { 'spark.sql.shuffle.partitions': '8' } }), 'spark');
  const ratio = Number((spark.seconds / duckdb.seconds).toFixed(2));
  console.log(`Spark ${master} / DuckDB: ${ratio}x`);
  await writeBenchResult('build-features-spark', { rows, master, duckdb, spark, ratio_spark_over_duckdb: ratio });
} finally {
  await rm(dir, { recursive: true, force: true });
}
