/**
 * The serving snapshot job: from the validated order lines dated before D, the history of every
 * key as of D, for the REST API's history features (online-features.ts). Written in the same
 * portable SQL as feature-sql.ts and built from its own steps and expressions (fx_orders,
 * fx_daily_<key>, the global rate, the smoothed rates), so a purchase dated D scored with the
 * snapshot gets exactly the history features BuildFeatures(D + 1) writes for it.
 *
 * One table, one row per key plus fallbacks:
 *   entity             'all', 'buyer', 'model', 'sku', 'brand' or 'category'
 *   key                the key's value (Buyer ID, Item ID, Item Code, Item Name, Category);
 *                      NULL on the 'all' row and on each entity's fallback row
 *   prior_purchases    purchase lines dated before D          (BIGINT)
 *   prior_returns      returns that happened before D         (BIGINT)
 *   return_rate        the smoothed rate ('all': the global rate; NULL when there is none)
 *   last_purchase_day  buyers: day number of the latest purchase line before D (else NULL)
 *   first_order_day    'all': day number of the earliest order line before D (else NULL)
 *   as_of              D, YYYY-MM-DD
 * A fallback row (key NULL) is what a key absent from the snapshot gets: zero counts and the rate
 * smoothed from zero counts, the feature SQL's value for a key on its first purchase day.
 */
import { sqlString } from '../model/sql.js';
import type { RateKey } from './catalogue.js';
import { checkFeatureOptions } from './feature-options.js';
import { dailyHistoryStep, FIRST_ORDER_DAY, globalRate, LAST_PURCHASE_DATE, ORDER_LINES_INPUT, ordersSteps, smoothedRate, type FeatureSqlJob } from './feature-sql.js';
import { EMPTY_SNAPSHOT, RATE_KEYS, type HistorySnapshot, type KeyHistory } from './online-features.js';
import { renderSteps, type SqlStep } from './sql-steps.js';

export const SNAPSHOT_TABLE = 'history_snapshot';
export const SNAPSHOT_ORDER_BY = 'entity, key';

function totalsSteps(): SqlStep[] {
  return [
    {
      name: 'sn_all',
      sql: `SELECT t.prior_purchases, t.prior_returns, ${globalRate('t')} AS global_rate FROM (
SELECT CAST(COALESCE(SUM(purchases), 0) AS BIGINT) AS prior_purchases, CAST(COALESCE(SUM(returns), 0) AS BIGINT) AS prior_returns
FROM fx_daily_all
) t`,
    },
    ...RATE_KEYS.map(
      (key): SqlStep => ({
        name: `sn_${key}`,
        sql: `SELECT k, CAST(SUM(purchases) AS BIGINT) AS prior_purchases, CAST(SUM(returns) AS BIGINT) AS prior_returns,
  ${LAST_PURCHASE_DATE} AS last_purchase_date
FROM fx_daily_${key} GROUP BY k`,
      }),
    ),
  ];
}

function snapshotStep(asOf: string): SqlStep {
  const asOfColumn = `${sqlString(asOf)} AS as_of`;
  const all = `SELECT 'all' AS entity, CAST(NULL AS STRING) AS key, g.prior_purchases, g.prior_returns, CAST(g.global_rate AS DOUBLE) AS return_rate,
  CAST(NULL AS INTEGER) AS last_purchase_day, CAST(f.first_day AS INTEGER) AS first_order_day, ${asOfColumn}
FROM sn_all g CROSS JOIN ${FIRST_ORDER_DAY} f`;
  const keyed = RATE_KEYS.map((key) => {
    const lastDay = key === 'buyer' ? 'd.day' : 'CAST(NULL AS INTEGER)';
    const join = key === 'buyer' ? '\nLEFT JOIN fx_dates d ON d.date = s.last_purchase_date' : '';
    return `SELECT '${key}' AS entity, CAST(s.k AS STRING) AS key, s.prior_purchases, s.prior_returns, CAST(${smoothedRate('s', key)} AS DOUBLE) AS return_rate,
  ${lastDay} AS last_purchase_day, CAST(NULL AS INTEGER) AS first_order_day, ${asOfColumn}
FROM sn_${key} s CROSS JOIN sn_all g${join}`;
  });
  const fallbacks = RATE_KEYS.map(
    (key) => `SELECT '${key}' AS entity, CAST(NULL AS STRING) AS key, z.prior_purchases, z.prior_returns, CAST(${smoothedRate('z', key)} AS DOUBLE) AS return_rate,
  CAST(NULL AS INTEGER) AS last_purchase_day, CAST(NULL AS INTEGER) AS first_order_day, ${asOfColumn}
FROM (SELECT CAST(0 AS BIGINT) AS prior_purchases, CAST(0 AS BIGINT) AS prior_returns) z CROSS JOIN sn_all g`,
  );
  return { name: SNAPSHOT_TABLE, sql: [all, ...keyed, ...fallbacks].join('\nUNION ALL\n') };
}

/** Every step of the snapshot job, in order. */
export function snapshotSteps(asOf: string): SqlStep[] {
  // The same check BuildFeatures applies to its date (the other options do not matter here).
  const { asOf: checked } = checkFeatureOptions({ asOf, horizonDays: 1, split: { testDays: 0, validationDays: 0 } });
  return [...ordersSteps(checked), dailyHistoryStep('all'), ...RATE_KEYS.map((key) => dailyHistoryStep(key)), ...totalsSteps(), snapshotStep(checked)];
}

/** The snapshot job: reads the validated order lines, writes the snapshot Parquet. */
export function snapshotSqlJob(asOf: string, locations: { readonly orders: string; readonly snapshot: string }): FeatureSqlJob {
  return {
    inputs: [{ name: ORDER_LINES_INPUT, location: locations.orders, format: 'parquet' }],
    statements: renderSteps(snapshotSteps(asOf)),
    outputs: [{ table: SNAPSHOT_TABLE, location: locations.snapshot, format: 'parquet', orderBy: SNAPSHOT_ORDER_BY }],
    cache: ['fx_dates', 'sn_all'],
  };
}

/** The snapshot table read back column by column (numbers as doubles, NaN = NULL). */
export interface SnapshotColumns {
  readonly rows: number;
  readonly entity: readonly (string | null)[];
  readonly key: readonly (string | null)[];
  readonly asOf: readonly (string | null)[];
  readonly priorPurchases: Float64Array;
  readonly priorReturns: Float64Array;
  readonly returnRate: Float64Array;
  readonly lastPurchaseDay: Float64Array;
  readonly firstOrderDay: Float64Array;
}

export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotFormatError';
  }
}

const nullable = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** The in-memory snapshot (maps by key) from the table's columns; `where` names it in errors. */
export function historySnapshotFrom(columns: SnapshotColumns, where: string): HistorySnapshot {
  const keys = Object.fromEntries(RATE_KEYS.map((k) => [k, new Map<string, KeyHistory>()])) as Record<RateKey, Map<string, KeyHistory>>;
  const unseen: Partial<Record<RateKey, KeyHistory>> = {};
  let globalRate: number | null | undefined;
  let firstOrderDay: number | null = null;
  let asOf: string | undefined;
  for (let i = 0; i < columns.rows; i++) {
    const entity = columns.entity[i];
    const rowAsOf = columns.asOf[i];
    if (rowAsOf === null || rowAsOf === undefined || (asOf !== undefined && rowAsOf !== asOf)) {
      throw new SnapshotFormatError(`${where}: row ${i + 1} has as_of ${JSON.stringify(rowAsOf)}; a snapshot has one as-of date`);
    }
    asOf = rowAsOf;
    const history: KeyHistory = {
      priorPurchases: columns.priorPurchases[i] as number,
      priorReturns: columns.priorReturns[i] as number,
      returnRate: nullable(columns.returnRate[i] as number),
      lastPurchaseDay: nullable(columns.lastPurchaseDay[i] as number),
    };
    const key = columns.key[i] ?? null;
    if (entity === 'all') {
      globalRate = history.returnRate;
      firstOrderDay = nullable(columns.firstOrderDay[i] as number);
    } else if (entity !== null && entity !== undefined && (RATE_KEYS as readonly string[]).includes(entity)) {
      if (key === null) unseen[entity as RateKey] = history;
      else keys[entity as RateKey].set(key, history);
    } else {
      throw new SnapshotFormatError(`${where}: row ${i + 1} has an unknown entity ${JSON.stringify(entity)}`);
    }
  }
  if (columns.rows === 0) return EMPTY_SNAPSHOT;
  const missing = RATE_KEYS.filter((k) => unseen[k] === undefined);
  if (globalRate === undefined || missing.length > 0) {
    throw new SnapshotFormatError(`${where} lacks the ${globalRate === undefined ? "'all' row" : `fallback rows of ${missing.join(', ')}`}; rebuild it`);
  }
  return { asOf: asOf ?? null, globalRate, firstOrderDay, keys, unseen: unseen as Record<RateKey, KeyHistory> };
}
