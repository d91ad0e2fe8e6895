/**
 * Why a row was quarantined. Codes are stable identifiers (reports and dashboards count them);
 * each comes with what it means, and each occurrence carries a message about the row itself.
 */
export const REASON_DESCRIPTIONS = {
  column_count: 'the row does not have one value per header column',
  missing_field: 'a required value is empty',
  non_product_line: 'not a product line (Category DPR)',
  bad_date: 'the date is not a real d/m/yyyy date',
  date_too_old: 'the date is before the earliest plausible date',
  date_in_future: 'the date is later than the day after the run date',
  bad_number: 'a money value is not a number',
  bad_integer: 'a count is not a whole number',
  bad_id: 'an ID is neither digits nor a spreadsheet-rounded number',
  bad_sign: 'a value has the wrong sign for its column',
  no_items: 'the row neither buys nor returns anything',
  quantity_mismatch: 'Final Quantity differs from Purchased Item Count + Refunded Item Count',
  return_with_revenue: 'a return-only row carries Total Revenue',
  arithmetic_final_revenue: 'Total Revenue + Price Reductions + Refunds differs from Final Revenue by more than a cent',
  arithmetic_overall_revenue: 'Final Revenue + Sales Tax differs from Overall Revenue by more than a cent',
  duplicate_row: 'an exact copy of an earlier row',
} as const;

export type ReasonCode = keyof typeof REASON_DESCRIPTIONS;

/** Every code, in a fixed order (the order reports list them in). */
export const REASON_CODES = Object.keys(REASON_DESCRIPTIONS) as ReasonCode[];

export interface RowReason {
  readonly code: ReasonCode;
  /** One line about this row, naming the column and the value when there is one. */
  readonly message: string;
}

export function reason(code: ReasonCode, message: string): RowReason {
  return { code, message };
}

/** The distinct codes of a row's reasons, in REASON_CODES order. */
export function reasonCodesOf(reasons: readonly RowReason[]): ReasonCode[] {
  const present = new Set(reasons.map((r) => r.code));
  return REASON_CODES.filter((code) => present.has(code));
}
