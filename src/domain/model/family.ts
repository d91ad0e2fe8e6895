/**
 * What TrainModel needs to know of a model family, in one descriptor per family. A family's module
 * (logistic.ts, gbdt.ts, ...) exports its classifier class and its descriptor side by side, and
 * registry.ts lists the descriptors: that list is the only other place a family is named.
 */
import type { Classifier } from './classifier.js';

/** A family's hyperparameter search: every combination of `grid` values over `base`. */
export interface FamilySearch {
  readonly base: Readonly<Record<string, unknown>>;
  readonly grid: Readonly<Record<string, readonly unknown[]>>;
}

/** For a family that stops early: how many rounds a fitted model kept, and parameters that fit that many. */
export interface EarlyStopping {
  roundsKept(classifier: Classifier): number;
  withRounds(params: Readonly<Record<string, unknown>>, rounds: number): Record<string, unknown>;
}

export interface ModelFamily {
  /** The name in the config (`training.families`), in model.json and in the classifier's JSON. */
  readonly name: string;
  /** What is searched when the config's `training.search` does not name the family. */
  readonly defaultSearch: FamilySearch;
  /** Present when the family stops early on held-out rows (the `validation` of FitOptions). */
  readonly earlyStopping?: EarlyStopping;
  /** A new, unfitted classifier; `params` are checked by the family's schema (defaults filled in). */
  create(params: Readonly<Record<string, unknown>>): Classifier;
  /** A fitted classifier from the output of its toJSON(). */
  fromJSON(json: unknown): Classifier;
  /** How a model with these (resolved) parameters consumes a feature of this kind, for model.json. */
  encoding(params: Readonly<Record<string, unknown>>, kind: 'numeric' | 'categorical'): string;
}

/** The encoding of every family built on binned trees (binning.ts). */
export function binnedTreeEncoding(_params: Readonly<Record<string, unknown>>, kind: 'numeric' | 'categorical'): string {
  return kind === 'numeric' ? 'quantile bins, missing -> own bin' : 'category bins (rare levels -> other, missing -> own bin)';
}
