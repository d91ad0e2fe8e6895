/**
 * BuildFeatures on a tiny hand-made order file (test/fixtures/features/orders.csv), every value
 * below worked out by hand. Row by row (line numbers are the file's, header = line 1):
 *
 *   2  A buys S1 (model M1, brand AAA)  txn 10000001  2018-11-10
 *   3  A returns S1                     txn 10000001  2018-11-20   key link to 2, 10 days
 *   4  C buys 2 x S4 (M4, BBB)          txn 30000001  2018-11-23   Black Friday 2018
 *   5  A buys S2 (M2, AAA), 20% off     txn 10000002  2018-12-01
 *   6  D buys S1                        txn 40000001  2018-12-05
 *   7  D returns S1                     txn 40009999  2018-12-12   no purchase has that key: fallback link to 6
 *   8  B buys S2 and returns it in the same row       2018-12-15   same-row return
 *   9  C returns S6, never bought                     2018-12-20   unlinked
 *  10  C returns S4                     txn 30000001  2019-01-05   key link to 4, but 43 days > H
 *  11  B buys S1                        txn 5.36356E+13 2019-01-10  lossy key shared with 12:
 *  12  B buys S1                        txn 5.36356E+13 2019-01-12  the key is ambiguous, so
 *  17  B returns S1                     txn 5.36356E+13 2019-01-25  fallback, date order: 17 -> 11
 * 13-15 A buys M3 in sizes 30, 31, 32   txn 10000003  2019-01-20   bracketing basket
 *  16  A buys S1 in the same basket     txn 10000003  2019-01-20
 * 18,19 A returns the sizes 30 and 31   txn 10000003  2019-02-05   key links to 13, 14
 *  20  C buys S5 (M5, CCC)              txn 30000002  2019-02-10   unlabelled (after the last mature date)
 *  21  E buys S5                                      2019-03-01   = as-of date: not seen
 *  22  C returns S5                                   2019-03-02   after the as-of date: not seen
 *
 * As of 2019-03-01 with H = 35 the last mature date is 2019-01-24; test is 2019-01-15..24,
 * validation 2019-01-05..14 (10 days each), train before.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { FEATURE_OUTPUT_COLUMNS } from '../../../src/domain/features/catalogue.js';
import { FIXTURE, build, byLine, parquetRows, validatedParquet } from './helpers.js';

const engine = new DuckDbEngine();
const SPLIT = { testDays: 10, validationDays: 10 };
let work: string;
let orders: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'features-fixture-'));
  orders = await validatedParquet(engine, FIXTURE, path.join(work, 'orders'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function features(asOf: string, horizonDays = 35, name = asOf) {
  const built = await build(engine, orders, path.join(work, `${name}-${horizonDays}.parquet`), { asOf, horizonDays, split: SPLIT });
  return { summary: built.summary, rows: await parquetRows(engine, built.parquet) };
}

describe('BuildFeatures on the hand-made fixture', () => {
  it('writes one row per purchase line dated before the as-of date, in (date, line) order', async () => {
    const { rows } = await features('2019-03-01');
    expect(rows.map((r) => r['line_number'])).toEqual([2, 4, 5, 6, 8, 11, 12, 13, 14, 15, 16, 20]);
    expect(Object.keys(rows[0] ?? {})).toEqual(FEATURE_OUTPUT_COLUMNS);
  });

  it('labels by linked returns within H days, and leaves immature purchases unlabelled', async () => {
    const { rows } = await features('2019-03-01');
    const labels = Object.fromEntries(rows.map((r) => [r['line_number'], [r['label'], r['label_mature'], r['split']]]));
    expect(labels).toEqual({
      2: [1, true, 'train'], // returned after 10 days
      4: [0, true, 'train'], // returned after 43 days: outside H
      5: [0, true, 'train'],
      6: [1, true, 'train'], // fallback link
      8: [1, true, 'train'], // same-row return
      11: [1, true, 'validation'], // fallback link in date order
      12: [0, true, 'validation'],
      13: [1, true, 'test'],
      14: [1, true, 'test'],
      15: [0, true, 'test'],
      16: [0, true, 'test'],
      20: [null, false, 'unlabelled'], // its return (2019-03-02) is not seen either
    });
  });

  it('counts links by key and by fallback in the summary', async () => {
    const { summary } = await features('2019-03-01');
    expect(summary).toMatchObject({
      as_of: '2019-03-01',
      horizon_days: 35,
      last_mature_date: '2019-01-24',
      order_rows: 19,
      return_rows: 7,
      purchase_lines: 12,
      date_range: { first: '2018-11-10', last: '2019-02-10' },
      labelled_rows: 11,
      positives: 6,
      links: { total: 6, by_transaction_key: 4, via_fallback: 2, unlinked_returns: 1, same_row_returns: 1 },
    });
    expect(summary.splits.train).toMatchObject({ rows: 5, positives: 3, to: '2019-01-04' });
    expect(summary.splits.validation).toMatchObject({ rows: 2, positives: 1, from: '2019-01-05', to: '2019-01-14' });
    expect(summary.splits.test).toMatchObject({ rows: 4, positives: 2, from: '2019-01-15', to: '2019-01-24' });
    expect(summary.splits.unlabelled).toEqual({ rows: 1, from: '2019-01-25', to: '2019-02-28' });
    expect(summary.label_rate).toBeCloseTo(6 / 11, 12);
  });

  it('computes line, calendar and basket features of the bracketing basket', async () => {
    const rows = byLine((await features('2019-03-01')).rows);
    const size30 = rows.get(13);
    expect(size30).toMatchObject({
      buyer_id: '1000001',
      transaction_id: '10000003',
      item_code: 'DD-333-333-333-A-3333333',
      date: '2019-01-20',
      brand: 'DDD',
      category: 'Product P',
      model: '33333333',
      version_size: '30',
      version_fit: 'A',
      version_length: 'FtO',
      quantity: 1,
      discount_rate: 0,
      purchase_month: '01',
      purchase_weekday: 'Sun',
      days_since_black_friday: 58, // 2018-11-23 -> 2019-01-20
      days_to_black_friday: 313, // -> 2019-11-29
      days_since_boxing_day: 25, // 2018-12-26 -> 2019-01-20
      days_to_boxing_day: 340, // -> 2019-12-26
      basket_lines: 4,
      basket_models: 2,
      bracket_size: 3,
    });
    expect(size30?.['unit_price']).toBeCloseTo(99, 9); // 82.5 net of VAT * 1.2
    expect(rows.get(14)?.['version_size']).toBe('31');
    expect(rows.get(15)?.['bracket_size']).toBe(3);
    expect(rows.get(16)).toMatchObject({ bracket_size: 1, basket_lines: 4, basket_models: 2, version_size: '32', version_fit: 'B' });
  });

  it('computes price, discount and sale-day features', async () => {
    const rows = byLine((await features('2019-03-01')).rows);
    const blackFriday = rows.get(4);
    expect(blackFriday).toMatchObject({ quantity: 2, days_since_black_friday: 0, days_to_black_friday: 0, purchase_weekday: 'Fri' });
    expect(blackFriday?.['unit_price']).toBeCloseTo((58.33 * 1.2) / 2, 9);
    expect(blackFriday).toMatchObject({ version_size: 'M', version_fit: 'Sl', version_length: 'Re' });
    expect(rows.get(5)?.['discount_rate']).toBeCloseTo(14.83 / 74.17, 12);
  });

  it('computes buyer history from events strictly before the purchase date', async () => {
    const rows = byLine((await features('2019-03-01')).rows);
    // Global counts before 2019-01-20: purchases 2, 4, 5, 6, 8, 11, 12 = 7; returns 3, 7, 8 (same row), 9, 10 = 5.
    const g = 5 / 7;
    // A before 2019-01-20: purchases 2 and 5, return 3; latest purchase 2018-12-01.
    expect(rows.get(13)).toMatchObject({ buyer_prior_purchases: 2, buyer_prior_returns: 1, buyer_days_since_last_purchase: 50 });
    expect(rows.get(13)?.['buyer_return_rate']).toBeCloseTo((1 + 5 * g) / (2 + 5), 12);
    // B on 2019-01-10: the same-row return of 2018-12-15 is one prior purchase and one prior return.
    expect(rows.get(11)).toMatchObject({ buyer_prior_purchases: 1, buyer_prior_returns: 1, buyer_days_since_last_purchase: 26 });
    // C on 2019-02-10: bought 2018-11-23; returns 2018-12-20 (never bought) and 2019-01-05 happened before.
    // Global before 2019-02-10: 11 purchases; returns 5 + 17 + 18 + 19 = 8.
    expect(rows.get(20)).toMatchObject({ buyer_prior_purchases: 1, buyer_prior_returns: 2, buyer_days_since_last_purchase: 79 });
    expect(rows.get(20)?.['buyer_return_rate']).toBeCloseTo((2 + 5 * (8 / 11)) / (1 + 5), 12);
    // The first purchase of all has no history at all, so no global rate to smooth toward.
    expect(rows.get(2)).toMatchObject({ buyer_prior_purchases: 0, buyer_return_rate: null, model_return_rate: null, buyer_days_since_last_purchase: null });
  });

  it('computes model, SKU, brand and category rates before the purchase date, smoothed to the global rate', async () => {
    const rows = byLine((await features('2019-03-01')).rows);
    const g = 5 / 7;
    // M1 = S1 before 2019-01-20: purchases 2, 6, 11, 12; returns 3, 7.
    const line16 = rows.get(16);
    expect(line16?.['model_prior_purchases']).toBe(4);
    expect(line16?.['model_return_rate']).toBeCloseTo((2 + 20 * g) / (4 + 20), 12);
    expect(line16?.['sku_return_rate']).toBeCloseTo((2 + 20 * g) / (4 + 20), 12);
    // Brand AAA and category Product P: purchases 2, 5, 6, 8, 11, 12; returns 3, 7, 8.
    expect(line16?.['brand_return_rate']).toBeCloseTo((3 + 20 * g) / (6 + 20), 12);
    expect(line16?.['category_return_rate']).toBeCloseTo((3 + 20 * g) / (6 + 20), 12);
    // M3 and brand DDD were never sold before: their rates are the global rate; the same-day
    // sizes do not count.
    const line13 = rows.get(13);
    expect(line13?.['model_prior_purchases']).toBe(0);
    expect(line13?.['model_return_rate']).toBeCloseTo(g, 12);
    expect(line13?.['brand_return_rate']).toBeCloseTo(g, 12);
    expect(line13?.['category_return_rate']).toBeCloseTo((3 + 20 * g) / (6 + 20), 12);
  });

  it('moves the maturity boundary with the as-of date: a purchase H + 1 days before it is labelled', async () => {
    // 2018-12-05 + 36 days = 2019-01-10: line 6 is exactly on the last mature date, line 8 after it.
    const { rows, summary } = await features('2019-01-10');
    const byNumber = byLine(rows);
    expect(summary.last_mature_date).toBe('2018-12-05');
    expect(byNumber.get(6)).toMatchObject({ label: 1, label_mature: true, split: 'test' });
    expect(byNumber.get(8)).toMatchObject({ label: null, label_mature: false, split: 'unlabelled' });
    expect(rows.map((r) => r['line_number'])).toEqual([2, 4, 5, 6, 8]);
  });

  it('counts a return dated exactly H days after the purchase, and not H + 1', async () => {
    // Line 4 was returned 43 days later.
    expect(byLine((await features('2019-03-01', 43)).rows).get(4)?.['label']).toBe(1);
    expect(byLine((await features('2019-03-01', 42)).rows).get(4)?.['label']).toBe(0);
  });

  it('writes an empty file and a zero summary as of a date before any row', async () => {
    const { rows, summary } = await features('2018-11-10');
    expect(rows).toEqual([]);
    expect(summary).toMatchObject({
      order_rows: 0,
      purchase_lines: 0,
      date_range: { first: null, last: null },
      label_rate: null,
      links: { total: 0, unlinked_returns: 0 },
    });
  });

  it('does not see returns dated on or after the as-of date', async () => {
    // As of 2019-02-05 the returns of 2019-02-05 (lines 18, 19) are not seen yet; H = 10 makes line 13 mature.
    const { rows, summary } = await features('2019-02-05', 10);
    expect(summary.return_rows).toBe(5);
    expect(byLine(rows).get(13)).toMatchObject({ label: 0, label_mature: true });
  });
});
