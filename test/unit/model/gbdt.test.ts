import { featureMatrix, matrixFromRows, numericColumn } from '../../../src/domain/model/feature-matrix.js';
import { GbdtClassifier } from '../../../src/domain/model/gbdt.js';
import { LogisticClassifier } from '../../../src/domain/model/logistic.js';
import { rocAuc } from '../../../src/domain/model/metrics.js';
import { classifierFromJSON } from '../../../src/domain/model/registry.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { splitData } from './helpers.js';

const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));

describe('gradient-boosted trees', () => {
  it('makes the hand-computed first Newton step', () => {
    // x = 0: 10 rows, 2 positive; x = 1: 10 rows, 8 positive. Base rate 1/2, so init 0, p = 1/2:
    // left G = 10 * 0.5 - 2 = 3, H = 10 * 0.25 = 2.5 -> leaf -G/H = -1.2; right +1.2.
    const x = featureMatrix([numericColumn('x', [...Array<number>(10).fill(0), ...Array<number>(10).fill(1)])]);
    const y = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const model = new GbdtClassifier({ maxRounds: 1, learningRate: 1, lambda: 0, minSamplesLeaf: 1, minHessianLeaf: 0 });
    model.fit(x, y);
    const json = model.toJSON() as unknown as { initScore: number; trees: { threshold: number[]; value: number[] }[] };
    expect(json.initScore).toBe(0);
    expect(json.trees[0]?.threshold).toEqual([0.5]);
    expect(json.trees[0]?.value[0]).toBeCloseTo(-1.2, 12);
    expect(json.trees[0]?.value[1]).toBeCloseTo(1.2, 12);
    const p = model.predictProba(featureMatrix([numericColumn('x', [0, 1])]));
    expect(p[0]).toBeCloseTo(sigmoid(-1.2), 12);
    expect(p[1]).toBeCloseTo(sigmoid(1.2), 12);
  });

  it('recovers a known signal with numeric, categorical and missing values', () => {
    const d = splitData(4000, 2000, 8, 3);
    const model = new GbdtClassifier({ maxRounds: 150 });
    model.fit(d.x, d.y, { validation: { x: d.vx, y: d.vy } });
    const auc = rocAuc(model.predictProba(d.vx), d.vy);
    expect(auc).toBeGreaterThan(0.74);
    // the synthetic signal has a non-linear term a linear model cannot fit
    const numericOnly = splitData(4000, 2000, 4, 0, 8);
    const gbdt = new GbdtClassifier({ maxRounds: 150 });
    gbdt.fit(numericOnly.x, numericOnly.y, { validation: { x: numericOnly.vx, y: numericOnly.vy } });
    const logistic = new LogisticClassifier();
    logistic.fit(numericOnly.x, numericOnly.y);
    expect(rocAuc(gbdt.predictProba(numericOnly.vx), numericOnly.vy)).toBeGreaterThan(rocAuc(logistic.predictProba(numericOnly.vx), numericOnly.vy) - 0.01);
  }, 30_000);

  it('learns where missing values go', () => {
    const rng = Rng.fromSeed(4);
    const values: (number | null)[] = [];
    const y: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const missing = rng.uniform() < 0.2;
      values.push(missing ? null : rng.normal());
      y.push(rng.uniform() < (missing ? 0.8 : 0.2) ? 1 : 0);
    }
    const model = new GbdtClassifier({ maxRounds: 20 });
    model.fit(featureMatrix([numericColumn('v', values)]), Uint8Array.from(y));
    const p = model.predictProba(matrixFromRows([{ v: null }, { v: 0 }], [{ name: 'v', kind: 'numeric' }]));
    expect(p[0]).toBeGreaterThan(0.6);
    expect(p[1]).toBeLessThan(0.35);
  });

  it('stops early on validation when there is nothing to learn', () => {
    const rng = Rng.fromSeed(6);
    const noise = (n: number): { x: ReturnType<typeof featureMatrix>; y: Uint8Array } => ({
      x: featureMatrix([numericColumn('a', Array.from({ length: n }, () => rng.normal())), numericColumn('b', Array.from({ length: n }, () => rng.normal()))]),
      y: Uint8Array.from({ length: n }, () => (rng.uniform() < 0.3 ? 1 : 0)),
    });
    const train = noise(1500);
    const valid = noise(1000);
    const rounds: number[] = [];
    const model = new GbdtClassifier({ maxRounds: 200, earlyStoppingRounds: 10 });
    model.fit(train.x, train.y, { validation: valid, onRound: (r) => rounds.push(r) });
    expect(rounds.length).toBeLessThan(60);
    expect(model.rounds).toBe(rounds.length - 10);
  });

  it('is deterministic for a seed with row and column subsampling, and the seed matters', () => {
    const d = splitData(1500, 500, 6, 2);
    const json = (seed: number): string => {
      const m = new GbdtClassifier({ maxRounds: 15, subsample: 0.7, colsample: 0.7, seed });
      m.fit(d.x, d.y, { validation: { x: d.vx, y: d.vy } });
      return JSON.stringify(m.toJSON());
    };
    const first = json(1);
    expect(json(1)).toBe(first);
    expect(json(2)).not.toBe(first);
    const back = classifierFromJSON(JSON.parse(first));
    expect(JSON.stringify(back.toJSON())).toBe(first);
  }, 30_000);
});
