/**
 * One validated order line: the typed form of one row of the Kaggle file.
 *
 * IDs stay strings. Some were turned by a spreadsheet into scientific notation with six
 * significant digits (`5.36356E+13`); those keep that text and carry a `*_lossy` flag, because
 * converting them back would invent digits that were lost.
 */
export type OrderKind = 'purchase' | 'return' | 'purchase_and_return';

export const ORDER_KINDS: readonly OrderKind[] = ['purchase', 'return', 'purchase_and_return'];

export interface OrderLine {
  /** Physical line of the source file where the row starts (the header is line 1). */
  readonly line_number: number;
  readonly item_name: string;
  readonly category: string;
  readonly version: string;
  readonly item_code: string;
  readonly item_id: string;
  readonly buyer_id: string;
  readonly transaction_id: string;
  /** ISO calendar date, YYYY-MM-DD. */
  readonly date: string;
  readonly final_quantity: number;
  readonly total_revenue: number;
  readonly price_reductions: number;
  readonly refunds: number;
  readonly final_revenue: number;
  readonly sales_tax: number;
  readonly overall_revenue: number;
  readonly refunded_item_count: number;
  readonly purchased_item_count: number;
  readonly item_id_lossy: boolean;
  readonly buyer_id_lossy: boolean;
  readonly transaction_id_lossy: boolean;
  readonly kind: OrderKind;
}

export type OrderLineField = keyof OrderLine;

/**
 * The stored schema of order lines, in column order, with types both DuckDB and Spark SQL
 * accept (STRING is a DuckDB alias of VARCHAR). Money is DOUBLE: the file has two decimals at
 * most and features compute ratios from it.
 */
export const ORDER_LINE_SQL_COLUMNS = [
  ['line_number', 'BIGINT'],
  ['item_name', 'STRING'],
  ['category', 'STRING'],
  ['version', 'STRING'],
  ['item_code', 'STRING'],
  ['item_id', 'STRING'],
  ['buyer_id', 'STRING'],
  ['transaction_id', 'STRING'],
  ['date', 'DATE'],
  ['final_quantity', 'INTEGER'],
  ['total_revenue', 'DOUBLE'],
  ['price_reductions', 'DOUBLE'],
  ['refunds', 'DOUBLE'],
  ['final_revenue', 'DOUBLE'],
  ['sales_tax', 'DOUBLE'],
  ['overall_revenue', 'DOUBLE'],
  ['refunded_item_count', 'INTEGER'],
  ['purchased_item_count', 'INTEGER'],
  ['item_id_lossy', 'BOOLEAN'],
  ['buyer_id_lossy', 'BOOLEAN'],
  ['transaction_id_lossy', 'BOOLEAN'],
  ['kind', 'STRING'],
] as const satisfies readonly (readonly [OrderLineField, string])[];

export const ORDER_LINE_FIELDS: readonly OrderLineField[] = ORDER_LINE_SQL_COLUMNS.map(([name]) => name);

/** Column name -> SQL type, the shape SqlInput.columns takes. */
export const ORDER_LINE_COLUMN_TYPES: Readonly<Record<OrderLineField, string>> = Object.fromEntries(
  ORDER_LINE_SQL_COLUMNS,
) as Record<OrderLineField, string>;

/**
 * What a line records, from its item counts: a purchase has `Purchased Item Count` >= 1, a
 * return has a negative `Refunded Item Count`, and some lines carry both at once. Undefined for
 * counts that describe neither (the row rules reject those).
 */
export function orderKindOf(purchasedItemCount: number, refundedItemCount: number): OrderKind | undefined {
  const bought = purchasedItemCount >= 1;
  const returned = refundedItemCount <= -1;
  if (bought && returned) return 'purchase_and_return';
  if (bought && refundedItemCount === 0) return 'purchase';
  if (returned && purchasedItemCount === 0) return 'return';
  return undefined;
}

/**
 * The values of a line in ORDER_LINE_FIELDS order, as text for a typed CSV. Spelled out rather
 * than mapped over the field names: this runs once per accepted row, and reading 22 properties by
 * computed name was a measurable share of validation (a unit test holds the order to the list).
 */
export function orderLineCells(line: OrderLine): string[] {
  return [
    String(line.line_number),
    line.item_name,
    line.category,
    line.version,
    line.item_code,
    line.item_id,
    line.buyer_id,
    line.transaction_id,
    line.date,
    String(line.final_quantity),
    String(line.total_revenue),
    String(line.price_reductions),
    String(line.refunds),
    String(line.final_revenue),
    String(line.sales_tax),
    String(line.overall_revenue),
    String(line.refunded_item_count),
    String(line.purchased_item_count),
    String(line.item_id_lossy),
    String(line.buyer_id_lossy),
    String(line.transaction_id_lossy),
    line.kind,
  ];
}
