/** Scoring raw lines: the masked copies behind the contributions, and how contributions are ranked. */
import { COALESCE_MAX_LINES, LineScorer, matrixWithMaskedCopies, ScoreBatcher } from '../../../src/application/score-lines.js';
import { EMPTY_SNAPSHOT, type ScoringLine } from '../../../src/domain/features/online-features.js';
import type { CalibratedModel } from '../../../src/domain/model/calibrated-model.js';
import type { CategoricalColumn, FeatureMatrix, NumericColumn } from '../../../src/domain/model/feature-matrix.js';

const LINE: ScoringLine = {
  item_name: 'QID',
  category: 'Product H',
  version: '32 / B / 30',
  item_code: 'SKU-1',
  item_id: '46567054',
  buyer_id: '3301861',
  transaction_id: '1',
  date: '2019-04-14',
  total_revenue: 50,
  price_reductions: -10,
  purchased_item_count: 1,
};

/** A model reading three features: p = margin / 100 with margin = 20 (QID) + quantity + 100 * discount_rate. */
function fakeModel(calls: FeatureMatrix[]): CalibratedModel {
  const features = [
    { name: 'brand', kind: 'categorical' as const },
    { name: 'quantity', kind: 'numeric' as const },
    { name: 'discount_rate', kind: 'numeric' as const },
  ];
  return {
    features,
    predictProba: (x: FeatureMatrix) => {
      calls.push(x);
      const brand = x.columns[0] as CategoricalColumn;
      const quantity = x.columns[1] as NumericColumn;
      const discount = x.columns[2] as NumericColumn;
      return Float64Array.from({ length: x.rows }, (_, i) => {
        const code = brand.codes[i] as number;
        const q = quantity.values[i] as number;
        const d = discount.values[i] as number;
        if (q === 999) throw new Error('cannot score quantity 999');
        return ((code >= 0 && brand.levels[code] === 'QID' ? 20 : 0) + (Number.isNaN(q) ? 0 : q) + (Number.isNaN(d) ? 0 : 100 * d)) / 100;
      });
    },
  } as unknown as CalibratedModel;
}

describe('matrixWithMaskedCopies', () => {
  it('lays each line out as itself, then one copy per feature with that feature missing', () => {
    const x = matrixWithMaskedCopies(
      [
        { name: 'a', kind: 'numeric' },
        { name: 'b', kind: 'categorical' },
      ],
      [
        [1, 'u'],
        [2, null],
      ],
      true,
    );
    expect(x.rows).toBe(6);
    expect(Array.from((x.columns[0] as NumericColumn).values)).toEqual([1, NaN, 1, 2, NaN, 2]);
    const b = x.columns[1] as CategoricalColumn;
    expect(Array.from(b.codes).map((c) => (c < 0 ? null : b.levels[c]))).toEqual(['u', 'u', null, null, null, null]);
    expect(matrixWithMaskedCopies([{ name: 'a', kind: 'numeric' }], [[1], [2]], false).rows).toBe(2);
  });
});

describe('LineScorer', () => {
  it('scores with one predict call and ranks contributions by size', () => {
    const calls: FeatureMatrix[] = [];
    const scorer = new LineScorer(fakeModel(calls));
    const [score] = scorer.score([LINE], EMPTY_SNAPSHOT, { topContributions: 2 });
    expect(calls).toHaveLength(1);
    expect(score!.returnProbability).toBeCloseTo((20 + 1 + 20) / 100, 12);
    // brand 0.20 and discount_rate 0.20 tie in size; quantity (0.01) is third and cut by the top 2.
    expect(score!.contributions.map((c) => c.feature).sort()).toEqual(['brand', 'discount_rate']);
    expect(score!.contributions[0]).toMatchObject({ contribution: expect.closeTo(0.2, 12) });
    expect(score!.contributions.find((c) => c.feature === 'brand')!.value).toBe('QID');
    expect(score!.unseen).toEqual(['buyer', 'model', 'sku', 'brand', 'category']);
  });

  it('leaves out features that change nothing, and skips the copies when no contribution is asked', () => {
    const calls: FeatureMatrix[] = [];
    const scorer = new LineScorer(fakeModel(calls));
    const [a, b] = scorer.score([{ ...LINE, item_name: 'OTH', price_reductions: 0 }, LINE], EMPTY_SNAPSHOT, { topContributions: 5 });
    expect(a!.contributions.map((c) => c.feature)).toEqual(['quantity']);
    expect(b!.contributions).toHaveLength(3);
    const [c] = scorer.score([LINE], EMPTY_SNAPSHOT, { topContributions: 0 });
    expect(calls[calls.length - 1]!.rows).toBe(1);
    expect(c!.contributions).toEqual([]);
  });
});

describe('ScoreBatcher', () => {
  /** Runs the deferred flush when the test says so. */
  function manual(): { defer: (f: () => void) => void; flush: () => void } {
    let pending: (() => void) | undefined;
    return { defer: (f) => void (pending = f), flush: () => pending?.() };
  }

  it('scores the requests waiting together in one call, each as if alone', async () => {
    const calls: FeatureMatrix[] = [];
    const scorer = new LineScorer(fakeModel(calls));
    const m = manual();
    const batcher = new ScoreBatcher(m.defer);
    const a = batcher.score(scorer, EMPTY_SNAPSHOT, { lines: [LINE], topContributions: 5 });
    const b = batcher.score(scorer, EMPTY_SNAPSHOT, { lines: [LINE, { ...LINE, item_code: 'SKU-2', purchased_item_count: 3 }], topContributions: 0 });
    expect(calls).toHaveLength(0);
    m.flush();
    const [ra, rb] = await Promise.all([a, b]);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.rows).toBe(4 + 2); // one masked line (itself + 3 copies), two plain lines
    expect(ra).toEqual(scorer.score([LINE], EMPTY_SNAPSHOT, { topContributions: 5 }));
    expect(rb).toEqual(scorer.score([LINE, { ...LINE, item_code: 'SKU-2', purchased_item_count: 3 }], EMPTY_SNAPSHOT, { topContributions: 0 }));
  });

  it('scores a large request at once, and fails only the request that cannot be scored', async () => {
    const calls: FeatureMatrix[] = [];
    const scorer = new LineScorer(fakeModel(calls));
    const m = manual();
    const batcher = new ScoreBatcher(m.defer);
    const big = await batcher.score(scorer, EMPTY_SNAPSHOT, { lines: Array.from({ length: COALESCE_MAX_LINES + 1 }, () => LINE), topContributions: 0 });
    expect(big).toHaveLength(COALESCE_MAX_LINES + 1);
    const good = batcher.score(scorer, EMPTY_SNAPSHOT, { lines: [LINE], topContributions: 0 });
    const bad = batcher.score(scorer, EMPTY_SNAPSHOT, { lines: [{ ...LINE, purchased_item_count: 999 }], topContributions: 0 });
    m.flush();
    await expect(bad).rejects.toThrow(/quantity 999/);
    expect((await good)[0]!.returnProbability).toBeCloseTo(0.41, 12);
  });
});
