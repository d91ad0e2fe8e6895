import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { SparkEngine } from '../../../src/adapters/engine/spark-engine.js';
import type { SqlJob } from '../../../src/ports/sql-engine.js';
import { waitFor } from '../../harness/spawn.js';
import { startSparkCluster, type SparkTestCluster } from '../../harness/spark-cluster.js';

/**
 * A Spark worker killed in the middle of a job: the job completes with the right rows, or fails
 * with a clear one-line error; either way a clean re-run gives the right rows. Which of the two
 * happened is printed, not asserted (Spark's task retries are not counted).
 */
describe('a Spark worker killed mid-job', () => {
  let cluster: SparkTestCluster;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'returns-spark-kill-'));
    const lines = ['id,grp'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},${i % 97}`);
    await writeFile(path.join(dir, 'in.csv'), `${lines.join('\n')}\n`);
    cluster = await startSparkCluster();
  }, 240_000);
  afterAll(async () => {
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const job = (out: string): SqlJob => ({
    inputs: [{ name: 'src', location: path.join(dir, 'in.csv'), format: 'csv', columns: { id: 'BIGINT', grp: 'BIGINT' } }],
    // A self-join heavy enough to keep the executor busy for a while.
    statements: [
      `CREATE OR REPLACE TEMPORARY VIEW result AS
SELECT a.grp AS grp, COUNT(*) AS pairs, SUM(a.id * b.id % 7) AS mix
FROM src a JOIN src b ON a.grp = b.grp GROUP BY a.grp`,
    ],
    outputs: [{ table: 'result', location: out, format: 'parquet', orderBy: 'grp' }],
  });
  const engine = (): SparkEngine =>
    new SparkEngine({
      master: cluster.masterUrl,
      driverMemory: '512m',
      timeoutMs: 600_000,
      jarsOnEveryNode: true,
      env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' },
      conf: {
        'spark.executor.memory': '512m',
        'spark.driver.host': '127.0.0.1',
        'spark.driver.bindAddress': '127.0.0.1',
        'spark.sql.shuffle.partitions': '8',
        'spark.driver.extraJavaOptions': '-XX:TieredStopAtLevel=1',
      },
    });

  it('retries or fails clearly, then a clean re-run gives the right rows', async () => {
    const out = path.join(dir, 'out', 'result.parquet');
    const running = engine().runJob(job(out)).then(
      () => 'completed' as const,
      (err: Error) => err,
    );
    await waitFor(async () => (await cluster.activeApps()) > 0, 240_000, 'the job to start on the cluster');
    await cluster.killWorker();
    await new Promise((r) => setTimeout(r, 3000));
    await cluster.startWorker();
    const outcome = await running;
    if (outcome !== 'completed') {
      // A failure must be one clear line, not a stack trace.
      expect(outcome.message.split('\n')).toHaveLength(1);
      expect(outcome.message).toMatch(/^Spark/);
    }
    const rerun = path.join(dir, 'out', 'rerun.parquet');
    await engine().runJob(job(rerun));
    const duck = new DuckDbEngine();
    const expected = await duck.query(
      `SELECT a.grp AS grp, COUNT(*) AS pairs, SUM(a.id * b.id % 7) AS mix FROM src a JOIN src b ON a.grp = b.grp GROUP BY a.grp ORDER BY grp`,
      [{ name: 'src', location: path.join(dir, 'in.csv'), format: 'csv', columns: { id: 'BIGINT', grp: 'BIGINT' } }],
    );
    const got = await duck.query('SELECT * FROM r ORDER BY grp', [{ name: 'r', location: rerun, format: 'parquet' }]);
    expect(got).toEqual(expected);
    if (outcome === 'completed') expect(await duck.query('SELECT * FROM r ORDER BY grp', [{ name: 'r', location: out, format: 'parquet' }])).toEqual(expected);
    console.log(`Spark worker killed mid-job: the first run ${outcome === 'completed' ? 'completed after Spark retried the lost tasks' : `failed with: ${outcome.message}`}; the re-run gave the right ${got.length} rows`);
  }, 900_000);
});
