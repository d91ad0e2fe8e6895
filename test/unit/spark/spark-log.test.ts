import { classifySparkLogLine, MAX_LOG_LINE, redactSecrets } from '../../../src/adapters/engine/spark-log.js';

describe('classifySparkLogLine', () => {
  it('sends Spark INFO lines to debug and its warnings to info', () => {
    expect(classifySparkLogLine('26/11/27 09:45:43 INFO SparkContext: Running Spark version 4.3.0')).toEqual({
      level: 'debug',
      message: '26/11/27 09:45:43 INFO SparkContext: Running Spark version 4.3.0',
      sparkLevel: 'INFO',
    });
    expect(classifySparkLogLine('26/11/27 09:45:43 WARN Utils: Set SPARK_LOCAL_IP')?.level).toBe('info');
  });

  it('reads structured JSON log records', () => {
    const line = JSON.stringify({ ts: 't', level: 'ERROR', logger: 'SQLQueryContextLogger', msg: '[TABLE_OR_VIEW_NOT_FOUND] x' });
    expect(classifySparkLogLine(line)).toEqual({
      level: 'info',
      message: 'ERROR SQLQueryContextLogger: [TABLE_OR_VIEW_NOT_FOUND] x',
      sparkLevel: 'ERROR',
    });
  });

  it('gives the driver\'s own lines at info without their prefix, stack frames at debug, blanks not at all', () => {
    expect(classifySparkLogLine('returns-driver: statement 1 done')).toEqual({ level: 'info', message: 'statement 1 done' });
    expect(classifySparkLogLine('\tat org.apache.spark.sql.Dataset.ofRows(Dataset.scala:1)')?.level).toBe('debug');
    expect(classifySparkLogLine('   ')).toBeUndefined();
  });

  it('cuts very long lines', () => {
    expect(classifySparkLogLine('x'.repeat(10_000))?.message).toHaveLength(MAX_LOG_LINE);
  });
});

describe('redactSecrets', () => {
  it('masks every occurrence of every secret', () => {
    expect(redactSecrets('key=AKIA1234 secret=s3cr3t-value again AKIA1234', ['AKIA1234', 's3cr3t-value'])).toBe(
      'key=*** secret=*** again ***',
    );
  });
});
