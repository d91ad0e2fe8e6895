/**
 * Use case: from BuildFeatures' table, choose a model by out-of-time backtest over the mature
 * purchases, refit the winner on every mature row, calibrate it with its out-of-time scores, and
 * produce the model artifact (model.json), its SQL form (model.sql) and the out-of-time
 * predictions that the report and the champion gate score.
 */
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import { ARTIFACT_FORMAT, ARTIFACT_FORMAT_VERSION, type MetricSetJson, type ModelArtifact } from '../domain/artifact/model-artifact.js';
import { categoricalColumn, featureMatrix, numericColumn, type FeatureColumn, type FeatureMatrix } from '../domain/model/feature-matrix.js';
import type { RoundMetrics } from '../domain/model/classifier.js';
import type { MetricSet } from '../domain/model/metrics.js';
import { modelFamily } from '../domain/model/registry.js';
import { backtestAndRefit, type ModelConfigInput, type TrainingOutcome } from '../domain/model/selection.js';
import { addDays } from '../domain/dates.js';
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
  readonly onRound?: (candidate: number, fold: number, round: number, metrics: RoundMetrics) => void;
}

export interface TrainedModel {
  readonly artifact: ModelArtifact;
  /** One SQL expression over the feature columns giving the calibrated probability. */
  readonly sql: string;
  readonly outcome: TrainingOutcome;
  /** The winner's out-of-time predictions, one row per scored purchase line (OUT_OF_TIME_COLUMNS). */
  readonly outOfTime: OutOfTimeRow[];
}

/** Columns of the out-of-time predictions file, in order. */
export const OUT_OF_TIME_COLUMNS = ['line_number', 'date', 'fold', 'label', 'return_probability'] as const;

export interface OutOfTimeRow {
  readonly line_number: number;
  readonly date: string;
  readonly fold: number;
  readonly label: number;
  /** Calibrated by cross-fitting: no row's probability comes from a calibrator fitted on it. */
  readonly return_probability: number;
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

/** Reads back what TrainModel wrote as out-of-time.csv; a file of another shape is refused with its line. */
export function parseOutOfTimeCsv(text: string, where: string): OutOfTimeRow[] {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== OUT_OF_TIME_COLUMNS.join(',')) throw new Error(`${where}: expected the header ${OUT_OF_TIME_COLUMNS.join(',')}`);
  return lines.slice(1).map((line, i) => {
    const [lineNumber, date, fold, label, p] = line.split(',');
    const row = { line_number: Number(lineNumber), date: date ?? '', fold: Number(fold), label: Number(label), return_probability: Number(p) };
    if (!Number.isInteger(row.line_number) || !/^\d{4}-\d{2}-\d{2}$/.test(row.date) || !(row.return_probability >= 0 && row.return_probability <= 1)) {
      throw new Error(`${where} line ${i + 2} is not an out-of-time prediction: ${JSON.stringify(line)}`);
    }
    return row;
  });
}

/** The mature rows of a features table, in file order (purchase date, then line number). */
export interface TrainingTable {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
  readonly dates: string[];
  readonly lineNumber: Float64Array;
  /** BuildFeatures' split name of each row (the report's drift reference reads the train split). */
  readonly split: string[];
}

/** Every mature row of a features table, as a matrix, labels, purchase dates and line numbers. */
export async function loadTrainingTable(reader: TableReader, parquet: string): Promise<TrainingTable> {
  const table = await reader.readColumns(
    parquet,
    [
      { name: 'label', type: 'number' },
      { name: 'split', type: 'string' },
      { name: 'date', type: 'string' },
      { name: 'line_number', type: 'number' },
      ...FEATURE_CATALOGUE.map((f) => ({ name: f.name, type: f.kind === 'numeric' ? ('number' as const) : ('string' as const) })),
    ],
    'label_mature',
  );
  const columns: FeatureColumn[] = FEATURE_CATALOGUE.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, table.numbers[f.name]!) : categoricalColumn(f.name, table.strings[f.name]!)));
  const y = Uint8Array.from(table.numbers.label!, (v) => (v === 1 ? 1 : 0));
  return {
    x: featureMatrix(columns),
    y,
    dates: table.strings.date!.map((d) => d ?? ''),
    lineNumber: table.numbers.line_number!,
    split: table.strings.split!.map((s) => s ?? ''),
  };
}

const metricJson = (m: MetricSet): MetricSetJson => JSON.parse(JSON.stringify(m, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as MetricSetJson;
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export async function trainModel(req: TrainModelRequest): Promise<TrainedModel> {
  const table = await loadTrainingTable(req.reader, req.featuresParquet);
  const lastMatureDate = addDays(req.asOf, -req.horizonDays - 1);
  req.logger?.info(`backtesting on ${table.x.rows} mature purchase lines (up to ${lastMatureDate}), then refitting the winner on all of them`);
  const outcome = backtestAndRefit({ x: table.x, y: table.y, dates: table.dates }, req.modelConfig, { asOf: req.asOf, horizonDays: req.horizonDays, lastMatureDate }, {
    onCandidateDone: (fold, folds, i, r) =>
      req.logger?.info(`fold ${fold}/${folds}, candidate ${i + 1} ${r.family}: out-of-time log loss ${r.logLoss.toFixed(5)}, AUC ${r.rocAuc.toFixed(4)}`, { params: r.params }),
    ...(req.onRound ? { onRound: req.onRound } : {}),
  });
  const family = outcome.winner.family;
  const oot = outcome.outOfTime;
  const artifact: ModelArtifact = {
    format: ARTIFACT_FORMAT,
    format_version: ARTIFACT_FORMAT_VERSION,
    created_at: `${req.asOf}T00:00:00.000Z`,
    as_of: req.asOf,
    horizon_days: req.horizonDays,
    code_version: req.codeVersion,
    data_fingerprint: { ...req.fingerprint, rows: { refit: outcome.refit.rows, out_of_time: oot.rows.length } },
    features: FEATURE_CATALOGUE.map((f) => ({ name: f.name, kind: f.kind, meaning: f.meaning, encoding: modelFamily(family).encoding(outcome.refit.params, f.kind) })),
    estimator: { family, params: outcome.refit.params },
    calibrator: { method: outcome.calibration.method },
    model: outcome.model.toJSON() as unknown as ModelArtifact['model'],
    metrics: {
      out_of_time: {
        uncalibrated: metricJson(outcome.metrics.uncalibrated),
        calibrated: metricJson(outcome.metrics.calibrated),
        baseline: metricJson(outcome.metrics.baseline),
      },
      folds: outcome.folds.map((f) => ({ ...f, logLoss: finiteOrNull(f.logLoss), rocAuc: finiteOrNull(f.rocAuc), baselineLogLoss: finiteOrNull(f.baselineLogLoss) })),
      candidates: outcome.candidates.map((c) => ({ family: c.family, params: c.params, logLoss: finiteOrNull(c.logLoss), rocAuc: finiteOrNull(c.rocAuc), foldLogLoss: c.foldLogLoss.map(finiteOrNull) })),
      refit: { rows: outcome.refit.rows, positives: outcome.refit.positives, base_rate: outcome.refit.baseRate },
    },
    importance: outcome.importance.map((i) => ({ ...i, aucDecrease: Number.isFinite(i.aucDecrease) ? i.aucDecrease : null })),
  };
  const outOfTime: OutOfTimeRow[] = Array.from(oot.rows, (row, j) => ({
    line_number: table.lineNumber[row] as number,
    date: table.dates[row] as string,
    fold: oot.fold[j] as number,
    label: oot.y[j] as number,
    return_probability: oot.calibrated[j] as number,
  }));
  return { artifact, sql: outcome.model.toSQL(featureColumnSql), outcome, outOfTime };
}
