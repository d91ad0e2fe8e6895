/**
 * Use case: validate an order CSV. Every row ends up either accepted (typed, into a Parquet file)
 * or quarantined (its original text, line number and every reason, into a CSV file), and a
 * quality report counts both. Too many quarantined rows is a DataQualityError, so nothing
 * downstream runs on bad data; a broken file is an OrderFileError with a one-line message.
 */
import type { Readable, Writable } from 'node:stream';
import { isIsoDate } from '../domain/dates.js';
import {
  DataQualityError,
  DuplicateTracker,
  ORDER_LINE_COLUMN_TYPES,
  ORDER_LINE_FIELDS,
  OrderFileError,
  QualityReportBuilder,
  checkOrderRow,
  orderLineCells,
  reasonCodesOf,
  rowRuleOptions,
  type QualityReport,
  type RowReason,
  type RowRuleOptions,
} from '../domain/orders/index.js';
import type { Logger } from '../ports/logger.js';
import type { SqlEngine, SqlJob } from '../ports/sql-engine.js';
import { CsvSink } from './csv-sink.js';
import { readOrderCsvBatches } from './order-csv-reader.js';

/** Columns of the quarantine CSV. */
export const QUARANTINE_COLUMNS = ['line_number', 'reasons', 'messages', 'raw_line'] as const;

/** The view/table name of accepted order lines in SQL jobs. */
export const ORDER_LINES_TABLE = 'order_lines';

export interface ValidateOrdersRequest {
  /** The raw bytes of the order CSV. */
  readonly input: Readable;
  /** Named in messages and in the report (a URI without secrets). */
  readonly source?: string;
  /** The run date, YYYY-MM-DD: rows dated after the next day are quarantined as date_in_future. */
  readonly asOf?: string;
  /** Largest tolerated share of quarantined rows, 0..1 (default 0.05). */
  readonly maxQuarantineShare?: number;
  /** Receives the quarantine CSV; ended by this use case, destroyed on failure. */
  readonly quarantine: Writable;
  /**
   * A local scratch file for accepted rows as typed CSV: `stream` writes it, `location` is where
   * the engine reads it back. Ended by this use case; the caller deletes the file afterwards.
   */
  readonly staging: { readonly stream: Writable; readonly location: string };
  /** Where the engine writes the accepted rows as Parquet (snappy), ordered by line_number. */
  readonly acceptedLocation: string;
  readonly engine: SqlEngine;
  readonly logger?: Logger;
}

/** The SQL job turning the staged typed CSV into the Parquet file of accepted order lines. */
export function acceptedOrdersJob(stagingLocation: string, acceptedLocation: string): SqlJob {
  return {
    inputs: [{ name: ORDER_LINES_TABLE, location: stagingLocation, format: 'csv', columns: ORDER_LINE_COLUMN_TYPES }],
    statements: [],
    outputs: [{ table: ORDER_LINES_TABLE, location: acceptedLocation, format: 'parquet', orderBy: 'line_number' }],
  };
}

function quarantineCells(lineNumber: number, reasons: readonly RowReason[], raw: string): string[] {
  return [String(lineNumber), reasonCodesOf(reasons).join(';'), reasons.map((r) => `${r.code}: ${r.message}`).join(' | '), raw];
}

/**
 * Validates the input and writes the quarantine and (when the data passes) the accepted Parquet.
 *
 * @returns the quality report (the caller writes it, e.g. with serializeQualityReport).
 * @throws OrderFileError when the file itself is unusable (nothing is accepted).
 * @throws DataQualityError when the quarantined share is above the limit; its `report` is the
 *   report to write, and `withReportPath(path)` gives the message to show. No Parquet is written.
 */
export async function validateOrders(request: ValidateOrdersRequest): Promise<QualityReport> {
  if (request.asOf !== undefined && !isIsoDate(request.asOf)) {
    throw new RangeError(`asOf must be a date YYYY-MM-DD, got ${JSON.stringify(request.asOf)}`);
  }
  const builder = new QualityReportBuilder({
    source: request.source,
    asOf: request.asOf,
    maxQuarantineShare: request.maxQuarantineShare,
  });
  const quarantine = new CsvSink(request.quarantine, QUARANTINE_COLUMNS);
  const staging = new CsvSink(request.staging.stream, ORDER_LINE_FIELDS);
  const duplicates = new DuplicateTracker();
  let rules: RowRuleOptions | undefined;

  try {
    for await (const batch of readOrderCsvBatches(request.input)) {
      for (const item of batch) {
        switch (item.type) {
          case 'header':
            rules = rowRuleOptions(item.columnIndex, item.fieldCount, request.asOf);
            break;
          case 'blank':
            builder.addBlankLine();
            break;
          case 'row': {
            // The reader yields the header before any row.
            const verdict = checkOrderRow(item.fields, item.lineNumber, rules as RowRuleOptions);
            const duplicate = duplicates.check(item.fields, item.lineNumber);
            if (verdict.ok && duplicate === undefined) {
              builder.addAccepted(verdict.line);
              staging.add(orderLineCells(verdict.line));
              if (staging.full) await staging.flush();
            } else {
              const reasons = [...(verdict.ok ? [] : verdict.reasons), ...(duplicate === undefined ? [] : [duplicate])];
              builder.addQuarantined(item.lineNumber, reasons);
              quarantine.add(quarantineCells(item.lineNumber, reasons, item.raw));
              if (quarantine.full) await quarantine.flush();
            }
            break;
          }
        }
      }
    }
    await Promise.all([quarantine.end(), staging.end()]);
  } catch (err) {
    quarantine.abort();
    staging.abort();
    if (err instanceof OrderFileError && request.source !== undefined && err.source === undefined) throw err.in(request.source);
    throw err;
  }

  const report = builder.build();
  request.logger?.info('validated order lines', {
    rows_in: report.rows_in,
    rows_accepted: report.rows_accepted,
    rows_quarantined: report.rows_quarantined,
    passed: report.passed,
  });
  if (!report.passed) throw new DataQualityError(report);

  const result = await request.engine.runJob(acceptedOrdersJob(request.staging.location, request.acceptedLocation));
  const written = result.rowCounts[ORDER_LINES_TABLE];
  if (written !== report.rows_accepted) {
    throw new Error(
      `wrote ${String(written)} order lines to ${request.acceptedLocation} but accepted ${report.rows_accepted}; the staging file ${request.staging.location} was changed or misread`,
    );
  }
  return report;
}
