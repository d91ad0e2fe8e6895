/**
 * Writes CSV records to a caller's stream with backpressure: the file is never held in memory,
 * and a slow disk slows the reader instead of filling the heap.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify/sync';

/** Records are batched into writes of about this many characters. */
const BATCH_CHARS = 64 * 1024;

export class CsvSink {
  private buffer = '';
  private rows = 0;

  constructor(
    private readonly target: Writable,
    header: readonly string[],
  ) {
    this.buffer = stringify([header], { record_delimiter: 'unix' });
  }

  /** Rows written so far (the header excluded). */
  get rowCount(): number {
    return this.rows;
  }

  async write(cells: readonly string[]): Promise<void> {
    this.buffer += stringify([cells], { record_delimiter: 'unix' });
    this.rows += 1;
    if (this.buffer.length >= BATCH_CHARS) await this.flush();
  }

  /** Writes what is buffered, ends the stream and waits until it is flushed. */
  async end(): Promise<void> {
    await this.flush();
    this.target.end();
    await finished(this.target);
  }

  /** Releases the stream after a failure; what was written is the caller's to delete. */
  abort(): void {
    this.target.destroy();
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    if (!this.target.write(text)) await once(this.target, 'drain');
  }
}
