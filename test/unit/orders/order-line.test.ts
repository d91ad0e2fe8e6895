import { ORDER_LINE_FIELDS, orderLineCells, type OrderLine } from '../../../src/domain/orders/index.js';

describe('orderLineCells', () => {
  it('gives every field as text in ORDER_LINE_FIELDS order', () => {
    // Distinct values everywhere, so a field out of place cannot go unnoticed.
    const line: OrderLine = {
      line_number: 7,
      item_name: 'QID',
      category: 'Product H',
      version: '32 / B / 30',
      item_code: 'SKU-1',
      item_id: '46567054',
      buyer_id: '3301861',
      transaction_id: '5.36356E+13',
      date: '2019-04-14',
      final_quantity: 1,
      total_revenue: 74.17,
      price_reductions: -1.5,
      refunds: -2.25,
      final_revenue: 70.42,
      sales_tax: 14.08,
      overall_revenue: 84.5,
      refunded_item_count: -3,
      purchased_item_count: 4,
      item_id_lossy: false,
      buyer_id_lossy: false,
      transaction_id_lossy: false,
      kind: 'purchase_and_return',
    };
    // One lossy flag at a time: the three flags cannot trade places unnoticed either.
    for (const lossy of ['item_id_lossy', 'buyer_id_lossy', 'transaction_id_lossy'] as const) {
      const flagged: OrderLine = { ...line, item_id_lossy: false, buyer_id_lossy: false, transaction_id_lossy: false, [lossy]: true };
      expect(orderLineCells(flagged)).toEqual(ORDER_LINE_FIELDS.map((field) => String(flagged[field])));
    }
  });
});
