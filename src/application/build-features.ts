/**
 * Use case: build the point-in-time features and labels of every purchase line dated before the
 * as-of date, with their train / validation / test split, on any SqlEngine. The SQL is
 * domain/features/feature-sql.ts; this module runs it and turns its summary table into the JSON
 * summary.
 */
import { FEATURE_DEFAULTS, checkFeatureOptions, type FeatureOptions, type SplitDays } from '../domain/features/feature-options.js';
import { FEATURES_SUMMARY_TABLE, FEATURES_TABLE, featureSqlJob } from '../domain/features/feature-sql.js';
import { featureSummaryOf, type FeatureSummary } from '../domain/features/feature-summary.js';
import type { Logger } from '../ports/logger.js';
import type { SqlEngine, SqlJob } from '../ports/sql-engine.js';

export interface BuildFeaturesRequest {
  readonly engine: SqlEngine;
  /** Validated order lines (the Parquet ValidateOrders writes). */
  readonly ordersParquet: string;
  /** Where the features Parquet goes: one row per purchase line, ordered by date, line_number. */
  readonly outputParquet: string;
  /** The run date D, YYYY-MM-DD: only rows dated before D are read. */
  readonly asOf: string;
  /** Label horizon H in days (default 35). */
  readonly horizonDays?: number;
  /** Days of the test and validation splits, counted back from the last mature date (default 30 + 30). */
  readonly split?: Partial<SplitDays>;
  /**
   * Where the job writes its one-row summary table (Parquet) before it is read back; default
   * `<outputParquet>.summary.parquet`. The caller may delete it once this returns.
   */
  readonly summaryTable?: string;
  readonly logger?: Logger;
}

/**
 * Runs the feature job and returns its summary (the caller writes it, e.g. with
 * serializeFeatureSummary).
 *
 * @throws FeatureOptionsError for a bad date, horizon or split, before anything runs.
 * @throws SqlEngineError (from the engine) when the job fails; no partial output is left.
 */
export async function buildFeatures(request: BuildFeaturesRequest): Promise<FeatureSummary> {
  const options: FeatureOptions = checkFeatureOptions({
    asOf: request.asOf,
    horizonDays: request.horizonDays ?? FEATURE_DEFAULTS.horizonDays,
    split: {
      testDays: request.split?.testDays ?? FEATURE_DEFAULTS.split.testDays,
      validationDays: request.split?.validationDays ?? FEATURE_DEFAULTS.split.validationDays,
    },
  });
  const summaryTable = request.summaryTable ?? `${request.outputParquet}.summary.parquet`;
  const job: SqlJob = featureSqlJob(options, { orders: request.ordersParquet, features: request.outputParquet, summary: summaryTable });
  const result = await request.engine.runJob(job);
  const rows = await request.engine.query(`SELECT * FROM ${FEATURES_SUMMARY_TABLE}`, [
    { name: FEATURES_SUMMARY_TABLE, location: summaryTable, format: 'parquet' },
  ]);
  if (rows.length !== 1 || rows[0] === undefined) {
    throw new Error(`the feature summary table ${summaryTable} has ${rows.length} rows; expected exactly 1`);
  }
  const summary = featureSummaryOf(rows[0], options);
  const written = result.rowCounts[FEATURES_TABLE];
  if (written !== summary.purchase_lines) {
    throw new Error(`wrote ${String(written)} feature rows to ${request.outputParquet} but the summary counts ${summary.purchase_lines} purchase lines`);
  }
  request.logger?.info('built features', {
    engine: request.engine.name,
    as_of: summary.as_of,
    purchase_lines: summary.purchase_lines,
    labelled_rows: summary.labelled_rows,
    label_rate: summary.label_rate,
    links: summary.links.total,
    links_via_fallback: summary.links.via_fallback,
  });
  return summary;
}
