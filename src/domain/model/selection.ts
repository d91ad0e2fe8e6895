/**
 * Model selection: a small grid of hyperparameters per family (from config, with defaults), each
 * candidate fitted on the training rows and scored on the validation rows; the winner has the
 * lowest validation log loss (ties: higher AUC, then the order of the candidates). The winner's
 * probabilities are then calibrated on validation, evaluated (validation and test, with the
 * base-rate baseline) and explained by permutation importance.
 *
 * All of it is computation on matrices: the caller reads the feature table, times the run, logs
 * progress from the hooks and writes the artifacts.
 */
import { z } from 'zod';
import { CalibratedModel } from './calibrated-model.js';
import { CALIBRATION_METHODS, chooseCalibrator, type CalibrationMethod } from './calibration.js';
import { CLASSIFIER_FAMILIES, type ClassifierFamily, type RoundMetrics } from './classifier.js';
import { subsetRows, type FeatureMatrix } from './feature-matrix.js';
import { permutationImportance, type FeatureImportance } from './importance.js';
import { baselineMetrics, evaluate, logLoss, rocAuc, type MetricSet } from './metrics.js';
import { classifierParams, createClassifier } from './registry.js';
import { sampleWithoutReplacement } from './sampling.js';
import { Rng } from '../synthetic/prng.js';

const gridSchema = z.record(z.string(), z.array(z.unknown()).min(1));

const familySearchSchema = z
  .object({
    /** Parameters every candidate of the family shares. */
    base: z.record(z.string(), z.unknown()).default({}),
    /** Parameter -> values; candidates are every combination (in order), over `base`. */
    grid: gridSchema.default({}),
  })
  .strict();

export const DEFAULT_SEARCH: Record<ClassifierFamily, { base: Record<string, unknown>; grid: Record<string, unknown[]> }> = {
  logistic: { base: {}, grid: { l2: [1e-4, 1e-3, 1e-2] } },
  tree: { base: {}, grid: { maxDepth: [4, 6, 8] } },
  forest: { base: {}, grid: {} },
  gbdt: { base: {}, grid: { learningRate: [0.05, 0.1], maxLeaves: [15, 31] } },
};

export const modelConfigSchema = z
  .object({
    families: z.array(z.enum(CLASSIFIER_FAMILIES as [ClassifierFamily, ...ClassifierFamily[]])).min(1).default(['logistic', 'tree', 'forest', 'gbdt']),
    /** Seed given to every candidate that does not set its own. */
    seed: z.number().int().default(0),
    search: z
      .object({ logistic: familySearchSchema.optional(), tree: familySearchSchema.optional(), forest: familySearchSchema.optional(), gbdt: familySearchSchema.optional() })
      .strict()
      .default({}),
    calibration: z
      .object({
        methods: z.array(z.enum(CALIBRATION_METHODS)).min(1).default([...CALIBRATION_METHODS]),
        folds: z.number().int().min(2).default(5),
        gridSize: z.number().int().min(10).max(100_000).default(1000),
      })
      .strict()
      .default({ methods: [...CALIBRATION_METHODS], folds: 5, gridSize: 1000 }),
    importance: z
      .object({ repeats: z.number().int().min(0).default(3), maxRows: z.number().int().min(1).default(20_000) })
      .strict()
      .default({ repeats: 3, maxRows: 20_000 }),
  })
  .strict();

export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

export interface CandidateSpec {
  readonly family: ClassifierFamily;
  readonly params: Record<string, unknown>;
}

/** Every combination of `grid` values over `base`, the first parameter varying slowest. */
export function expandGrid(base: Record<string, unknown>, grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{ ...base }];
  for (const [name, values] of Object.entries(grid)) out = out.flatMap((params) => values.map((v) => ({ ...params, [name]: v })));
  return out;
}

/** The candidates the config asks for, in family order; the config's seed fills in `seed`. */
export function candidateSpecs(config: ModelConfig): CandidateSpec[] {
  return config.families.flatMap((family) => {
    const search = config.search[family] ?? DEFAULT_SEARCH[family];
    return expandGrid({ seed: config.seed, ...search.base }, search.grid).map((params) => ({ family, params }));
  });
}

export interface CandidateScore {
  readonly logLoss: number;
  readonly rocAuc: number;
}

/** Index of the winner: lowest log loss, then highest AUC, then first. NaN scores never win. */
export function pickWinner(scores: readonly CandidateScore[]): number {
  let best = -1;
  scores.forEach((s, i) => {
    if (Number.isNaN(s.logLoss)) return;
    if (best < 0) {
      best = i;
      return;
    }
    const b = scores[best] as CandidateScore;
    const auc = Number.isNaN(s.rocAuc) ? Number.NEGATIVE_INFINITY : s.rocAuc;
    const bestAuc = Number.isNaN(b.rocAuc) ? Number.NEGATIVE_INFINITY : b.rocAuc;
    if (s.logLoss < b.logLoss || (s.logLoss === b.logLoss && auc > bestAuc)) best = i;
  });
  if (best < 0) throw new Error('no candidate has a validation log loss');
  return best;
}

export interface LabelledMatrix {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
}

export interface TrainingData {
  readonly train: LabelledMatrix;
  readonly validation: LabelledMatrix;
  readonly test?: LabelledMatrix;
}

export interface CandidateResult extends CandidateSpec, CandidateScore {
  /** All parameters after defaults, as stored in the model. */
  readonly resolvedParams: Record<string, unknown>;
}

export interface TrainingHooks {
  readonly onCandidateStart?: (index: number, total: number, candidate: CandidateSpec) => void;
  readonly onCandidateDone?: (index: number, total: number, result: CandidateResult) => void;
  readonly onRound?: (candidate: number, round: number, metrics: RoundMetrics) => void;
}

export interface TrainingOutcome {
  readonly model: CalibratedModel;
  readonly winner: CandidateResult;
  readonly candidates: readonly CandidateResult[];
  readonly calibration: { readonly method: CalibrationMethod; readonly crossValidatedLogLoss: Readonly<Partial<Record<CalibrationMethod, number>>> };
  /** The training return rate (the baseline's constant prediction). */
  readonly trainBaseRate: number;
  readonly metrics: {
    readonly validation: { readonly uncalibrated: MetricSet; readonly calibrated: MetricSet; readonly baseline: MetricSet };
    readonly test?: { readonly calibrated: MetricSet; readonly baseline: MetricSet };
  };
  /** On (up to importance.maxRows) validation rows, for the calibrated model. */
  readonly importance: readonly FeatureImportance[];
}

/** A seeded sample of `count` rows (all of them when fewer), in row order. */
function sampleRows(m: LabelledMatrix, count: number, seed: number): LabelledMatrix {
  if (m.x.rows <= count) return m;
  const rows = sampleWithoutReplacement(Rng.fromSeed(seed, 0x73616d), m.x.rows, count);
  return { x: subsetRows(m.x, rows), y: Uint8Array.from(rows, (i) => m.y[i] as number) };
}

/**
 * Splits a feature table's rows by its split column ('train', 'validation', 'test'; other values
 * are left out), keeping row order within each part.
 */
export function trainingDataFromSplit(x: FeatureMatrix, y: Uint8Array, split: ArrayLike<string>): TrainingData {
  if (y.length !== x.rows || split.length !== x.rows) throw new Error(`${x.rows} rows, ${y.length} labels and ${split.length} split values must agree`);
  const part = (name: string): LabelledMatrix => {
    const rows: number[] = [];
    for (let i = 0; i < split.length; i++) if (split[i] === name) rows.push(i);
    return { x: subsetRows(x, rows), y: Uint8Array.from(rows, (i) => y[i] as number) };
  };
  const test = part('test');
  return { train: part('train'), validation: part('validation'), ...(test.x.rows > 0 ? { test } : {}) };
}

/** Fits every candidate, picks, calibrates, evaluates and explains the winner. */
export function trainAndSelect(data: TrainingData, configInput: ModelConfigInput = {}, hooks: TrainingHooks = {}): TrainingOutcome {
  const config = modelConfigSchema.parse(configInput);
  const specs = candidateSpecs(config);
  const { train, validation } = data;
  let best: { index: number; classifier: ReturnType<typeof createClassifier>; p: Float64Array } | null = null;
  const results: CandidateResult[] = [];
  specs.forEach((spec, index) => {
    hooks.onCandidateStart?.(index, specs.length, spec);
    const classifier = createClassifier(spec.family, spec.params);
    classifier.fit(train.x, train.y, {
      validation,
      ...(hooks.onRound === undefined ? {} : { onRound: (round: number, m: RoundMetrics) => hooks.onRound?.(index, round, m) }),
    });
    const p = classifier.predictProba(validation.x);
    const result: CandidateResult = { ...spec, resolvedParams: classifierParams(classifier), logLoss: logLoss(p, validation.y), rocAuc: rocAuc(p, validation.y) };
    results.push(result);
    hooks.onCandidateDone?.(index, specs.length, result);
    if (pickWinner(results) === index) best = { index, classifier, p };
  });
  const chosen = best as { index: number; classifier: ReturnType<typeof createClassifier>; p: Float64Array } | null;
  if (chosen === null) throw new Error('no candidate model was fitted');

  const { calibrator, crossValidatedLogLoss } = chooseCalibrator(chosen.p, validation.y, {
    methods: config.calibration.methods,
    folds: config.calibration.folds,
    seed: config.seed,
    gridSize: config.calibration.gridSize,
  });
  const model = new CalibratedModel(chosen.classifier, calibrator);
  let positives = 0;
  for (let i = 0; i < train.y.length; i++) positives += train.y[i] as number;
  const trainBaseRate = positives / train.y.length;

  const calibratedValidation = calibrator.apply(chosen.p);
  const test = data.test;
  const importanceRows = sampleRows(validation, config.importance.maxRows, config.seed);
  const importance =
    config.importance.repeats === 0
      ? []
      : permutationImportance(model.columnScorer(importanceRows.x), importanceRows.x, importanceRows.y, { repeats: config.importance.repeats, seed: config.seed });
  return {
    model,
    winner: results[chosen.index] as CandidateResult,
    candidates: results,
    calibration: { method: calibrator.kind, crossValidatedLogLoss },
    trainBaseRate,
    metrics: {
      validation: {
        uncalibrated: evaluate(chosen.p, validation.y),
        calibrated: evaluate(calibratedValidation, validation.y),
        baseline: baselineMetrics(trainBaseRate, validation.y),
      },
      ...(test === undefined ? {} : { test: { calibrated: evaluate(model.predictProba(test.x), test.y), baseline: baselineMetrics(trainBaseRate, test.y) } }),
    },
    importance,
  };
}
