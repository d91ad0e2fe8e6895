/**
 * The model artifact, `model.json`: everything needed to score, audit and compare a model,
 * in a versioned format. Loading checks the format, its version and the feature list, and
 * refuses a mismatch with an error that says what differs.
 */
import { z } from 'zod';
import { CalibratedModel } from '../model/calibrated-model.js';

export const ARTIFACT_FORMAT = 'returns-model-artifact';
/** 2: out-of-time backtest and a refit on every mature row (1 trained on a train split and tested on a test split). */
export const ARTIFACT_FORMAT_VERSION = 2;

const metricSetSchema = z.object({
  rows: z.number(),
  positives: z.number(),
  rocAuc: z.number().nullable(),
  prAuc: z.number().nullable(),
  logLoss: z.number().nullable(),
  brier: z.number().nullable(),
  ece: z.number().nullable(),
  deciles: z.array(z.object({ decile: z.number(), rows: z.number(), meanPredicted: z.number().nullable(), returnRate: z.number().nullable() })),
});

export const artifactFeatureSchema = z.object({
  name: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  meaning: z.string(),
  /** How the estimator consumes the feature. */
  encoding: z.string(),
});

export const modelArtifactSchema = z.object({
  format: z.literal(ARTIFACT_FORMAT),
  format_version: z.number().int(),
  /** The logical creation time: the morning of the as-of date (TrainModel(D) is the model trained on the morning of D), so retraining on the same data gives the same bytes. */
  created_at: z.string(),
  as_of: z.string(),
  horizon_days: z.number(),
  code_version: z.string(),
  data_fingerprint: z.object({
    source_uri: z.string(),
    raw_sha256: z.string(),
    features_sha256: z.string(),
    /** Rows the shipped model was fitted on (every mature purchase line), and rows scored out of time. */
    rows: z.object({ refit: z.number(), out_of_time: z.number() }),
    date_range: z.object({ first: z.string().nullable(), last: z.string().nullable() }),
  }),
  features: z.array(artifactFeatureSchema).min(1),
  estimator: z.object({ family: z.string(), params: z.record(z.string(), z.unknown()) }),
  calibrator: z.object({ method: z.string() }),
  /** The fitted estimator and calibrator (CalibratedModel JSON): what predictProba runs. */
  model: z.object({ format: z.string() }).passthrough(),
  /** Every score here is out of time: produced by a fold model that never saw the rows it scored. */
  metrics: z.object({
    /** The winner's folds pooled: calibrated by cross-fitting; baseline = each fold's training return rate. */
    out_of_time: z.object({ uncalibrated: metricSetSchema, calibrated: metricSetSchema, baseline: metricSetSchema }),
    folds: z.array(
      z.object({
        fold: z.number(),
        train: z.object({ from: z.string(), to: z.string(), rows: z.number() }),
        window: z.object({ from: z.string(), to: z.string(), rows: z.number(), positives: z.number() }),
        logLoss: z.number().nullable(),
        rocAuc: z.number().nullable(),
        baselineLogLoss: z.number().nullable(),
        rounds: z.number().nullable(),
      }),
    ),
    /** logLoss and rocAuc: means over the folds (null for a candidate successive halving stopped). */
    candidates: z.array(
      z.object({ family: z.string(), params: z.record(z.string(), z.unknown()), logLoss: z.number().nullable(), rocAuc: z.number().nullable(), foldLogLoss: z.array(z.number().nullable()) }),
    ),
    refit: z.object({ rows: z.number(), positives: z.number(), base_rate: z.number() }),
  }),
  /** Permutation importance of the last fold's model on its window (rows it never saw). */
  importance: z.array(z.object({ feature: z.string(), logLossIncrease: z.number(), aucDecrease: z.number().nullable(), logLossIncreaseStd: z.number() })),
});

export type ModelArtifact = z.infer<typeof modelArtifactSchema>;
export type MetricSetJson = z.infer<typeof metricSetSchema>;

export class ModelArtifactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelArtifactError';
  }
}

export interface LoadedModel {
  readonly artifact: ModelArtifact;
  readonly model: CalibratedModel;
}

/**
 * Parses and checks an artifact. `expectedFeatures`, when given, is the feature list the caller
 * will supply (the current catalogue): a model expecting other features is refused.
 */
export function loadModelArtifact(json: unknown, where: string, expectedFeatures?: readonly { name: string; kind: string }[]): LoadedModel {
  const head = z.object({ format: z.string(), format_version: z.number() }).safeParse(json);
  if (!head.success || head.data.format !== ARTIFACT_FORMAT) {
    throw new ModelArtifactError(`${where} is not a returns model artifact (expected "format": "${ARTIFACT_FORMAT}")`);
  }
  if (head.data.format_version !== ARTIFACT_FORMAT_VERSION) {
    throw new ModelArtifactError(`${where} has format version ${head.data.format_version}; this returns reads version ${ARTIFACT_FORMAT_VERSION} (retrain, or use the matching release)`);
  }
  const parsed = modelArtifactSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ModelArtifactError(`${where} is malformed at '${issue.path.join('.')}': ${issue.message}`);
  }
  if (expectedFeatures) {
    const have = new Map(parsed.data.features.map((f) => [f.name, f.kind]));
    const missing = parsed.data.features.filter((f) => !expectedFeatures.some((e) => e.name === f.name && e.kind === f.kind)).map((f) => f.name);
    if (missing.length > 0) {
      throw new ModelArtifactError(`${where} expects features this version does not provide: ${missing.join(', ')} (catalogue has ${have.size === 0 ? 'none' : expectedFeatures.length} features)`);
    }
  }
  let model: CalibratedModel;
  try {
    model = CalibratedModel.fromJSON(parsed.data.model);
  } catch (err) {
    throw new ModelArtifactError(`${where}: the fitted model cannot be loaded: ${(err as Error).message.split('\n')[0]}`);
  }
  const modelFeatures = model.features.map((f) => f.name).join(',');
  const listed = parsed.data.features.map((f) => f.name).join(',');
  if (modelFeatures !== listed) throw new ModelArtifactError(`${where}: the estimator's features (${modelFeatures}) differ from the artifact's feature list (${listed})`);
  return { artifact: parsed.data, model };
}

/** Deterministic serialisation: fixed key order as built, two-space indent, final newline. */
export function serializeArtifact(artifact: ModelArtifact): string {
  return `${JSON.stringify(artifact, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}
