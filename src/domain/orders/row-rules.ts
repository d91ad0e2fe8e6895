/**
 * The rules one row must pass to become an OrderLine. Every failed rule adds a reason, so a
 * person reading the quarantine sees everything wrong with a row at once, not just the first.
 */
import { addDays } from '../dates.js';
import { ORDER_COLUMNS, type ColumnIndex, type OrderColumn } from './columns.js';
import { parseCount, parseDayMonthYear, parseId, parseMoney, parseText, type FieldResult, type ParsedId } from './field-parsers.js';
import { orderKindOf, type OrderLine } from './order-line.js';
import { quoteValue } from './quote-value.js';
import { reason, type ReasonCode, type RowReason } from './reasons.js';

/** Orders before this date are typos (the shop's data starts in 2018). */
export const EARLIEST_ORDER_DATE = '2000-01-01';
/** Amounts are rounded to pence, so sums may be off by one penny. */
export const CENT_TOLERANCE = 0.01;
/** Float noise when summing pence in binary: far below a cent. */
const FLOAT_SLACK = 1e-9;

export interface RowRuleOptions {
  /** Where each column sits in the row (from the header). */
  readonly columnIndex: ColumnIndex;
  /** Number of header columns: every row must have exactly as many values. */
  readonly fieldCount: number;
  /**
   * The run date (YYYY-MM-DD). Rows after the next day are impossible for this run; rows on or
   * after it are still valid (windowing by date is the features' business, not validation's).
   */
  readonly asOf?: string;
  /** addDays(asOf, 1), when the caller computed it once for the whole file. */
  readonly latestDate?: string;
}

/** Rule options for a file, with the per-file values computed once rather than per row. */
export function rowRuleOptions(columnIndex: ColumnIndex, fieldCount: number, asOf?: string): RowRuleOptions {
  return { columnIndex, fieldCount, asOf, latestDate: asOf === undefined ? undefined : addDays(asOf, 1) };
}

export type RowVerdict =
  | { readonly ok: true; readonly line: OrderLine }
  | { readonly ok: false; readonly reasons: readonly RowReason[] };

const TEXT_COLUMNS = ['Item Name', 'Category', 'Version', 'Item Code'] as const;
const ID_COLUMNS = ['Item ID', 'Buyer ID', 'Transaction ID'] as const;
const MONEY_COLUMNS = [
  'Total Revenue',
  'Price Reductions',
  'Refunds',
  'Final Revenue',
  'Sales Tax',
  'Overall Revenue',
] as const;
const COUNT_COLUMNS = ['Final Quantity', 'Refunded Item Count', 'Purchased Item Count'] as const;

type MoneyColumn = (typeof MONEY_COLUMNS)[number];
type CountColumn = (typeof COUNT_COLUMNS)[number];

/** Categories that are not products: delivery/price-adjustment lines of the Kaggle file. */
const NON_PRODUCT_CATEGORIES = new Set(['DPR']);

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

export function checkOrderRow(fields: readonly string[], lineNumber: number, options: RowRuleOptions): RowVerdict {
  if (fields.length !== options.fieldCount) {
    return {
      ok: false,
      reasons: [reason('column_count', `expected ${options.fieldCount} values, found ${fields.length}`)],
    };
  }
  const reasons: RowReason[] = [];
  const cell = (column: OrderColumn): string => fields[options.columnIndex[column]] ?? '';

  const blank = ORDER_COLUMNS.filter((column) => cell(column).trim() === '');
  if (blank.length > 0) reasons.push(reason('missing_field', `empty: ${blank.join(', ')}`));
  const present = (column: OrderColumn): boolean => !blank.includes(column);

  if (NON_PRODUCT_CATEGORIES.has(cell('Category').trim().toUpperCase())) {
    reasons.push(reason('non_product_line', `Category ${quoteValue(cell('Category').trim())} is not a product`));
  }

  /** Parses a non-blank cell; a failure becomes a reason naming the column and the value. */
  function field<T>(column: OrderColumn, parse: (text: string) => FieldResult<T>, code: ReasonCode): T | undefined {
    if (!present(column)) return undefined;
    const result = parse(cell(column));
    if (result.ok) return result.value;
    reasons.push(reason(code, `${column} ${quoteValue(cell(column))} ${result.problem}`));
    return undefined;
  }

  const text = Object.fromEntries(TEXT_COLUMNS.map((c) => [c, field(c, parseText, 'missing_field')])) as Record<
    (typeof TEXT_COLUMNS)[number],
    string | undefined
  >;
  const ids = Object.fromEntries(ID_COLUMNS.map((c) => [c, field(c, parseId, 'bad_id')])) as Record<
    (typeof ID_COLUMNS)[number],
    ParsedId | undefined
  >;
  const money = Object.fromEntries(MONEY_COLUMNS.map((c) => [c, field(c, parseMoney, 'bad_number')])) as Record<
    MoneyColumn,
    number | undefined
  >;
  const counts = Object.fromEntries(COUNT_COLUMNS.map((c) => [c, field(c, parseCount, 'bad_integer')])) as Record<
    CountColumn,
    number | undefined
  >;

  const date = field('Date', parseDayMonthYear, 'bad_date');
  if (date !== undefined) {
    if (date < EARLIEST_ORDER_DATE) {
      reasons.push(reason('date_too_old', `Date ${quoteValue(cell('Date').trim())} is before ${EARLIEST_ORDER_DATE}`));
    } else if (options.asOf !== undefined) {
      const latest = options.latestDate ?? addDays(options.asOf, 1);
      if (date > latest) {
        reasons.push(reason('date_in_future', `Date ${quoteValue(cell('Date').trim())} is after ${latest} (run date ${options.asOf})`));
      }
    }
  }

  reasons.push(...signReasons(money, counts));
  reasons.push(...quantityReasons(money, counts));
  reasons.push(...arithmeticReasons(money));

  const purchased = counts['Purchased Item Count'];
  const refunded = counts['Refunded Item Count'];
  const kind = purchased !== undefined && refunded !== undefined ? orderKindOf(purchased, refunded) : undefined;
  if (reasons.length > 0) return { ok: false, reasons };
  if (kind === undefined) return { ok: false, reasons: [reason('no_items', 'the item counts describe no purchase and no return')] };

  // Every value below was parsed (no reasons), so the assertions only restate what was checked.
  const itemId = ids['Item ID'] as ParsedId;
  const buyerId = ids['Buyer ID'] as ParsedId;
  const transactionId = ids['Transaction ID'] as ParsedId;
  return {
    ok: true,
    line: {
      line_number: lineNumber,
      item_name: text['Item Name'] as string,
      category: text['Category'] as string,
      version: text['Version'] as string,
      item_code: text['Item Code'] as string,
      item_id: itemId.value,
      buyer_id: buyerId.value,
      transaction_id: transactionId.value,
      date: date as string,
      final_quantity: counts['Final Quantity'] as number,
      total_revenue: money['Total Revenue'] as number,
      price_reductions: money['Price Reductions'] as number,
      refunds: money['Refunds'] as number,
      final_revenue: money['Final Revenue'] as number,
      sales_tax: money['Sales Tax'] as number,
      overall_revenue: money['Overall Revenue'] as number,
      refunded_item_count: refunded as number,
      purchased_item_count: purchased as number,
      item_id_lossy: itemId.lossy,
      buyer_id_lossy: buyerId.lossy,
      transaction_id_lossy: transactionId.lossy,
      kind,
    },
  };
}

type Money = Readonly<Record<MoneyColumn, number | undefined>>;
type Counts = Readonly<Record<CountColumn, number | undefined>>;

/**
 * The sign conventions of the file: counts of purchased items and gross revenue are never
 * negative; discounts, refunds and refunded item counts are never positive.
 */
function signReasons(money: Money, counts: Counts): RowReason[] {
  const rules: [string, number | undefined, 'non-negative' | 'non-positive'][] = [
    ['Purchased Item Count', counts['Purchased Item Count'], 'non-negative'],
    ['Refunded Item Count', counts['Refunded Item Count'], 'non-positive'],
    ['Total Revenue', money['Total Revenue'], 'non-negative'],
    ['Price Reductions', money['Price Reductions'], 'non-positive'],
    ['Refunds', money['Refunds'], 'non-positive'],
  ];
  const out: RowReason[] = [];
  for (const [column, value, rule] of rules) {
    if (value === undefined) continue;
    if (rule === 'non-negative' && value < 0) out.push(reason('bad_sign', `${column} ${value} is negative`));
    if (rule === 'non-positive' && value > 0) out.push(reason('bad_sign', `${column} ${value} is positive (expected 0 or less)`));
  }
  return out;
}

function quantityReasons(money: Money, counts: Counts): RowReason[] {
  const final = counts['Final Quantity'];
  const purchased = counts['Purchased Item Count'];
  const refunded = counts['Refunded Item Count'];
  if (purchased === undefined || refunded === undefined) return [];
  const out: RowReason[] = [];
  if (purchased === 0 && refunded === 0) out.push(reason('no_items', 'Purchased Item Count and Refunded Item Count are both 0'));
  if (final !== undefined && final !== purchased + refunded) {
    out.push(
      reason('quantity_mismatch', `Final Quantity ${final} is not Purchased Item Count ${purchased} + Refunded Item Count ${refunded}`),
    );
  }
  const total = money['Total Revenue'];
  if (purchased === 0 && refunded < 0 && total !== undefined && total !== 0) {
    out.push(reason('return_with_revenue', `a return-only row has Total Revenue ${total} (expected 0)`));
  }
  return out;
}

function arithmeticReasons(money: Money): RowReason[] {
  const out: RowReason[] = [];
  const total = money['Total Revenue'];
  const reductions = money['Price Reductions'];
  const refunds = money['Refunds'];
  const final = money['Final Revenue'];
  const tax = money['Sales Tax'];
  const overall = money['Overall Revenue'];
  if (total !== undefined && reductions !== undefined && refunds !== undefined && final !== undefined) {
    const sum = total + reductions + refunds;
    if (Math.abs(sum - final) > CENT_TOLERANCE + FLOAT_SLACK) {
      out.push(
        reason(
          'arithmetic_final_revenue',
          `Total Revenue ${total} + Price Reductions ${reductions} + Refunds ${refunds} = ${fmt(sum)}, but Final Revenue is ${final}`,
        ),
      );
    }
  }
  if (final !== undefined && tax !== undefined && overall !== undefined) {
    const sum = final + tax;
    if (Math.abs(sum - overall) > CENT_TOLERANCE + FLOAT_SLACK) {
      out.push(
        reason('arithmetic_overall_revenue', `Final Revenue ${final} + Sales Tax ${tax} = ${fmt(sum)}, but Overall Revenue is ${overall}`),
      );
    }
  }
  return out;
}
