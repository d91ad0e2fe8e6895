/**
 * The Spark engine against a real standalone Spark cluster (master + worker on loopback) and a
 * real S3 server process, compared with DuckDbEngine on the very same SqlJob. Each spark-submit
 * costs tens of seconds on this machine, so the file keeps to a handful of them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { SparkEngine, SparkEngineError, type SparkEngineOptions } from '../../../src/adapters/engine/spark-engine.js';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { openStore } from '../../../src/adapters/storage/open-store.js';
import { createS3Client } from '../../../src/adapters/storage/s3-client.js';
import type { ObjectStore } from '../../../src/ports/object-store.js';
import type { SqlInput, SqlJob } from '../../../src/ports/sql-engine.js';
import { startS3Server, type S3TestServer } from '../../harness/s3-server.js';
import { startSparkCluster, type SparkTestCluster } from '../../harness/spark-cluster.js';

const COLUMNS = {
  line_id: 'BIGINT',
  buyer: 'VARCHAR',
  item: 'STRING',
  order_date: 'DATE',
  amount: 'DOUBLE',
  qty: 'INTEGER',
  returned: 'BOOLEAN',
} as const;

/** 26 order lines of 4 buyers: ties on dates, a NULL amount, a quoted item with a comma and quotes. */
function ordersCsv(): string {
  const lines = ['line_id,buyer,item,order_date,amount,qty,returned'];
  for (let i = 1; i <= 26; i++) {
    const buyer = `b${(i * 7) % 4}`;
    const day = 1 + ((i * 5) % 28);
    const month = 1 + (i % 3);
    const item = i === 3 ? '"Shirt, ""slim"""' : `sku${i % 5}`;
    const amount = i === 11 ? '' : ((i * 37) % 100) / 8 + 0.1;
    lines.push(`${i},${buyer},${item},2019-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')},${amount},${1 + (i % 3)},${i % 4 === 0}`);
  }
  return `${lines.join('\n')}\n`;
}

function ordersInput(location: string): SqlInput {
  return { name: 'orders', location, format: 'csv', columns: COLUMNS };
}

/** Two statements with window functions and date arithmetic, two outputs (Parquet and CSV). */
function sampleJob(input: string, outputs: { features: string; summary: string }): SqlJob {
  return {
    inputs: [ordersInput(input)],
    statements: [
      `CREATE OR REPLACE TEMP VIEW order_lines AS
       SELECT line_id, buyer, item, order_date, amount, COALESCE(amount, 0E0) * qty AS line_value, returned FROM orders`,
      `CREATE OR REPLACE TEMP VIEW features AS
       SELECT line_id, buyer, item, order_date, amount,
         order_date + 35 AS horizon_end,
         YEAR(order_date) * 100 + MONTH(order_date) AS year_month,
         COUNT(*) OVER (PARTITION BY buyer ORDER BY order_date, line_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prior_lines,
         COALESCE(SUM(line_value) OVER (PARTITION BY buyer ORDER BY order_date, line_id
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0E0) AS prior_value,
         AVG(CASE WHEN returned THEN 1E0 ELSE 0E0 END) OVER (PARTITION BY buyer) AS buyer_return_rate,
         line_value / NULLIF(SUM(line_value) OVER (PARTITION BY buyer), 0E0) AS value_share,
         ROW_NUMBER() OVER (PARTITION BY buyer ORDER BY line_value DESC, line_id) AS value_rank
       FROM order_lines`,
      `CREATE OR REPLACE TEMP VIEW summary AS
       SELECT buyer, COUNT(*) AS line_count, MIN(order_date) AS first_order, SUM(line_value) AS total_value
       FROM order_lines GROUP BY buyer`,
    ],
    outputs: [
      // amount is NULL on one line: DuckDB sorts it last, and so must Spark (whose default is first).
      { table: 'features', location: outputs.features, format: 'parquet', orderBy: 'buyer, amount, line_id' },
      { table: 'summary', location: outputs.summary, format: 'csv', orderBy: 'buyer' },
    ],
  };
}

const SUMMARY_COLUMNS = { buyer: 'VARCHAR', line_count: 'BIGINT', first_order: 'DATE', total_value: 'DOUBLE' };

/** Rows of a written output, in file order, read the same way for both engines (by DuckDB). */
async function readOutput(location: string, format: 'parquet' | 'csv'): Promise<Record<string, unknown>[]> {
  const input: SqlInput =
    format === 'parquet' ? { name: 't', location, format } : { name: 't', location, format, columns: SUMMARY_COLUMNS };
  return new DuckDbEngine().query('SELECT * FROM t', [input]);
}

/** Same columns in the same order, same values; floats within 1e-9 (relative above 1). */
function expectSameRows(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    const want = expected[i] as Record<string, unknown>;
    expect(Object.keys(row)).toEqual(Object.keys(want));
    for (const [key, value] of Object.entries(want)) {
      const got = row[key];
      if (typeof value === 'number' && typeof got === 'number') {
        const tolerance = 1e-9 * Math.max(1, Math.abs(value));
        if (Math.abs(got - value) > tolerance) throw new Error(`row ${i} column ${key}: spark ${got}, duckdb ${value}`);
      } else {
        expect({ row: i, column: key, value: got }).toEqual({ row: i, column: key, value });
      }
    }
  });
}

const SPARK_TEST_CONF: Readonly<Record<string, string>> = {
  // The worker offers 1 GB; the executor takes half, so a killed job's executor is not in the way.
  'spark.executor.memory': '512m',
  'spark.driver.host': '127.0.0.1',
  'spark.driver.bindAddress': '127.0.0.1',
  'spark.sql.shuffle.partitions': '4',
  // Short jobs on 2 busy cores: the C1 compiler only starts faster.
  'spark.driver.extraJavaOptions': '-XX:TieredStopAtLevel=1',
};

describe('SparkEngine on a standalone Spark cluster', () => {
  let cluster: SparkTestCluster;
  let dir: string;
  let inputCsv: string;
  let duckFeatures: Record<string, unknown>[];
  let duckSummary: Record<string, unknown>[];
  let duckSummaryHeader: string;
  let duckCounts: Record<string, number>;

  const engine = (options: Partial<SparkEngineOptions> = {}): SparkEngine =>
    new SparkEngine({
      master: cluster.masterUrl,
      driverMemory: '512m',
      conf: SPARK_TEST_CONF,
      env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' },
      workDir: path.join(dir, 'runs'),
      // The worker runs on this machine: executors load hadoop-aws and the SDK bundle in place.
      jarsOnEveryNode: true,
      ...options,
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'returns-spark-test-'));
    inputCsv = path.join(dir, 'orders.csv');
    writeFileSync(inputCsv, ordersCsv());
    // The reference: DuckDB on the same job.
    const duckOut = { features: path.join(dir, 'duckdb', 'features.parquet'), summary: path.join(dir, 'duckdb', 'summary.csv') };
    duckCounts = (await new DuckDbEngine().runJob(sampleJob(inputCsv, duckOut))).rowCounts;
    duckFeatures = await readOutput(duckOut.features, 'parquet');
    duckSummary = await readOutput(duckOut.summary, 'csv');
    duckSummaryHeader = readFileSync(duckOut.summary, 'utf8').split('\n')[0] as string;
    cluster = await startSparkCluster();
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the same rows as DuckDB, one file per output, in ORDER BY order', async () => {
    const out = path.join(dir, 'spark');
    const logger = createMemoryLogger();
    const result = await engine({ logger }).runJob(
      sampleJob(inputCsv, { features: `file://${out}/features.parquet`, summary: path.join(out, 'summary.csv') }),
    );

    expect(result.rowCounts).toEqual(duckCounts);
    expect(duckCounts).toEqual({ features: 26, summary: 4 });
    expect(duckFeatures.filter((row) => row['amount'] === null)).toHaveLength(1);
    // Exactly the two files: no part files, staging folders or _SUCCESS markers left over.
    expect(readdirSync(out).sort()).toEqual(['features.parquet', 'summary.csv']);
    expectSameRows(await readOutput(path.join(out, 'features.parquet'), 'parquet'), duckFeatures);
    expect(readFileSync(path.join(out, 'summary.csv'), 'utf8').split('\n')[0]).toBe(duckSummaryHeader);
    expectSameRows(await readOutput(path.join(out, 'summary.csv'), 'csv'), duckSummary);
    // Spark's log reached the logger, and the job really ran on the cluster.
    expect(logger.lines.some((l) => l.level === 'debug' && /INFO/.test(l.message))).toBe(true);
    expect(logger.lines.some((l) => l.message.includes(`master ${cluster.masterUrl}`))).toBe(true);
    // The run's plan, result and scratch folder are gone.
    expect(readdirSync(path.join(dir, 'runs'))).toEqual([]);
  }, 300_000);

  it('returns query rows as plain objects, like DuckDB (local master)', async () => {
    const sql = `SELECT buyer, COUNT(*) AS n, MIN(order_date) AS first_order, SUM(amount) AS total,
                 MAX(returned) AS any_returned, CAST(9007199254740993 AS BIGINT) AS big
                 FROM orders GROUP BY buyer ORDER BY buyer`;
    const inputs = [ordersInput(inputCsv)];
    const expected = await new DuckDbEngine().query(sql, inputs);
    const rows = await engine({ master: 'local[1]' }).query(sql, inputs);
    expectSameRows(rows, expected);
    expect(rows[0]?.['big']).toBe(9007199254740993n);
    expect(typeof rows[0]?.['first_order']).toBe('string');
  }, 300_000);

  it('fails a bad statement with one line that carries Spark\'s message', async () => {
    const target = path.join(dir, 'bad', 'features.parquet');
    const job: SqlJob = {
      inputs: [ordersInput(inputCsv)],
      statements: ['CREATE OR REPLACE TEMP VIEW features AS SELECT no_such_column FROM orders'],
      outputs: [{ table: 'features', location: target, format: 'parquet' }],
    };
    const failure = await engine()
      .runJob(job)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(SparkEngineError);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Spark failed: AnalysisException: \[UNRESOLVED_COLUMN\.WITH_SUGGESTION\] .*`no_such_column`/);
    expect(message).toContain('(while running statement 1: CREATE OR REPLACE TEMP VIEW features');
    expect(message).not.toMatch(/\n|\tat |Py4J|Traceback/);
    expect(readdirSync(dir)).not.toContain('bad');
  }, 300_000);

  it('kills the driver when a job outlives its timeout', async () => {
    const workDir = mkdtempSync(path.join(dir, 'timeout-'));
    // About 10^12 rows to sum: hours on one core, so only the timeout can end it.
    const sql = 'SELECT SUM(id % 7) AS s FROM range(0, 1000000000000)';
    // Watch the master meanwhile: the application must have been running when the timeout hit.
    let running = true;
    let sawApplication = false;
    const watch = (async () => {
      while (running) {
        if ((await cluster.activeApps()) > 0) sawApplication = true;
        await sleep(500);
      }
    })();
    const outcome = engine({ workDir, timeoutMs: 75_000 }).query(sql);
    await expect(outcome).rejects.toThrow(/^Spark job timed out after 75000 ms on spark:\/\/127\.0\.0\.1:\d+; the driver was killed$/);
    running = false;
    await watch;
    expect(sawApplication).toBe(true);
    // Neither spark-submit's JVM nor the Python driver is left (both name the run folder).
    const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
    expect(ps.split('\n').filter((line) => line.includes(workDir))).toEqual([]);
    // The master sees the application end, so its executor is released.
    const deadline = Date.now() + 60_000;
    while ((await cluster.activeApps()) > 0 && Date.now() < deadline) await sleep(500);
    expect(await cluster.activeApps()).toBe(0);
  }, 300_000);

  describe('through s3a:// on a real S3 server', () => {
    const BUCKET = 'spark-lake';
    let s3: S3TestServer;
    let store: ObjectStore;

    beforeAll(async () => {
      s3 = await startS3Server();
      store = openStore(`s3://${BUCKET}`, { s3: s3.settings });
      await store.put('in/orders.csv', readFileSync(inputCsv));
    }, 120_000);

    afterAll(async () => {
      await store?.close();
      await s3?.stop();
    });

    it('reads its input from S3 and writes each output as one object, with the rows DuckDB gives', async () => {
      const logger = createMemoryLogger();
      const result = await engine({ s3: s3.settings, logger }).runJob(
        sampleJob(`s3://${BUCKET}/in/orders.csv`, {
          features: `s3://${BUCKET}/out/features.parquet`,
          summary: `s3://${BUCKET}/out/summary.csv`,
        }),
      );
      expect(result.rowCounts).toEqual(duckCounts);

      // Exactly the input and the two outputs: no part files, staging prefixes or folder markers.
      const client = createS3Client(s3.settings);
      try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
        expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(['in/orders.csv', 'out/features.parquet', 'out/summary.csv']);
      } finally {
        client.destroy();
      }

      const local = path.join(dir, 'from-s3');
      rmSync(local, { recursive: true, force: true });
      const fetch = async (key: string): Promise<string> => {
        const file = path.join(local, path.basename(key));
        mkdirSync(local, { recursive: true });
        writeFileSync(file, await store.get(key));
        return file;
      };
      expectSameRows(await readOutput(await fetch('out/features.parquet'), 'parquet'), duckFeatures);
      const summary = await fetch('out/summary.csv');
      expect(readFileSync(summary, 'utf8').split('\n')[0]).toBe(duckSummaryHeader);
      expectSameRows(await readOutput(summary, 'csv'), duckSummary);

      // The credentials reached Spark through the environment only: never in a log line.
      const logged = JSON.stringify(logger.lines);
      expect(logged).not.toContain(s3.settings.secretAccessKey as string);
      expect(logged).not.toContain(s3.settings.accessKeyId as string);
    }, 400_000);
  });
});
