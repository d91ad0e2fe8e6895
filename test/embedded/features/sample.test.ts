/**
 * BuildFeatures on the real Kaggle sample (126 rows), as of 2019-05-01 with the defaults (H = 35,
 * test 2019-02-25..03-26, validation 2019-01-26..02-24). The expected values were worked out by
 * hand from the CSV (line numbers are the file's, header = line 1). The sample is a random draw
 * of rows, so none of its 21 return rows finds its purchase; line 16 carries its own return.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import type { FeatureSummary } from '../../../src/domain/features/feature-summary.js';
import { SAMPLE, build, byLine, parquetRows, validatedParquet } from './helpers.js';

const engine = new DuckDbEngine();
let work: string;
let summary: FeatureSummary;
let rows: Map<number, Record<string, unknown>>;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'features-sample-'));
  const orders = await validatedParquet(engine, SAMPLE, path.join(work, 'orders'));
  const built = await build(engine, orders, path.join(work, 'features.parquet'));
  summary = built.summary;
  rows = byLine(await parquetRows(engine, built.parquet));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('BuildFeatures on the real sample', () => {
  it('summarises 105 purchase lines, one positive label and no linkable return', () => {
    expect(summary).toMatchObject({
      order_rows: 126,
      return_rows: 21,
      purchase_lines: 105,
      date_range: { first: '2018-11-01', last: '2019-04-30' },
      labelled_rows: 76,
      positives: 1,
      links: { total: 0, by_transaction_key: 0, via_fallback: 0, unlinked_returns: 21, same_row_returns: 1 },
    });
    expect(summary.splits.train).toMatchObject({ rows: 51, positives: 1 });
    expect(summary.splits.validation).toMatchObject({ rows: 11, positives: 0 });
    expect(summary.splits.test).toMatchObject({ rows: 14, positives: 0 });
    expect(summary.splits.unlabelled.rows).toBe(29);
    expect(rows.size).toBe(105);
  });

  it('line 16: the same-row return, with a lossy model ID, on 2018-11-03', () => {
    const line = rows.get(16);
    expect(line).toMatchObject({
      buyer_id: '5162704',
      transaction_id: '5.05625E+13',
      date: '2018-11-03',
      label: 1,
      label_mature: true,
      split: 'train',
      brand: 'QID',
      category: 'Product H',
      model: '8.42221E+13',
      version_size: '40',
      version_fit: 'C',
      version_length: 'FtO',
      quantity: 1,
      discount_rate: 0,
      purchase_month: '11',
      purchase_weekday: 'Sat',
      days_since_black_friday: 344, // 2017-11-24
      days_to_black_friday: 20, // 2018-11-23
      days_since_boxing_day: 312, // 2017-12-26
      days_to_boxing_day: 53,
      basket_lines: 1,
      bracket_size: 1,
      buyer_prior_purchases: 0,
      buyer_prior_returns: 0,
      buyer_days_since_last_purchase: null,
      model_prior_purchases: 0,
      // Before 2018-11-03: two purchases (lines 73, 103), no return: the global rate is 0.
      buyer_return_rate: 0,
      model_return_rate: 0,
      category_return_rate: 0,
    });
    expect(line?.['unit_price']).toBeCloseTo(74.17 * 1.2, 9);
  });

  it('line 118: rates on 2018-11-06 count the same-row return and the return of 2018-11-03', () => {
    // Before 2018-11-06: purchases 73, 103, 16; returns 16 (same row) and 82. Global rate 2/3.
    // Product P: purchases 73, 103; return 82. XEB: nothing before.
    const line = rows.get(118);
    expect(line).toMatchObject({ label: 0, split: 'train', brand: 'XEB', purchase_weekday: 'Tue', days_since_black_friday: 347 });
    expect(line?.['category_return_rate']).toBeCloseTo((1 + 20 * (2 / 3)) / (2 + 20), 12);
    expect(line?.['brand_return_rate']).toBeCloseTo(2 / 3, 12);
    expect(line?.['unit_price']).toBeCloseTo(79.16 * 1.2, 9);
  });

  it('line 38: an unlabelled purchase of a SKU bought once before, in a lossy transaction shared with another buyer', () => {
    // Before 2019-04-16: 88 purchase lines and 22 returns (global rate 1/4). The SKU was bought
    // on line 73 and never returned; brand RJF: 7 purchases, 1 return (line 19).
    const line = rows.get(38);
    expect(line).toMatchObject({ label: null, label_mature: false, split: 'unlabelled', model_prior_purchases: 1, basket_lines: 1 });
    expect(line?.['sku_return_rate']).toBeCloseTo((0 + 20 * 0.25) / (1 + 20), 12);
    expect(line?.['model_return_rate']).toBeCloseTo((0 + 20 * 0.25) / (1 + 20), 12);
    expect(line?.['brand_return_rate']).toBeCloseTo((1 + 20 * 0.25) / (7 + 20), 12);
    expect(line?.['discount_rate']).toBeCloseTo(20.83 / 79.16, 12);
    // Line 39 has the same lossy transaction ID and date but another buyer: not the same basket.
    expect(rows.get(39)?.['basket_lines']).toBe(1);
  });

  it('line 79: two items on one line, in the validation split', () => {
    const line = rows.get(79);
    expect(line).toMatchObject({ quantity: 2, split: 'validation', label: 0, date: '2019-02-13' });
    expect(line?.['unit_price']).toBeCloseTo((158.33 * 1.2) / 2, 9);
  });

  it('writes no return row and nothing dated on or after the as-of date', () => {
    expect(rows.has(3)).toBe(false); // a return row
    for (const row of rows.values()) expect(row['date'] as string < '2019-05-01').toBe(true);
  });
});
