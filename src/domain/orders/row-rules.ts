/**
 * The rules one row must pass to become an OrderLine. Every failed rule adds a reason, so a
 * person reading the quarantine sees everything wrong with a row at once, not just the first.
 */
import { addDays } from '../dates.js';
import { ORDER_COLUMNS, type ColumnIndex, type OrderColumn } from './columns.js';
import {
  parseCount,
  parseDayMonthYear,
  parseId,
  parseMoney,
  parseText,
  remembering,
  type FieldResult,
  type ParsedId,
} from './field-parsers.js';
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

/** Categories that are not products: delivery/price-adjustment lines of the Kaggle file. */
const NON_PRODUCT_CATEGORIES = new Set(['DPR']);

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

// Column ordinals (positions in ORDER_COLUMNS). The rules below run once per row of files with
// millions of rows, so they read cells by ordinal through a per-file position table, and build
// no closures and no per-column records or lists.
const ITEM_NAME = ORDER_COLUMNS.indexOf('Item Name');
const CATEGORY = ORDER_COLUMNS.indexOf('Category');
const VERSION = ORDER_COLUMNS.indexOf('Version');
const ITEM_CODE = ORDER_COLUMNS.indexOf('Item Code');
const ITEM_ID = ORDER_COLUMNS.indexOf('Item ID');
const BUYER_ID = ORDER_COLUMNS.indexOf('Buyer ID');
const TRANSACTION_ID = ORDER_COLUMNS.indexOf('Transaction ID');
const DATE = ORDER_COLUMNS.indexOf('Date');
const FINAL_QUANTITY = ORDER_COLUMNS.indexOf('Final Quantity');
const TOTAL_REVENUE = ORDER_COLUMNS.indexOf('Total Revenue');
const PRICE_REDUCTIONS = ORDER_COLUMNS.indexOf('Price Reductions');
const REFUNDS = ORDER_COLUMNS.indexOf('Refunds');
const FINAL_REVENUE = ORDER_COLUMNS.indexOf('Final Revenue');
const SALES_TAX = ORDER_COLUMNS.indexOf('Sales Tax');
const OVERALL_REVENUE = ORDER_COLUMNS.indexOf('Overall Revenue');
const REFUNDED_ITEM_COUNT = ORDER_COLUMNS.indexOf('Refunded Item Count');
const PURCHASED_ITEM_COUNT = ORDER_COLUMNS.indexOf('Purchased Item Count');

// Amounts, counts, dates and item IDs repeat across rows (a few thousand distinct values in
// millions of rows); buyer and transaction IDs mostly do not, so they are parsed every time.
const parseAmount = remembering(parseMoney);
const parseItemCount = remembering(parseCount);
const parseDate = remembering(parseDayMonthYear);
const parseItemId = remembering(parseId);

/** Where each column (by ordinal) sits in a file's rows, computed once per column index. */
const positionTables = new WeakMap<ColumnIndex, Int32Array>();

function positionsOf(columnIndex: ColumnIndex): Int32Array {
  let positions = positionTables.get(columnIndex);
  if (positions === undefined) {
    positions = Int32Array.from(ORDER_COLUMNS, (column) => columnIndex[column]);
    positionTables.set(columnIndex, positions);
  }
  return positions;
}

function isBlank(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/** The columns whose bit is set in `mask`, in file-header order, for the missing_field message. */
function columnsIn(mask: number): string {
  return ORDER_COLUMNS.filter((_, ordinal) => (mask & (1 << ordinal)) !== 0).join(', ');
}

/** One row being checked: its cells by ordinal, its blank columns, the reasons found so far. */
interface RowUnderCheck {
  readonly fields: readonly string[];
  readonly positions: Int32Array;
  /** Bit `ordinal` is set when that column is blank. */
  readonly blank: number;
  readonly reasons: RowReason[];
}

function cellOf(row: RowUnderCheck, ordinal: number): string {
  return row.fields[row.positions[ordinal] as number] ?? '';
}

/** Parses a non-blank cell; a failure becomes a reason naming the column and the value. */
function field<T>(row: RowUnderCheck, ordinal: number, parse: (text: string) => FieldResult<T>, code: ReasonCode): T | undefined {
  if ((row.blank & (1 << ordinal)) !== 0) return undefined;
  const text = cellOf(row, ordinal);
  const result = parse(text);
  if (result.ok) return result.value;
  row.reasons.push(reason(code, `${ORDER_COLUMNS[ordinal] as OrderColumn} ${quoteValue(text)} ${result.problem}`));
  return undefined;
}

export function checkOrderRow(fields: readonly string[], lineNumber: number, options: RowRuleOptions): RowVerdict {
  if (fields.length !== options.fieldCount) {
    return {
      ok: false,
      reasons: [reason('column_count', `expected ${options.fieldCount} values, found ${fields.length}`)],
    };
  }
  const positions = positionsOf(options.columnIndex);
  let blank = 0;
  for (let ordinal = 0; ordinal < ORDER_COLUMNS.length; ordinal++) {
    if (isBlank(fields[positions[ordinal] as number] ?? '')) blank |= 1 << ordinal;
  }
  const reasons: RowReason[] = [];
  const row: RowUnderCheck = { fields, positions, blank, reasons };
  if (blank !== 0) reasons.push(reason('missing_field', `empty: ${columnsIn(blank)}`));

  const category = cellOf(row, CATEGORY).trim();
  if (NON_PRODUCT_CATEGORIES.has(category.toUpperCase())) {
    reasons.push(reason('non_product_line', `Category ${quoteValue(category)} is not a product`));
  }

  // Parsed in this order so reasons come out in the same order: text, IDs, money, counts, date.
  const itemName = field(row, ITEM_NAME, parseText, 'missing_field');
  const categoryText = field(row, CATEGORY, parseText, 'missing_field');
  const version = field(row, VERSION, parseText, 'missing_field');
  const itemCode = field(row, ITEM_CODE, parseText, 'missing_field');
  const itemId = field(row, ITEM_ID, parseItemId, 'bad_id');
  const buyerId = field(row, BUYER_ID, parseId, 'bad_id');
  const transactionId = field(row, TRANSACTION_ID, parseId, 'bad_id');
  const totalRevenue = field(row, TOTAL_REVENUE, parseAmount, 'bad_number');
  const priceReductions = field(row, PRICE_REDUCTIONS, parseAmount, 'bad_number');
  const refunds = field(row, REFUNDS, parseAmount, 'bad_number');
  const finalRevenue = field(row, FINAL_REVENUE, parseAmount, 'bad_number');
  const salesTax = field(row, SALES_TAX, parseAmount, 'bad_number');
  const overallRevenue = field(row, OVERALL_REVENUE, parseAmount, 'bad_number');
  const finalQuantity = field(row, FINAL_QUANTITY, parseItemCount, 'bad_integer');
  const refunded = field(row, REFUNDED_ITEM_COUNT, parseItemCount, 'bad_integer');
  const purchased = field(row, PURCHASED_ITEM_COUNT, parseItemCount, 'bad_integer');

  const date = field(row, DATE, parseDate, 'bad_date');
  if (date !== undefined) {
    if (date < EARLIEST_ORDER_DATE) {
      reasons.push(reason('date_too_old', `Date ${quoteValue(cellOf(row, DATE).trim())} is before ${EARLIEST_ORDER_DATE}`));
    } else if (options.asOf !== undefined) {
      const latest = options.latestDate ?? addDays(options.asOf, 1);
      if (date > latest) {
        reasons.push(reason('date_in_future', `Date ${quoteValue(cellOf(row, DATE).trim())} is after ${latest} (run date ${options.asOf})`));
      }
    }
  }

  // The sign conventions of the file: counts of purchased items and gross revenue are never
  // negative; discounts, refunds and refunded item counts are never positive.
  nonNegative(reasons, 'Purchased Item Count', purchased);
  nonPositive(reasons, 'Refunded Item Count', refunded);
  nonNegative(reasons, 'Total Revenue', totalRevenue);
  nonPositive(reasons, 'Price Reductions', priceReductions);
  nonPositive(reasons, 'Refunds', refunds);

  if (purchased !== undefined && refunded !== undefined) {
    if (purchased === 0 && refunded === 0) reasons.push(reason('no_items', 'Purchased Item Count and Refunded Item Count are both 0'));
    if (finalQuantity !== undefined && finalQuantity !== purchased + refunded) {
      reasons.push(
        reason('quantity_mismatch', `Final Quantity ${finalQuantity} is not Purchased Item Count ${purchased} + Refunded Item Count ${refunded}`),
      );
    }
    if (purchased === 0 && refunded < 0 && totalRevenue !== undefined && totalRevenue !== 0) {
      reasons.push(reason('return_with_revenue', `a return-only row has Total Revenue ${totalRevenue} (expected 0)`));
    }
  }

  if (totalRevenue !== undefined && priceReductions !== undefined && refunds !== undefined && finalRevenue !== undefined) {
    const sum = totalRevenue + priceReductions + refunds;
    if (Math.abs(sum - finalRevenue) > CENT_TOLERANCE + FLOAT_SLACK) {
      reasons.push(
        reason(
          'arithmetic_final_revenue',
          `Total Revenue ${totalRevenue} + Price Reductions ${priceReductions} + Refunds ${refunds} = ${fmt(sum)}, but Final Revenue is ${finalRevenue}`,
        ),
      );
    }
  }
  if (finalRevenue !== undefined && salesTax !== undefined && overallRevenue !== undefined) {
    const sum = finalRevenue + salesTax;
    if (Math.abs(sum - overallRevenue) > CENT_TOLERANCE + FLOAT_SLACK) {
      reasons.push(
        reason(
          'arithmetic_overall_revenue',
          `Final Revenue ${finalRevenue} + Sales Tax ${salesTax} = ${fmt(sum)}, but Overall Revenue is ${overallRevenue}`,
        ),
      );
    }
  }

  const kind = purchased !== undefined && refunded !== undefined ? orderKindOf(purchased, refunded) : undefined;
  if (reasons.length > 0) return { ok: false, reasons };
  if (kind === undefined) return { ok: false, reasons: [reason('no_items', 'the item counts describe no purchase and no return')] };

  // Every value below was parsed (no reasons), so the assertions only restate what was checked.
  const item = itemId as ParsedId;
  const buyer = buyerId as ParsedId;
  const transaction = transactionId as ParsedId;
  return {
    ok: true,
    line: {
      line_number: lineNumber,
      item_name: itemName as string,
      category: categoryText as string,
      version: version as string,
      item_code: itemCode as string,
      item_id: item.value,
      buyer_id: buyer.value,
      transaction_id: transaction.value,
      date: date as string,
      final_quantity: finalQuantity as number,
      total_revenue: totalRevenue as number,
      price_reductions: priceReductions as number,
      refunds: refunds as number,
      final_revenue: finalRevenue as number,
      sales_tax: salesTax as number,
      overall_revenue: overallRevenue as number,
      refunded_item_count: refunded as number,
      purchased_item_count: purchased as number,
      item_id_lossy: item.lossy,
      buyer_id_lossy: buyer.lossy,
      transaction_id_lossy: transaction.lossy,
      kind,
    },
  };
}

function nonNegative(reasons: RowReason[], column: OrderColumn, value: number | undefined): void {
  if (value !== undefined && value < 0) reasons.push(reason('bad_sign', `${column} ${value} is negative`));
}

function nonPositive(reasons: RowReason[], column: OrderColumn, value: number | undefined): void {
  if (value !== undefined && value > 0) reasons.push(reason('bad_sign', `${column} ${value} is positive (expected 0 or less)`));
}
