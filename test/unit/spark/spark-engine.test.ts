import * as os from 'node:os';
import * as path from 'node:path';
import { PARITY_CONF, SparkEngine, SparkEngineError, lastMeaningfulLine } from '../../../src/adapters/engine/spark-engine.js';
import { parseS3Settings } from '../../../src/adapters/storage/s3-settings.js';

const s3 = parseS3Settings({ endpoint: 'http://127.0.0.1:9000', accessKeyId: 'AKIATESTKEY1', secretAccessKey: 'very-secret-value' });

describe('SparkEngine.submitArgs', () => {
  it('pins the parity settings, adds JVM options on top of the UTC zone, and never carries a secret', () => {
    const engine = new SparkEngine({
      master: 'spark://127.0.0.1:7077',
      s3,
      driverMemory: '512m',
      driverScript: '/repo/spark/driver.py',
      jarsOnEveryNode: true,
      conf: { 'spark.driver.extraJavaOptions': '-XX:TieredStopAtLevel=1', 'spark.sql.shuffle.partitions': '4' },
    });
    const args = engine.submitArgs('/tmp/run/plan.json', '/tmp/run', ['/repo/.cache/spark-jars/hadoop-aws-3.5.0.jar']);
    expect(args.slice(0, 4)).toEqual(['--master', 'spark://127.0.0.1:7077', '--deploy-mode', 'client']);
    expect(args).toContain('--driver-memory');
    expect(args[args.indexOf('--jars') + 1]).toBe('local:/repo/.cache/spark-jars/hadoop-aws-3.5.0.jar');
    for (const [key, value] of Object.entries(PARITY_CONF)) {
      if (!key.endsWith('extraJavaOptions')) expect(args).toContain(`${key}=${value}`);
    }
    expect(args).toContain('spark.driver.extraJavaOptions=-Duser.timezone=UTC -XX:TieredStopAtLevel=1');
    expect(args).toContain('spark.sql.shuffle.partitions=4');
    expect(args.slice(-2)).toEqual(['/repo/spark/driver.py', '/tmp/run/plan.json']);
    expect(args.join(' ')).not.toMatch(/AKIATESTKEY1|very-secret-value/);
  });
});

describe('SparkEngine before spark-submit', () => {
  it('says how to get hadoop-aws when an s3:// job has no jars for it', async () => {
    const engine = new SparkEngine({ s3, jars: [], workDir: os.tmpdir() });
    await expect(
      engine.query('SELECT 1', [{ name: 't', location: 's3://lake/t.parquet', format: 'parquet' }]),
    ).rejects.toThrow(/make spark-jars/);
  });

  it('fails clearly when spark-submit is not there', async () => {
    const engine = new SparkEngine({ sparkSubmit: path.join(os.tmpdir(), 'no-such-spark-submit'), workDir: os.tmpdir() });
    const failure = await engine.query('SELECT 1').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(SparkEngineError);
    expect((failure as Error).message).toMatch(/^could not start .*no-such-spark-submit/);
  });

  it('refuses new work once closed', async () => {
    const engine = new SparkEngine();
    await engine.close();
    await expect(engine.query('SELECT 1')).rejects.toThrow(/closed/);
  });
});

describe('lastMeaningfulLine', () => {
  it('picks the last error line of a failed spark-submit, not a stack frame', () => {
    const lines = [
      'Exception in thread "main" org.apache.spark.SparkException: Master must either be yarn or start with spark, k8s, or local',
      '\tat org.apache.spark.deploy.SparkSubmit.error(SparkSubmit.scala:1)',
      '\t... 3 more',
    ];
    expect(lastMeaningfulLine(lines)).toBe(lines[0]);
    expect(lastMeaningfulLine([])).toBe('(no output)');
  });
});
