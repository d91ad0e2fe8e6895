import { generateOrdersCsv } from '../../../src/application/generate-orders.js';
import { generateSyntheticOrders } from '../../../src/domain/synthetic/generator.js';
import { KAGGLE_PATTERNS, type KaggleRow } from '../../../src/domain/synthetic/kaggle-format.js';
import { SyntheticOptionsError } from '../../../src/domain/synthetic/options.js';
import { cents, dayOf, isoDay, isPurchaseLine, isReturnRow, lineKey, parsePlainCsv, records } from './helpers.js';

async function csvText(options: Parameters<typeof generateOrdersCsv>[0]): Promise<string> {
  let text = '';
  for await (const chunk of generateOrdersCsv(options)) text += (chunk as Buffer).toString('utf8');
  return text;
}

const ROWS = 20_000;
const START = '2018-11-01';
const END = '2019-04-30';
let rows: KaggleRow[];
let generated: ReturnType<typeof records>;

beforeAll(async () => {
  rows = parsePlainCsv(await csvText({ rows: ROWS, seed: 2024 })).rows;
  generated = records({ rows: ROWS, seed: 2024 });
});

const product = (r: KaggleRow): boolean => r.Category !== 'DPR';

describe('determinism', () => {
  it('gives identical bytes for the same seed and different bytes for another seed', async () => {
    const a = await csvText({ rows: 3_000, seed: 9 });
    const b = await csvText({ rows: 3_000, seed: 9 });
    const c = await csvText({ rows: 3_000, seed: 10 });
    expect(a.length).toBeGreaterThan(100_000);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('rejects bad options before generating anything', () => {
    expect(() => generateSyntheticOrders({ rows: 0, seed: 1 })).toThrow(SyntheticOptionsError);
    expect(() => generateSyntheticOrders({ rows: 10, seed: -1 })).toThrow(/seed/);
    expect(() => generateSyntheticOrders({ rows: 10, seed: 1, start: '2019-02-01', end: '2019-01-01' })).toThrow(/before start/);
    expect(() => generateSyntheticOrders({ rows: 10, seed: 1, start: '2019-02-30' })).toThrow(/start/);
  });
});

describe('shape of the data', () => {
  it('has exactly `rows` purchase lines, plus return rows and non-product lines', () => {
    expect(rows.filter(isPurchaseLine)).toHaveLength(ROWS);
    expect(rows.filter(isReturnRow).length).toBeGreaterThan(ROWS * 0.1);
    expect(rows.filter((r) => !product(r)).length).toBeGreaterThan(0);
    expect(rows).toHaveLength(generated.length);
  });

  it('writes every value in the Kaggle formats', () => {
    const money = ['Total Revenue', 'Price Reductions', 'Refunds', 'Final Revenue', 'Sales Tax', 'Overall Revenue'] as const;
    const problems = (r: KaggleRow): string[] => {
      const out: string[] = [];
      const check = (ok: boolean, what: string): void => {
        if (!ok) out.push(what);
      };
      check(KAGGLE_PATTERNS.date.test(r.Date), 'Date');
      check(KAGGLE_PATTERNS.scientific.test(r['Transaction ID']), 'Transaction ID');
      check(/^(?:[1-9]\d{6}|[1-9](?:\.\d{0,4}[1-9])?E\+13)$/.test(r['Buyer ID']), 'Buyer ID');
      for (const c of money) check(KAGGLE_PATTERNS.money.test(r[c]) && r[c] !== '-0', c);
      if (product(r)) {
        check(/^[A-Z]{3}$/.test(r['Item Name']), 'Item Name');
        check(/^Product [A-Z]$/.test(r.Category), 'Category');
        check(/^[0-9A-Z+]+ \/ [A-Za-z]+ \/ [0-9A-Za-z]+$/.test(r.Version), 'Version');
        check(KAGGLE_PATTERNS.itemCode.test(r['Item Code']), 'Item Code');
        check(/^(?:[1-9]\d{7}|[1-9](?:\.\d{0,4}[1-9])?E\+13)$/.test(r['Item ID']), 'Item ID');
        check(['1', '0', '-1'].includes(r['Final Quantity']), 'Final Quantity');
      } else {
        check([r['Item Name'], r.Version, r['Item Code'], r['Item ID'], r['Final Quantity'], r['Purchased Item Count']].join('') === '', 'non-product columns');
      }
      return out;
    };
    const bad = rows.flatMap((r) => problems(r).map((what) => `${what}: ${JSON.stringify(r)}`));
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('includes each quirk of the real file', () => {
    expect(rows.some((r) => r['Item ID'].includes('E+'))).toBe(true);
    expect(rows.some((r) => r['Buyer ID'].includes('E+'))).toBe(true);
    expect(rows.some((r) => r.Date.startsWith('3/'))).toBe(true); // unpadded
    expect(rows.some((r) => /^\d{2}\/0\d\//.test(r.Date))).toBe(true); // padded month
    expect(rows.some((r) => product(r) && r['Sales Tax'] === '0' && r['Overall Revenue'] !== '0')).toBe(true);
    expect(rows.some((r) => r['Final Quantity'] === '0' && r['Refunded Item Count'] === '-1' && r['Purchased Item Count'] === '1')).toBe(true);
    expect(rows.some((r) => cents(r['Price Reductions']) < 0)).toBe(true);
  });

  it('is in date order, inside the period', () => {
    const days = rows.map((r) => dayOf(r.Date));
    expect(days.filter((d, i) => i > 0 && d < (days[i - 1] ?? 0))).toEqual([]);
    expect(days[0]).toBeGreaterThanOrEqual(isoDay(START));
    expect(days[days.length - 1]).toBeLessThanOrEqual(isoDay(END));
  });

  it('honours a custom period', () => {
    const custom = records({ rows: 2_000, seed: 3, start: '2019-01-10', end: '2019-02-20' });
    const days = custom.map((r) => dayOf(r.row.Date));
    expect(Math.min(...days)).toBe(isoDay('2019-01-10'));
    expect(Math.max(...days)).toBe(isoDay('2019-02-20'));
    expect(custom.filter((r) => r.kind === 'purchase')).toHaveLength(2_000);
  });
});

describe('the data rules', () => {
  it('keeps the money identities on every row', () => {
    const bad = rows.filter((r) => {
      const [tr, pr, rf, fr, tax, overall] = [r['Total Revenue'], r['Price Reductions'], r.Refunds, r['Final Revenue'], r['Sales Tax'], r['Overall Revenue']].map(cents) as [number, number, number, number, number, number];
      // Prices include 20% VAT: tax is a sixth of the overall amount, or 0 on zero-VAT lines.
      const sixth = Math.sign(overall) * Math.floor(Math.abs(overall) / 6 + 0.5);
      return tr + pr + rf !== fr || fr + tax !== overall || (tax !== sixth && tax !== 0) || pr > 0 || rf > 0;
    });
    expect(bad.slice(0, 5)).toEqual([]);
    // Zero tax is the exception, not a way around the rule.
    expect(rows.filter((r) => r['Sales Tax'] === '0' && r['Overall Revenue'] !== '0').length).toBeLessThan(rows.length * 0.05);
  });

  it('writes return rows as the rules say, each linked to an earlier purchase 3 to 35 days before', () => {
    const purchases = new Map<string, KaggleRow>();
    const bad: string[] = [];
    let checked = 0;
    for (const r of rows) {
      if (isPurchaseLine(r) && product(r)) purchases.set(lineKey(r), r);
      if (!isReturnRow(r)) continue;
      checked++;
      // Seen before the return (the file is in date order), same buyer, transaction and item code.
      const purchase = purchases.get(lineKey(r));
      if (purchase === undefined) {
        bad.push(`no purchase for ${JSON.stringify(r)}`);
        continue;
      }
      const delay = dayOf(r.Date) - dayOf(purchase.Date);
      const ok =
        [r['Total Revenue'], r['Price Reductions'], r['Refunded Item Count'], r['Purchased Item Count']].join() === '0,0,-1,0' &&
        delay >= 3 &&
        delay <= 35 &&
        cents(r.Refunds) === -cents(purchase['Final Revenue']) &&
        cents(r['Overall Revenue']) === -cents(purchase['Overall Revenue']) &&
        [r['Item Name'], r.Category, r.Version, r['Item ID']].join() === [purchase['Item Name'], purchase.Category, purchase.Version, purchase['Item ID']].join();
      if (!ok) bad.push(`${JSON.stringify(purchase)} -> ${JSON.stringify(r)}`);
    }
    expect(checked).toBeGreaterThan(1_000);
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('writes a same-row return as Final Quantity 0 with everything netted to 0', () => {
    const sameRow = rows.filter((r) => r['Final Quantity'] === '0');
    expect(sameRow.length).toBeGreaterThan(0);
    for (const r of sameRow) {
      expect([r['Final Revenue'], r['Sales Tax'], r['Overall Revenue'], r['Refunded Item Count'], r['Purchased Item Count']]).toEqual(['0', '0', '0', '-1', '1']);
      expect(cents(r.Refunds)).toBe(-(cents(r['Total Revenue']) + cents(r['Price Reductions'])));
    }
  });

  it('censors returns after the period end and writes exactly the others', () => {
    const purchases = generated.flatMap((r) => (r.kind === 'purchase' ? [r] : []));
    const written = purchases.filter((p) => p.truth.returned && !p.truth.censored && !p.truth.sameRow);
    expect(rows.filter(isReturnRow)).toHaveLength(written.length);
    const censored = purchases.filter((p) => p.truth.censored);
    expect(censored.length).toBeGreaterThan(0);
    for (const p of censored) expect(dayOf(p.truth.returnDate)).toBeGreaterThan(isoDay(END));
    for (const p of purchases.filter((x) => x.truth.returned && !x.truth.censored)) expect(dayOf(p.truth.returnDate)).toBeLessThanOrEqual(isoDay(END));
    // No line can be returned in its own row after the period end either.
    expect(purchases.some((p) => p.truth.censored && p.truth.sameRow)).toBe(false);
  });

  it('never puts the same SKU twice in one transaction, so a return links to one purchase', () => {
    const keys = rows.filter((r) => isPurchaseLine(r) && product(r)).map(lineKey);
    // Lossy transaction IDs could in principle collide; in 20k lines they do not.
    expect(new Set(keys).size).toBe(keys.length);
  });
});
