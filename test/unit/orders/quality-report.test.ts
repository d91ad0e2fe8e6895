import {
  DataQualityError,
  QualityReportBuilder,
  REASON_CODES,
  formatQualitySummary,
  reason,
  serializeQualityReport,
  type OrderLine,
} from '../../../src/domain/orders/index.js';

function line(overrides: Partial<OrderLine>): OrderLine {
  return {
    line_number: 2,
    item_name: 'QID',
    category: 'Product H',
    version: '32 / B / 30',
    item_code: 'SKU-1',
    item_id: '46567054',
    buyer_id: 'B1',
    transaction_id: '5.36356E+13',
    date: '2019-01-10',
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
    ...overrides,
  };
}

const RETURN = { kind: 'return', purchased_item_count: 0, refunded_item_count: -1, final_quantity: -1 } as const;

describe('QualityReportBuilder', () => {
  it('counts rows, reasons, kinds, dates and lossy keys', () => {
    const builder = new QualityReportBuilder({ source: 'file:///x.csv', asOf: '2019-05-01' });
    builder.addAccepted(line({ line_number: 2, date: '2019-02-01' }));
    builder.addAccepted(line({ line_number: 3, date: '2018-11-03', item_id_lossy: true, sales_tax: 0 }));
    builder.addAccepted(line({ line_number: 4, date: '2019-04-30', buyer_id_lossy: true, transaction_id_lossy: false, kind: 'purchase_and_return' }));
    builder.addBlankLine();
    builder.addQuarantined(6, [reason('missing_field', 'empty: Date'), reason('missing_field', 'empty: Buyer ID'), reason('bad_sign', 's')]);
    builder.addQuarantined(7, [reason('bad_sign', 's')]);
    const report = builder.build();
    expect(report).toMatchObject({
      source: 'file:///x.csv',
      as_of: '2019-05-01',
      rows_in: 5,
      rows_accepted: 3,
      rows_quarantined: 2,
      blank_lines: 1,
      quarantined_share: 0.4,
      max_quarantined_share: 0.05,
      passed: false,
      date_range: { min: '2018-11-03', max: '2019-04-30' },
      kinds: { purchase: 2, return: 0, purchase_and_return: 1 },
      lossy_keys: { item_id: 1, buyer_id: 1, transaction_id: 2, rows_with_any: 3 },
      zero_tax_rows: 1,
      reason_examples: { missing_field: [6], bad_sign: [6, 7] },
    });
    expect(report.reasons.missing_field).toBe(1);
    expect(report.reasons.bad_sign).toBe(2);
    expect(Object.keys(report.reasons)).toEqual(REASON_CODES);
    expect(report.rows_in).toBe(report.rows_accepted + report.rows_quarantined);
  });

  it('links a return to a purchase of the same buyer and item dated on or before it', () => {
    const builder = new QualityReportBuilder();
    builder.addAccepted(line({ buyer_id: 'B1', item_code: 'SKU-1', date: '2019-01-10' }));
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B1', item_code: 'SKU-1', date: '2019-01-20' })); // linked
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B1', item_code: 'SKU-1', date: '2019-01-10' })); // same day: linked
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B1', item_code: 'SKU-1', date: '2019-01-09' })); // before the purchase
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B2', item_code: 'SKU-1', date: '2019-01-20' })); // another buyer
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B1', item_code: 'SKU-2', date: '2019-01-20' })); // another item
    // A return filed before its purchase appears in the file still links (order of rows is irrelevant).
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B3', item_code: 'SKU-3', date: '2019-03-01' }));
    builder.addAccepted(line({ buyer_id: 'B3', item_code: 'SKU-3', date: '2019-02-01', kind: 'purchase_and_return', refunded_item_count: -1 }));
    expect(builder.build().return_link).toEqual({ returns: 6, linked: 3, rate: 0.5 });
  });

  it('links by the earliest purchase seen anywhere in the file, over thousands of returns', () => {
    const builder = new QualityReportBuilder();
    const buyers = 3000;
    for (let b = 0; b < buyers; b++) {
      builder.addAccepted(line({ buyer_id: `B${b}`, item_code: 'SKU-1', date: '2019-03-01' }));
      builder.addAccepted(line({ ...RETURN, buyer_id: `B${b}`, item_code: 'SKU-1', date: '2019-02-01' }));
    }
    // An earlier purchase of every even buyer comes last: only those returns link.
    for (let b = 0; b < buyers; b += 2) builder.addAccepted(line({ buyer_id: `B${b}`, item_code: 'SKU-1', date: '2019-01-01' }));
    // Buyer and item code are kept apart: "B1" + "2X" is not "B12" + "X".
    builder.addAccepted(line({ ...RETURN, buyer_id: 'B1', item_code: '2X', date: '2019-05-01' }));
    builder.addAccepted(line({ buyer_id: 'B12', item_code: 'X', date: '2019-01-01' }));
    expect(builder.build().return_link).toEqual({ returns: buyers + 1, linked: buyers / 2, rate: 0.499833 });
  });

  it('has no link rate without returns, and passes at exactly the limit', () => {
    const builder = new QualityReportBuilder({ maxQuarantineShare: 0.5 });
    builder.addAccepted(line({}));
    builder.addQuarantined(3, [reason('bad_date', 'x')]);
    const report = builder.build();
    expect(report.return_link).toEqual({ returns: 0, linked: 0, rate: null });
    expect(report.passed).toBe(true);
  });

  it('refuses a limit outside 0..1', () => {
    expect(() => new QualityReportBuilder({ maxQuarantineShare: 5 })).toThrow('between 0 and 1');
  });
});

describe('report output', () => {
  const builder = new QualityReportBuilder({ source: 's.csv', maxQuarantineShare: 0.05 });
  builder.addAccepted(line({}));
  builder.addQuarantined(9, [reason('duplicate_row', 'same values as line 2')]);
  const report = builder.build();

  it('serializes to the same bytes every time, ending with a newline', () => {
    const text = serializeQualityReport(report);
    expect(text).toBe(serializeQualityReport(builder.build()));
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(report);
  });

  it('summarises for a person', () => {
    const summary = formatQualitySummary(report);
    expect(summary).toContain('FAILED — 50.0% of 2 rows quarantined (limit 5.0%)');
    expect(summary).toContain('rows in 2 = accepted 1 + quarantined 1');
    expect(summary).toContain('duplicate_row: 1 — an exact copy of an earlier row (e.g. line 9)');
  });

  it('gives a one-line DataQualityError that the caller completes with the report path', () => {
    const err = new DataQualityError(report);
    expect(err.message).toBe(
      'order data failed the quality check: 1 of 2 rows quarantined (50.0%), above the limit of 5.0%; see <quality report>',
    );
    expect(err.withReportPath('/runs/2019-05-01/quality.json').message).toMatch(/; see \/runs\/2019-05-01\/quality\.json$/);
    expect(err.withReportPath('r.json').report).toBe(report);
  });
});
