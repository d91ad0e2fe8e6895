/**
 * The story's effects, seen the way a model would see them: from the rows alone, labels linked
 * from return rows, on purchases old enough to have a mature label.
 */
import type { KaggleRow } from '../../../src/domain/synthetic/kaggle-format.js';
import { cents, dayOf, isoDay, realisedLabels, records } from './helpers.js';

interface Line {
  readonly p: number;
  readonly y: boolean;
  readonly day: number;
  readonly bracketSize: number;
  readonly row: KaggleRow;
}

const END = isoDay('2019-04-30');
let lines: Line[];
let mature: Line[];

beforeAll(() => {
  const generated = records({ rows: 50_000, seed: 77 });
  const labels = realisedLabels(generated.map((r) => r.row));
  lines = generated.flatMap((r) => (r.kind === 'purchase' ? [r] : [])).map((r, i) => ({ p: r.truth.probability, y: labels[i] === true, day: dayOf(r.row.Date), bracketSize: r.truth.bracketSize, row: r.row }));
  mature = lines.filter((l) => l.day <= END - 35);
});

const rate = (xs: readonly Line[]): number => xs.filter((x) => x.y).length / xs.length;
const meanP = (xs: readonly Line[]): number => xs.reduce((a, x) => a + x.p, 0) / xs.length;
const month = (l: Line): number => Number(l.row.Date.split('/')[1]);

/** Area under the ROC curve (rank formula; probabilities are continuous, so ties are negligible). */
function auc(xs: readonly Line[]): number {
  const sorted = [...xs].sort((a, b) => a.p - b.p);
  let positives = 0;
  let rankSum = 0;
  sorted.forEach((x, i) => {
    if (x.y) {
      positives++;
      rankSum += i + 1;
    }
  });
  const negatives = sorted.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

describe('the true probability', () => {
  it('is calibrated against realised returns overall', () => {
    expect(mature.length).toBeGreaterThan(35_000);
    expect(Math.abs(meanP(mature) - rate(mature))).toBeLessThan(0.01);
    expect(rate(mature)).toBeGreaterThan(0.15);
    expect(rate(mature)).toBeLessThan(0.4);
  });

  it('is calibrated within each decile of probability', () => {
    const sorted = [...mature].sort((a, b) => a.p - b.p);
    for (let d = 0; d < 10; d++) {
      const slice = sorted.slice(Math.floor((d * sorted.length) / 10), Math.floor(((d + 1) * sorted.length) / 10));
      expect(Math.abs(meanP(slice) - rate(slice))).toBeLessThan(0.03);
    }
  });

  it('ranks returns well: the ceiling a model can aim for', () => {
    const ceiling = auc(mature);
    expect(ceiling).toBeGreaterThan(0.7);
    expect(ceiling).toBeLessThan(0.9);
  });
});

describe('known effects, visible in aggregate', () => {
  it('bracketed lines are returned far more often than the others', () => {
    const bracketed = mature.filter((l) => l.bracketSize > 1);
    expect(bracketed.length).toBeGreaterThan(1_000);
    expect(rate(bracketed)).toBeGreaterThan(2 * rate(mature.filter((l) => l.bracketSize === 1)));
  });

  it('discounted lines are returned less often than full-price ones', () => {
    const discounted = mature.filter((l) => cents(l.row['Price Reductions']) < 0);
    const full = mature.filter((l) => cents(l.row['Price Reductions']) === 0);
    expect(rate(discounted)).toBeLessThan(rate(full) - 0.02);
  });

  it('December purchases (gifts) come back more than January ones (sale)', () => {
    expect(rate(mature.filter((l) => month(l) === 12))).toBeGreaterThan(rate(mature.filter((l) => month(l) === 1)) + 0.04);
  });

  it('categories differ as the story sets them: Product R below Product P below Product J', () => {
    const byCategory = (name: string): number => rate(mature.filter((l) => l.row.Category === name));
    expect(byCategory('Product R')).toBeLessThan(byCategory('Product P'));
    expect(byCategory('Product P')).toBeLessThan(byCategory('Product J'));
  });

  it("a buyer's past returns predict their next ones (latent propensity)", () => {
    const byBuyer = new Map<string, Line[]>();
    for (const l of mature) byBuyer.set(l.row['Buyer ID'], [...(byBuyer.get(l.row['Buyer ID']) ?? []), l]);
    const after = { returned: [] as Line[], kept: [] as Line[] };
    for (const history of byBuyer.values()) {
      const [first, ...rest] = history;
      if (first === undefined || rest.length === 0) continue;
      // Lines of another transaction only, so bracket groups do not count twice.
      const later = rest.filter((l) => l.row['Transaction ID'] !== first.row['Transaction ID']);
      (first.y ? after.returned : after.kept).push(...later);
    }
    expect(rate(after.returned)).toBeGreaterThan(rate(after.kept) + 0.05);
  });

  it('right-censoring: the last week of purchases shows few returns yet', () => {
    expect(rate(lines.filter((l) => l.day > END - 7))).toBeLessThan(rate(mature) / 3);
  });
});
