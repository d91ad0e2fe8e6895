/**
 * The one interface every model family implements. A classifier is fitted on a FeatureMatrix and
 * a 0/1 label, predicts the probability of label 1, serialises to plain JSON (byte-identical for
 * the same data, config and seed), and writes itself as one SQL expression over the feature
 * columns that computes the same probabilities as predictProba (within 1e-9).
 */
import type { FeatureColumn, FeatureMatrix, FeatureSpec } from './feature-matrix.js';

/** A family's name; registry.ts holds the families there are. */
export type ClassifierFamily = string;

/** Figures a family reports after each boosting round / tree (for progress logs). */
export interface RoundMetrics {
  readonly trainLogLoss?: number;
  readonly validationLogLoss?: number;
}

export interface FitOptions {
  /** Held-out rows: GBDT stops early on their log loss; others ignore them. */
  readonly validation?: { readonly x: FeatureMatrix; readonly y: Uint8Array };
  /** Per-row weights of the training rows (multiplied with class weights where a family has them). */
  readonly weights?: Float64Array;
  readonly onRound?: (round: number, metrics: RoundMetrics) => void;
}

/**
 * Scores the rows of one matrix, then the same rows with one column replaced, in less time than
 * scoring them anew: permutation importance replaces every column several times.
 */
export interface ColumnScorer {
  /** P(label = 1) of the matrix's rows. */
  readonly base: Float64Array;
  /** P(label = 1) with column `position` of the matrix replaced by `column`, as predictProba gives it. */
  withColumn(position: number, column: FeatureColumn): Float64Array;
}

/** The serialised form: `family` selects the deserialiser; the rest belongs to the family. */
export interface ClassifierJson {
  readonly family: ClassifierFamily;
  readonly version: 1;
  readonly features: readonly FeatureSpec[];
  readonly [key: string]: unknown;
}

export interface Classifier {
  readonly family: ClassifierFamily;
  fit(train: FeatureMatrix, y: Uint8Array, opts?: FitOptions): void;
  /** P(label = 1) per row. Columns are found by name; extra columns are ignored. */
  predictProba(x: FeatureMatrix): Float64Array;
  /** A faster ColumnScorer than predictProba on each changed matrix, where the family has one. */
  columnScorer?(x: FeatureMatrix): ColumnScorer;
  toJSON(): ClassifierJson;
  /**
   * One SQL expression giving predictProba's value. `columnSql(name)` returns how to reference a
   * feature column (e.g. a quoted identifier); numeric columns are numbers or NULL, categorical
   * columns strings or NULL.
   */
  toSQL(columnSql: (name: string) => string): string;
}

export class ClassifierError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClassifierError';
  }
}

/** Fails unless labels are 0/1, one per row, with both classes present. */
export function checkLabels(x: FeatureMatrix, y: Uint8Array, weights?: Float64Array): void {
  if (y.length !== x.rows) throw new ClassifierError(`${y.length} labels for ${x.rows} rows`);
  if (weights !== undefined && weights.length !== x.rows) throw new ClassifierError(`${weights.length} weights for ${x.rows} rows`);
  let positives = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i] as number;
    if (v > 1) throw new ClassifierError(`label at row ${i} is ${v}; labels must be 0 or 1`);
    positives += v;
  }
  if (positives === 0 || positives === y.length) {
    throw new ClassifierError(`training needs both classes; got ${positives} positive labels out of ${y.length}`);
  }
}

/** A model used before fit() or after a failed fit. */
export function notFitted(family: string): ClassifierError {
  return new ClassifierError(`the ${family} classifier is not fitted: call fit() or load it with classifierFromJSON()`);
}
