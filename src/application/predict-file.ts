/**
 * Use case behind `returns predict`: score the purchase lines of an order file with a model
 * artifact. The file is validated like any input, features are built point-in-time from the
 * file's own history (each line sees only what happened before its date), and every purchase
 * line gets a probability.
 */
import type { Readable, Writable } from 'node:stream';
import { loadModelArtifact } from '../domain/artifact/model-artifact.js';
import { addDays } from '../domain/dates.js';
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import { categoricalColumn, featureMatrix, numericColumn } from '../domain/model/feature-matrix.js';
import type { Logger } from '../ports/logger.js';
import type { ScratchFolder } from '../ports/scratch-folder.js';
import type { SqlEngine } from '../ports/sql-engine.js';
import type { TableReader } from '../ports/table-reader.js';
import { buildFeatures } from './build-features.js';
import { csvLine } from './csv-sink.js';
import { validateOrders } from './validate-orders.js';

export interface PredictFileRequest {
  readonly input: Readable;
  readonly inputName: string;
  readonly modelJson: unknown;
  readonly modelName: string;
  readonly engine: SqlEngine;
  readonly reader: TableReader;
  readonly scratch: ScratchFolder;
  readonly output: Writable;
  readonly today: string;
  readonly maxQuarantineShare: number;
  readonly logger?: Logger;
}

/** line_number is the line's number in the input file (the header is line 1): the one exact key, since the ID columns are lossy. */
export const PREDICTION_COLUMNS = ['line_number', 'Buyer ID', 'Transaction ID', 'Item Code', 'Date', 'return_probability'] as const;

export async function predictFile(req: PredictFileRequest): Promise<{ lines: number; quarantined: number }> {
  const { model } = loadModelArtifact(req.modelJson, req.modelName, FEATURE_CATALOGUE);
  const { scratch } = req;
  const files = { orders: scratch.pathOf('orders.parquet'), staging: scratch.pathOf('staging.csv'), features: scratch.pathOf('features.parquet') };
  const report = await validateOrders({
    input: req.input,
    source: req.inputName,
    asOf: req.today,
    maxQuarantineShare: req.maxQuarantineShare,
    quarantine: scratch.createWriteStream('quarantine.csv'),
    staging: { stream: scratch.createWriteStream('staging.csv'), location: files.staging },
    acceptedLocation: files.orders,
    engine: req.engine,
    ...(req.logger ? { logger: req.logger } : {}),
  });
  await scratch.remove('staging.csv');
  if (!report.date_range) throw new Error(`${req.inputName} has no valid order lines to score`);
  await buildFeatures({ engine: req.engine, ordersParquet: files.orders, outputParquet: files.features, asOf: addDays(report.date_range.max, 1), ...(req.logger ? { logger: req.logger } : {}) });

  const table = await req.reader.readColumns(files.features, [
    { name: 'line_number', type: 'number' },
    { name: 'buyer_id', type: 'string' },
    { name: 'transaction_id', type: 'string' },
    { name: 'item_code', type: 'string' },
    { name: 'date', type: 'string' },
    ...FEATURE_CATALOGUE.map((f) => ({ name: f.name, type: f.kind === 'numeric' ? ('number' as const) : ('string' as const) })),
  ]);
  const x = featureMatrix(FEATURE_CATALOGUE.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, table.numbers[f.name]!) : categoricalColumn(f.name, table.strings[f.name]!))));
  const p = model.predictProba(x);
  req.output.write(csvLine([...PREDICTION_COLUMNS]));
  for (let i = 0; i < table.rows; i++) {
    const s = (name: string): string => table.strings[name]![i] ?? '';
    req.output.write(csvLine([String(table.numbers.line_number![i]), s('buyer_id'), s('transaction_id'), s('item_code'), s('date'), String(p[i])]));
  }
  await new Promise<void>((resolve, reject) => req.output.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { lines: table.rows, quarantined: report.rows_quarantined };
}
