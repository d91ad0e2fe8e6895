/**
 * Use case: from BuildFeatures' table, fit every candidate on train, pick the winner on
 * validation, calibrate it there, evaluate it once on test, and produce the model artifact
 * (model.json) and its SQL form (model.sql).
 */
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, type MetricSetJson, type ModelArtifact } from '../domain/artifact/model-artifact.js';
import { categoricalColumn, featureMatrix, numericColumn, type FeatureColumn, type FeatureMatrix } from '../domain/model/feature-matrix.js';
import type { RoundMetrics } from '../domain/model/classifier.js';
import type { MetricSet } from '../domain/model/metrics.js';
import { trainAndSelect, trainingDataFromSplit, type ModelConfigInput, type TrainingOutcome } from '../domain/model/selection.js';
import type { Logger } from '../ports/logger.js';
import type { TableReader } from '../ports/table-reader.js';

export interface TrainModelRequest {
  readonly reader: TableReader;
  readonly featuresParquet: string;
  readonly asOf: string;
  readonly horizonDays: number;
  readonly modelConfig: ModelConfigInput;
  readonly fingerprint: ModelArtifact['data_fingerprint'];
  readonly codeVersion: string;
  readonly logger?: Logger;
  readonly onRound?: (candidate: number, round: number, metrics: RoundMetrics) => void;
}

export interface TrainedModel {
  readonly artifact: ModelArtifact;
  /** One SQL expression over the feature columns giving the calibrated probability. */
  readonly sql: string;
  readonly outcome: TrainingOutcome;
}

/** How each family consumes the features, recorded in the artifact. */
function encodingOf(family: string, kind: 'numeric' | 'categorical'): string {
  if (family === 'logistic') return kind === 'numeric' ? 'standardised, missing -> mean with indicator' : 'one-hot (rare levels -> other)';
  return kind === 'numeric' ? 'quantile bins, missing -> own bin' : 'category bins (rare levels -> other, missing -> own bin)';
}

/**
 * A feature column in model.sql. Feature names are plain snake_case identifiers, written bare:
 * DuckDB reads `"x"` as a column but Spark SQL reads it as a string literal, and Spark's
 * backticks are not DuckDB's, so a bare name is the one spelling both engines share.
 */
export function featureColumnSql(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`feature name ${JSON.stringify(name)} is not a plain identifier`);
  return name;
}

/** The mature rows of the three splits of a features table, in file order. */
export interface TrainingTable {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
  readonly split: string[];
  /** Each row's line_number (its line in the order file); read only when asked for. */
  readonly lineNumber?: Float64Array;
}

/**
 * The features table's mature rows of the three splits, as a matrix, labels and split names.
 * `lineNumbers` also reads the line_number key, for callers that join predictions to other data.
 */
export async function loadTrainingTable(reader: TableReader, parquet: string, options: { readonly lineNumbers?: boolean } = {}): Promise<TrainingTable> {
  const table = await reader.readColumns(
    parquet,
    [
      { name: 'label', type: 'number' },
      { name: 'split', type: 'string' },
      ...(options.lineNumbers === true ? [{ name: 'line_number', type: 'number' as const }] : []),
      ...FEATURE_CATALOGUE.map((f) => ({ name: f.name, type: f.kind === 'numeric' ? ('number' as const) : ('string' as const) })),
    ],
    "label_mature AND split IN ('train', 'validation', 'test')",
  );
  const columns: FeatureColumn[] = FEATURE_CATALOGUE.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, table.numbers[f.name]!) : categoricalColumn(f.name, table.strings[f.name]!)));
  const y = Uint8Array.from(table.numbers.label!, (v) => (v === 1 ? 1 : 0));
  const lineNumber = table.numbers.line_number;
  return { x: featureMatrix(columns), y, split: table.strings.split!.map((s) => s ?? ''), ...(lineNumber === undefined ? {} : { lineNumber }) };
}

const metricJson = (m: MetricSet): MetricSetJson => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as MetricSetJson;

export async function trainModel(req: TrainModelRequest): Promise<TrainedModel> {
  const { x, y, split } = await loadTrainingTable(req.reader, req.featuresParquet);
  const data = trainingDataFromSplit(x, y, split);
  if (data.train.x.rows === 0 || data.validation.x.rows === 0) {
    throw Object.assign(
      new Error(`not enough mature history before ${req.asOf} to train: ${data.train.x.rows} train and ${data.validation.x.rows} validation rows (labels need ${req.horizonDays} days to mature)`),
      { permanent: true },
    );
  }
  req.logger?.info(`training on ${data.train.x.rows} rows, selecting on ${data.validation.x.rows}, testing on ${data.test?.x.rows ?? 0}`);
  const outcome = trainAndSelect(data, req.modelConfig, {
    onCandidateDone: (i, total, r) => req.logger?.info(`candidate ${i + 1}/${total} ${r.family}: validation log loss ${r.logLoss.toFixed(5)}, AUC ${r.rocAuc.toFixed(4)}`, { params: r.params }),
    ...(req.onRound ? { onRound: req.onRound } : {}),
  });
  const family = outcome.winner.family;
  const artifact: ModelArtifact = {
    format: ARTIFACT_FORMAT,
    format_version: ARTIFACT_FORMAT_VERSION,
    created_at: `${req.asOf}T00:00:00.000Z`,
    as_of: req.asOf,
    horizon_days: req.horizonDays,
    code_version: req.codeVersion,
    data_fingerprint: { ...req.fingerprint, rows: { train: data.train.x.rows, validation: data.validation.x.rows, test: data.test?.x.rows ?? 0 } },
    features: FEATURE_CATALOGUE.map((f) => ({ name: f.name, kind: f.kind, meaning: f.meaning, encoding: encodingOf(family, f.kind) })),
    estimator: { family, params: outcome.winner.resolvedParams },
    calibrator: { method: outcome.calibration.method },
    model: outcome.model.toJSON() as unknown as ModelArtifact['model'],
    metrics: {
      validation: {
        uncalibrated: metricJson(outcome.metrics.validation.uncalibrated),
        calibrated: metricJson(outcome.metrics.validation.calibrated),
        baseline: metricJson(outcome.metrics.validation.baseline),
      },
      test: outcome.metrics.test ? { calibrated: metricJson(outcome.metrics.test.calibrated), baseline: metricJson(outcome.metrics.test.baseline) } : null,
      candidates: outcome.candidates.map((c) => ({ family: c.family, params: c.params, logLoss: Number.isFinite(c.logLoss) ? c.logLoss : null, rocAuc: Number.isFinite(c.rocAuc) ? c.rocAuc : null })),
      train_base_rate: outcome.trainBaseRate,
    },
    importance: outcome.importance.map((i) => ({ ...i, aucDecrease: Number.isFinite(i.aucDecrease) ? i.aucDecrease : null })),
  };
  return { artifact, sql: outcome.model.toSQL(featureColumnSql), outcome };
}
