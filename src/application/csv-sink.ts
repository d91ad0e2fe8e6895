/**
 * Writes CSV records to a caller's stream with backpressure: the file is never held in memory,
 * and a slow disk slows the reader instead of filling the heap. Also the one CSV line writer of
 * the application (RFC 4180 quoting, `\n` line ends), for callers that build lines themselves.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One value as a CSV field: quoted (with quotes doubled) when it holds a comma, a double quote or
 * a line break, as is otherwise; the empty string stays empty. These are csv-stringify's default
 * rules, so files written before and after it was replaced here are byte-identical.
 */
export function csvValue(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line of the values, with its line feed. */
export function csvLine(values: readonly string[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvValue(values[i] as string);
  return line + '\n';
}

/** Records are batched into writes of about this many characters. */
const BATCH_CHARS = 64 * 1024;

export class CsvSink {
  private buffer = '';

  constructor(
    private readonly target: Writable,
    header: readonly string[],
  ) {
    this.buffer = csvLine(header);
  }

  /**
   * Buffers one record. When `full` turns true the caller awaits flush() before adding more: an
   * await per batch of records, not per record, which counts on files of millions of rows.
   */
  add(cells: readonly string[]): void {
    this.buffer += csvLine(cells);
  }

  /** Whether a batch is buffered and should be flushed before more records are added. */
  get full(): boolean {
    return this.buffer.length >= BATCH_CHARS;
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

  /** Hands what is buffered to the stream, waiting when the stream is behind. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer;
    this.buffer = '';
    if (!this.target.write(text)) await once(this.target, 'drain');
  }
}
