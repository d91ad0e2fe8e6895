import { readFileSync } from 'node:fs';
import { KAGGLE_HEADER } from '../../../src/application/generate-orders.js';
import {
  divideRounded,
  formatKaggleDate,
  formatMoney,
  formatSpreadsheetScientific,
  KAGGLE_COLUMNS,
  KAGGLE_PATTERNS,
} from '../../../src/domain/synthetic/kaggle-format.js';
import { lineAmounts, nonProductRow, purchaseRow, returnRow, sameRowReturnRow, type LineIdentity } from '../../../src/domain/synthetic/order-rows.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { cents, parsePlainCsv, samplePath } from './helpers.js';

const sampleText = readFileSync(samplePath, 'utf8');
const sample = parsePlainCsv(sampleText);

const MONEY_COLUMNS = ['Total Revenue', 'Price Reductions', 'Refunds', 'Final Revenue', 'Sales Tax', 'Overall Revenue'] as const;

describe('the Kaggle format, checked against the real sample', () => {
  it('has the real header, byte for byte', () => {
    expect(KAGGLE_COLUMNS).toEqual(sample.header);
    expect(KAGGLE_HEADER).toBe(sampleText.split('\n')[0] + '\n');
  });

  it('writes every date of the sample exactly as the sample does', () => {
    const dates = sample.rows.map((r) => r.Date);
    expect(dates.length).toBeGreaterThan(100);
    for (const date of dates) {
      const [d, m, y] = date.split('/').map(Number);
      expect(formatKaggleDate(y ?? 0, m ?? 0, d ?? 0)).toBe(date);
      expect(date).toMatch(KAGGLE_PATTERNS.date);
    }
    // Both halves of the quirk are in the sample.
    expect(dates).toContain('3/3/2019');
    expect(dates).toContain('14/04/2019');
  });

  it('writes money as the sample does, and the sample obeys the patterns', () => {
    for (const row of sample.rows) {
      for (const column of MONEY_COLUMNS) {
        expect(formatMoney(cents(row[column]))).toBe(row[column]);
        expect(row[column]).toMatch(KAGGLE_PATTERNS.money);
      }
      expect(row['Item Code']).toMatch(KAGGLE_PATTERNS.itemCode);
      expect(row['Transaction ID']).toMatch(KAGGLE_PATTERNS.scientific);
    }
    expect([7417, 8900, 7920, 0, -1583, 5, -50].map(formatMoney)).toEqual(['74.17', '89', '79.2', '0', '-15.83', '0.05', '-0.5']);
  });

  it('shortens long IDs to six significant digits like the spreadsheet did', () => {
    expect(formatSpreadsheetScientific(53635612345678)).toBe('5.36356E+13');
    expect(formatSpreadsheetScientific(66417000000000)).toBe('6.6417E+13');
    expect(formatSpreadsheetScientific(12260012345678)).toBe('1.226E+13');
    expect(formatSpreadsheetScientific(50000049999999)).toBe('5E+13');
    expect(formatSpreadsheetScientific(99999950000000)).toBe('1E+14');
    const sampleIds = sample.rows.flatMap((r) => [r['Item ID'], r['Buyer ID'], r['Transaction ID']]).filter((v) => v.includes('E'));
    expect(sampleIds).toEqual(expect.arrayContaining(['8.42221E+13', '9.7805E+13', '6.6417E+13']));
    for (const id of sampleIds) expect(id).toMatch(KAGGLE_PATTERNS.scientific);
  });

  it('rounds integers the same way toExponential does (the fast path agrees with the general one)', () => {
    const rng = Rng.fromSeed(5);
    for (let i = 0; i < 5_000; i++) {
      const digits = rng.intBetween(7, 16);
      // Many values ending in ...5000 exercise the half-way rounding.
      const value = Math.min(Number.MAX_SAFE_INTEGER, 10 ** (digits - 1) + rng.int(9 * 10 ** (digits - 7)) * 10 ** 6 + (rng.chance(0.3) ? 500_000 : rng.int(1_000_000)));
      const [mantissa = '', exponent = ''] = value.toExponential(5).split('e');
      const general = `${mantissa.replace(/0+$/, '').replace(/\.$/, '')}E+${exponent.replace('+', '').padStart(2, '0')}`;
      expect(formatSpreadsheetScientific(value)).toBe(general);
    }
  });

  it('rounds tax halves away from zero, so a return negates its purchase exactly', () => {
    expect(divideRounded(8535, 6)).toBe(1423); // 85.35 / 6 = 14.225 -> 14.23, as in the sample
    expect(divideRounded(-8535, 6)).toBe(-1423);
    expect(divideRounded(7600, 6)).toBe(1267);
    expect(divideRounded(2625, 6)).toBe(438);
  });
});

describe('rows of each kind reproduce the sample', () => {
  const id: LineIdentity = { itemName: 'X', category: 'Product H', version: '32 / B / FtO', itemCode: 'AA-BBB-CCC-DDD-E-FFFFFFF', itemId: '1', buyerId: '2', transactionId: '3E+13' };
  const amountsOf = (r: ReturnType<typeof purchaseRow>): string =>
    [r['Final Quantity'], ...MONEY_COLUMNS.map((c) => r[c]), r['Refunded Item Count'], r['Purchased Item Count']].join(',');

  it('a discounted purchase (list 95, sold at 70)', () => {
    expect(amountsOf(purchaseRow(id, '1/1/2019', lineAmounts(9500, 7000, false)))).toBe('1,79.17,-20.84,0,58.33,11.67,70,0,1');
  });

  it('a 20% discount (list 99, sold at 79.20)', () => {
    expect(amountsOf(purchaseRow(id, '1/1/2019', lineAmounts(9900, 7920, false)))).toBe('1,82.5,-16.5,0,66,13.2,79.2,0,1');
  });

  it('an undiscounted purchase has Price Reductions exactly 0', () => {
    for (const pounds of [29, 35, 44, 49, 62, 66, 69, 89, 95, 99, 109, 119, 129]) {
      expect(lineAmounts(pounds * 100, pounds * 100, false).priceReductions).toBe(0);
    }
  });

  it('a zero-tax line (list 89)', () => {
    expect(amountsOf(purchaseRow(id, '1/1/2019', lineAmounts(8900, 8900, true)))).toBe('1,89,0,0,89,0,89,0,1');
  });

  it('a separate return row', () => {
    const a = lineAmounts(8900, 8900, false);
    expect(amountsOf(returnRow(id, '1/1/2019', a.finalRevenue, a.salesTax))).toBe('-1,0,0,-74.17,-74.17,-14.83,-89,-1,0');
  });

  it('a purchase returned in its own row', () => {
    expect(amountsOf(sameRowReturnRow(id, '3/11/2018', lineAmounts(8900, 8900, false)))).toBe('0,74.17,0,-74.17,0,0,0,-1,1');
  });

  it('a non-product line has the DPR category, no product columns and no counts', () => {
    const r = nonProductRow('2', '3E+13', '1/1/2019', 495, false);
    expect([r['Item Name'], r.Category, r.Version, r['Item Code'], r['Item ID'], r['Final Quantity'], r['Refunded Item Count'], r['Purchased Item Count']]).toEqual(['', 'DPR', '', '', '', '', '', '']);
    expect(cents(r['Total Revenue']) + cents(r['Sales Tax'])).toBe(495);
  });

  it('refuses a sale price above the list price', () => {
    expect(() => lineAmounts(5000, 6000, false)).toThrow(/above list price/);
  });
});
