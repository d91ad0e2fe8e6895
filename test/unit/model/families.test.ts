import { ClassifierError } from '../../../src/domain/model/classifier.js';
import { rocAuc } from '../../../src/domain/model/metrics.js';
import { classifierFromJSON, classifierParams, CLASSIFIER_FAMILIES, createClassifier, MODEL_FAMILIES, modelFamily } from '../../../src/domain/model/registry.js';
import { candidateSpecs, modelConfigSchema } from '../../../src/domain/model/selection.js';
import { sqlFixtureFamilies } from '../../fixtures/model-scoring.js';
import { maxAbsDiff, splitData } from './helpers.js';

/**
 * The contract every family descriptor of registry.ts meets (family.ts). Adding a family to
 * MODEL_FAMILIES puts it through all of this; CONTRIBUTING.md names the rest of the steps.
 */
describe.each(MODEL_FAMILIES.map((f) => [f.name, f] as const))('the %s family', (name, family) => {
  const d = splitData(1500, 700, 5, 2, 11);
  const [first] = candidateSpecs(modelConfigSchema.parse({ families: [name] }));

  it('is found by its name, in the config too, and its default search gives valid candidates', () => {
    expect(modelFamily(name)).toBe(family);
    expect(first).toBeDefined();
    expect(candidateSpecs(modelConfigSchema.parse({ families: [name] })).every((c) => c.family === name)).toBe(true);
    for (const c of candidateSpecs(modelConfigSchema.parse({ families: [name] }))) expect(() => createClassifier(name, c.params)).not.toThrow();
  });

  it('fits, predicts probabilities that rank, and loads back from its JSON with the same predictions', () => {
    const model = createClassifier(name, { ...first!.params, ...(name === 'forest' ? { trees: 5 } : {}) });
    expect(model.family).toBe(name);
    model.fit(d.x, d.y, family.earlyStopping === undefined ? {} : { validation: { x: d.vx, y: d.vy } });
    const p = model.predictProba(d.vx);
    expect(p.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
    expect(rocAuc(p, d.vy)).toBeGreaterThan(0.6);
    const json = JSON.parse(JSON.stringify(model.toJSON())) as unknown;
    expect((json as { family: string }).family).toBe(name);
    expect(maxAbsDiff(classifierFromJSON(json).predictProba(d.vx), p)).toBe(0);
  });

  it('describes its encoding of both kinds of feature from its parameters', () => {
    const params = classifierParams(createClassifier(name, first!.params));
    for (const kind of ['numeric', 'categorical'] as const) expect(family.encoding(params, kind)).toMatch(/\w{4,}/);
  });

  it('is in the SQL agreement fixture, so model.sql is checked against it on DuckDB and Spark', () => {
    expect(sqlFixtureFamilies('small').map(([f]) => f)).toContain(name);
  });

  if (family.earlyStopping !== undefined) {
    const stopping = family.earlyStopping;
    it('reports the rounds it kept, and fits exactly that many from withRounds', () => {
      const model = createClassifier(name, first!.params);
      model.fit(d.x, d.y, { validation: { x: d.vx, y: d.vy } });
      const kept = stopping.roundsKept(model);
      expect(kept).toBeGreaterThan(0);
      const refit = createClassifier(name, stopping.withRounds(first!.params, 7));
      refit.fit(d.x, d.y);
      expect(stopping.roundsKept(refit)).toBe(7);
    });
  }
});

describe('the family registry', () => {
  it('lists each family once, and the config accepts exactly those names', () => {
    expect(new Set(CLASSIFIER_FAMILIES).size).toBe(MODEL_FAMILIES.length);
    expect(modelConfigSchema.safeParse({ families: ['svm'] }).success).toBe(false);
    expect(modelConfigSchema.safeParse({ search: { svm: { grid: {} } } }).success).toBe(false);
    expect(modelConfigSchema.safeParse({ families: [...CLASSIFIER_FAMILIES] }).success).toBe(true);
  });

  it('refuses an unknown family by name, listing the known ones', () => {
    expect(() => createClassifier('svm')).toThrow(new ClassifierError(`unknown classifier family "svm"; known: ${CLASSIFIER_FAMILIES.join(', ')}`));
    expect(() => classifierFromJSON({ family: 'svm' })).toThrow(/not a classifier JSON: family is "svm"/);
  });

  it('records the logistic encoding the fitted model uses, not a fixed text', () => {
    const logistic = modelFamily('logistic');
    const onehot = classifierParams(createClassifier('logistic', { encoding: 'onehot' }));
    const target = classifierParams(createClassifier('logistic', { encoding: 'target' }));
    expect(logistic.encoding(onehot, 'categorical')).toMatch(/one-hot/);
    expect(logistic.encoding(target, 'categorical')).toMatch(/target-encoded/);
  });
});
