/**
 * Point-in-time correctness, as a property over generated data: take a purchase dated d, change
 * or delete rows dated on or after d (and add new ones), rebuild, and every purchase dated d or
 * earlier must keep exactly the same features. Only the labels may move.
 *
 * What may change on day d itself: return rows, and the outcome columns of purchase lines
 * (refunds, counts, kind). Purchase lines of day d keep their keys and prices and stay in their
 * transaction: the basket of a purchase is part of the purchase, not of its future.
 * Mutations deliberately aim at the chosen purchase: moved rows take its buyer, its SKU, its
 * model, brand and category, so any leak into its history would show.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { generateOrdersCsv } from '../../../src/application/generate-orders.js';
import { FEATURE_KEY_COLUMNS, FEATURE_NAMES, OUTCOME_COLUMNS } from '../../../src/domain/features/catalogue.js';
import { ORDER_LINES_INPUT } from '../../../src/domain/features/feature-sql.js';
import { ORDER_LINE_FIELDS } from '../../../src/domain/orders/order-line.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { build, byLine, parquetRows, validatedParquet } from './helpers.js';

const engine = new DuckDbEngine();
const AS_OF = '2019-05-01';
/** What must not move: keys, split and every feature. */
const COMPARED = [...FEATURE_KEY_COLUMNS, 'split', ...FEATURE_NAMES];
let work: string;
let orders: string;
let base: Record<string, unknown>[];

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * The orders with rows dated on or after `cutoff` mutated around `target` (a purchase row):
 * later rows deleted, moved later, or rewritten to hit the target's keys; rows added on the
 * cutoff day and after; on the cutoff day, returns deleted or rewritten and purchase lines'
 * outcome columns flipped.
 */
function mutationSql(cutoff: string, target: Record<string, unknown>, seed: number): string {
  const d = `DATE ${quote(cutoff)}`;
  const r = `(hash(line_number, ${seed}) % 1000)`;
  const later = `date > ${d}`;
  const sameDay = `date = ${d}`;
  const aimed = (column: string) =>
    `CASE WHEN ((${later}) OR (${sameDay} AND kind = 'return')) AND ${r} % 3 = 0 THEN ${quote(String(target[column]))} ELSE ${column} END`;
  const flipKind = `CASE WHEN kind = 'purchase' THEN 'purchase_and_return' WHEN kind = 'purchase_and_return' THEN 'purchase' ELSE kind END`;
  const outcome = (column: string, value: string) => `CASE WHEN date >= ${d} AND kind <> 'return' AND ${r} % 2 = 0 THEN ${value} ELSE ${column} END`;
  const projected = ORDER_LINE_FIELDS.map((field) => {
    switch (field) {
      case 'buyer_id':
      case 'item_code':
      case 'item_id':
      case 'item_name':
      case 'category':
        return `${aimed(field)} AS ${field}`;
      case 'date':
        return `CASE WHEN ${later} AND ${r} % 7 = 1 THEN date + CAST(${r} % 20 AS INTEGER) ELSE date END AS date`;
      case 'total_revenue':
        return `CASE WHEN ${later} AND kind <> 'return' AND ${r} % 5 = 2 THEN total_revenue * 3 ELSE total_revenue END AS total_revenue`;
      case 'kind':
        return `${outcome('kind', flipKind)} AS kind`;
      case 'refunds':
        return `${outcome('refunds', '-total_revenue')} AS refunds`;
      case 'refunded_item_count':
        return `${outcome('refunded_item_count', '-1')} AS refunded_item_count`;
      case 'final_quantity':
      case 'final_revenue':
      case 'overall_revenue':
      case 'sales_tax':
        return `${outcome(field, '0')} AS ${field}`;
      default:
        return field;
    }
  });
  const added = ORDER_LINE_FIELDS.map((field) => {
    switch (field) {
      case 'line_number':
        return 'line_number + 10000000 AS line_number';
      case 'buyer_id':
      case 'item_code':
      case 'item_id':
        return `${quote(String(target[field]))} AS ${field}`;
      case 'transaction_id':
        return `'99999999' AS transaction_id`; // a transaction of its own: not the target's basket
      case 'date':
        return `${d} + CAST(${r} % 3 AS INTEGER) AS date`;
      default:
        return field;
    }
  });
  return `CREATE OR REPLACE TEMP VIEW mutated AS
SELECT ${projected.join(', ')} FROM ${ORDER_LINES_INPUT}
WHERE NOT (${later} AND ${r} < 250) AND NOT (${sameDay} AND kind = 'return' AND ${r} < 500)
UNION ALL
SELECT ${added.join(', ')} FROM ${ORDER_LINES_INPUT} WHERE date >= ${d} AND ${r} >= 900`;
}

async function mutatedFeatures(cutoff: string, target: Record<string, unknown>, seed: number, name: string) {
  const file = path.join(work, `${name}.orders.parquet`);
  await engine.runJob({
    inputs: [{ name: ORDER_LINES_INPUT, location: orders, format: 'parquet' }],
    statements: [mutationSql(cutoff, target, seed)],
    outputs: [{ table: 'mutated', location: file, format: 'parquet', orderBy: 'line_number' }],
  });
  const built = await build(engine, file, path.join(work, `${name}.features.parquet`), { asOf: AS_OF });
  return byLine(await parquetRows(engine, built.parquet));
}

/** Lines dated on or before `cutoff` whose compared columns differ (or that vanished). */
function changedUpTo(cutoff: string, after: Map<number, Record<string, unknown>>): number[] {
  const changed: number[] = [];
  for (const row of base) {
    if ((row['date'] as string) > cutoff) continue;
    const other = after.get(row['line_number'] as number);
    if (other === undefined || COMPARED.some((c) => !Object.is(row[c], other[c]))) changed.push(row['line_number'] as number);
  }
  return changed;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'features-leakage-'));
  orders = await validatedParquet(engine, generateOrdersCsv({ rows: 3000, seed: 31 }), path.join(work, 'orders'), AS_OF);
  base = await parquetRows(engine, (await build(engine, orders, path.join(work, 'base.parquet'), { asOf: AS_OF })).parquet);
}, 120_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('point-in-time features', () => {
  it(
    'do not change when rows dated on or after the purchase date change, vanish or appear',
    async () => {
      const random = Rng.fromSeed(99);
      // Purchases with some history behind them and some future ahead.
      const candidates = base.filter((r) => (r['date'] as string) >= '2018-11-20' && (r['date'] as string) <= '2019-04-10');
      for (let i = 0; i < 8; i++) {
        const target = random.pick(candidates) as Record<string, unknown>;
        const cutoff = target['date'] as string;
        const after = await mutatedFeatures(cutoff, target, i + 1, `case-${i}`);
        expect({ cutoff, changed: changedUpTo(cutoff, after) }).toEqual({ cutoff, changed: [] });
        // The mutation did reach the target's future: its label inputs or later rows differ.
        const laterRows = base.filter((r) => (r['date'] as string) > cutoff);
        expect(laterRows.some((r) => COMPARED.some((c) => !Object.is(r[c], after.get(r['line_number'] as number)?.[c])))).toBe(true);
      }
    },
    240_000,
  );

  it('would notice a leak: the same mutation started a week earlier changes earlier features', async () => {
    const target = base.find((r) => r['date'] === '2019-02-14') as Record<string, unknown>;
    expect(target).toBeDefined();
    const after = await mutatedFeatures('2019-02-07', target, 5, 'control');
    expect(changedUpTo('2019-02-14', after).length).toBeGreaterThan(10);
  }, 120_000);

  it('keeps label fields and outcome columns out of the output features', async () => {
    const columns = Object.keys(base[0] ?? {});
    const featureColumns = columns.slice(columns.indexOf('split') + 1);
    expect(featureColumns).toEqual(FEATURE_NAMES);
    for (const forbidden of [...OUTCOME_COLUMNS, 'label', 'label_mature', 'split', 'return_lag_days', 'link_method']) {
      expect(featureColumns).not.toContain(forbidden);
    }
    expect(columns.filter((c) => (OUTCOME_COLUMNS as readonly string[]).includes(c))).toEqual([]);
  });
});
