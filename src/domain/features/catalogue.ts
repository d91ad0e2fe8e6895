/**
 * The feature catalogue: every feature BuildFeatures writes, as data. The feature SQL, the
 * report and the model artifact all read this list, so a feature exists exactly when it is here.
 *
 * Every feature is known on the morning of the purchase date:
 *   line      columns of the purchase line itself that describe the product and its price;
 *   calendar  the purchase date alone;
 *   basket    the other lines of the same transaction (same buyer, transaction key and date);
 *   history   events of other lines dated strictly before the purchase date (a return happened on
 *             the date of its return row; a same-row return on its purchase date).
 * No feature reads an outcome column of its own line (OUTCOME_COLUMNS), and no history feature
 * reads links between returns and purchases (those exist only for labels).
 */
import type { OrderLineField } from '../orders/order-line.js';

export type FeatureKind = 'numeric' | 'categorical';
export type FeatureScope = 'line' | 'calendar' | 'basket' | 'history';

export interface FeatureDefinition {
  /** The output column name. */
  readonly name: string;
  /** numeric: a DOUBLE column (NULL = missing); categorical: a STRING column (NULL = missing). */
  readonly kind: FeatureKind;
  readonly scope: FeatureScope;
  /** One line: what the value means. */
  readonly meaning: string;
  /** Columns of the purchase line itself that the value is computed from. */
  readonly lineColumns: readonly OrderLineField[];
}

/**
 * Columns that record what happened to the line after the sale (refunds, net amounts, and the
 * kind derived from them: 'purchase_and_return' is a returned line). They encode the label, so
 * they are never read for a feature of the same line.
 */
export const OUTCOME_COLUMNS = [
  'refunds',
  'refunded_item_count',
  'final_quantity',
  'final_revenue',
  'overall_revenue',
  'sales_tax',
  'kind',
] as const satisfies readonly OrderLineField[];

/** Standard UK VAT rate: Total Revenue is net of VAT, prices shown to buyers include it. */
export const VAT_RATE = 0.2;

/**
 * Pseudo-counts of the smoothed return rates: (returns + m * global rate) / (purchases + m).
 * A key with m prior purchase lines is trusted half way between its own rate and the global one.
 */
export const RATE_SMOOTHING = {
  buyer: 5,
  sku: 20,
  model: 20,
  brand: 20,
  category: 20,
} as const;

export type RateKey = keyof typeof RATE_SMOOTHING;

/**
 * history_days stops counting here: past two months a buyer with no prior purchase is a new buyer,
 * not a buyer the data has not reached yet, and a cap keeps scored days (always later than every
 * training day) inside the range the model was fitted on.
 */
export const HISTORY_DAYS_CAP = 60;

/** The seasonal sales the calendar features measure distances to (see sales-calendar.ts). */
export const SALE_EVENTS = {
  black_friday: 'Black Friday: the day after the fourth Thursday of November (Black Friday to Cyber Monday sale)',
  boxing_day: 'Boxing Day, 26 December: the start of the UK winter sale',
} as const;

export type SaleEvent = keyof typeof SALE_EVENTS;

function line(name: string, kind: FeatureKind, meaning: string, lineColumns: readonly OrderLineField[]): FeatureDefinition {
  return { name, kind, scope: 'line', meaning, lineColumns };
}

function calendar(name: string, kind: FeatureKind, meaning: string): FeatureDefinition {
  return { name, kind, scope: 'calendar', meaning, lineColumns: ['date'] };
}

function basket(name: string, meaning: string, lineColumns: readonly OrderLineField[]): FeatureDefinition {
  return { name, kind: 'numeric', scope: 'basket', meaning, lineColumns };
}

function history(name: string, meaning: string, lineColumns: readonly OrderLineField[]): FeatureDefinition {
  return { name, kind: 'numeric', scope: 'history', meaning, lineColumns: [...lineColumns, 'date'] };
}

/** A smoothed return rate: `<key>_return_rate`, NULL before the first day with any purchase. */
function rate(key: RateKey, meaning: string, lineColumns: readonly OrderLineField[]): FeatureDefinition {
  return history(`${key}_return_rate`, `${meaning}, smoothed toward the global rate (m = ${RATE_SMOOTHING[key]})`, lineColumns);
}

/** The features, in output column order. */
export const FEATURE_CATALOGUE: readonly FeatureDefinition[] = [
  line('brand', 'categorical', 'brand code (Item Name)', ['item_name']),
  line('category', 'categorical', 'product category (Category)', ['category']),
  line('model', 'categorical', 'product model (Item ID); lossy IDs keep their scientific-notation text', ['item_id']),
  line('version_size', 'categorical', 'size: 1st part of Version split on " / " (waist "32", letter "M", number "34")', ['version']),
  line('version_fit', 'categorical', 'fit or cut: 2nd part of Version (fit letter "A"/"B"/"C", cut "Sl"/"St")', ['version']),
  line('version_length', 'categorical', 'leg length: 3rd part of Version (inches "30", "FtO", or "Re"/"Sh"/"Lo")', ['version']),
  line('quantity', 'numeric', 'items bought on the line (Purchased Item Count)', ['purchased_item_count']),
  line('unit_price', 'numeric', 'list price of one item, VAT included: Total Revenue * 1.2 / Purchased Item Count', [
    'total_revenue',
    'purchased_item_count',
  ]),
  line('discount_rate', 'numeric', 'share of the list price taken off: -Price Reductions / Total Revenue (NULL when Total Revenue is 0)', [
    'price_reductions',
    'total_revenue',
  ]),
  calendar('purchase_month', 'categorical', 'month of the purchase date, "01" to "12"'),
  calendar('purchase_weekday', 'categorical', 'day of the week of the purchase date, "Mon" to "Sun"'),
  calendar('days_since_black_friday', 'numeric', 'days from the latest Black Friday on or before the purchase date (0 on the day)'),
  calendar('days_to_black_friday', 'numeric', 'days until the next Black Friday on or after the purchase date (0 on the day)'),
  calendar('days_since_boxing_day', 'numeric', 'days from the latest Boxing Day (26 Dec, winter sale start) on or before the purchase date'),
  calendar('days_to_boxing_day', 'numeric', 'days until the next Boxing Day (26 Dec) on or after the purchase date'),
  basket('basket_lines', 'purchase lines in the transaction (same buyer, transaction key and date), this one included', [
    'buyer_id',
    'transaction_id',
    'date',
  ]),
  basket('basket_models', 'distinct models (Item ID) among the purchase lines of the transaction', ['buyer_id', 'transaction_id', 'date']),
  basket('bracket_size', "distinct sizes (Item Code) of this line's model in the transaction; 2 or more = bracketing", [
    'buyer_id',
    'transaction_id',
    'date',
    'item_id',
  ]),
  history('buyer_prior_purchases', 'purchase lines of the buyer dated before the purchase date', ['buyer_id']),
  history('buyer_prior_returns', 'returns by the buyer that happened before the purchase date', ['buyer_id']),
  rate('buyer', "buyer's prior returns / prior purchase lines", ['buyer_id']),
  history('buyer_days_since_last_purchase', "days since the buyer's latest purchase line dated before the purchase date (NULL if none)", [
    'buyer_id',
  ]),
  history('model_prior_purchases', 'purchase lines of the model (Item ID) dated before the purchase date', ['item_id']),
  rate('model', "model's (Item ID) return rate observed before the purchase date", ['item_id']),
  rate('sku', "SKU's (Item Code) return rate observed before the purchase date", ['item_code']),
  rate('brand', "brand's (Item Name) return rate observed before the purchase date", ['item_name']),
  rate('category', "category's return rate observed before the purchase date", ['category']),
  history(
    'history_days',
    `days of order data before the purchase date (0 on the first day of the data), at most ${HISTORY_DAYS_CAP}: tells a new buyer from one the data has not reached yet`,
    [],
  ),
];

export const FEATURE_NAMES: readonly string[] = FEATURE_CATALOGUE.map((f) => f.name);

/** Name and kind of each feature: the shape a model records about its inputs. */
export function featureSpecs(): { name: string; kind: FeatureKind }[] {
  return FEATURE_CATALOGUE.map(({ name, kind }) => ({ name, kind }));
}

/** The key columns written before the label and the features, in output order. */
export const FEATURE_KEY_COLUMNS = ['line_number', 'buyer_id', 'transaction_id', 'item_code', 'date'] as const;

/** The label columns written after the keys. */
export const FEATURE_LABEL_COLUMNS = ['label', 'label_mature', 'split'] as const;

/** Every column of the features file, in order. */
export const FEATURE_OUTPUT_COLUMNS: readonly string[] = [...FEATURE_KEY_COLUMNS, ...FEATURE_LABEL_COLUMNS, ...FEATURE_NAMES];

export type SplitName = 'train' | 'validation' | 'test' | 'unlabelled';
