/**
 * The catalogue's features for purchase lines that arrive one request at a time (the REST API),
 * computed in TypeScript. Each function mirrors the SQL of feature-sql.ts expression by
 * expression, so a line scored online gets the very values BuildFeatures would write for it
 * (test/embedded/features/online-parity.test.ts checks this against DuckDB):
 *   line, calendar  from the line itself;
 *   basket          from the lines of the same transaction within one request;
 *   history         from a HistorySnapshot: the per-key totals of every order line dated before
 *                   the snapshot's as-of date, written by snapshot-sql.ts with the history
 *                   features' own SQL (counts, smoothing and global rate are never recomputed here).
 *
 * A key the snapshot has never seen (a new buyer, model, SKU, brand or category) gets what the
 * feature SQL gives a key on its first purchase day: zero prior purchase lines and returns, a
 * rate smoothed from zero counts, i.e. the global rate, and no days since the last purchase.
 */
import type { OrderLine } from '../orders/order-line.js';
import { HISTORY_DAYS_CAP, RATE_SMOOTHING, VAT_RATE, type RateKey } from './catalogue.js';
import { epochDayOf } from './feature-options.js';
import { HISTORY_KEYS } from './feature-sql.js';
import { blackFridayOf, boxingDayOf } from './sales-calendar.js';

/** The columns of a purchase line the features read. */
export type ScoringLine = Pick<
  OrderLine,
  'item_name' | 'category' | 'version' | 'item_code' | 'item_id' | 'buyer_id' | 'transaction_id' | 'date' | 'total_revenue' | 'price_reductions' | 'purchased_item_count'
>;

/** A feature value as the features table holds it: DOUBLE, STRING, or NULL (missing). */
export type FeatureValue = number | string | null;

export const RATE_KEYS = Object.keys(RATE_SMOOTHING) as RateKey[];

/** `NULLIF(TRIM(SPLIT_PART(version, ' / ', n)), '')`: SQL TRIM drops spaces only, not other whitespace. */
export function versionPart(version: string, n: 1 | 2 | 3): string | null {
  const part = (version.split(' / ')[n - 1] ?? '').replace(/^ +| +$/g, '');
  return part === '' ? null : part;
}

export interface LineFeatures {
  readonly brand: string;
  readonly category: string;
  readonly model: string;
  readonly version_size: string | null;
  readonly version_fit: string | null;
  readonly version_length: string | null;
  readonly quantity: number;
  readonly unit_price: number | null;
  readonly discount_rate: number | null;
}

export function lineFeatures(line: ScoringLine): LineFeatures {
  return {
    brand: line.item_name,
    category: line.category,
    model: line.item_id,
    version_size: versionPart(line.version, 1),
    version_fit: versionPart(line.version, 2),
    version_length: versionPart(line.version, 3),
    quantity: line.purchased_item_count,
    // Same operations in the same order as the SQL: total * 1.2 / count, NULL for a zero divisor.
    unit_price: line.purchased_item_count === 0 ? null : (line.total_revenue * (1 + VAT_RATE)) / line.purchased_item_count,
    // 0 - x, as in the SQL: no -0 for undiscounted lines.
    discount_rate: line.total_revenue === 0 ? null : (0 - line.price_reductions) / line.total_revenue,
  };
}

export interface CalendarFeatures {
  readonly purchase_month: string;
  readonly purchase_weekday: string;
  readonly days_since_black_friday: number;
  readonly days_to_black_friday: number;
  readonly days_since_boxing_day: number;
  readonly days_to_boxing_day: number;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** Days from the latest sale on or before `day`, and to the next one on or after it. */
function saleDistances(date: string, day: number, saleOf: (year: number) => string): { since: number; to: number } {
  const year = Number(date.slice(0, 4));
  const thisYear = epochDayOf(saleOf(year));
  const since = thisYear <= day ? day - thisYear : day - epochDayOf(saleOf(year - 1));
  const to = thisYear >= day ? thisYear - day : epochDayOf(saleOf(year + 1)) - day;
  return { since, to };
}

/** The calendar features of an ISO date (YYYY-MM-DD). */
export function calendarFeatures(date: string): CalendarFeatures {
  const day = epochDayOf(date);
  const blackFriday = saleDistances(date, day, blackFridayOf);
  const boxingDay = saleDistances(date, day, boxingDayOf);
  return {
    purchase_month: date.slice(5, 7),
    // Day 0 (1970-01-01) was a Thursday: (day + 3) mod 7 counts from Monday.
    purchase_weekday: WEEKDAYS[(((day + 3) % 7) + 7) % 7] as string,
    days_since_black_friday: blackFriday.since,
    days_to_black_friday: blackFriday.to,
    days_since_boxing_day: boxingDay.since,
    days_to_boxing_day: boxingDay.to,
  };
}

export interface BasketFeatures {
  readonly basket_lines: number;
  readonly basket_models: number;
  readonly bracket_size: number;
}

/**
 * Basket shape of each line among `lines` (all purchase lines): a transaction is the lines with
 * the same buyer, transaction key and date; bracket_size counts the distinct Item Codes of the
 * line's model in it.
 */
export function basketFeatures(lines: readonly ScoringLine[]): BasketFeatures[] {
  const transactions = new Map<string, { lines: number; codesByModel: Map<string, Set<string>> }>();
  // Fields never hold a NUL (IDs are digits, dates ISO), so it separates them safely.
  const keyOf = (l: ScoringLine): string => `${l.buyer_id}\u0000${l.transaction_id}\u0000${l.date}`;
  for (const line of lines) {
    const key = keyOf(line);
    let t = transactions.get(key);
    if (!t) transactions.set(key, (t = { lines: 0, codesByModel: new Map() }));
    t.lines += 1;
    let codes = t.codesByModel.get(line.item_id);
    if (!codes) t.codesByModel.set(line.item_id, (codes = new Set()));
    codes.add(line.item_code);
  }
  return lines.map((line) => {
    const t = transactions.get(keyOf(line))!;
    return { basket_lines: t.lines, basket_models: t.codesByModel.size, bracket_size: t.codesByModel.get(line.item_id)!.size };
  });
}

/** One key's history as of the snapshot date, as the snapshot SQL computed it. */
export interface KeyHistory {
  readonly priorPurchases: number;
  readonly priorReturns: number;
  /** The smoothed return rate; null when there is no global rate (no purchase at all before the as-of date). */
  readonly returnRate: number | null;
  /** Buyers only: day number (days since 1970-01-01) of the latest purchase line; null if none. */
  readonly lastPurchaseDay: number | null;
}

/** Per-key history of every order line dated before `asOf`, for the history features. */
export interface HistorySnapshot {
  /** The snapshot's as-of date D (YYYY-MM-DD), or null for the empty snapshot. */
  readonly asOf: string | null;
  readonly globalRate: number | null;
  /** Day number of the earliest order line before the as-of date; null for the empty snapshot. */
  readonly firstOrderDay: number | null;
  readonly keys: Readonly<Record<RateKey, ReadonlyMap<string, KeyHistory>>>;
  /** What a key absent from `keys` gets: zero counts and the rate smoothed from them. */
  readonly unseen: Readonly<Record<RateKey, KeyHistory>>;
}

const NO_HISTORY: KeyHistory = { priorPurchases: 0, priorReturns: 0, returnRate: null, lastPurchaseDay: null };

/** No order lines at all: what the feature SQL gives lines on the first day of the data. */
export const EMPTY_SNAPSHOT: HistorySnapshot = {
  asOf: null,
  globalRate: null,
  firstOrderDay: null,
  keys: Object.fromEntries(RATE_KEYS.map((k) => [k, new Map()])) as unknown as Record<RateKey, Map<string, KeyHistory>>,
  unseen: Object.fromEntries(RATE_KEYS.map((k) => [k, NO_HISTORY])) as Record<RateKey, KeyHistory>,
};

export interface HistoryFeatures {
  readonly buyer_prior_purchases: number;
  readonly buyer_prior_returns: number;
  readonly buyer_return_rate: number | null;
  readonly buyer_days_since_last_purchase: number | null;
  readonly model_prior_purchases: number;
  readonly model_return_rate: number | null;
  readonly sku_return_rate: number | null;
  readonly brand_return_rate: number | null;
  readonly category_return_rate: number | null;
  readonly history_days: number;
}

/** The history features of a line, and which of its keys the snapshot did not know. */
export function historyFeatures(line: ScoringLine, snapshot: HistorySnapshot): { features: HistoryFeatures; unseen: RateKey[] } {
  const unseen: RateKey[] = [];
  const of = (key: RateKey): KeyHistory => {
    const known = snapshot.keys[key].get(line[HISTORY_KEYS[key]]);
    if (known) return known;
    unseen.push(key);
    return snapshot.unseen[key];
  };
  const buyer = of('buyer');
  const model = of('model');
  const sku = of('sku');
  const brand = of('brand');
  const category = of('category');
  const day = epochDayOf(line.date);
  // The empty snapshot: the line's own date is the first day of the data, as in the feature SQL.
  const sinceFirst = snapshot.firstOrderDay === null ? 0 : day - snapshot.firstOrderDay;
  return {
    features: {
      buyer_prior_purchases: buyer.priorPurchases,
      buyer_prior_returns: buyer.priorReturns,
      buyer_return_rate: buyer.returnRate,
      buyer_days_since_last_purchase: buyer.lastPurchaseDay === null ? null : day - buyer.lastPurchaseDay,
      model_prior_purchases: model.priorPurchases,
      model_return_rate: model.returnRate,
      sku_return_rate: sku.returnRate,
      brand_return_rate: brand.returnRate,
      category_return_rate: category.returnRate,
      history_days: Math.min(sinceFirst, HISTORY_DAYS_CAP),
    },
    unseen,
  };
}

export interface OnlineFeatures {
  /** Every catalogue feature by name. */
  readonly values: Readonly<Record<string, FeatureValue>>;
  /** History keys of the line the snapshot did not know (their features are the fallback). */
  readonly unseen: readonly RateKey[];
}

/** Every catalogue feature of each line; the lines are one request's purchase lines. */
export function onlineFeatures(lines: readonly ScoringLine[], snapshot: HistorySnapshot): OnlineFeatures[] {
  const baskets = basketFeatures(lines);
  // A request's lines share few dates: each date's calendar is computed once.
  const calendars = new Map<string, CalendarFeatures>();
  return lines.map((line, i) => {
    let c = calendars.get(line.date);
    if (!c) calendars.set(line.date, (c = calendarFeatures(line.date)));
    const l = lineFeatures(line);
    const b = baskets[i] as BasketFeatures;
    const h = historyFeatures(line, snapshot);
    // One literal in catalogue order (spreading the parts is several times slower per line).
    const values: Record<string, FeatureValue> = {
      brand: l.brand,
      category: l.category,
      model: l.model,
      version_size: l.version_size,
      version_fit: l.version_fit,
      version_length: l.version_length,
      quantity: l.quantity,
      unit_price: l.unit_price,
      discount_rate: l.discount_rate,
      purchase_month: c.purchase_month,
      purchase_weekday: c.purchase_weekday,
      days_since_black_friday: c.days_since_black_friday,
      days_to_black_friday: c.days_to_black_friday,
      days_since_boxing_day: c.days_since_boxing_day,
      days_to_boxing_day: c.days_to_boxing_day,
      basket_lines: b.basket_lines,
      basket_models: b.basket_models,
      bracket_size: b.bracket_size,
      buyer_prior_purchases: h.features.buyer_prior_purchases,
      buyer_prior_returns: h.features.buyer_prior_returns,
      buyer_return_rate: h.features.buyer_return_rate,
      buyer_days_since_last_purchase: h.features.buyer_days_since_last_purchase,
      model_prior_purchases: h.features.model_prior_purchases,
      model_return_rate: h.features.model_return_rate,
      sku_return_rate: h.features.sku_return_rate,
      brand_return_rate: h.features.brand_return_rate,
      category_return_rate: h.features.category_return_rate,
      history_days: h.features.history_days,
    };
    return { values, unseen: h.unseen };
  });
}
