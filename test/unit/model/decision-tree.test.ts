import { DecisionTreeClassifier } from 'ml-cart';
import { TreeClassifier } from '../../../src/domain/model/decision-tree.js';
import { categoricalColumn, featureMatrix, matrixFromRows, numericColumn } from '../../../src/domain/model/feature-matrix.js';
import { rocAuc } from '../../../src/domain/model/metrics.js';
import { classifierFromJSON } from '../../../src/domain/model/registry.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { splitData } from './helpers.js';

describe('decision tree (CART)', () => {
  it('finds the same splits and leaf shares as ml-cart on a small numeric case', () => {
    const rng = Rng.fromSeed(11);
    const rows: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200; i++) {
      const row = [rng.uniform() * 10, rng.normal(), rng.uniform()];
      rows.push(row);
      const m = (row[0] as number) - 5 + 1.5 * (row[1] as number) + rng.normal();
      labels.push(m > 0 ? 1 : 0);
    }
    const reference = new DecisionTreeClassifier({ maxDepth: 3, gainThreshold: 0, minNumSamples: 3 });
    reference.train(rows, labels);
    const x = featureMatrix([0, 1, 2].map((j) => numericColumn(`f${j}`, rows.map((r) => r[j] as number))));
    const ours = new TreeClassifier({ maxDepth: 3, minSamplesLeaf: 1, minSamplesSplit: 4 });
    ours.fit(x, Uint8Array.from(labels));
    const fresh: number[][] = Array.from({ length: 100 }, () => [rng.uniform() * 12 - 1, rng.normal() * 1.5, rng.uniform()]);
    const all = [...rows, ...fresh];
    const p = ours.predictProba(featureMatrix([0, 1, 2].map((j) => numericColumn(`f${j}`, all.map((r) => r[j] as number)))));
    all.forEach((row, i) => {
      const distribution = reference.root.classify(row).to1DArray();
      expect(p[i]).toBeCloseTo(distribution[1] ?? 0, 12);
    });
  });

  it('learns a categorical split and routes missing and unseen levels as its SQL does', () => {
    const brands = ['a', 'b', 'c', 'd'];
    const rate: Record<string, number> = { a: 0.9, b: 0.1, c: 0.8, d: 0.2 };
    const values: (string | null)[] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const brand = i % 10 === 9 ? null : (brands[i % 4] as string);
      values.push(brand);
      y.push(brand === null ? 1 : (i * 37) % 100 < (rate[brand] as number) * 100 ? 1 : 0);
    }
    const tree = new TreeClassifier({ maxDepth: 2, minSamplesLeaf: 5, minDataPerGroup: 5 });
    tree.fit(featureMatrix([categoricalColumn('brand', values)]), Uint8Array.from(y));
    const p = tree.predictProba(matrixFromRows([{ brand: 'a' }, { brand: 'c' }, { brand: 'b' }, { brand: 'd' }, { brand: null }, { brand: 'zz' }], [{ name: 'brand', kind: 'categorical' }]));
    expect(p[0]).toBeGreaterThan(0.7);
    expect(p[1]).toBeGreaterThan(0.7);
    expect(p[2]).toBeLessThan(0.3);
    expect(p[3]).toBeLessThan(0.3);
    expect(p[4]).toBeGreaterThan(0.7); // missing rows were all positive: they join the high side
    expect(p[5]).toBeGreaterThanOrEqual(0); // an unseen brand follows "other"
    expect(p[5]).toBeLessThanOrEqual(1);
  });

  it('recovers a known signal and is deterministic', () => {
    const d = splitData(3000, 2000, 6, 2);
    const fit = (): TreeClassifier => {
      const t = new TreeClassifier({ maxDepth: 5 });
      t.fit(d.x, d.y);
      return t;
    };
    const a = fit();
    expect(rocAuc(a.predictProba(d.vx), d.vy)).toBeGreaterThan(0.65);
    expect(JSON.stringify(fit().toJSON())).toBe(JSON.stringify(a.toJSON()));
    const back = classifierFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(Array.from(back.predictProba(d.vx))).toEqual(Array.from(a.predictProba(d.vx)));
  }, 30_000);
});
