import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../src/adapters/engine/duckdb-engine.js';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { openStore } from '../../src/adapters/storage/open-store.js';
import { loadModelArtifact } from '../../src/domain/artifact/model-artifact.js';
import { FEATURE_CATALOGUE, FEATURE_OUTPUT_COLUMNS } from '../../src/domain/features/catalogue.js';
import { categoricalColumn, featureMatrix, numericColumn } from '../../src/domain/model/feature-matrix.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { cli } from '../harness/cli.js';
import { startS3Server } from '../harness/s3-server.js';
import { startSparkCluster, type SparkTestCluster } from '../harness/spark-cluster.js';

/**
 * The pipeline as a cluster user runs it: checkpoints on the S3 server, BuildFeatures and
 * PredictBatch submitted with spark-submit to a standalone master and worker, reading and writing
 * s3a:// directly. Compared with the embedded run (DuckDB, local folder) on the same data.
 */
const SOURCE = 'synthetic://?rows=3000&seed=9&start=2018-11-01&end=2019-04-30';
const DAY = '2019-04-20';
const TRAINING = { families: ['logistic', 'gbdt'], search: { logistic: { base: {}, grid: {} }, gbdt: { base: { maxRounds: 40 }, grid: {} } }, importance: { repeats: 0 } };

describe('the pipeline on Spark and S3 against the embedded run', () => {
  let cluster: SparkTestCluster;
  let server: Awaited<ReturnType<typeof startS3Server>>;
  let dir: string;
  let s3: ObjectStore;
  const local = (): ObjectStore => openStore(path.join(dir, 'local', 'data'), { s3: server.settings });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'returns-spark-pipe-'));
    [server, cluster] = await Promise.all([startS3Server(), startSparkCluster()]);
    s3 = openStore('s3://returns-spark/store', { s3: server.settings });
    const sparkConf = {
      'spark.executor.memory': '512m',
      'spark.driver.host': '127.0.0.1',
      'spark.driver.bindAddress': '127.0.0.1',
      'spark.sql.shuffle.partitions': '4',
      'spark.driver.extraJavaOptions': '-XX:TieredStopAtLevel=1',
    };
    await writeFile(
      path.join(dir, 'spark.json'),
      JSON.stringify({ store: 's3://returns-spark/store', training: TRAINING, spark: { master: cluster.masterUrl, driverMemory: '512m', conf: sparkConf, jarsOnEveryNode: true } }),
    );
    await writeFile(path.join(dir, 'local.json'), JSON.stringify({ store: `file://${path.join(dir, 'local', 'data')}`, training: TRAINING }));
  }, 240_000);
  afterAll(async () => {
    await s3?.close();
    await Promise.allSettled([cluster?.stop(), server?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('runs BuildFeatures and PredictBatch on the cluster, through s3a://', async () => {
    const env = {
      RETURNS_SOURCE: SOURCE,
      ...server.cliEnv,
      SPARK_LOCAL_IP: '127.0.0.1',
      PATH: process.env.PATH,
      JAVA_HOME: process.env.JAVA_HOME,
    };
    const r = await cli(['run', 'PredictBatch', '--date', DAY, '--engine', 'spark', '--config', path.join(dir, 'spark.json'), '--json'], { cwd: dir, env });
    expect(r.stderr).not.toMatch(/"level":"error"/);
    expect(r.code).toBe(0);
    const summary = JSON.parse((await s3.get(`BuildFeatures/date=${DAY}/summary.json`)).toString());
    expect(summary.engine).toBe('spark');
    expect(JSON.parse((await s3.get(`PredictBatch/date=${DAY}/summary.json`)).toString()).engine).toBe('spark');

    const embedded = await cli(['run', 'PredictBatch', '--date', DAY, '--engine', 'duckdb', '--config', path.join(dir, 'local.json')], { cwd: dir, env: { RETURNS_SOURCE: SOURCE } });
    expect(embedded.code).toBe(0);
  }, 900_000);

  async function parquetRows(store: ObjectStore, key: string, name: string): Promise<Record<string, unknown>[]> {
    const file = path.join(dir, name);
    await writeFile(file, await store.get(key));
    return new DuckDbEngine().query(`SELECT * FROM t ORDER BY line_number`, [{ name: 't', location: file, format: 'parquet' }]);
  }

  it('gives the same feature rows and values as DuckDB (floats within 1e-9)', async () => {
    for (const day of [DAY, '2019-04-21']) {
      const key = `BuildFeatures/date=${day}/features.parquet`;
      const [spark, duck] = await Promise.all([parquetRows(s3, key, `spark-${day}.parquet`), parquetRows(local(), key, `duck-${day}.parquet`)]);
      expect(spark.length).toBe(duck.length);
      expect(spark.length).toBeGreaterThan(1000);
      expect(Object.keys(spark[0]!)).toEqual([...FEATURE_OUTPUT_COLUMNS]);
      spark.forEach((row, i) => {
        for (const column of FEATURE_OUTPUT_COLUMNS) {
          const a = row[column];
          const b = duck[i]![column];
          if (typeof a === 'number' && typeof b === 'number') {
            if (Math.abs(a - b) > 1e-9) throw new Error(`${day} row ${i} ${column}: spark ${a} vs duckdb ${b}`);
          } else if (String(a) !== String(b)) {
            throw new Error(`${day} row ${i} ${column}: spark ${String(a)} vs duckdb ${String(b)}`);
          }
        }
      });
    }
  });

  it("scores with model.sql on Spark exactly as the model's JSON does (within 1e-9)", async () => {
    const { model } = loadModelArtifact(JSON.parse((await s3.get(`TrainModel/date=${DAY}/model.json`)).toString()), 'model.json', FEATURE_CATALOGUE);
    const predictions = await parquetRows(s3, `PredictBatch/date=${DAY}/predictions.parquet`, 'predictions.parquet');
    expect(predictions.length).toBeGreaterThan(0);
    const featuresFile = path.join(dir, 'scored-features.parquet');
    await writeFile(featuresFile, await s3.get(`BuildFeatures/date=2019-04-21/features.parquet`));
    const table = await new DuckDbTableReader().readColumns(
      featuresFile,
      [{ name: 'line_number', type: 'number' }, ...FEATURE_CATALOGUE.map((f) => ({ name: f.name, type: f.kind === 'numeric' ? ('number' as const) : ('string' as const) }))],
      `date = DATE '${DAY}'`,
    );
    const x = featureMatrix(FEATURE_CATALOGUE.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, table.numbers[f.name]!) : categoricalColumn(f.name, table.strings[f.name]!))));
    const p = model.predictProba(x);
    const byLine = new Map<number, number>();
    table.numbers.line_number!.forEach((line, i) => byLine.set(line, p[i]!));
    expect(byLine.size).toBe(predictions.length);
    for (const row of predictions) {
      const expected = byLine.get(row.line_number as number)!;
      expect(Math.abs((row.return_probability as number) - expected)).toBeLessThan(1e-9);
    }
  });
});
