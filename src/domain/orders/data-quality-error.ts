import type { QualityReport } from './quality-report.js';

/** Stands in for the report path until the caller, who writes the report, names it. */
export const REPORT_PATH_PLACEHOLDER = '<quality report>';

/**
 * Too many rows were quarantined: the data is not fit for the stages downstream. The caller
 * writes the report first, then rethrows `withReportPath(path)` so the one-line message says
 * where to look.
 */
export class DataQualityError extends Error {
  constructor(
    readonly report: QualityReport,
    readonly reportPath: string = REPORT_PATH_PLACEHOLDER,
  ) {
    const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
    super(
      `order data failed the quality check: ${report.rows_quarantined} of ${report.rows_in} rows quarantined (${pct(report.quarantined_share)}), above the limit of ${pct(report.max_quarantined_share)}; see ${reportPath}`,
    );
    this.name = 'DataQualityError';
  }

  withReportPath(path: string): DataQualityError {
    return new DataQualityError(this.report, path);
  }
}
