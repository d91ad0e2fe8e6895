/**
 * Model selection by out-of-time backtest, then a final refit (see backtest.ts for the folds).
 * A small grid of hyperparameters per family (from config, with defaults); every candidate is
 * fitted on each fold's past and scored on its window, the winner has the lowest mean
 * out-of-time log loss (ties: higher AUC, then the order of the candidates), the calibrator is
 * chosen and fitted on the winner's out-of-time scores, and the winner is refitted on every
 * mature row: that refit is the model that ships.
 *
 * All of it is computation on matrices: the caller reads the feature table, times the run, logs
 * progress from the hooks and writes the artifacts.
 */
import { z } from 'zod';
import { backtestConfigSchema, backtestFolds, NotEnoughHistoryError, BACKTEST_DEFAULTS, type BacktestFold } from './backtest.js';
import { CalibratedModel } from './calibrated-model.js';
import { CALIBRATION_METHODS, chooseCalibrator, type CalibrationMethod } from './calibration.js';
import type { Classifier, ClassifierFamily, RoundMetrics } from './classifier.js';
import { subsetRows, type FeatureMatrix } from './feature-matrix.js';
import { permutationImportance, type FeatureImportance } from './importance.js';
import { evaluate, logLoss, rocAuc, type MetricSet } from './metrics.js';
import { classifierParams, CLASSIFIER_FAMILIES, createClassifier, modelFamily } from './registry.js';
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

/** The families searched when the config names none: the two that win on order data (bench/forward-test.ts). */
export const DEFAULT_FAMILIES: readonly ClassifierFamily[] = ['logistic', 'gbdt'];

export const modelConfigSchema = z
  .object({
    families: z.array(z.enum(CLASSIFIER_FAMILIES)).min(1).default([...DEFAULT_FAMILIES]),
    /** Seed given to every candidate that does not set its own. */
    seed: z.number().int().default(0),
    /** Per family, the search that replaces its default (family.ts). */
    search: z.partialRecord(z.enum(CLASSIFIER_FAMILIES), familySearchSchema).default({}),
    calibration: z
      .object({
        methods: z.array(z.enum(CALIBRATION_METHODS)).min(1).default([...CALIBRATION_METHODS]),
        folds: z.number().int().min(2).default(5),
        gridSize: z.number().int().min(10).max(100_000).default(1000),
      })
      .strict()
      .default({ methods: [...CALIBRATION_METHODS], folds: 5, gridSize: 1000 }),
    backtest: backtestConfigSchema.default(BACKTEST_DEFAULTS),
    /** Successive halving: after each fold but the last, only the better half of the candidates goes on. */
    halving: z.boolean().default(false),
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
export function expandGrid(base: Readonly<Record<string, unknown>>, grid: Readonly<Record<string, readonly unknown[]>>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{ ...base }];
  for (const [name, values] of Object.entries(grid)) out = out.flatMap((params) => values.map((v) => ({ ...params, [name]: v })));
  return out;
}

/** The candidates the config asks for, in family order; the config's seed fills in `seed`. */
export function candidateSpecs(config: ModelConfig): CandidateSpec[] {
  return config.families.flatMap((family) => {
    const search = config.search[family] ?? modelFamily(family).defaultSearch;
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
  if (best < 0) throw new Error('no candidate has an out-of-time log loss');
  return best;
}

/** The mature rows of a feature table: features, labels and each row's purchase date. */
export interface MatureRows {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
  /** ISO purchase date of each row. */
  readonly dates: readonly string[];
}

export interface CandidateResult extends CandidateSpec, CandidateScore {
  /** All parameters after defaults, as stored in the model. */
  readonly resolvedParams: Record<string, unknown>;
  /** Out-of-time log loss on each fold the candidate was scored on (successive halving may stop it early). */
  readonly foldLogLoss: readonly number[];
}

export interface FoldResult {
  readonly fold: number;
  readonly train: { readonly from: string; readonly to: string; readonly rows: number };
  readonly window: { readonly from: string; readonly to: string; readonly rows: number; readonly positives: number };
  /** The winner's out-of-time scores on the window, before calibration. */
  readonly logLoss: number;
  readonly rocAuc: number;
  /** The fold's training return rate as a constant prediction for the window. */
  readonly baselineLogLoss: number;
  /** Rounds kept by early stopping, for families that stop early. */
  readonly rounds: number | null;
}

/** The winner's out-of-time predictions: one entry per scored row, in fold order. */
export interface OutOfTimePredictions {
  /** Index of each scored row in the mature rows. */
  readonly rows: Int32Array;
  readonly fold: Uint8Array;
  readonly y: Uint8Array;
  readonly uncalibrated: Float64Array;
  /** Calibrated by cross-fitting (each row by a calibrator fitted without it). */
  readonly calibrated: Float64Array;
  /** The fold's training return rate. */
  readonly baseline: Float64Array;
}

export interface TrainingHooks {
  readonly onCandidateDone?: (fold: number, folds: number, candidate: number, result: CandidateSpec & CandidateScore) => void;
  readonly onRound?: (candidate: number, fold: number, round: number, metrics: RoundMetrics) => void;
}

export interface TrainingOutcome {
  /** The winner refitted on every mature row, with the calibrator of its out-of-time scores. */
  readonly model: CalibratedModel;
  readonly winner: CandidateResult;
  readonly candidates: readonly CandidateResult[];
  readonly folds: readonly FoldResult[];
  readonly outOfTime: OutOfTimePredictions;
  readonly calibration: { readonly method: CalibrationMethod; readonly crossValidatedLogLoss: Readonly<Partial<Record<CalibrationMethod, number>>> };
  readonly refit: { readonly rows: number; readonly positives: number; readonly baseRate: number; readonly params: Record<string, unknown> };
  /** Pooled over every fold's window: scored by models that never saw those rows. */
  readonly metrics: { readonly uncalibrated: MetricSet; readonly calibrated: MetricSet; readonly baseline: MetricSet };
  /** Of the last fold's winner, calibrated, on (up to importance.maxRows of) its window: rows it never saw. */
  readonly importance: readonly FeatureImportance[];
}

function labelsOf(y: Uint8Array, rows: ArrayLike<number>): Uint8Array {
  return Uint8Array.from(rows, (i) => y[i] as number);
}

function positivesOf(y: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < y.length; i++) n += y[i] as number;
  return n;
}

/** A seeded sample of `count` rows (all of them when fewer), in row order. */
function sampleRows(x: FeatureMatrix, y: Uint8Array, count: number, seed: number): { x: FeatureMatrix; y: Uint8Array } {
  if (x.rows <= count) return { x, y };
  const rows = sampleWithoutReplacement(Rng.fromSeed(seed, 0x73616d), x.rows, count);
  return { x: subsetRows(x, rows), y: labelsOf(y, rows) };
}

/** Rounds a boosted model kept, or null for the families that do not stop early. */
function keptRounds(classifier: Classifier): number | null {
  return modelFamily(classifier.family).earlyStopping?.roundsKept(classifier) ?? null;
}

/**
 * The refit's number of rounds: the rounds per training row that early stopping kept, pooled over
 * the folds, times the refit's rows. More rows support more rounds at the same learning rate.
 */
export function refitRounds(folds: readonly { rounds: number; fitRows: number }[], refitRows: number): number {
  let rounds = 0;
  let rows = 0;
  for (const f of folds) {
    rounds += f.rounds;
    rows += f.fitRows;
  }
  return Math.max(1, Math.round((rounds * refitRows) / rows));
}

interface FoldData {
  readonly spec: BacktestFold;
  /** What the fold is fitted on: every training row, or without the early-stopping days. */
  readonly all: { x: FeatureMatrix; y: Uint8Array };
  readonly fit: { x: FeatureMatrix; y: Uint8Array };
  readonly stop: { x: FeatureMatrix; y: Uint8Array };
  readonly window: { x: FeatureMatrix; y: Uint8Array };
}

function foldData(data: MatureRows, spec: BacktestFold): FoldData {
  const part = (rows: readonly number[]) => ({ x: subsetRows(data.x, rows), y: labelsOf(data.y, rows) });
  return { spec, all: part(spec.trainRows), fit: part(spec.fitRows), stop: part(spec.earlyStoppingRows), window: part(spec.windowRows) };
}

/** Fits one candidate on one fold: families that stop early stop on the fold's most recent training days. */
function fitOnFold(spec: CandidateSpec, fold: FoldData, onRound?: (round: number, m: RoundMetrics) => void): Classifier {
  const classifier = createClassifier(spec.family, spec.params);
  const early = modelFamily(spec.family).earlyStopping !== undefined && fold.stop.x.rows > 0;
  const on = early ? fold.fit : fold.all;
  classifier.fit(on.x, on.y, { ...(early ? { validation: fold.stop } : {}), ...(onRound === undefined ? {} : { onRound }) });
  return classifier;
}

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Out-of-time selection and a final refit. Every candidate is fitted on each fold's training rows
 * and scored on its window; with successive halving only the better half (by mean log loss so
 * far) goes on to the next fold. The winner has the best mean out-of-time log loss over all the
 * folds; its pooled out-of-time scores choose and fit the calibrator, and it is refitted on every
 * mature row (a boosted model with the rounds its folds' early stopping kept, scaled to the rows).
 */
export function backtestAndRefit(data: MatureRows, configInput: ModelConfigInput, context: { asOf: string; horizonDays: number; lastMatureDate: string }, hooks: TrainingHooks = {}): TrainingOutcome {
  const config = modelConfigSchema.parse(configInput);
  if (data.y.length !== data.x.rows || data.dates.length !== data.x.rows) throw new Error(`${data.x.rows} rows, ${data.y.length} labels and ${data.dates.length} dates must agree`);
  const specs = candidateSpecs(config);
  const folds = backtestFolds(data.dates, context.lastMatureDate, config.backtest, context).filter((f) => f.windowRows.length > 0 && f.trainRows.length > 0);
  if (folds.length === 0) throw new NotEnoughHistoryError(`no backtest window before ${context.asOf} has both training rows and rows to score`);

  const scores = specs.map(() => [] as number[]);
  const aucs = specs.map(() => [] as number[]);
  const rounds = specs.map(() => [] as { rounds: number; fitRows: number }[]);
  const predictions = specs.map(() => [] as Float64Array[]);
  const lastFoldModels = new Map<number, Classifier>();
  let alive = specs.map((_s, i) => i);
  folds.forEach((spec, k) => {
    const fold = foldData(data, spec);
    for (const c of alive) {
      const candidate = specs[c] as CandidateSpec;
      const classifier = fitOnFold(candidate, fold, hooks.onRound === undefined ? undefined : (round, m) => hooks.onRound?.(c, spec.fold, round, m));
      const p = classifier.predictProba(fold.window.x);
      scores[c]!.push(logLoss(p, fold.window.y));
      aucs[c]!.push(rocAuc(p, fold.window.y));
      predictions[c]!.push(p);
      const kept = keptRounds(classifier);
      if (kept !== null) rounds[c]!.push({ rounds: kept, fitRows: fold.fit.x.rows });
      if (k === folds.length - 1) lastFoldModels.set(c, classifier);
      hooks.onCandidateDone?.(spec.fold, folds.length, c, { ...candidate, logLoss: scores[c]!.at(-1)!, rocAuc: aucs[c]!.at(-1)! });
    }
    if (config.halving && k < folds.length - 1 && alive.length > 1) {
      const ranked = [...alive].sort((a, b) => mean(scores[a]!) - mean(scores[b]!) || a - b);
      alive = ranked.slice(0, Math.ceil(alive.length / 2)).sort((a, b) => a - b);
    }
  });

  const results: CandidateResult[] = specs.map((spec, i) => ({
    ...spec,
    resolvedParams: classifierParams(createClassifier(spec.family, spec.params)),
    logLoss: scores[i]!.length === folds.length ? mean(scores[i]!) : Number.NaN,
    rocAuc: aucs[i]!.length === folds.length ? mean(aucs[i]!) : Number.NaN,
    foldLogLoss: scores[i]!,
  }));
  const w = pickWinner(results);
  const winner = results[w] as CandidateResult;

  // The winner's out-of-time predictions, pooled in fold order.
  const total = folds.reduce((n, f) => n + f.windowRows.length, 0);
  const oot = { rows: new Int32Array(total), fold: new Uint8Array(total), y: new Uint8Array(total), uncalibrated: new Float64Array(total), baseline: new Float64Array(total) };
  let at = 0;
  const foldResults: FoldResult[] = folds.map((f, k) => {
    const p = predictions[w]![k] as Float64Array;
    const y = labelsOf(data.y, f.windowRows);
    const baseRate = positivesOf(labelsOf(data.y, f.trainRows)) / f.trainRows.length;
    f.windowRows.forEach((row, j) => {
      oot.rows[at] = row;
      oot.fold[at] = f.fold;
      oot.y[at] = y[j] as number;
      oot.uncalibrated[at] = p[j] as number;
      oot.baseline[at] = baseRate;
      at++;
    });
    return {
      fold: f.fold,
      train: { ...f.train, rows: f.trainRows.length },
      window: { ...f.window, rows: f.windowRows.length, positives: positivesOf(y) },
      logLoss: scores[w]![k] as number,
      rocAuc: aucs[w]![k] as number,
      baselineLogLoss: logLoss(new Float64Array(y.length).fill(baseRate), y),
      rounds: rounds[w]![k]?.rounds ?? null,
    };
  });

  const { calibrator, crossValidatedLogLoss, outOfFold } = chooseCalibrator(oot.uncalibrated, oot.y, {
    methods: config.calibration.methods,
    folds: config.calibration.folds,
    seed: config.seed,
    gridSize: config.calibration.gridSize,
  });

  const stopping = modelFamily(winner.family).earlyStopping;
  const refitParams = stopping !== undefined && rounds[w]!.length > 0 ? stopping.withRounds(winner.params, refitRounds(rounds[w]!, data.x.rows)) : winner.params;
  const refitted = createClassifier(winner.family, refitParams);
  refitted.fit(data.x, data.y);
  const positives = positivesOf(data.y);

  const last = folds[folds.length - 1] as BacktestFold;
  const lastModel = new CalibratedModel(lastFoldModels.get(w) as Classifier, calibrator);
  const importanceRows = sampleRows(subsetRows(data.x, last.windowRows), labelsOf(data.y, last.windowRows), config.importance.maxRows, config.seed);
  const importance =
    config.importance.repeats === 0
      ? []
      : permutationImportance(lastModel.columnScorer(importanceRows.x), importanceRows.x, importanceRows.y, { repeats: config.importance.repeats, seed: config.seed });

  return {
    model: new CalibratedModel(refitted, calibrator),
    winner,
    candidates: results,
    folds: foldResults,
    outOfTime: { ...oot, calibrated: outOfFold },
    calibration: { method: calibrator.kind, crossValidatedLogLoss },
    refit: { rows: data.x.rows, positives, baseRate: positives / data.x.rows, params: classifierParams(refitted) },
    metrics: { uncalibrated: evaluate(oot.uncalibrated, oot.y), calibrated: evaluate(outOfFold, oot.y), baseline: evaluate(oot.baseline, oot.y) },
    importance,
  };
}
