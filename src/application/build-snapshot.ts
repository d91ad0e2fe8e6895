/**
 * Use case: the serving snapshot of D (domain/features/snapshot-sql.ts), built on any SqlEngine
 * from the validated order lines, and read back into memory for the REST API.
 */
import { historySnapshotFrom, SNAPSHOT_TABLE, snapshotSqlJob } from '../domain/features/snapshot-sql.js';
import type { HistorySnapshot } from '../domain/features/online-features.js';
import type { Logger } from '../ports/logger.js';
import type { SqlEngine } from '../ports/sql-engine.js';
import type { TableReader } from '../ports/table-reader.js';

/** The file name of the snapshot among BuildFeatures(D)'s outputs. */
export const SNAPSHOT_FILE = 'snapshot.parquet';
/** Where BuildFeatures(date=D) keeps its snapshot. */
export const snapshotKey = (date: string): string => `BuildFeatures/date=${date}/${SNAPSHOT_FILE}`;

export interface BuildSnapshotRequest {
  readonly engine: SqlEngine;
  /** Validated order lines (the Parquet ValidateOrders writes). */
  readonly ordersParquet: string;
  /** Where the snapshot Parquet goes. */
  readonly outputParquet: string;
  /** D, YYYY-MM-DD: the history of every order line dated before D. */
  readonly asOf: string;
  readonly logger?: Logger;
}

/**
 * Runs the snapshot job; returns the number of rows written (keys plus the 'all' row and one
 * fallback row per entity).
 *
 * @throws FeatureOptionsError for a bad date, before anything runs.
 */
export async function buildSnapshot(request: BuildSnapshotRequest): Promise<{ rows: number }> {
  const result = await request.engine.runJob(snapshotSqlJob(request.asOf, { orders: request.ordersParquet, snapshot: request.outputParquet }));
  const rows = result.rowCounts[SNAPSHOT_TABLE] ?? 0;
  request.logger?.info('built the serving snapshot', { engine: request.engine.name, as_of: request.asOf, rows });
  return { rows };
}

/** Reads a snapshot Parquet (a local path) into the maps the online features look keys up in. */
export async function readSnapshot(reader: TableReader, parquetPath: string): Promise<HistorySnapshot> {
  const t = await reader.readColumns(parquetPath, [
    { name: 'entity', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'as_of', type: 'string' },
    { name: 'prior_purchases', type: 'number' },
    { name: 'prior_returns', type: 'number' },
    { name: 'return_rate', type: 'number' },
    { name: 'last_purchase_day', type: 'number' },
    { name: 'first_order_day', type: 'number' },
  ]);
  return historySnapshotFrom(
    {
      rows: t.rows,
      entity: t.strings.entity!,
      key: t.strings.key!,
      asOf: t.strings.as_of!,
      priorPurchases: t.numbers.prior_purchases!,
      priorReturns: t.numbers.prior_returns!,
      returnRate: t.numbers.return_rate!,
      lastPurchaseDay: t.numbers.last_purchase_day!,
      firstOrderDay: t.numbers.first_order_day!,
    },
    parquetPath,
  );
}
