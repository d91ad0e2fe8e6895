/**
 * The online features on hand-checked values (the embedded parity test compares them with
 * DuckDB on whole datasets), and the snapshot SQL's shape and reader.
 */
import { FEATURE_NAMES, RATE_SMOOTHING } from '../../../src/domain/features/catalogue.js';
import {
  basketFeatures,
  calendarFeatures,
  EMPTY_SNAPSHOT,
  historyFeatures,
  lineFeatures,
  onlineFeatures,
  versionPart,
  type HistorySnapshot,
  type KeyHistory,
  type ScoringLine,
} from '../../../src/domain/features/online-features.js';
import { PORTABLE_FUNCTIONS } from '../../../src/domain/features/portable-sql.js';
import { historySnapshotFrom, SNAPSHOT_TABLE, snapshotSqlJob, type SnapshotColumns } from '../../../src/domain/features/snapshot-sql.js';

const LINE: ScoringLine = {
  item_name: 'QID',
  category: 'Product H',
  version: '32 / B / 30',
  item_code: 'SKU-1',
  item_id: '46567054',
  buyer_id: '3301861',
  transaction_id: '5.36356E+13',
  date: '2019-04-14',
  total_revenue: 74.17,
  price_reductions: -10,
  purchased_item_count: 2,
};

describe('line and calendar features', () => {
  it('splits Version on " / " and keeps missing parts missing', () => {
    expect([1, 2, 3].map((n) => versionPart('M / Sl / Re', n as 1 | 2 | 3))).toEqual(['M', 'Sl', 'Re']);
    expect([1, 2, 3].map((n) => versionPart('XL', n as 1 | 2 | 3))).toEqual(['XL', null, null]);
    expect(versionPart('34 /  B / 30', 2)).toBe('B');
    expect([1, 2, 3].map((n) => versionPart(' / B / ', n as 1 | 2 | 3))).toEqual([null, 'B', null]);
    // As SPLIT_PART: the first " / " takes the space the second one needed.
    expect(versionPart('34 / / 30', 2)).toBe('/ 30');
  });

  it('prices include VAT per item; the discount is a share of the revenue', () => {
    expect(lineFeatures(LINE)).toEqual({
      brand: 'QID',
      category: 'Product H',
      model: '46567054',
      version_size: '32',
      version_fit: 'B',
      version_length: '30',
      quantity: 2,
      unit_price: (74.17 * 1.2) / 2,
      discount_rate: 10 / 74.17,
    });
    expect(lineFeatures({ ...LINE, total_revenue: 0, price_reductions: 0 }).discount_rate).toBeNull();
    expect(Object.is(lineFeatures({ ...LINE, price_reductions: 0 }).discount_rate, 0)).toBe(true);
  });

  it('measures days to and from Black Friday and Boxing Day', () => {
    // Black Friday 2018 was 23 November, 2017 24 November, 2019 29 November.
    expect(calendarFeatures('2018-11-23')).toEqual({
      purchase_month: '11',
      purchase_weekday: 'Fri',
      days_since_black_friday: 0,
      days_to_black_friday: 0,
      days_since_boxing_day: 332,
      days_to_boxing_day: 33,
    });
    expect(calendarFeatures('2018-11-22')).toMatchObject({ purchase_weekday: 'Thu', days_since_black_friday: 363, days_to_black_friday: 1 });
    expect(calendarFeatures('2018-12-27')).toMatchObject({ days_since_boxing_day: 1, days_to_boxing_day: 364, days_to_black_friday: 337 });
    expect(calendarFeatures('2019-01-06').purchase_weekday).toBe('Sun');
  });
});

describe('basket features', () => {
  it('counts the lines, models and sizes of each transaction in the request', () => {
    const t = (over: Partial<ScoringLine>): ScoringLine => ({ ...LINE, ...over });
    const lines = [
      t({ item_code: 'A-32' }),
      t({ item_code: 'A-34' }),
      t({ item_id: '2', item_code: 'B' }),
      t({ transaction_id: 'other', item_code: 'A-32' }),
      t({ date: '2019-04-15', item_code: 'A-32' }),
    ];
    expect(basketFeatures(lines)).toEqual([
      { basket_lines: 3, basket_models: 2, bracket_size: 2 },
      { basket_lines: 3, basket_models: 2, bracket_size: 2 },
      { basket_lines: 3, basket_models: 2, bracket_size: 1 },
      { basket_lines: 1, basket_models: 1, bracket_size: 1 },
      { basket_lines: 1, basket_models: 1, bracket_size: 1 },
    ]);
  });
});

describe('history features', () => {
  const h = (priorPurchases: number, priorReturns: number, returnRate: number | null, lastPurchaseDay: number | null = null): KeyHistory => ({ priorPurchases, priorReturns, returnRate, lastPurchaseDay });
  const snapshot: HistorySnapshot = {
    asOf: '2019-04-14',
    globalRate: 0.25,
    firstOrderDay: 17_970,
    keys: {
      buyer: new Map([['3301861', h(4, 1, 0.3, 17_900)]]),
      model: new Map([['46567054', h(40, 10, 0.26)]]),
      sku: new Map(),
      brand: new Map([['QID', h(100, 20, 0.22)]]),
      category: new Map([['Product H', h(500, 150, 0.29)]]),
    },
    unseen: { buyer: h(0, 0, 0.25), model: h(0, 0, 0.25), sku: h(0, 0, 0.2500000001), brand: h(0, 0, 0.25), category: h(0, 0, 0.25) },
  };

  it('reads known keys and falls back for unseen ones', () => {
    expect(historyFeatures(LINE, snapshot)).toEqual({
      features: {
        buyer_prior_purchases: 4,
        buyer_prior_returns: 1,
        buyer_return_rate: 0.3,
        buyer_days_since_last_purchase: 18_000 - 17_900, // 2019-04-14 is day 18000
        model_prior_purchases: 40,
        model_return_rate: 0.26,
        sku_return_rate: 0.2500000001,
        brand_return_rate: 0.22,
        category_return_rate: 0.29,
        history_days: 30, // day 18000 - day 17970
      },
      unseen: ['sku'],
    });
    const stranger = historyFeatures({ ...LINE, buyer_id: '1' }, snapshot);
    expect(stranger.unseen).toEqual(['buyer', 'sku']);
    expect(stranger.features).toMatchObject({ buyer_prior_purchases: 0, buyer_prior_returns: 0, buyer_return_rate: 0.25, buyer_days_since_last_purchase: null });
  });

  it('gives every catalogue feature, history missing with the empty snapshot', () => {
    const [f] = onlineFeatures([LINE], EMPTY_SNAPSHOT);
    expect(Object.keys(f!.values).sort()).toEqual([...FEATURE_NAMES].sort());
    expect(f!.values).toMatchObject({ buyer_prior_purchases: 0, buyer_return_rate: null, category_return_rate: null, basket_lines: 1 });
    expect(f!.unseen).toEqual(['buyer', 'model', 'sku', 'brand', 'category']);
  });
});

describe('snapshot SQL', () => {
  const job = snapshotSqlJob('2019-05-01', { orders: '/in/orders.parquet', snapshot: '/out/snapshot.parquet' });
  const sql = job.statements.join('\n');
  const KEYWORDS = new Set(['AS', 'AND', 'CASE', 'FROM', 'IN', 'JOIN', 'NOT', 'OR', 'OVER', 'THEN', 'ELSE', 'WHEN', 'SELECT']);

  it('reads the orders and writes one ordered table', () => {
    expect(job.inputs).toEqual([{ name: 'order_lines', location: '/in/orders.parquet', format: 'parquet' }]);
    expect(job.outputs).toEqual([{ table: SNAPSHOT_TABLE, location: '/out/snapshot.parquet', format: 'parquet', orderBy: 'entity, key' }]);
    expect(sql).toContain("WHERE date < DATE '2019-05-01'");
  });

  it('uses the smoothing constants of the history features and only portable functions', () => {
    for (const m of Object.values(RATE_SMOOTHING)) expect(sql).toContain(`+ ${m}E0`);
    const calls = new Set([...sql.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => (m[1] as string).toUpperCase()));
    const unknown = [...calls].filter((name) => !(PORTABLE_FUNCTIONS as readonly string[]).includes(name) && !KEYWORDS.has(name));
    expect(unknown).toEqual([]);
    expect(sql).not.toMatch(/::|datediff|date_diff|\bINTERVAL\b/i);
  });

  it('refuses a bad date', () => {
    expect(() => snapshotSqlJob('2019-02-30', { orders: 'a', snapshot: 'b' })).toThrow(/asOf must be a date/);
  });
});

describe('reading a snapshot table', () => {
  const columns = (rows: [string, string | null, number, number, number, number][], asOf = '2019-05-01'): SnapshotColumns => ({
    rows: rows.length,
    entity: rows.map((r) => r[0]),
    key: rows.map((r) => r[1]),
    asOf: rows.map(() => asOf),
    priorPurchases: Float64Array.from(rows.map((r) => r[2])),
    priorReturns: Float64Array.from(rows.map((r) => r[3])),
    returnRate: Float64Array.from(rows.map((r) => r[4])),
    lastPurchaseDay: Float64Array.from(rows.map((r) => r[5])),
    firstOrderDay: Float64Array.from(rows.map((r) => (r[0] === 'all' ? 17_900 : NaN))),
  });
  const fallbacks = (['buyer', 'model', 'sku', 'brand', 'category'] as const).map((k): [string, null, number, number, number, number] => [k, null, 0, 0, 0.2, NaN]);

  it('builds maps by key, with the fallbacks and the global rate', () => {
    const s = historySnapshotFrom(columns([['all', null, 10, 2, 0.2, NaN], ['buyer', '7', 3, 1, 0.25, 17_990], ...fallbacks]), 'x');
    expect(s.asOf).toBe('2019-05-01');
    expect(s.globalRate).toBe(0.2);
    expect(s.firstOrderDay).toBe(17_900);
    expect(s.keys.buyer.get('7')).toEqual({ priorPurchases: 3, priorReturns: 1, returnRate: 0.25, lastPurchaseDay: 17_990 });
    expect(s.unseen.sku).toEqual({ priorPurchases: 0, priorReturns: 0, returnRate: 0.2, lastPurchaseDay: null });
  });

  it('refuses a table without its fallback rows or with an unknown entity', () => {
    expect(() => historySnapshotFrom(columns([['all', null, 10, 2, 0.2, NaN]]), 'snap.parquet')).toThrow(/snap.parquet lacks the fallback rows of buyer, sku, model, brand, category/);
    expect(() => historySnapshotFrom(columns([['shop', 'x', 1, 0, 0, NaN]]), 'snap.parquet')).toThrow(/unknown entity "shop"/);
  });
});
