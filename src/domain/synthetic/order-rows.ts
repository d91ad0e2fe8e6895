/**
 * The money arithmetic of one line and the four kinds of rows the Kaggle file holds, in integer
 * pence so every identity holds exactly once formatted:
 *   Total Revenue + Price Reductions + Refunds = Final Revenue
 *   Final Revenue + Sales Tax = Overall Revenue
 * Prices include 20% VAT, so Sales Tax = Overall Revenue / 6 rounded to the penny (halves away
 * from zero), except on zero-VAT lines where it is 0. Total Revenue is the list price net of VAT
 * and Price Reductions (0 or negative) is what the discount took off it, as in the real file.
 */
import { divideRounded, formatMoney, NON_PRODUCT_CATEGORY, type KaggleRow } from './kaggle-format.js';

export interface LineAmounts {
  readonly totalRevenue: number;
  readonly priceReductions: number;
  readonly finalRevenue: number;
  readonly salesTax: number;
  readonly overallRevenue: number;
}

/** VAT included in a VAT-inclusive amount: one sixth, to the penny. */
export function vatOf(inclusiveCents: number): number {
  return divideRounded(inclusiveCents, 6);
}

/**
 * Amounts of a line sold at `saleCents` (VAT included) whose list price is `listCents`.
 * Total Revenue is the list price net of VAT computed the same way as Final Revenue, so an
 * undiscounted line has Price Reductions exactly 0. A zero-VAT line carries the full prices.
 */
export function lineAmounts(listCents: number, saleCents: number, zeroTax: boolean): LineAmounts {
  if (saleCents > listCents) throw new Error(`sale price ${saleCents} above list price ${listCents}`);
  const salesTax = zeroTax ? 0 : vatOf(saleCents);
  const totalRevenue = zeroTax ? listCents : listCents - vatOf(listCents);
  const finalRevenue = saleCents - salesTax;
  return { totalRevenue, priceReductions: finalRevenue - totalRevenue, finalRevenue, salesTax, overallRevenue: saleCents };
}

/** What identifies the product and the purchase on every row of a line. */
export interface LineIdentity {
  readonly itemName: string;
  readonly category: string;
  readonly version: string;
  readonly itemCode: string;
  readonly itemId: string;
  readonly buyerId: string;
  readonly transactionId: string;
}

function row(id: LineIdentity, date: string, values: readonly [string, string, string, string, string, string, string, string, string]): KaggleRow {
  return {
    'Item Name': id.itemName,
    Category: id.category,
    Version: id.version,
    'Item Code': id.itemCode,
    'Item ID': id.itemId,
    'Buyer ID': id.buyerId,
    'Transaction ID': id.transactionId,
    Date: date,
    'Final Quantity': values[0],
    'Total Revenue': values[1],
    'Price Reductions': values[2],
    Refunds: values[3],
    'Final Revenue': values[4],
    'Sales Tax': values[5],
    'Overall Revenue': values[6],
    'Refunded Item Count': values[7],
    'Purchased Item Count': values[8],
  };
}

/** A purchase of one item that was not returned (or not yet). */
export function purchaseRow(id: LineIdentity, date: string, a: LineAmounts): KaggleRow {
  return row(id, date, ['1', formatMoney(a.totalRevenue), formatMoney(a.priceReductions), '0', formatMoney(a.finalRevenue), formatMoney(a.salesTax), formatMoney(a.overallRevenue), '0', '1']);
}

/**
 * The later row of a return: the same product, buyer and transaction, refunding the net amount
 * paid (Refunds = minus the purchase's Final Revenue) with tax and overall negated too.
 */
export function returnRow(id: LineIdentity, date: string, finalRevenue: number, salesTax: number): KaggleRow {
  return row(id, date, ['-1', '0', '0', formatMoney(-finalRevenue), formatMoney(-finalRevenue), formatMoney(-salesTax), formatMoney(-(finalRevenue + salesTax)), '-1', '0']);
}

/** A purchase and its return in one row, dated at the purchase: everything nets to 0. */
export function sameRowReturnRow(id: LineIdentity, date: string, a: LineAmounts): KaggleRow {
  return row(id, date, ['0', formatMoney(a.totalRevenue), formatMoney(a.priceReductions), formatMoney(-a.finalRevenue), '0', '0', '0', '-1', '1']);
}

/**
 * A non-product line (Category DPR, e.g. a delivery charge): no product columns and no item
 * counts, only the money, which still obeys the identities.
 */
export function nonProductRow(buyerId: string, transactionId: string, date: string, chargeCents: number, zeroTax: boolean): KaggleRow {
  const a = lineAmounts(chargeCents, chargeCents, zeroTax);
  const id: LineIdentity = { itemName: '', category: NON_PRODUCT_CATEGORY, version: '', itemCode: '', itemId: '', buyerId, transactionId };
  return row(id, date, ['', formatMoney(a.totalRevenue), '0', '0', formatMoney(a.finalRevenue), formatMoney(a.salesTax), formatMoney(a.overallRevenue), '', '']);
}
