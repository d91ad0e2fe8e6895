import { CalibratedModel } from '../../../src/domain/model/calibrated-model.js';
import { chooseCalibrator } from '../../../src/domain/model/calibration.js';
import { featureMatrix, numericColumn, withColumn, type FeatureColumn } from '../../../src/domain/model/feature-matrix.js';
import { permutationImportance, predictingColumnScorer } from '../../../src/domain/model/importance.js';
import { candidateSpecs, expandGrid, modelConfigSchema, pickWinner, trainAndSelect, trainingDataFromSplit } from '../../../src/domain/model/selection.js';
import { createClassifier } from '../../../src/domain/model/registry.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { splitData } from './helpers.js';

describe('model selection', () => {
  it('expands a grid over base parameters, first parameter slowest', () => {
    expect(expandGrid({ seed: 1 }, { a: [1, 2], b: ['x', 'y'] })).toEqual([
      { seed: 1, a: 1, b: 'x' },
      { seed: 1, a: 1, b: 'y' },
      { seed: 1, a: 2, b: 'x' },
      { seed: 1, a: 2, b: 'y' },
    ]);
    expect(expandGrid({}, {})).toEqual([{}]);
  });

  it('has defaults for every family and lets config override them', () => {
    const defaults = candidateSpecs(modelConfigSchema.parse({}));
    expect(new Set(defaults.map((c) => c.family))).toEqual(new Set(['logistic', 'tree', 'forest', 'gbdt']));
    const custom = candidateSpecs(modelConfigSchema.parse({ families: ['gbdt'], seed: 7, search: { gbdt: { base: { maxRounds: 5 }, grid: { maxLeaves: [4, 8] } } } }));
    expect(custom).toEqual([
      { family: 'gbdt', params: { seed: 7, maxRounds: 5, maxLeaves: 4 } },
      { family: 'gbdt', params: { seed: 7, maxRounds: 5, maxLeaves: 8 } },
    ]);
    expect(() => modelConfigSchema.parse({ families: ['svm'] })).toThrow();
  });

  it('picks the lowest log loss, breaking ties by AUC, then by order', () => {
    expect(pickWinner([{ logLoss: 0.5, rocAuc: 0.7 }, { logLoss: 0.4, rocAuc: 0.6 }])).toBe(1);
    expect(pickWinner([{ logLoss: 0.4, rocAuc: 0.6 }, { logLoss: 0.4, rocAuc: 0.8 }])).toBe(1);
    expect(pickWinner([{ logLoss: 0.4, rocAuc: 0.8 }, { logLoss: 0.4, rocAuc: 0.8 }])).toBe(0);
    expect(pickWinner([{ logLoss: NaN, rocAuc: 0.9 }, { logLoss: 0.9, rocAuc: 0.5 }])).toBe(1);
    expect(() => pickWinner([])).toThrow(/no candidate/);
  });

  it('splits a feature table by its split column', () => {
    const x = featureMatrix([numericColumn('a', [1, 2, 3, 4])]);
    const data = trainingDataFromSplit(x, Uint8Array.from([0, 1, 1, 0]), ['train', 'validation', 'train', 'other']);
    expect(data.train.x.rows).toBe(2);
    expect(Array.from(data.train.y)).toEqual([0, 1]);
    expect(data.validation.x.rows).toBe(1);
    expect(data.test).toBeUndefined();
  });

  it('trains candidates, calibrates and evaluates the winner, deterministically', () => {
    const d = splitData(2000, 1500, 5, 1);
    const test = splitData(10, 800, 5, 1, 99);
    const config = {
      families: ['logistic', 'gbdt'] as ('logistic' | 'gbdt')[],
      search: { logistic: { base: {}, grid: { l2: [1e-3, 1e-1] } }, gbdt: { base: { maxRounds: 40 }, grid: {} } },
      importance: { repeats: 1, maxRows: 500 },
    };
    const done: number[] = [];
    const run = () =>
      trainAndSelect({ train: { x: d.x, y: d.y }, validation: { x: d.vx, y: d.vy }, test: { x: test.vx, y: test.vy } }, config, {
        onCandidateDone: (i) => done.push(i),
      });
    const outcome = run();
    expect(done).toEqual([0, 1, 2]);
    expect(outcome.candidates).toHaveLength(3);
    const best = Math.min(...outcome.candidates.map((c) => c.logLoss));
    expect(outcome.winner.logLoss).toBe(best);
    expect(outcome.metrics.validation.calibrated.rocAuc).toBeGreaterThan(outcome.metrics.validation.baseline.rocAuc + 0.15);
    expect(outcome.metrics.test?.calibrated.logLoss).toBeLessThan(outcome.metrics.test?.baseline.logLoss ?? 0);
    expect(outcome.importance.map((f) => f.feature)).toHaveLength(6);
    expect(outcome.importance[0]?.feature).toBe('num_0'); // the strongest term of the signal
    const json = JSON.stringify(outcome.model.toJSON());
    expect(JSON.stringify(run().model.toJSON())).toBe(json);
    const back = CalibratedModel.fromJSON(JSON.parse(json));
    expect(Array.from(back.predictProba(test.vx))).toEqual(Array.from(outcome.model.predictProba(test.vx)));
  }, 30_000);
});

describe('permutation importance', () => {
  it('ranks the feature the predictions use above one they ignore', () => {
    const rng = Rng.fromSeed(2);
    const n = 1000;
    const signal = Array.from({ length: n }, () => rng.normal());
    const x = featureMatrix([numericColumn('noise', Array.from({ length: n }, () => rng.normal())), numericColumn('signal', signal)]);
    const y = Uint8Array.from(signal, (s) => (rng.uniform() < 1 / (1 + Math.exp(-2 * s)) ? 1 : 0));
    const predict = (m: typeof x): Float64Array => {
      const col = m.columns[1] as { values: Float64Array };
      return Float64Array.from(col.values, (s) => 1 / (1 + Math.exp(-2 * s)));
    };
    const importance = permutationImportance(predictingColumnScorer(predict, x), x, y, { repeats: 2, seed: 1 });
    expect(importance.map((f) => f.feature)).toEqual(['signal', 'noise']);
    expect(importance[0]?.logLossIncrease).toBeGreaterThan(0.1);
    expect(importance[0]?.aucDecrease).toBeGreaterThan(0.2);
    expect(importance[1]?.logLossIncrease).toBe(0);
  });

  it('scores a replaced column of a tree model exactly as predicting the changed matrix does', () => {
    const { x, y, vx, vy } = splitData(3000, 800, 4, 2);
    const shuffled = (position: number): FeatureColumn => {
      const column = vx.columns[position] as FeatureColumn;
      const order = Array.from({ length: vx.rows }, (_, i) => (i * 7919) % vx.rows);
      return column.kind === 'numeric' ? { ...column, values: Float64Array.from(order, (i) => column.values[i] as number) } : { ...column, codes: Int32Array.from(order, (i) => column.codes[i] as number) };
    };
    for (const family of ['gbdt', 'forest', 'tree'] as const) {
      const classifier = createClassifier(family, { seed: 1, ...(family === 'forest' ? { trees: 12 } : {}) });
      classifier.fit(x, y, { validation: { x: vx, y: vy } });
      const model = new CalibratedModel(classifier, chooseCalibrator(classifier.predictProba(vx), vy, { methods: ['platt'], folds: 2, seed: 0, gridSize: 100 }).calibrator);
      expect(classifier.columnScorer).toBeDefined();
      const scorer = model.columnScorer(vx);
      expect(Array.from(scorer.base)).toEqual(Array.from(model.predictProba(vx)));
      vx.columns.forEach((_, position) => {
        const column = shuffled(position);
        expect({ family, position, p: Array.from(scorer.withColumn(position, column)) }).toEqual({ family, position, p: Array.from(model.predictProba(withColumn(vx, position, column))) });
      });
    }
  });
});
