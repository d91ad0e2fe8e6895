import { CalibratedModel } from '../../../src/domain/model/calibrated-model.js';
import { chooseCalibrator } from '../../../src/domain/model/calibration.js';
import { featureMatrix, numericColumn, withColumn, type FeatureColumn } from '../../../src/domain/model/feature-matrix.js';
import { permutationImportance, predictingColumnScorer } from '../../../src/domain/model/importance.js';
import { BACKTEST_DEFAULTS, backtestFolds, NotEnoughHistoryError } from '../../../src/domain/model/backtest.js';
import { addDays } from '../../../src/domain/dates.js';
import { backtestAndRefit, candidateSpecs, expandGrid, modelConfigSchema, pickWinner, refitRounds, type MatureRows } from '../../../src/domain/model/selection.js';
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
    expect(new Set(defaults.map((c) => c.family))).toEqual(new Set(['logistic', 'gbdt']));
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

});

/** `perDay` rows a day from 2019-01-01 for `days` days, the synthetic signal, and its dates. */
function dated(days: number, perDay: number, seed = 3): MatureRows & { lastMatureDate: string } {
  const d = splitData(days * perDay, 0, 5, 1, seed);
  const dates = Array.from({ length: days * perDay }, (_, i) => addDays('2019-01-01', Math.floor(i / perDay)));
  return { x: d.x, y: d.y, dates, lastMatureDate: addDays('2019-01-01', days - 1) };
}

const CONTEXT = (lastMatureDate: string) => ({ asOf: addDays(lastMatureDate, 36), horizonDays: 35, lastMatureDate });
const FAST = {
  families: ['logistic', 'gbdt'] as ('logistic' | 'gbdt')[],
  search: { logistic: { base: {}, grid: { l2: [1e-3, 1e-1] } }, gbdt: { base: { maxRounds: 40 }, grid: {} } },
  importance: { repeats: 1, maxRows: 500 },
};

describe('out-of-time selection and refit', () => {
  it('places the folds on the most recent mature days, each fitted only on the days before its window', () => {
    const { dates, lastMatureDate } = dated(60, 2);
    const folds = backtestFolds(dates, lastMatureDate, BACKTEST_DEFAULTS, CONTEXT(lastMatureDate));
    expect(folds.map((f) => [f.window.from, f.window.to])).toEqual([
      ['2019-01-19', '2019-02-01'],
      ['2019-02-02', '2019-02-15'],
      ['2019-02-16', '2019-03-01'],
    ]);
    for (const f of folds) {
      expect(f.trainRows.every((i) => dates[i]! < f.window.from)).toBe(true);
      expect(f.windowRows.every((i) => dates[i]! >= f.window.from && dates[i]! <= f.window.to)).toBe(true);
      expect([...f.fitRows, ...f.earlyStoppingRows].sort((a, b) => a - b)).toEqual(f.trainRows);
      expect(Math.min(...f.earlyStoppingRows.map((i) => i))).toBeGreaterThan(Math.max(...f.fitRows));
    }
  });

  it('trains with three weeks of mature labels and refuses below that, naming the dates', () => {
    const three = dated(21, 60);
    const outcome = backtestAndRefit(three, { ...FAST, families: ['logistic'] }, CONTEXT(three.lastMatureDate));
    expect(outcome.folds).toHaveLength(3);
    expect(outcome.folds.map((f) => f.window.rows)).toEqual([240, 240, 240]);
    const short = dated(20, 60);
    expect(() => backtestAndRefit(short, FAST, CONTEXT(short.lastMatureDate))).toThrow(
      'not enough mature history before 2019-02-25 to train: mature purchases run from 2019-01-01 to 2019-01-20 (20 days); TrainModel needs at least 21 days (labels need 35 days to mature, so the data must start by 2018-12-31)',
    );
    expect(() => backtestAndRefit(short, FAST, CONTEXT(short.lastMatureDate))).toThrow(NotEnoughHistoryError);
  });

  it('ships the winner refitted on every mature row, with rounds scaled from the folds', () => {
    const d = dated(40, 60);
    const outcome = backtestAndRefit(d, FAST, CONTEXT(d.lastMatureDate));
    expect(outcome.refit.rows).toBe(2400);
    expect(outcome.candidates).toHaveLength(3);
    const means = outcome.candidates.map((c) => c.foldLogLoss.reduce((a, b) => a + b, 0) / c.foldLogLoss.length);
    expect(outcome.winner.logLoss).toBe(Math.min(...means));
    // The shipped classifier is the winner's configuration fitted on all 2,400 rows.
    const again = createClassifier(outcome.winner.family, outcome.refit.params);
    again.fit(d.x, d.y);
    expect(JSON.stringify(outcome.model.classifier.toJSON())).toBe(JSON.stringify(again.toJSON()));
    const gbdt = backtestAndRefit(d, { ...FAST, families: ['gbdt'] }, CONTEXT(d.lastMatureDate));
    const fitRows = backtestFolds(d.dates, d.lastMatureDate, BACKTEST_DEFAULTS, CONTEXT(d.lastMatureDate)).map((f) => f.fitRows.length);
    expect(gbdt.refit.params.maxRounds).toBe(refitRounds(gbdt.folds.map((f, k) => ({ rounds: f.rounds!, fitRows: fitRows[k]! })), 2400));
    expect(outcome.metrics.calibrated.rocAuc).toBeGreaterThan(outcome.metrics.baseline.rocAuc + 0.15);
    expect(outcome.outOfTime.rows.length).toBe(outcome.folds.reduce((n, f) => n + f.window.rows, 0));
  }, 30_000);

  it.each([
    ['logistic', 1],
    ['gbdt', 2],
    ['gbdt', 3],
  ] as const)('never lets a fold model see its window: %s, labels of fold %i flipped', (family, fold) => {
    const d = dated(40, 40, 11);
    const config = { families: [family], search: { [family]: { base: family === 'gbdt' ? { maxRounds: 30 } : {}, grid: {} } }, importance: { repeats: 0, maxRows: 1 } };
    const before = backtestAndRefit(d, config, CONTEXT(d.lastMatureDate));
    const window = backtestFolds(d.dates, d.lastMatureDate, BACKTEST_DEFAULTS, CONTEXT(d.lastMatureDate))[fold - 1]!;
    const rng = Rng.fromSeed(fold);
    const y = Uint8Array.from(d.y);
    for (const i of window.windowRows) if (rng.uniform() < 0.5) y[i] = 1 - y[i]!;
    const after = backtestAndRefit({ ...d, y }, config, CONTEXT(d.lastMatureDate));
    // Folds up to and including the perturbed one never trained on its rows: their scores are bit-identical.
    const of = (o: typeof before, k: number) => Array.from(o.outOfTime.uncalibrated).filter((_p, j) => o.outOfTime.fold[j]! <= k);
    expect(of(after, fold)).toEqual(of(before, fold));
    if (fold < 3) expect(of(after, 3)).not.toEqual(of(before, 3)); // a later fold did learn from them
  }, 30_000);

  it('gives the same bytes for the same data and config, and halving fits fewer candidates', () => {
    const d = dated(40, 40);
    const run = (halving: boolean) => backtestAndRefit(d, { ...FAST, halving }, CONTEXT(d.lastMatureDate));
    const first = run(false);
    expect(JSON.stringify(run(false).model.toJSON())).toBe(JSON.stringify(first.model.toJSON()));
    const halved = run(true);
    expect(halved.candidates.map((c) => c.foldLogLoss.length).reduce((a, b) => a + b, 0)).toBeLessThan(9);
    expect(halved.candidates.filter((c) => c.foldLogLoss.length === 3).length).toBeGreaterThanOrEqual(1);
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
