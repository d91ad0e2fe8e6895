/**
 * Use case: read, from BuildFeatures' table and PredictBatch's predictions, the row-level data
 * the report needs, and score it with the models:
 *   - the test split, scored by the trained model (ROC, precision-recall and calibration charts);
 *   - the training window (train split, evenly sampled), scored by the model that produced the
 *     predictions (the reference of drift);
 *   - the scored day: the predictions file's rows, their score, and their features looked up by
 *     line_number in the table PredictBatch scored from (the current side of drift);
 *   - category, brand, size and label of every labelled row (return rates by segment).
 * Computing the scores here, from the model, keeps the Report task to a few lines and means the
 * curves are drawn from exactly the model the metrics describe.
 */
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import type { CalibratedModel } from '../domain/model/calibrated-model.js';
import { categoricalColumn, featureMatrix, numericColumn, subsetRows, type FeatureMatrix } from '../domain/model/feature-matrix.js';
import { categoricalValues } from '../domain/report/drift.js';
import type { ScoredDay } from '../domain/report/report-content.js';
import { DEFAULT_REPORT_OPTIONS } from '../domain/report/options.js';
import type { TableColumns, TableReader } from '../ports/table-reader.js';
import { loadTrainingTable } from './train-model.js';

/** Columns PredictBatch's predictions file must have (others are ignored). */
export const PREDICTION_COLUMNS = { key: 'line_number', score: 'return_probability', version: 'model_version' } as const;

export interface ReportData {
  /** The trained model's probabilities on the test split, and the labels; null without a test split. */
  readonly test: { readonly p: Float64Array; readonly y: Uint8Array } | null;
  /** Null when there is no predictions file or no training row. */
  readonly drift: {
    readonly reference: FeatureMatrix;
    readonly current: FeatureMatrix;
    readonly referenceScores: Float64Array;
    readonly currentScores: Float64Array;
    readonly scoredDay: ScoredDay;
  } | null;
  /** Labelled rows (train, validation and test) for the return rates by segment. */
  readonly labelled: {
    readonly category: readonly (string | null)[];
    readonly brand: readonly (string | null)[];
    readonly size: readonly (string | null)[];
    readonly y: Uint8Array;
  };
}

export interface GatherReportDataRequest {
  readonly reader: TableReader;
  /** The features.parquet the model was trained on: BuildFeatures(D)'s (a local path). */
  readonly featuresParquet: string;
  /** PredictBatch's predictions.parquet (a local path); null or absent: no drift section. */
  readonly predictionsParquet?: string | null;
  /**
   * The features table holding the scored lines: PredictBatch(D) scores the lines dated D from
   * BuildFeatures(D+1), so that one's features.parquet. Default: `featuresParquet`.
   */
  readonly scoredFeaturesParquet?: string;
  /** The model TrainModel wrote (model.json): it scores the training window for drift. */
  readonly model: CalibratedModel;
  /** TrainModel's out-of-time predictions (out-of-time.csv): they feed the evaluation curves. */
  readonly outOfTime: readonly { readonly label: number; readonly return_probability: number }[];
  /**
   * The model that scored the predictions (the champion of model_version); the training window's
   * scores come from it, so score drift compares like with like. Default: `model`.
   */
  readonly scoringModel?: CalibratedModel;
  /** At most this many training rows form the drift reference (an even sample). */
  readonly maxReferenceRows?: number;
}

function rowsWhere(split: readonly string[], name: string): number[] {
  const rows: number[] = [];
  split.forEach((s, i) => s === name && rows.push(i));
  return rows;
}

/** At most `max` of `rows`, evenly spaced (the same rows every time). */
export function evenSample(rows: readonly number[], max: number): number[] {
  if (rows.length <= max) return [...rows];
  return Array.from({ length: max }, (_, k) => rows[Math.floor((k * rows.length) / max)] as number);
}

function column(x: FeatureMatrix, name: string): (string | null)[] {
  const c = x.columns.find((col) => col.name === name);
  if (c === undefined || c.kind !== 'categorical') throw new Error(`the features table has no categorical column ${name}`);
  return categoricalValues(c);
}

function matrixOf(table: TableColumns, rows: readonly number[]): FeatureMatrix {
  return featureMatrix(
    FEATURE_CATALOGUE.map((f) =>
      f.kind === 'numeric'
        ? numericColumn(f.name, Array.from(rows, (i) => table.numbers[f.name]![i] as number))
        : categoricalColumn(f.name, Array.from(rows, (i) => table.strings[f.name]![i] ?? null)),
    ),
  );
}

async function scoredDay(req: GatherReportDataRequest, predictionsParquet: string): Promise<{ current: FeatureMatrix; currentScores: Float64Array; scoredDay: ScoredDay }> {
  const predictions = await req.reader.readColumns(predictionsParquet, [
    { name: PREDICTION_COLUMNS.key, type: 'number' },
    { name: PREDICTION_COLUMNS.score, type: 'number' },
    { name: PREDICTION_COLUMNS.version, type: 'string' },
  ]);
  const keys = predictions.numbers[PREDICTION_COLUMNS.key]!;
  const versions = [...new Set(predictions.strings[PREDICTION_COLUMNS.version]!.filter((v): v is string => v !== null))].sort();
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const k of keys) {
    if (k < lo) lo = k; // NaN (a missing key) never compares, so it never widens the range
    if (k > hi) hi = k;
  }
  // The range only narrows the read; the join by line_number below decides which rows match.
  const features =
    !(lo <= hi)
      ? { rows: 0, numbers: {}, strings: {} }
      : await req.reader.readColumns(
          req.scoredFeaturesParquet ?? req.featuresParquet,
          [
            { name: 'line_number', type: 'number' },
            { name: 'date', type: 'string' },
            ...FEATURE_CATALOGUE.map((f) => ({ name: f.name, type: f.kind === 'numeric' ? ('number' as const) : ('string' as const) })),
          ],
          `line_number BETWEEN ${lo} AND ${hi}`,
        );
  const rowOf = new Map<number, number>();
  const lines = features.numbers['line_number'];
  for (let i = 0; i < features.rows; i++) rowOf.set(lines![i] as number, i);
  const matched: number[] = [];
  for (const k of keys) {
    const row = rowOf.get(k);
    if (row !== undefined) matched.push(row);
  }
  const dates = matched.map((i) => features.strings['date']![i]).filter((d): d is string => typeof d === 'string').sort();
  return {
    current: matched.length === 0 ? featureMatrix(FEATURE_CATALOGUE.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, []) : categoricalColumn(f.name, [])))) : matrixOf(features, matched),
    currentScores: predictions.numbers[PREDICTION_COLUMNS.score]!,
    scoredDay: {
      rows: predictions.rows,
      matchedRows: matched.length,
      dates: dates.length === 0 ? null : { first: dates[0]!, last: dates[dates.length - 1]! },
      modelVersions: versions,
    },
  };
}

export async function gatherReportData(req: GatherReportDataRequest): Promise<ReportData> {
  const table = await loadTrainingTable(req.reader, req.featuresParquet);
  const test = req.outOfTime.length === 0 ? null : { p: Float64Array.from(req.outOfTime, (r) => r.return_probability), y: Uint8Array.from(req.outOfTime, (r) => r.label) };
  const labelled = { category: column(table.x, 'category'), brand: column(table.x, 'brand'), size: column(table.x, 'version_size'), y: table.y };

  const trainRows = evenSample(rowsWhere(table.split, 'train'), req.maxReferenceRows ?? DEFAULT_REPORT_OPTIONS.maxReferenceRows);
  if (!req.predictionsParquet || trainRows.length === 0) return { test, drift: null, labelled };
  const reference = subsetRows(table.x, trainRows);
  const referenceScores = (req.scoringModel ?? req.model).predictProba(reference);
  return { test, drift: { reference, referenceScores, ...(await scoredDay(req, req.predictionsParquet)) }, labelled };
}
