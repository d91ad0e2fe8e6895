/**
 * Every family by name: build one from its parameters, or load one from its JSON. The one place
 * that knows all the families, so adding one means adding it here.
 */
import { CLASSIFIER_FAMILIES, ClassifierError, type Classifier, type ClassifierFamily } from './classifier.js';
import { TreeClassifier } from './decision-tree.js';
import { GbdtClassifier } from './gbdt.js';
import { LogisticClassifier } from './logistic.js';
import { ForestClassifier } from './random-forest.js';

/** A new, unfitted classifier; `params` are checked by the family's schema (defaults filled in). */
export function createClassifier(family: ClassifierFamily, params: Record<string, unknown> = {}): Classifier {
  switch (family) {
    case 'logistic':
      return new LogisticClassifier(params);
    case 'tree':
      return new TreeClassifier(params);
    case 'forest':
      return new ForestClassifier(params);
    case 'gbdt':
      return new GbdtClassifier(params);
    default:
      throw new ClassifierError(`unknown classifier family ${JSON.stringify(family)}; known: ${CLASSIFIER_FAMILIES.join(', ')}`);
  }
}

/** A fitted classifier from the output of its toJSON(). */
export function classifierFromJSON(json: unknown): Classifier {
  const family = typeof json === 'object' && json !== null ? (json as { family?: unknown }).family : undefined;
  switch (family) {
    case 'logistic':
      return LogisticClassifier.fromJSON(json);
    case 'tree':
      return TreeClassifier.fromJSON(json);
    case 'forest':
      return ForestClassifier.fromJSON(json);
    case 'gbdt':
      return GbdtClassifier.fromJSON(json);
    default:
      throw new ClassifierError(`not a classifier JSON: family is ${JSON.stringify(family)}; known: ${CLASSIFIER_FAMILIES.join(', ')}`);
  }
}

/** The parameters a classifier was built with (after defaults), for reports and artifacts. */
export function classifierParams(classifier: Classifier): Record<string, unknown> {
  return { ...(classifier as unknown as { params: Record<string, unknown> }).params };
}

/** Families that stop boosting early on held-out rows (the `validation` of FitOptions). */
const EARLY_STOPPING: ReadonlySet<ClassifierFamily> = new Set(['gbdt']);

export function stopsEarly(family: ClassifierFamily): boolean {
  return EARLY_STOPPING.has(family);
}
