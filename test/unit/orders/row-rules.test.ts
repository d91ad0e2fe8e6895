import {
  KAGGLE_COLUMN_INDEX,
  ORDER_COLUMNS,
  checkOrderRow,
  orderKindOf,
  type OrderColumn,
  type RowRuleOptions,
} from '../../../src/domain/orders/index.js';

const OPTIONS: RowRuleOptions = { columnIndex: KAGGLE_COLUMN_INDEX, fieldCount: ORDER_COLUMNS.length, asOf: '2019-05-01' };

// Real rows of the Kaggle sample (lines 2, 3 and 16).
const PURCHASE = 'QID,Product H,32 / B / 30,27-0CD-F44-7E1-0-2F608D7,46567054,3301861,5.36356E+13,14/04/2019,1,74.17,0,0,74.17,14.83,89,0,1';
const RETURN = 'OTH,Product P,32 / B / FtO,37-9D1-AC6-D48-E-F2D4507,16345004,1205940,4.75918E+13,14/02/2019,-1,0,0,-79.17,-79.17,-15.83,-95,-1,0';
const BOTH = 'QID,Product H,40 / C / FtO,89-640-975-F8D-0-B53CFB5,8.42221E+13,5162704,5.05625E+13,3/11/2018,0,74.17,0,-74.17,0,0,0,-1,1';

function row(base: string, changes: Partial<Record<OrderColumn, string>> = {}): string[] {
  const cells = base.split(',');
  for (const [column, value] of Object.entries(changes)) cells[ORDER_COLUMNS.indexOf(column as OrderColumn)] = value;
  return cells;
}

function codes(fields: string[], options: RowRuleOptions = OPTIONS): string[] {
  const verdict = checkOrderRow(fields, 7, options);
  return verdict.ok ? [] : verdict.reasons.map((r) => r.code);
}

describe('checkOrderRow on real rows', () => {
  it('types a purchase line', () => {
    const verdict = checkOrderRow(row(PURCHASE), 2, OPTIONS);
    expect(verdict).toEqual({
      ok: true,
      line: {
        line_number: 2,
        item_name: 'QID',
        category: 'Product H',
        version: '32 / B / 30',
        item_code: '27-0CD-F44-7E1-0-2F608D7',
        item_id: '46567054',
        buyer_id: '3301861',
        transaction_id: '5.36356E+13',
        date: '2019-04-14',
        final_quantity: 1,
        total_revenue: 74.17,
        price_reductions: 0,
        refunds: 0,
        final_revenue: 74.17,
        sales_tax: 14.83,
        overall_revenue: 89,
        refunded_item_count: 0,
        purchased_item_count: 1,
        item_id_lossy: false,
        buyer_id_lossy: false,
        transaction_id_lossy: true,
        kind: 'purchase',
      },
    });
  });

  it('types a return line with its negative amounts', () => {
    const verdict = checkOrderRow(row(RETURN), 3, OPTIONS);
    expect(verdict.ok && verdict.line).toMatchObject({ kind: 'return', refunds: -79.17, final_quantity: -1, refunded_item_count: -1 });
  });

  it('types a line that is bought and returned at once, with a lossy Item ID and zero tax', () => {
    const verdict = checkOrderRow(row(BOTH), 16, OPTIONS);
    expect(verdict.ok && verdict.line).toMatchObject({
      kind: 'purchase_and_return',
      item_id: '8.42221E+13',
      item_id_lossy: true,
      sales_tax: 0,
    });
  });

  it('finds columns through the header index when the file orders them differently', () => {
    const reversed = [...ORDER_COLUMNS].reverse();
    const index = Object.fromEntries(reversed.map((c, i) => [c, i])) as Record<OrderColumn, number>;
    const verdict = checkOrderRow(row(PURCHASE).reverse(), 2, { ...OPTIONS, columnIndex: index });
    expect(verdict.ok && verdict.line.item_code).toBe('27-0CD-F44-7E1-0-2F608D7');
  });
});

describe('checkOrderRow reasons', () => {
  it('reports only the column count when the values do not line up with the header', () => {
    const verdict = checkOrderRow(row(PURCHASE).slice(0, 16), 9, OPTIONS);
    expect(verdict).toEqual({ ok: false, reasons: [{ code: 'column_count', message: 'expected 17 values, found 16' }] });
  });

  it('names every empty column in one missing_field reason', () => {
    const verdict = checkOrderRow(row(PURCHASE, { 'Buyer ID': '', Date: ' ' }), 9, OPTIONS);
    expect(verdict.ok ? [] : verdict.reasons).toEqual([{ code: 'missing_field', message: 'empty: Buyer ID, Date' }]);
  });

  it('flags DPR lines as non-product lines along with what else is wrong with them', () => {
    const dpr = 'DPR,DPR,,,,6453719,4.15342E+13,18/12/2018,0,0,0,-5,-5,0,-5,0,0'.split(',');
    expect(codes(dpr)).toEqual(['missing_field', 'non_product_line', 'no_items']);
  });

  it.each([
    ['bad_date', { Date: '31/2/2019' }],
    ['bad_date', { Date: '2019-04-14' }],
    ['date_too_old', { Date: '31/12/1999' }],
    ['date_in_future', { Date: '3/5/2019' }],
    ['bad_number', { 'Sales Tax': '14,83' }],
    ['bad_integer', { 'Purchased Item Count': '1.0' }],
    ['bad_id', { 'Buyer ID': 'B3301861' }],
  ] as const)('gives %s for %j', (code, changes) => {
    expect(codes(row(PURCHASE, changes))).toEqual([code]);
  });

  it('accepts the day after the run date, and any date without a run date', () => {
    expect(codes(row(PURCHASE, { Date: '2/5/2019' }))).toEqual([]);
    expect(codes(row(PURCHASE, { Date: '1/1/2031' }), { ...OPTIONS, asOf: undefined })).toEqual([]);
  });

  it('checks Total Revenue + Price Reductions + Refunds = Final Revenue within a cent', () => {
    expect(codes(row(PURCHASE, { 'Final Revenue': '74.18', 'Overall Revenue': '89.01' }))).toEqual([]);
    const verdict = checkOrderRow(row(PURCHASE, { 'Final Revenue': '74.19', 'Overall Revenue': '89.02' }), 7, OPTIONS);
    expect(verdict.ok ? [] : verdict.reasons).toEqual([
      {
        code: 'arithmetic_final_revenue',
        message: 'Total Revenue 74.17 + Price Reductions 0 + Refunds 0 = 74.17, but Final Revenue is 74.19',
      },
    ]);
  });

  it('checks Final Revenue + Sales Tax = Overall Revenue within a cent', () => {
    expect(codes(row(PURCHASE, { 'Overall Revenue': '89.01' }))).toEqual([]);
    expect(codes(row(PURCHASE, { 'Overall Revenue': '89.02' }))).toEqual(['arithmetic_overall_revenue']);
  });

  it('checks Final Quantity = Purchased Item Count + Refunded Item Count', () => {
    expect(codes(row(RETURN, { 'Final Quantity': '0' }))).toEqual(['quantity_mismatch']);
  });

  it.each([
    [RETURN, { Refunds: '79.17', 'Final Revenue': '79.17', 'Overall Revenue': '63.34' }, 'Refunds 79.17 is positive (expected 0 or less)'],
    [PURCHASE, { 'Price Reductions': '1', 'Final Revenue': '75.17', 'Overall Revenue': '90' }, 'Price Reductions 1 is positive (expected 0 or less)'],
    [PURCHASE, { 'Refunded Item Count': '1', 'Final Quantity': '2' }, 'Refunded Item Count 1 is positive (expected 0 or less)'],
    [PURCHASE, { 'Total Revenue': '-74.17', 'Final Revenue': '-74.17', 'Overall Revenue': '-59.34' }, 'Total Revenue -74.17 is negative'],
    [RETURN, { 'Purchased Item Count': '-1', 'Final Quantity': '-2' }, 'Purchased Item Count -1 is negative'],
  ] as const)('gives bad_sign: %#', (base, changes, message) => {
    const verdict = checkOrderRow(row(base, changes), 7, OPTIONS);
    expect(verdict.ok ? [] : verdict.reasons).toEqual([{ code: 'bad_sign', message }]);
  });

  it('rejects a row that neither buys nor returns', () => {
    expect(codes(row(PURCHASE, { 'Purchased Item Count': '0', 'Final Quantity': '0' }))).toEqual(['no_items']);
  });

  it('rejects a return-only row that carries Total Revenue', () => {
    const changes = { 'Total Revenue': '79.17', 'Final Revenue': '0', 'Sales Tax': '0', 'Overall Revenue': '0' };
    expect(codes(row(RETURN, changes))).toEqual(['return_with_revenue']);
  });

  it('lists every reason of a row with several problems', () => {
    expect(codes(row(PURCHASE, { Date: '40/1/2019', 'Item ID': 'x', 'Overall Revenue': '1' }))).toEqual([
      'bad_id',
      'bad_date',
      'arithmetic_overall_revenue',
    ]);
  });

  it('cuts long values short in messages', () => {
    const verdict = checkOrderRow(row(PURCHASE, { Date: 'x'.repeat(500) }), 7, OPTIONS);
    const message = verdict.ok ? '' : (verdict.reasons[0]?.message ?? '');
    expect(message.length).toBeLessThan(80);
  });
});

describe('orderKindOf', () => {
  it.each([
    [1, 0, 'purchase'],
    [2, 0, 'purchase'],
    [0, -1, 'return'],
    [1, -1, 'purchase_and_return'],
    [0, 0, undefined],
    [-1, 0, undefined],
    [0, 1, undefined],
  ])('purchased %i, refunded %i -> %s', (purchased, refunded, kind) => {
    expect(orderKindOf(purchased, refunded)).toBe(kind);
  });
});
