/**
 * Returns drawn at purchase time and waiting for their day to be written.
 *
 * Dates are whole days and a return falls 3 to 35 days after its purchase, so instead of a heap
 * this is a calendar queue: one bucket per future day, each a flat array of numbers (no object
 * per return). Days are written in order and a bucket is dropped when its day is written, so at
 * most 35 buckets are alive and the memory is bounded by the returns of a 35-day window, whatever
 * the total row count. Within a day, returns come out in the order they were drawn.
 */

/** What a return row needs from its purchase, besides its date. */
export interface PendingReturn {
  /** Index of the model in the catalogue. */
  readonly model: number;
  /** Index of the SKU within the model. */
  readonly sku: number;
  readonly buyer: number;
  /** The 14-digit transaction number. */
  readonly transaction: number;
  readonly finalRevenue: number;
  readonly salesTax: number;
}

const FIELDS = 6;

export class PendingReturns {
  private readonly buckets = new Map<number, number[]>();
  private count = 0;

  add(day: number, r: PendingReturn): void {
    let bucket = this.buckets.get(day);
    if (bucket === undefined) {
      bucket = [];
      this.buckets.set(day, bucket);
    }
    bucket.push(r.model, r.sku, r.buyer, r.transaction, r.finalRevenue, r.salesTax);
    this.count++;
  }

  /** Removes and yields the returns due on `day`, in the order they were added. */
  *takeDay(day: number): Generator<PendingReturn> {
    const bucket = this.buckets.get(day);
    if (bucket === undefined) return;
    this.buckets.delete(day);
    this.count -= bucket.length / FIELDS;
    for (let i = 0; i < bucket.length; i += FIELDS) {
      yield {
        model: bucket[i] as number,
        sku: bucket[i + 1] as number,
        buyer: bucket[i + 2] as number,
        transaction: bucket[i + 3] as number,
        finalRevenue: bucket[i + 4] as number,
        salesTax: bucket[i + 5] as number,
      };
    }
  }

  /** Returns waiting, all days together. */
  get size(): number {
    return this.count;
  }

  /** Days with returns waiting. */
  get dayCount(): number {
    return this.buckets.size;
  }
}
