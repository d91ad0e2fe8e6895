/**
 * The feature job on DuckDB as an engine runs it: the day-number formula, output types and
 * order, deterministic bytes (across thread counts and with or without the cache hint), and
 * labels against the synthetic generator's own record of which purchases it returned.
 */
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { DuckDbEngine, SqlEngineError, cacheViewSql } from '../../../src/adapters/engine/duckdb-engine.js';
import { generateOrdersToFiles } from '../../../src/adapters/source/synthetic-files.js';
import { addDays } from '../../../src/domain/dates.js';
import { FEATURE_CATALOGUE, FEATURE_OUTPUT_COLUMNS } from '../../../src/domain/features/catalogue.js';
import { epochDayOf } from '../../../src/domain/features/feature-options.js';
import { featureSqlJob } from '../../../src/domain/features/feature-sql.js';
import { sqlEpochDay } from '../../../src/domain/features/portable-sql.js';
import { build, parquetRows, validatedParquet } from './helpers.js';

const engine = new DuckDbEngine();
const AS_OF = '2019-05-01';
const OPTIONS = { asOf: AS_OF, horizonDays: 35, split: { testDays: 30, validationDays: 30 } };
let work: string;
let orders: string;
let truthFile: string;

const sha256 = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'features-engine-'));
  const csv = path.join(work, 'orders.csv');
  truthFile = path.join(work, 'truth.csv');
  await generateOrdersToFiles({ rows: 6000, seed: 5, out: csv, truthOut: truthFile });
  orders = await validatedParquet(engine, csv, path.join(work, 'validated'), AS_OF);
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the feature job on DuckDB', () => {
  it('numbers days exactly as the calendar does, for every date from 1999 to 2040', async () => {
    const rows = await engine.query(
      `SELECT CAST(d AS DATE) AS date, ${sqlEpochDay('CAST(d AS DATE)')} AS day
       FROM generate_series(DATE '1999-01-01', DATE '2040-12-31', INTERVAL 1 DAY) t(d)`,
    );
    expect(rows.length).toBe(15341);
    const wrong = rows.filter((r) => r['day'] !== epochDayOf(r['date'] as string));
    expect(wrong).toEqual([]);
  });

  it('writes typed columns: numeric features as DOUBLE, categorical as VARCHAR', async () => {
    const built = await build(engine, orders, path.join(work, 'types.parquet'));
    const types = await engine.query(`DESCRIBE SELECT * FROM read_parquet('${built.parquet}')`);
    const byName = Object.fromEntries(types.map((t) => [t['column_name'], t['column_type']]));
    expect(Object.keys(byName)).toEqual(FEATURE_OUTPUT_COLUMNS);
    expect(byName).toMatchObject({
      line_number: 'BIGINT',
      buyer_id: 'VARCHAR',
      date: 'DATE',
      label: 'INTEGER',
      label_mature: 'BOOLEAN',
      split: 'VARCHAR',
    });
    for (const f of FEATURE_CATALOGUE) expect([f.name, byName[f.name]]).toEqual([f.name, f.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR']);
  });

  it('orders rows by date, then line number', async () => {
    const rows = await parquetRows(engine, (await build(engine, orders, path.join(work, 'order.parquet'))).parquet);
    const keys = rows.map((r) => `${r['date'] as string}|${String(r['line_number']).padStart(9, '0')}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('writes the same bytes on every run, with one or two threads, with or without the cache hint', async () => {
    const one = await build(engine, orders, path.join(work, 'one.parquet'));
    const again = await build(engine, orders, path.join(work, 'again.parquet'));
    const two = await build(new DuckDbEngine({ threads: 2 }), orders, path.join(work, 'two.parquet'));
    const job = featureSqlJob(OPTIONS, { orders, features: path.join(work, 'uncached.parquet'), summary: path.join(work, 'uncached.summary.parquet') });
    await engine.runJob({ ...job, cache: [] });
    const hash = await sha256(one.parquet);
    expect(await sha256(again.parquet)).toBe(hash);
    expect(await sha256(two.parquet)).toBe(hash);
    expect(await sha256(path.join(work, 'uncached.parquet'))).toBe(hash);
    expect(two.summary).toEqual(one.summary);
  }, 120_000);

  it('caches a view under its own name and refuses names that are not plain identifiers', () => {
    expect(cacheViewSql('fx_links')).toEqual([
      'CREATE TEMP TABLE fx_links__cached AS SELECT * FROM fx_links',
      'CREATE OR REPLACE TEMP VIEW fx_links AS SELECT * FROM fx_links__cached',
    ]);
    expect(() => cacheViewSql('fx_links; DROP TABLE x')).toThrow(SqlEngineError);
  });

  it('labels mature purchases exactly as the generator returned them', async () => {
    const built = await build(engine, orders, path.join(work, 'labels.parquet'));
    const rows = await parquetRows(engine, built.parquet);
    // Truth rows are numbered among data rows; the file line number is one more.
    const truth = new Map(
      (parse(await readFile(truthFile), { columns: true }) as Record<string, string>[]).map((t) => [Number(t['row']) + 1, t]),
    );
    const lastMature = addDays(AS_OF, -36);
    let mature = 0;
    let bracketAgreement = 0;
    for (const row of rows) {
      const t = truth.get(row['line_number'] as number);
      expect(t).toBeDefined();
      // The generator draws returns 3 to 35 days after the purchase, all before the period end here.
      if ((row['date'] as string) <= lastMature) {
        mature++;
        expect([row['line_number'], row['label']]).toEqual([row['line_number'], t?.['returned'] === '1' ? 1 : 0]);
      } else {
        expect(row['label']).toBeNull();
      }
      if (row['bracket_size'] === Number(t?.['bracket_size'])) bracketAgreement++;
    }
    expect(mature).toBeGreaterThan(3000);
    expect(built.summary.links.via_fallback).toBe(0);
    expect(built.summary.links.unlinked_returns).toBe(0);
    // Bracketing as the data shows it: the same model in several sizes in one transaction. The
    // generator's groups are that, save the rare basket drawing one model twice by chance.
    expect(bracketAgreement / rows.length).toBeGreaterThan(0.99);
  }, 120_000);
});
