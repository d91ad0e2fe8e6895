/**
 * BuildFeatures through Spark local mode next to DuckDB on the same validated orders, and the
 * ratio. Spark pays a JVM start and job planning per submit, so the ratio is large on one machine;
 * Spark is for data that outgrows one.
 *
 *   npx tsx bench/build-features-spark.ts [--rows 1000000] [--master local[2]] [--driver-memory 6g]
 *                                         [--orders FILE]
 *
 * --orders reuses a validated order-lines Parquet (e.g. the one `bench/build-features.ts --keep`
 * leaves), since generating and validating 10,000,000 lines takes longer than building on DuckDB.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDbEngine } from '../src/adapters/engine/duckdb-engine.js';
import { SparkEngine } from '../src/adapters/engine/spark-engine.js';
import { buildFeatures } from '../src/application/build-features.js';
import { generateOrdersCsv } from '../src/application/generate-orders.js';
import { validateOrders } from '../src/application/validate-orders.js';
import type { SqlEngine } from '../src/ports/sql-engine.js';
import { writeBenchResult } from './results.js';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    master: { type: 'string', default: 'local[2]' },
    'driver-memory': { type: 'string', default: '6g' },
    orders: { type: 'string' },
  },
});
const rows = Number(values.rows.replace(/_/g, ''));
if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
const master = values.master;
const driverMemory = values['driver-memory'];
const AS_OF = '2019-05-01';

const dir = await mkdtemp(path.join(tmpdir(), 'returns-bench-spark-'));
try {
  let orders = values.orders;
  if (orders === undefined) {
    orders = path.join(dir, 'orders.parquet');
    const staging = path.join(dir, 'staging.csv');
    const t = performance.now();
    await validateOrders({
      input: generateOrdersCsv({ rows, seed: 1 }),
      asOf: '2026-11-27',
      quarantine: createWriteStream(path.join(dir, 'quarantine.csv')),
      staging: { stream: createWriteStream(staging), location: staging },
      acceptedLocation: orders,
      engine: new DuckDbEngine({ threads: 2 }),
    });
    console.log(`generated and validated ${rows} purchase lines in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const ordersParquet = orders;

  const time = async (engine: SqlEngine, name: string): Promise<{ seconds: number; purchase_lines: number }> => {
    const t = performance.now();
    const summary = await buildFeatures({ engine, ordersParquet, outputParquet: path.join(dir, `${name}.parquet`), asOf: AS_OF, summaryTable: path.join(dir, `${name}-summary.parquet`) });
    const seconds = (performance.now() - t) / 1000;
    console.log(`${name}: BuildFeatures on ${summary.purchase_lines} purchase lines in ${seconds.toFixed(1)} s`);
    return { seconds: Number(seconds.toFixed(1)), purchase_lines: summary.purchase_lines };
  };
  const duckdb = await time(new DuckDbEngine({ threads: 2, memoryLimit: '3GB' }), 'duckdb');
  const spark = await time(new SparkEngine({ master, driverMemory, conf: { 'spark.sql.shuffle.partitions': '8' } }), 'spark');
  const ratio = Number((spark.seconds / duckdb.seconds).toFixed(2));
  console.log(`Spark ${master} / DuckDB: ${ratio}x`);
  await writeBenchResult('build-features-spark', { rows, master, driver_memory: driverMemory, orders_given: values.orders !== undefined, duckdb, spark, ratio_spark_over_duckdb: ratio });
} finally {
  await rm(dir, { recursive: true, force: true });
}
