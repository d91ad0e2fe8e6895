import { PendingReturns, type PendingReturn } from '../../../src/domain/synthetic/pending-returns.js';

const pending = (model: number): PendingReturn => ({ model, sku: 1, buyer: 2, transaction: 53635612345678, finalRevenue: 7417, salesTax: 1483 });

describe('PendingReturns', () => {
  it('gives back each day its returns, in the order they were added, once', () => {
    const queue = new PendingReturns();
    queue.add(10, pending(1));
    queue.add(12, pending(2));
    queue.add(10, pending(3));
    expect(queue.size).toBe(3);
    expect(queue.dayCount).toBe(2);
    expect([...queue.takeDay(10)].map((r) => r.model)).toEqual([1, 3]);
    expect([...queue.takeDay(10)]).toEqual([]);
    expect([...queue.takeDay(11)]).toEqual([]);
    expect(queue.size).toBe(1);
    expect([...queue.takeDay(12)]).toEqual([pending(2)]);
    expect(queue.size).toBe(0);
    expect(queue.dayCount).toBe(0);
  });

  it('keeps 14-digit transaction numbers and negative amounts intact', () => {
    const queue = new PendingReturns();
    const r = { ...pending(0), transaction: 99999999999999, finalRevenue: -5, salesTax: 0 };
    queue.add(1, r);
    expect([...queue.takeDay(1)]).toEqual([r]);
  });
});
