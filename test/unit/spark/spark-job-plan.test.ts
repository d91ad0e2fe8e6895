import { jobPlan, queryPlan, SparkPlanError, sparkColumnType, sparkUri, withDuckDbNullOrder } from '../../../src/adapters/engine/spark-job-plan.js';

const context = { appName: 'returns-sql', resultPath: '/tmp/run/result.json', cwd: '/work/repo' };

describe('sparkUri', () => {
  it('turns s3:// into s3a:// and keeps the key as is', () => {
    expect(sparkUri('s3://lake/features/date=2019-01-01/features.parquet', '/x')).toBe('s3a://lake/features/date=2019-01-01/features.parquet');
  });

  it('makes local paths and file:// URIs absolute file: URIs, unencoded for Hadoop', () => {
    expect(sparkUri('data/orders.csv', '/work/repo')).toBe('file:///work/repo/data/orders.csv');
    expect(sparkUri('/srv/a b/orders.csv', '/x')).toBe('file:///srv/a b/orders.csv');
    expect(sparkUri('file:///srv/a%20b/orders.csv', '/x')).toBe('file:///srv/a b/orders.csv');
    expect(sparkUri('file://./rel/orders.csv', '/work/repo')).toBe('file:///work/repo/rel/orders.csv');
  });

  it('passes other file systems through (hdfs://, s3a://)', () => {
    expect(sparkUri('hdfs://nn:8020/x.csv', '/x')).toBe('hdfs://nn:8020/x.csv');
    expect(sparkUri('s3a://b/k', '/x')).toBe('s3a://b/k');
  });
});

describe('sparkColumnType', () => {
  it.each([
    ['VARCHAR', 'STRING'],
    ['varchar', 'STRING'],
    ['STRING', 'STRING'],
    ['BIGINT', 'BIGINT'],
    ['INTEGER', 'INTEGER'],
    ['DOUBLE', 'DOUBLE'],
    ['BOOLEAN', 'BOOLEAN'],
    ['DATE', 'DATE'],
    ['TIMESTAMP', 'TIMESTAMP_NTZ'],
    ['DECIMAL(18, 2)', 'DECIMAL(18,2)'],
    ['DECIMAL', 'DECIMAL(18,3)'],
    ['REAL', 'FLOAT'],
  ])('%s is %s in Spark', (duckdb, spark) => {
    expect(sparkColumnType(duckdb, 'column x')).toBe(spark);
  });

  it('refuses a type that could smuggle SQL into the schema', () => {
    expect(() => sparkColumnType('INT, y STRING', 'column x of t')).toThrow(SparkPlanError);
  });
});

describe('withDuckDbNullOrder', () => {
  it('puts NULLs last like DuckDB unless the item says otherwise', () => {
    expect(withDuckDbNullOrder('buyer, order_date DESC')).toBe('buyer NULLS LAST, order_date DESC NULLS LAST');
    expect(withDuckDbNullOrder('a NULLS FIRST, b desc nulls last')).toBe('a NULLS FIRST, b desc nulls last');
  });

  it('does not split inside function calls or quoted names', () => {
    expect(withDuckDbNullOrder('COALESCE(a, b), "x,y" DESC')).toBe('COALESCE(a, b) NULLS LAST, "x,y" DESC NULLS LAST');
  });
});

describe('jobPlan', () => {
  it('keeps column order, orderBy and statements, and resolves every location', () => {
    const plan = jobPlan(
      {
        inputs: [{ name: 'orders', location: 's3://lake/orders.csv', format: 'csv', columns: { id: 'BIGINT', d: 'DATE' } }],
        statements: ['CREATE OR REPLACE TEMP VIEW f AS SELECT * FROM orders'],
        outputs: [{ table: 'f', location: 'out/f.parquet', format: 'parquet', orderBy: 'id' }],
      },
      { ...context, s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', pathStyle: true, maxAttempts: 3 } },
    );
    expect(plan).toEqual({
      version: 1,
      kind: 'job',
      appName: 'returns-sql',
      resultPath: '/tmp/run/result.json',
      inputs: [{ name: 'orders', format: 'csv', uri: 's3a://lake/orders.csv', columns: [['id', 'BIGINT'], ['d', 'DATE']] }],
      statements: ['CREATE OR REPLACE TEMP VIEW f AS SELECT * FROM orders'],
      outputs: [{ table: 'f', format: 'parquet', uri: 'file:///work/repo/out/f.parquet', orderBy: 'id NULLS LAST' }],
      s3: { endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', pathStyle: true, maxAttempts: 3 },
    });
  });

  it('needs the column types of a CSV input, like the DuckDB engine', () => {
    expect(() =>
      jobPlan({ inputs: [{ name: 'orders', location: 'o.csv', format: 'csv' }], statements: [], outputs: [] }, context),
    ).toThrow(/CSV input orders needs its column types/);
  });

  it('refuses names that are not plain identifiers and outputs that name a folder', () => {
    expect(() => queryPlan('SELECT 1', [{ name: 'drop table', location: 'x.parquet', format: 'parquet' }], context)).toThrow(
      /not a plain SQL identifier/,
    );
    expect(() =>
      jobPlan({ inputs: [], statements: [], outputs: [{ table: 'f', location: 's3://lake/out/', format: 'csv' }] }, context),
    ).toThrow(/a folder; name the file/);
  });
});
