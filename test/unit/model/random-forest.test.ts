import { rocAuc } from '../../../src/domain/model/metrics.js';
import { ForestClassifier } from '../../../src/domain/model/random-forest.js';
import { TreeClassifier } from '../../../src/domain/model/decision-tree.js';
import { classifierFromJSON } from '../../../src/domain/model/registry.js';
import { splitData } from './helpers.js';

describe('random forest', () => {
  it('recovers a known signal, beats a single tree, and is deterministic for a seed', () => {
    const d = splitData(3000, 2000, 8, 2);
    const fit = (seed: number): ForestClassifier => {
      const f = new ForestClassifier({ trees: 25, seed });
      f.fit(d.x, d.y);
      return f;
    };
    const forest = fit(3);
    const auc = rocAuc(forest.predictProba(d.vx), d.vy);
    expect(auc).toBeGreaterThan(0.7);
    const tree = new TreeClassifier({ maxDepth: 12, maxLeaves: 128 });
    tree.fit(d.x, d.y);
    expect(auc).toBeGreaterThan(rocAuc(tree.predictProba(d.vx), d.vy));
    const json = JSON.stringify(forest.toJSON());
    expect(JSON.stringify(fit(3).toJSON())).toBe(json);
    expect(JSON.stringify(fit(4).toJSON())).not.toBe(json);
    expect(Array.from(classifierFromJSON(JSON.parse(json)).predictProba(d.vx))).toEqual(Array.from(forest.predictProba(d.vx)));
  }, 30_000);
});
