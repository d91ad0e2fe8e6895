/**
 * The BuildFeatures SQL job, written once for DuckDB and Spark SQL (see portable-sql.ts for the
 * subset). A pure function of the options: the same options give the same statements, byte for
 * byte, whichever engine runs them.
 *
 * The statements create temporary views, in order:
 *   fx_orders          order lines dated before the as-of date; fx_dates gives each distinct
 *                      date its integer day number (computed per date, not per row);
 *   links              each return row linked to at most one purchase line and each purchase
 *                      line to at most one return (linking.ts explains the two passes);
 *   fx_labelled        one row per purchase line: label, label_mature, split;
 *   history            per key and date, the purchase lines and returns dated strictly before;
 *   basket, calendar   per transaction, per model in a transaction, per date;
 *   features           the output: keys, label, label_mature, split, then FEATURE_CATALOGUE;
 *   features_summary   one row of counts for the JSON summary.
 */
import { EARLIEST_ORDER_DATE } from '../orders/row-rules.js';
import { sqlNumber, sqlString } from '../model/sql.js';
import {
  FEATURE_CATALOGUE,
  FEATURE_KEY_COLUMNS,
  FEATURE_LABEL_COLUMNS,
  HISTORY_DAYS_CAP,
  RATE_SMOOTHING,
  VAT_RATE,
  type RateKey,
} from './catalogue.js';
import { checkFeatureOptions, epochDayOf, splitBoundaries, type FeatureOptions } from './feature-options.js';
import { fifoLinkSteps, LINK_CACHED_VIEWS } from './linking.js';
import { sqlDate, sqlEpochDay, sqlInteger, sqlRatio } from './portable-sql.js';
import { saleDatesCovering } from './sales-calendar.js';
import { renderSteps, type SqlStep } from './sql-steps.js';

/** The view name under which the order lines Parquet is read. */
export const ORDER_LINES_INPUT = 'order_lines';
export const FEATURES_TABLE = 'features';
export const FEATURES_SUMMARY_TABLE = 'features_summary';
/** Output order of the features file: by date, then source line, so its bytes are deterministic. */
export const FEATURES_ORDER_BY = 'date, line_number';

/** The job's shape: structurally a SqlJob of src/ports/sql-engine.ts (the domain imports no port). */
export interface FeatureSqlJob {
  readonly inputs: readonly { readonly name: string; readonly location: string; readonly format: 'parquet' }[];
  readonly statements: readonly string[];
  readonly outputs: readonly { readonly table: string; readonly location: string; readonly format: 'parquet'; readonly orderBy?: string }[];
  readonly cache: readonly string[];
}

export interface FeatureJobLocations {
  /** Validated order lines (Parquet, ORDER_LINE_SQL_COLUMNS). */
  readonly orders: string;
  /** Where the features Parquet is written. */
  readonly features: string;
  /** Where the one-row summary table is written (Parquet; read back for the JSON summary). */
  readonly summary: string;
}

/** Columns of the features_summary table; all BIGINT except the two dates (STRING, NULL when no purchase). */
export const SUMMARY_COLUMNS = [
  'order_rows',
  'return_rows',
  'purchase_lines',
  'train_rows',
  'train_positives',
  'validation_rows',
  'validation_positives',
  'test_rows',
  'test_positives',
  'unlabelled_rows',
  'links_key',
  'links_fallback',
  'same_row_returns',
  'first_purchase_date',
  'last_purchase_date',
] as const;

/** The history keys: the column a rate is kept by (the online features and the snapshot read it too). */
export const HISTORY_KEYS: Readonly<Record<RateKey, 'buyer_id' | 'item_id' | 'item_code' | 'item_name' | 'category'>> = {
  buyer: 'buyer_id',
  model: 'item_id',
  sku: 'item_code',
  brand: 'item_name',
  category: 'category',
};

const PURCHASE_KINDS = `('purchase', 'purchase_and_return')`;
const RETURN_KINDS = `('return', 'purchase_and_return')`;

/** One row, `first_day`: the day number of the earliest order line read. */
export const FIRST_ORDER_DAY = '(SELECT MIN(day) AS first_day FROM fx_dates)';

/** fx_orders (order lines dated before the as-of date, with is_purchase / is_return) and fx_dates. */
export function ordersSteps(asOf: string): SqlStep[] {
  return [
    {
      name: 'fx_orders',
      sql: `SELECT line_number, item_name, category, version, item_code, item_id, buyer_id, transaction_id, transaction_id_lossy,
  date, kind, total_revenue, price_reductions, purchased_item_count,
  CASE WHEN kind IN ${PURCHASE_KINDS} THEN 1 ELSE 0 END AS is_purchase,
  CASE WHEN kind IN ${RETURN_KINDS} THEN 1 ELSE 0 END AS is_return
FROM ${ORDER_LINES_INPUT}
WHERE date < ${sqlDate(asOf)}`,
    },
    {
      // Day numbers are computed once per distinct date, not once per row.
      name: 'fx_dates',
      sql: `SELECT date, ${sqlEpochDay('date')} AS day FROM (SELECT DISTINCT date FROM fx_orders) d`,
    },
  ];
}

/**
 * Labels and splits. A same-row return happened on the purchase date; another purchase line's
 * return is its linked return row. Label 1 when that return is dated at most H days after the
 * purchase, NULL while the H days are not all before the as-of date.
 */
function labelledStep(options: FeatureOptions): SqlStep {
  const bounds = splitBoundaries(options);
  const lastMature = sqlDate(bounds.lastMatureDate);
  return {
    name: 'fx_labelled',
    sql: `SELECT t.*,
  CAST(CASE WHEN t.date > ${lastMature} THEN NULL
    WHEN t.return_lag_days IS NOT NULL AND t.return_lag_days <= ${sqlInteger(options.horizonDays)} THEN 1 ELSE 0 END AS INTEGER) AS label,
  t.date <= ${lastMature} AS label_mature,
  CASE WHEN t.date > ${lastMature} THEN 'unlabelled' WHEN t.date >= ${sqlDate(bounds.testFrom)} THEN 'test'
    WHEN t.date >= ${sqlDate(bounds.validationFrom)} THEN 'validation' ELSE 'train' END AS split
FROM (
  SELECT p.*,
    CASE WHEN p.kind = 'purchase_and_return' THEN 0 ELSE l.return_lag_days END AS return_lag_days,
    CASE WHEN p.kind = 'purchase_and_return' THEN 'same_row' ELSE l.method END AS link_method
  FROM fx_orders p
  LEFT JOIN fx_links l ON l.purchase_line = p.line_number
  WHERE p.is_purchase = 1
) t`,
  };
}

/**
 * Per key and date: purchase lines and returns of that date, then running totals over the dates
 * strictly before (one row per key and date, so `1 PRECEDING` excludes the whole date). Only
 * dates with a purchase are kept: those are the rows features look up.
 */
/**
 * `fx_daily_<key>`: per key (column k) and date, the purchase lines and returns of that date.
 * The history features and the serving snapshot (snapshot-sql.ts) both sum these rows.
 */
export function dailyHistoryStep(key: RateKey | 'all'): SqlStep {
  const column = key === 'all' ? undefined : HISTORY_KEYS[key];
  const keyed = column === undefined ? '' : `${column} AS k, `;
  const group = column === undefined ? 'date' : `${column}, date`;
  return {
    name: `fx_daily_${key}`,
    sql: `SELECT ${keyed}date, COUNT(CASE WHEN is_purchase = 1 THEN 1 END) AS purchases, COUNT(CASE WHEN is_return = 1 THEN 1 END) AS returns
FROM fx_orders GROUP BY ${group}`,
  };
}

/** The latest date with a purchase among fx_daily rows (an aggregate; the history adds a window). */
export const LAST_PURCHASE_DATE = 'MAX(CASE WHEN purchases > 0 THEN date END)';

/** The global return rate of a row with prior_returns and prior_purchases: NULL before any purchase. */
export function globalRate(alias: string): string {
  return sqlRatio(`${alias}.prior_returns`, `${alias}.prior_purchases`);
}

function historySteps(key: RateKey | 'all'): SqlStep[] {
  const column = key === 'all' ? undefined : HISTORY_KEYS[key];
  const partition = column === undefined ? '' : 'PARTITION BY k ';
  const before = `OVER (${partition}ORDER BY date ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)`;
  const lastPurchase = key === 'buyer' ? `,\n  ${LAST_PURCHASE_DATE} ${before} AS prior_purchase_date` : '';
  const globalRateColumn = key === 'all' ? `, ${globalRate('t')} AS global_rate` : '';
  // The buyer's latest prior purchase date becomes a day number through fx_dates.
  const lastDay = key === 'buyer' ? ', d.day AS prior_purchase_day' : '';
  const lastDayJoin = key === 'buyer' ? '\nLEFT JOIN fx_dates d ON d.date = t.prior_purchase_date' : '';
  return [
    dailyHistoryStep(key),
    {
      name: `fx_prior_${key}`,
      sql: `SELECT t.*${globalRateColumn}${lastDay} FROM (
SELECT ${column === undefined ? '' : 'k, '}date, purchases,
  CAST(COALESCE(SUM(purchases) ${before}, 0) AS BIGINT) AS prior_purchases,
  CAST(COALESCE(SUM(returns) ${before}, 0) AS BIGINT) AS prior_returns${lastPurchase}
FROM fx_daily_${key}
) t${lastDayJoin}
WHERE t.purchases > 0`,
    },
  ];
}

/**
 * Basket shape in one table, one row per model within a transaction: its sizes, and the
 * transaction's lines and models (window totals over the transaction), so the features join one
 * table rather than two.
 */
function basketSteps(): SqlStep[] {
  const transaction = 'OVER (PARTITION BY buyer_id, transaction_id, date)';
  return [
    {
      name: 'fx_basket',
      sql: `SELECT buyer_id, transaction_id, date, item_id, sizes,
  SUM(lines) ${transaction} AS basket_lines,
  COUNT(*) ${transaction} AS basket_models
FROM (
  SELECT buyer_id, transaction_id, date, item_id, COUNT(*) AS lines, COUNT(DISTINCT item_code) AS sizes
  FROM fx_orders WHERE is_purchase = 1 GROUP BY buyer_id, transaction_id, date, item_id
) m`,
    },
  ];
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function calendarSteps(asOf: string): SqlStep[] {
  const sales = saleDatesCovering(EARLIEST_ORDER_DATE, asOf)
    .map((s) => `SELECT ${sqlString(s.event)} AS event, ${sqlInteger(epochDayOf(s.date))} AS day`)
    .join('\nUNION ALL ');
  const since = (event: string) => `d.day - MAX(CASE WHEN s.event = '${event}' AND s.day <= d.day THEN s.day END)`;
  const to = (event: string) => `MIN(CASE WHEN s.event = '${event}' AND s.day >= d.day THEN s.day END) - d.day`;
  return [
    { name: 'fx_sales', sql: sales },
    {
      // Day 0 (1970-01-01) was a Thursday.
      name: 'fx_calendar',
      sql: `SELECT d.date, d.day,
  LPAD(CAST(MONTH(d.date) AS STRING), 2, '0') AS month,
  CASE (d.day + 3) % 7 ${WEEKDAYS.map((w, i) => `WHEN ${i} THEN '${w}'`).join(' ')} END AS weekday,
  ${since('black_friday')} AS days_since_black_friday,
  ${to('black_friday')} AS days_to_black_friday,
  ${since('boxing_day')} AS days_since_boxing_day,
  ${to('boxing_day')} AS days_to_boxing_day
FROM fx_dates d CROSS JOIN fx_sales s
GROUP BY d.date, d.day`,
    },
  ];
}

/**
 * (returns + m * global) / (purchases + m) over `<alias>.prior_returns`, `<alias>.prior_purchases`
 * and `g.global_rate`: NULL while there is no global rate yet. The serving snapshot uses it too.
 */
export function smoothedRate(alias: string, key: RateKey): string {
  const m = sqlNumber(RATE_SMOOTHING[key]);
  return `(CAST(${alias}.prior_returns AS DOUBLE) + ${m} * g.global_rate) / (CAST(${alias}.prior_purchases AS DOUBLE) + ${m})`;
}

/** Days from the first order day to `day`, capped (the serving snapshot and online features use the same rule). */
export function historyDays(day: string, firstDay: string): string {
  const cap = sqlInteger(HISTORY_DAYS_CAP);
  return `CASE WHEN ${day} - ${firstDay} > ${cap} THEN ${cap} ELSE ${day} - ${firstDay} END`;
}

const versionPart = (n: number) => `NULLIF(TRIM(SPLIT_PART(p.version, ' / ', ${n})), '')`;

/** The SQL expression of each catalogue feature, over the joined aliases of featuresStep (cast by featureExpression). */
const FEATURE_EXPRESSIONS: Readonly<Record<string, string>> = {
  brand: 'p.item_name',
  category: 'p.category',
  model: 'p.item_id',
  version_size: versionPart(1),
  version_fit: versionPart(2),
  version_length: versionPart(3),
  quantity: 'p.purchased_item_count',
  unit_price: `p.total_revenue * ${sqlNumber(1 + VAT_RATE)} / NULLIF(p.purchased_item_count, 0)`,
  // 0 - x rather than -x: no -0.0 for undiscounted lines.
  discount_rate: `(0E0 - p.price_reductions) / NULLIF(p.total_revenue, 0E0)`,
  purchase_month: 'c.month',
  purchase_weekday: 'c.weekday',
  days_since_black_friday: 'c.days_since_black_friday',
  days_to_black_friday: 'c.days_to_black_friday',
  days_since_boxing_day: 'c.days_since_boxing_day',
  days_to_boxing_day: 'c.days_to_boxing_day',
  basket_lines: 'b.basket_lines',
  basket_models: 'b.basket_models',
  bracket_size: 'b.sizes',
  buyer_prior_purchases: 'h_buyer.prior_purchases',
  buyer_prior_returns: 'h_buyer.prior_returns',
  buyer_return_rate: smoothedRate('h_buyer', 'buyer'),
  buyer_days_since_last_purchase: 'c.day - h_buyer.prior_purchase_day',
  model_prior_purchases: 'h_model.prior_purchases',
  model_return_rate: smoothedRate('h_model', 'model'),
  sku_return_rate: smoothedRate('h_sku', 'sku'),
  brand_return_rate: smoothedRate('h_brand', 'brand'),
  category_return_rate: smoothedRate('h_category', 'category'),
  history_days: historyDays('c.day', 'f.first_day'),
};

/** The SELECT expression of a feature, cast to its catalogue type. */
export function featureExpression(name: string): string {
  const definition = FEATURE_CATALOGUE.find((f) => f.name === name);
  const expr = FEATURE_EXPRESSIONS[name];
  if (definition === undefined || expr === undefined) throw new Error(`feature ${name} has no SQL expression`);
  return `CAST(${expr} AS ${definition.kind === 'numeric' ? 'DOUBLE' : 'STRING'})`;
}

function featuresStep(): SqlStep {
  const keys = FEATURE_KEY_COLUMNS.map((c) => `p.${c}`);
  const labels = FEATURE_LABEL_COLUMNS.map((c) => `p.${c}`);
  const features = FEATURE_CATALOGUE.map((f) => `${featureExpression(f.name)} AS ${f.name}`);
  const history = (Object.keys(HISTORY_KEYS) as RateKey[]).map(
    (key) => `LEFT JOIN fx_prior_${key} h_${key} ON h_${key}.k = p.${HISTORY_KEYS[key]} AND h_${key}.date = p.date`,
  );
  return {
    name: FEATURES_TABLE,
    sql: `SELECT ${[...keys, ...labels].join(', ')},
  ${features.join(',\n  ')}
FROM fx_labelled p
LEFT JOIN fx_basket b ON b.buyer_id = p.buyer_id AND b.transaction_id = p.transaction_id AND b.date = p.date AND b.item_id = p.item_id
LEFT JOIN fx_calendar c ON c.date = p.date
LEFT JOIN fx_prior_all g ON g.date = p.date
CROSS JOIN ${FIRST_ORDER_DAY} f
${history.join('\n')}`,
  };
}

function summaryStep(): SqlStep {
  const count = (condition: string) => `COUNT(CASE WHEN ${condition} THEN 1 END)`;
  const perSplit = ['train', 'validation', 'test']
    .map((s) => `${count(`split = '${s}'`)} AS ${s}_rows, ${count(`split = '${s}' AND label = 1`)} AS ${s}_positives`)
    .join(',\n  ');
  return {
    name: FEATURES_SUMMARY_TABLE,
    sql: `SELECT o.order_rows, o.return_rows, l.*
FROM (
  SELECT COUNT(*) AS order_rows, ${count("kind = 'return'")} AS return_rows FROM fx_orders
) o CROSS JOIN (
  SELECT COUNT(*) AS purchase_lines,
  ${perSplit},
  ${count("split = 'unlabelled'")} AS unlabelled_rows,
  ${count("link_method = 'key'")} AS links_key,
  ${count("link_method = 'fallback'")} AS links_fallback,
  ${count("link_method = 'same_row'")} AS same_row_returns,
  CAST(MIN(date) AS STRING) AS first_purchase_date,
  CAST(MAX(date) AS STRING) AS last_purchase_date
  FROM fx_labelled
) l`,
  };
}

/** Every step of the job, in order (exported for tests and for engines that want to inspect them). */
export function featureSteps(options: FeatureOptions): SqlStep[] {
  const checked = checkFeatureOptions(options);
  return [
    ...ordersSteps(checked.asOf),
    ...fifoLinkSteps(),
    labelledStep(checked),
    ...historySteps('all'),
    ...(Object.keys(HISTORY_KEYS) as RateKey[]).flatMap((key) => historySteps(key)),
    ...basketSteps(),
    ...calendarSteps(checked.asOf),
    featuresStep(),
    summaryStep(),
  ];
}

/**
 * The BuildFeatures job: read the order lines, write the features (ordered by FEATURES_ORDER_BY)
 * and the one-row summary table.
 */
export function featureSqlJob(options: FeatureOptions, locations: FeatureJobLocations): FeatureSqlJob {
  return {
    inputs: [{ name: ORDER_LINES_INPUT, location: locations.orders, format: 'parquet' }],
    statements: renderSteps(featureSteps(options)),
    outputs: [
      { table: FEATURES_TABLE, location: locations.features, format: 'parquet', orderBy: FEATURES_ORDER_BY },
      { table: FEATURES_SUMMARY_TABLE, location: locations.summary, format: 'parquet' },
    ],
    // Small views read by several steps; each is computed once where the engine supports it.
    cache: ['fx_dates', ...LINK_CACHED_VIEWS],
  };
}
