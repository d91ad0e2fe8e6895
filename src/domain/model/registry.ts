/**
 * Every model family, by its descriptor (family.ts). Adding a family is its module plus one line
 * in MODEL_FAMILIES: the config's family names and search, building, loading, early stopping and
 * the encodings written to model.json all come from this list.
 */
import { ClassifierError, type Classifier } from './classifier.js';
import { TREE_FAMILY } from './decision-tree.js';
import type { ModelFamily } from './family.js';
import { GBDT_FAMILY } from './gbdt.js';
import { LOGISTIC_FAMILY } from './logistic.js';
import { FOREST_FAMILY } from './random-forest.js';

export const MODEL_FAMILIES: readonly ModelFamily[] = [LOGISTIC_FAMILY, TREE_FAMILY, FOREST_FAMILY, GBDT_FAMILY];

/** The family names, in registry order (the config's enum). */
export const CLASSIFIER_FAMILIES: readonly [string, ...string[]] = MODEL_FAMILIES.map((f) => f.name) as [string, ...string[]];

const BY_NAME: ReadonlyMap<string, ModelFamily> = new Map(MODEL_FAMILIES.map((f) => [f.name, f]));

/** The descriptor of family `name`; an unknown name fails with the known ones. */
export function modelFamily(name: unknown): ModelFamily {
  const family = typeof name === 'string' ? BY_NAME.get(name) : undefined;
  if (family === undefined) throw new ClassifierError(`unknown classifier family ${JSON.stringify(name)}; known: ${CLASSIFIER_FAMILIES.join(', ')}`);
  return family;
}

/** A new, unfitted classifier; `params` are checked by the family's schema (defaults filled in). */
export function createClassifier(family: string, params: Readonly<Record<string, unknown>> = {}): Classifier {
  return modelFamily(family).create(params);
}

/** A fitted classifier from the output of its toJSON(). */
export function classifierFromJSON(json: unknown): Classifier {
  const family = typeof json === 'object' && json !== null ? (json as { family?: unknown }).family : undefined;
  if (typeof family !== 'string' || !BY_NAME.has(family)) {
    throw new ClassifierError(`not a classifier JSON: family is ${JSON.stringify(family)}; known: ${CLASSIFIER_FAMILIES.join(', ')}`);
  }
  return modelFamily(family).fromJSON(json);
}

/** The parameters a classifier was built with (after defaults), for reports and artifacts. */
export function classifierParams(classifier: Classifier): Record<string, unknown> {
  return { ...(classifier as unknown as { params: Record<string, unknown> }).params };
}
