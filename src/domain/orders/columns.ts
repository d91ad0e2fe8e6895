/**
 * The columns of the Kaggle order file `order_dataset.csv`, spelled exactly as its header line
 * spells them, in the file's order.
 */
export const ORDER_COLUMNS = [
  'Item Name',
  'Category',
  'Version',
  'Item Code',
  'Item ID',
  'Buyer ID',
  'Transaction ID',
  'Date',
  'Final Quantity',
  'Total Revenue',
  'Price Reductions',
  'Refunds',
  'Final Revenue',
  'Sales Tax',
  'Overall Revenue',
  'Refunded Item Count',
  'Purchased Item Count',
] as const;

export type OrderColumn = (typeof ORDER_COLUMNS)[number];

/** The header line of the Kaggle file, for messages and for writers of order CSVs. */
export const ORDER_HEADER_LINE = ORDER_COLUMNS.join(',');

/** Where each column sits in a file's rows: a file may list the columns in another order. */
export type ColumnIndex = Readonly<Record<OrderColumn, number>>;

/** The index of a file whose header is exactly the Kaggle header. */
export const KAGGLE_COLUMN_INDEX: ColumnIndex = Object.fromEntries(
  ORDER_COLUMNS.map((column, i) => [column, i]),
) as Record<OrderColumn, number>;

export function isOrderColumn(name: string): name is OrderColumn {
  return (ORDER_COLUMNS as readonly string[]).includes(name);
}
