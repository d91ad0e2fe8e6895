/**
 * The JSON summary of a BuildFeatures run: what was written, how labels came about, and the
 * options that shaped it. Built from the one-row summary table of the feature job.
 */
import { addDays } from '../dates.js';
import { FEATURE_NAMES, type SplitName } from './catalogue.js';
import { splitBoundaries, type FeatureOptions } from './feature-options.js';
import { SUMMARY_COLUMNS } from './feature-sql.js';

export interface SplitSummary {
  readonly rows: number;
  readonly positives: number;
  /** positives / rows; null when the split is empty. */
  readonly label_rate: number | null;
  /** First and last purchase date the split can hold (inclusive); train has no first date; both null when the range is empty. */
  readonly from: string | null;
  readonly to: string | null;
}

export interface FeatureSummary {
  readonly as_of: string;
  readonly horizon_days: number;
  readonly split_days: { readonly test: number; readonly validation: number };
  /** Latest purchase date with a mature label (as_of - horizon_days - 1). */
  readonly last_mature_date: string;
  /** Order lines dated before as_of that were read, and the return rows among them. */
  readonly order_rows: number;
  readonly return_rows: number;
  /** Rows of the features file: one per purchase line. */
  readonly purchase_lines: number;
  /** First and last purchase date in the file; null when there is no purchase. */
  readonly date_range: { readonly first: string | null; readonly last: string | null };
  readonly splits: {
    readonly train: SplitSummary;
    readonly validation: SplitSummary;
    readonly test: SplitSummary;
    readonly unlabelled: { readonly rows: number; readonly from: string; readonly to: string };
  };
  /** Mature rows (train + validation + test), their positives and label rate. */
  readonly labelled_rows: number;
  readonly positives: number;
  readonly label_rate: number | null;
  readonly links: {
    /** Return rows linked to a purchase line (by key + by fallback). */
    readonly total: number;
    readonly by_transaction_key: number;
    /** Links made by buyer + Item Code + date order because the transaction key was unusable. */
    readonly via_fallback: number;
    /** Return rows that found no purchase line (bought before the data starts, or unmatched). */
    readonly unlinked_returns: number;
    /** Purchase lines that carry their own return in the same row. */
    readonly same_row_returns: number;
  };
  /** The feature columns written, in order (FEATURE_CATALOGUE). */
  readonly features: readonly string[];
}

export class FeatureSummaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureSummaryError';
  }
}

function count(row: Readonly<Record<string, unknown>>, column: string): number {
  const value = row[column];
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new FeatureSummaryError(`summary column ${column} should be a count, got ${String(value)}`);
  }
  return n;
}

function dateOrNull(row: Readonly<Record<string, unknown>>, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    throw new FeatureSummaryError(`summary column ${column} should be a date YYYY-MM-DD, got ${String(value)}`);
  }
  return value;
}

const rate = (positives: number, rows: number): number | null => (rows === 0 ? null : positives / rows);

/** The summary of a run, from the row of the features_summary table and the run's options. */
export function featureSummaryOf(row: Readonly<Record<string, unknown>>, options: FeatureOptions): FeatureSummary {
  for (const column of SUMMARY_COLUMNS) {
    if (!(column in row)) throw new FeatureSummaryError(`summary table has no column ${column}`);
  }
  const bounds = splitBoundaries(options);
  const split = (name: Exclude<SplitName, 'unlabelled'>, from: string | null, to: string | null): SplitSummary => {
    const rows = count(row, `${name}_rows`);
    const positives = count(row, `${name}_positives`);
    const empty = from !== null && to !== null && from > to;
    return { rows, positives, label_rate: rate(positives, rows), from: empty ? null : from, to: empty ? null : to };
  };
  const train = split('train', null, addDays(bounds.validationFrom, -1));
  const validation = split('validation', bounds.validationFrom, addDays(bounds.testFrom, -1));
  const test = split('test', bounds.testFrom, bounds.lastMatureDate);
  const labelledRows = train.rows + validation.rows + test.rows;
  const positives = train.positives + validation.positives + test.positives;
  const linksKey = count(row, 'links_key');
  const linksFallback = count(row, 'links_fallback');
  const returnRows = count(row, 'return_rows');
  return {
    as_of: options.asOf,
    horizon_days: options.horizonDays,
    split_days: { test: options.split.testDays, validation: options.split.validationDays },
    last_mature_date: bounds.lastMatureDate,
    order_rows: count(row, 'order_rows'),
    return_rows: returnRows,
    purchase_lines: count(row, 'purchase_lines'),
    date_range: { first: dateOrNull(row, 'first_purchase_date'), last: dateOrNull(row, 'last_purchase_date') },
    splits: {
      train,
      validation,
      test,
      unlabelled: { rows: count(row, 'unlabelled_rows'), from: addDays(bounds.lastMatureDate, 1), to: addDays(options.asOf, -1) },
    },
    labelled_rows: labelledRows,
    positives,
    label_rate: rate(positives, labelledRows),
    links: {
      total: linksKey + linksFallback,
      by_transaction_key: linksKey,
      via_fallback: linksFallback,
      unlinked_returns: returnRows - linksKey - linksFallback,
      same_row_returns: count(row, 'same_row_returns'),
    },
    features: FEATURE_NAMES,
  };
}

/** The summary as stable, human-readable JSON (keys in declaration order, two-space indent). */
export function serializeFeatureSummary(summary: FeatureSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}
