/** Request bodies of the prediction API: the order file's parsing rules, and every problem with its path. */
import { fieldOf, parsePredictionBody, predictionQuerySchema } from '../../../src/adapters/http/prediction-schemas.js';

const LINE = {
  'Item Name': ' QID ',
  Category: 'Product H',
  Version: '32 / B / 30',
  'Item Code': '27-0CD-F44-7E1-0-2F608D7',
  'Item ID': 46567054,
  'Buyer ID': '3301861',
  'Transaction ID': '5.36356E+13',
  Date: '14/4/2019',
  'Total Revenue': '74.17',
  'Price Reductions': -0,
  'Purchased Item Count': 1,
};

describe('parsePredictionBody', () => {
  it('reads one line as the order file is read: trimmed text, IDs as text, d/m/yyyy dates', () => {
    const r = parsePredictionBody(LINE, 10);
    expect(r).toEqual({
      success: true,
      batch: false,
      lines: [
        {
          item_name: 'QID',
          category: 'Product H',
          version: '32 / B / 30',
          item_code: '27-0CD-F44-7E1-0-2F608D7',
          item_id: '46567054',
          buyer_id: '3301861',
          transaction_id: '5.36356E+13',
          date: '2019-04-14',
          total_revenue: 74.17,
          price_reductions: 0,
          purchased_item_count: 1,
        },
      ],
    });
    expect(Object.is((r as { lines: { price_reductions: number }[] }).lines[0]!.price_reductions, 0)).toBe(true);
  });

  it('reads a count by the order file\'s rule, sent as a number or as its text', () => {
    const count = (value: unknown): string | number => {
      const r = parsePredictionBody({ ...LINE, 'Purchased Item Count': value }, 10);
      return r.success ? r.lines[0]!.purchased_item_count : r.issues.map((i) => i.message).join('; ');
    };
    expect([count(2), count('2'), count(' 3 '), count('+4')]).toEqual([2, 2, 3, 4]);
    expect(count('0')).toBe('must be at least 1 (a purchase line)');
    expect(count(0)).toBe('must be at least 1 (a purchase line)');
    expect(count('1.5')).toBe('"1.5" is not a whole number');
    expect(count('two')).toBe('"two" is not a whole number');
    expect(count('3000000000')).toBe('"3000000000" is out of range');
    expect(count(3e9)).toBe('3000000000 is out of range');
    expect(count(true)).toBe('expected a whole number >= 1');
  });

  it('accepts ISO dates and ignores outcome columns', () => {
    const r = parsePredictionBody({ lines: [{ ...LINE, Date: '2019-04-14T10:30:00Z', Refunds: -74.17, 'Refunded Item Count': -1, 'Final Quantity': 0 }] }, 10);
    expect(r.success && r.batch && r.lines[0]!.date).toBe('2019-04-14');
  });

  it('reports every problem with its path', () => {
    const r = parsePredictionBody(
      {
        lines: [
          { ...LINE, 'Item Name': '  ', 'Buyer ID': '12a', Date: '2019-02-29', 'Price Reductions': 3 },
          { ...LINE, Category: 'DPR', 'Purchased Item Count': 1.5, 'Total Revenue': 'ten', Size: 'M' },
          { Date: '1/1/1999' },
        ],
      },
      10,
    );
    expect(r.success).toBe(false);
    const problems = r.success ? [] : r.issues.map((i) => `${fieldOf(i.path)}: ${i.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        'lines[0].Item Name: is empty',
        'lines[0].Buyer ID: "12a" is neither digits nor a number like 5.36356E+13',
        'lines[0].Date: "2019-02-29" is not a calendar date',
        'lines[0].Price Reductions: 3 is positive (expected 0 or less)',
        'lines[1].Category: is not a product category (DPR lines are not purchases)',
        'lines[1].Purchased Item Count: 1.5 is not a whole number',
        'lines[1].Total Revenue: "ten" is not a number',
        'lines[1]: Unrecognized key: "Size"',
        'lines[2].Date: 1999-01-01 is outside 2000-01-01..9998-12-31',
        'lines[2].Item Name: is required',
        'lines[2].Purchased Item Count: is required',
      ]),
    );
  });

  it('refuses an empty batch, an oversized one and a body that is not an object', () => {
    expect(parsePredictionBody({ lines: [] }, 10)).toMatchObject({ success: false, issues: [{ path: ['lines'], message: 'is empty' }] });
    expect(parsePredictionBody({ lines: [LINE, LINE, LINE] }, 2)).toMatchObject({ success: false, issues: [{ path: ['lines'], message: 'holds more than 2 lines (the batch limit)' }] });
    expect(parsePredictionBody([LINE], 10)).toMatchObject({ success: false, issues: [{ path: [] }] });
    expect(parsePredictionBody('x', 10).success).toBe(false);
  });
});

describe('query and paths', () => {
  it('takes contributions from 0 to the number of features, 5 by default', () => {
    expect(predictionQuerySchema.parse({})).toEqual({ contributions: 5 });
    expect(predictionQuerySchema.parse({ contributions: '0' })).toEqual({ contributions: 0 });
    expect(predictionQuerySchema.safeParse({ contributions: '99' }).success).toBe(false);
    expect(predictionQuerySchema.safeParse({ other: '1' }).success).toBe(false);
  });

  it('writes paths as field names', () => {
    expect(fieldOf(['lines', 3, 'Item Name'])).toBe('lines[3].Item Name');
    expect(fieldOf([])).toBe('(body)');
  });
});
