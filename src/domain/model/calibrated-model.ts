/**
 * The deployable model: a fitted classifier followed by its calibrator. Its JSON is the model
 * artifact's content; its SQL is one expression over the feature columns that gives the
 * calibrated probability on DuckDB and Spark alike.
 */
import { z } from 'zod';
import { calibratorFromJSON, calibratorJsonSchema, type Calibrator, type CalibratorJson } from './calibration.js';
import type { Classifier, ClassifierJson, ColumnScorer } from './classifier.js';
import { predictingColumnScorer } from './importance.js';
import type { FeatureMatrix, FeatureSpec } from './feature-matrix.js';
import { classifierFromJSON } from './registry.js';

export const MODEL_FORMAT = 'returns-model';

export interface CalibratedModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: 1;
  readonly classifier: ClassifierJson;
  readonly calibrator: CalibratorJson;
}

const calibratedModelJsonSchema = z
  .object({
    format: z.literal(MODEL_FORMAT),
    version: z.literal(1),
    classifier: z.object({ family: z.string() }).passthrough(),
    calibrator: calibratorJsonSchema,
  })
  .strict();

export class CalibratedModel {
  constructor(
    readonly classifier: Classifier,
    readonly calibrator: Calibrator,
  ) {}

  /** The features the model reads (name and kind), in its order. */
  get features(): readonly FeatureSpec[] {
    return this.classifier.toJSON().features;
  }

  predictProba(x: FeatureMatrix): Float64Array {
    return this.calibrator.apply(this.classifier.predictProba(x));
  }

  /** The classifier's ColumnScorer where it has one, its outputs calibrated as predictProba does. */
  columnScorer(x: FeatureMatrix): ColumnScorer {
    const inner = this.classifier.columnScorer?.(x) ?? predictingColumnScorer((m) => this.classifier.predictProba(m), x);
    return { base: this.calibrator.apply(inner.base), withColumn: (position, column) => this.calibrator.apply(inner.withColumn(position, column)) };
  }

  toSQL(columnSql: (name: string) => string): string {
    return this.calibrator.toSQL(this.classifier.toSQL(columnSql));
  }

  toJSON(): CalibratedModelJson {
    return { format: MODEL_FORMAT, version: 1, classifier: this.classifier.toJSON(), calibrator: this.calibrator.toJSON() };
  }

  static fromJSON(json: unknown): CalibratedModel {
    const parsed = calibratedModelJsonSchema.parse(json);
    return new CalibratedModel(classifierFromJSON(parsed.classifier), calibratorFromJSON(parsed.calibrator));
  }
}
