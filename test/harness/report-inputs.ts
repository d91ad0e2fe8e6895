/**
 * Everything the report reads, made the way the pipeline makes it, from a small synthetic order
 * file: validated orders and their quality report, the features table and its summary, a model
 * trained with a fast configuration, and predictions files written with the model's SQL on
 * DuckDB as PredictBatch(D) writes them: the lines dated D, scored from BuildFeatures(D+1)'s
 * table. Two more predictions files serve the drift tests: a sample of the training window
 * itself, and four weeks from another season.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { DuckDbEngine } from '../../src/adapters/engine/duckdb-engine.js';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { buildFeatures } from '../../src/application/build-features.js';
import { generateOrdersCsv } from '../../src/application/generate-orders.js';
import { trainModel, type OutOfTimeRow } from '../../src/application/train-model.js';
import { validateOrders } from '../../src/application/validate-orders.js';
import { loadModelArtifact, serializeArtifact, type LoadedModel } from '../../src/domain/artifact/model-artifact.js';
import { addDays } from '../../src/domain/dates.js';
import { FEATURE_CATALOGUE } from '../../src/domain/features/catalogue.js';
import type { FeatureSummary } from '../../src/domain/features/feature-summary.js';
import type { QualityReport } from '../../src/domain/orders/quality-report.js';

/** The last day of the synthetic period, so BuildFeatures(D+1) holds the lines dated D. */
export const REPORT_AS_OF = '2019-04-30';

export interface ReportInputs {
  readonly dir: string;
  readonly quality: QualityReport;
  readonly featureSummary: FeatureSummary;
  /** BuildFeatures(D): what the model was trained on. */
  readonly featuresParquet: string;
  /** BuildFeatures(D+1): what PredictBatch(D) scores from, and where every predictions file's lines are. */
  readonly scoredFeaturesParquet: string;
  /** As TrainModel writes model.json and the Report task loads it. */
  readonly loaded: LoadedModel;
  /** TrainModel's out-of-time predictions (out-of-time.csv). */
  readonly outOfTime: readonly OutOfTimeRow[];
  /** The purchases dated D, scored (what PredictBatch(D) writes). */
  readonly predictionsParquet: string;
  /** Every fourth train-split row, scored: the training window itself, so no drift. */
  readonly sameWindowPredictions: string;
  /** The first four weeks of purchases (November, around Black Friday), scored: drift in the calendar features. */
  readonly otherSeasonPredictions: string;
}

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export async function makeReportInputs(dir: string, rows = 8_000, seed = 7): Promise<ReportInputs> {
  await mkdir(dir, { recursive: true });
  const engine = new DuckDbEngine();
  const reader = new DuckDbTableReader();
  const ordersParquet = path.join(dir, 'orders.parquet');
  const staging = path.join(dir, 'staging.csv');
  const quality = await validateOrders({
    input: generateOrdersCsv({ rows, seed }),
    source: `synthetic://?rows=${rows}&seed=${seed}`,
    quarantine: createWriteStream(path.join(dir, 'quarantine.csv')),
    staging: { stream: createWriteStream(staging), location: staging },
    // D+1: the orders BuildFeatures(D+1) reads include day D.
    asOf: addDays(REPORT_AS_OF, 1),
    acceptedLocation: ordersParquet,
    engine,
  });
  await rm(staging, { force: true });
  const featuresParquet = path.join(dir, 'features.parquet');
  const featureSummary = await buildFeatures({ engine, ordersParquet, outputParquet: featuresParquet, asOf: REPORT_AS_OF, summaryTable: path.join(dir, 'summary.parquet') });
  const scoredFeaturesParquet = path.join(dir, 'features-next.parquet');
  await buildFeatures({ engine, ordersParquet, outputParquet: scoredFeaturesParquet, asOf: addDays(REPORT_AS_OF, 1), summaryTable: path.join(dir, 'summary-next.parquet') });
  const trained = await trainModel({
    reader,
    featuresParquet,
    asOf: REPORT_AS_OF,
    horizonDays: featureSummary.horizon_days,
    modelConfig: { families: ['logistic'], search: { logistic: { base: {}, grid: {} } }, importance: { repeats: 1, maxRows: 2000 } },
    fingerprint: {
      source_uri: `synthetic://?rows=${rows}&seed=${seed}`,
      raw_sha256: '0'.repeat(64),
      features_sha256: '1'.repeat(64),
      rows: { refit: 0, out_of_time: 0 },
      date_range: { first: featureSummary.date_range.first, last: featureSummary.date_range.last },
    },
    codeVersion: '0.0.0-test',
  });
  // Through JSON, as the Report task reads model.json from the store.
  const loaded = loadModelArtifact(JSON.parse(serializeArtifact(trained.artifact)), 'model.json', FEATURE_CATALOGUE);

  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  const write = async (file: string, where: string): Promise<string> => {
    await connection.run(
      `COPY (SELECT line_number, buyer_id, transaction_id, item_code, date, ${trained.sql} AS return_probability, 'product-returns/1' AS model_version, DATE ${quote(REPORT_AS_OF)} AS as_of
       FROM read_parquet(${quote(scoredFeaturesParquet)}) WHERE ${where} ORDER BY line_number) TO ${quote(file)} (FORMAT parquet)`,
    );
    return file;
  };
  try {
    const predictionsParquet = await write(path.join(dir, 'predictions.parquet'), `date = DATE ${quote(REPORT_AS_OF)}`);
    const sameWindowPredictions = await write(path.join(dir, 'predictions-same-window.parquet'), `split = 'train' AND line_number % 4 = 0`);
    const first = featureSummary.date_range.first!;
    const otherSeasonPredictions = await write(path.join(dir, 'predictions-other-season.parquet'), `date BETWEEN DATE ${quote(first)} AND DATE ${quote(addDays(first, 27))}`);
    return { dir, quality, featureSummary, featuresParquet, scoredFeaturesParquet, loaded, outOfTime: trained.outOfTime, predictionsParquet, sameWindowPredictions, otherSeasonPredictions };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
