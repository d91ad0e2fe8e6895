import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDbEngine, SqlEngineError, inputViewSql, localPathOf } from '../../src/adapters/engine/duckdb-engine.js';

const engine = new DuckDbEngine();
let dir: string;
let csv: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'duckdb-engine-'));
  csv = path.join(dir, 'in.csv');
  // IDs that look like numbers must stay text: the declared types win over sniffing.
  await writeFile(csv, 'id,day,amount,n\n007,2019-01-02,1.5,3\n5.36356E+13,2019-01-01,-2.25,9007199254740993\n');
});
afterAll(async () => {
  await engine.close();
  await rm(dir, { recursive: true, force: true });
});

const input = () => ({
  name: 'src',
  location: csv,
  format: 'csv' as const,
  columns: { id: 'STRING', day: 'DATE', amount: 'DOUBLE', n: 'BIGINT' },
});

describe('DuckDbEngine.query', () => {
  it('reads CSV inputs with the declared types and returns plain values', async () => {
    const rows = await engine.query('SELECT * FROM src ORDER BY day', [input()]);
    expect(rows).toEqual([
      { id: '5.36356E+13', day: '2019-01-01', amount: -2.25, n: 9007199254740993n },
      { id: '007', day: '2019-01-02', amount: 1.5, n: 3 },
    ]);
  });
});

describe('DuckDbEngine.runJob', () => {
  it('runs statements in order and writes ordered outputs, counting their rows', async () => {
    const out = path.join(dir, 'nested', 'out.parquet');
    const outCsv = pathToFileURL(path.join(dir, 'out.csv')).href;
    const result = await engine.runJob({
      inputs: [input()],
      statements: ['CREATE TABLE t AS SELECT id, day, amount * 2 AS twice FROM src', "INSERT INTO t VALUES ('x', DATE '2018-12-31', 0)"],
      outputs: [
        { table: 't', location: out, format: 'parquet', orderBy: 'day' },
        { table: 't', location: outCsv, format: 'csv', orderBy: 'day DESC' },
      ],
    });
    expect(result.rowCounts).toEqual({ t: 3 });
    const back = await engine.query(`SELECT id, twice FROM read_parquet('${out}')`);
    expect(back).toEqual([
      { id: 'x', twice: 0 },
      { id: '5.36356E+13', twice: -4.5 },
      { id: '007', twice: 3 },
    ]);
    expect(await readFile(path.join(dir, 'out.csv'), 'utf8')).toBe('id,day,twice\n007,2019-01-02,3.0\n5.36356E+13,2019-01-01,-4.5\nx,2018-12-31,0.0\n');
    // The staging file was renamed into place: nothing else is left beside the output.
    expect(await readdir(path.join(dir, 'nested'))).toEqual(['out.parquet']);
  });

  it('gives each job its own database', async () => {
    await engine.runJob({ inputs: [], statements: ['CREATE TABLE only_here AS SELECT 1 AS x'], outputs: [] });
    await expect(engine.query('SELECT * FROM only_here')).rejects.toThrow(SqlEngineError);
  });

  it('writes byte-identical Parquet on every run', async () => {
    const job = (name: string) => ({
      inputs: [input()],
      statements: [],
      outputs: [{ table: 'src', location: path.join(dir, name), format: 'parquet' as const, orderBy: 'id' }],
    });
    await engine.runJob(job('a.parquet'));
    await engine.runJob(job('b.parquet'));
    expect(await readFile(path.join(dir, 'a.parquet'))).toEqual(await readFile(path.join(dir, 'b.parquet')));
  });

  it('says which statement failed, and leaves no partial output', async () => {
    const out = path.join(dir, 'never.parquet');
    await expect(
      engine.runJob({ inputs: [], statements: ['SELECT * FROM missing_table'], outputs: [{ table: 'x', location: out, format: 'parquet' }] }),
    ).rejects.toThrow(/DuckDB failed: .*missing_table.*while running: SELECT \* FROM missing_table/);
    await expect(readFile(out)).rejects.toThrow();
  });
});

describe('locations and names', () => {
  it('asks for remote locations to be staged locally', () => {
    expect(() => localPathOf('s3://bucket/orders.csv')).toThrow('stage s3://bucket/orders.csv to a local file first');
    expect(localPathOf('file:///tmp/a%20b.csv')).toBe('/tmp/a b.csv');
  });

  it('refuses names and types that would not be plain SQL', () => {
    expect(() => inputViewSql({ name: 'x; DROP', location: csv, format: 'parquet' })).toThrow(SqlEngineError);
    expect(() => inputViewSql({ name: 'x', location: csv, format: 'csv', columns: { a: "VARCHAR'); --" } })).toThrow(SqlEngineError);
    expect(() => inputViewSql({ name: 'x', location: csv, format: 'csv' })).toThrow('needs its column types');
  });

  it('quotes paths with single quotes', () => {
    expect(inputViewSql({ name: 'x', location: "/tmp/it's.parquet", format: 'parquet' })).toContain("read_parquet('/tmp/it''s.parquet', hive_partitioning = false)");
  });
});
