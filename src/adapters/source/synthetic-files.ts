/**
 * Writes a synthetic order file, and on request its truth side file, to local disk: the files
 * behind `returns generate` and the benchmarks. The rows and their CSV text come from
 * src/application/generate-orders.ts; this module only owns the files.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { CHUNK_CHARS, KAGGLE_HEADER, kaggleCsvLine, TRUTH_HEADER, truthCsvLine } from '../../application/generate-orders.js';
import { generateSyntheticOrders, type SyntheticRecord } from '../../domain/synthetic/generator.js';
import type { SyntheticOptions } from '../../domain/synthetic/options.js';

export interface GenerateOrdersProgress {
  readonly purchaseLines: number;
  readonly totalRows: number;
}

export interface GenerateOrdersToFilesOptions extends SyntheticOptions {
  /** Path of the order CSV. */
  readonly out: string;
  /** Path of the truth side file; none is written when absent. */
  readonly truthOut?: string;
  /** Called about every 64 KiB of output, for progress bars. */
  readonly onProgress?: (progress: GenerateOrdersProgress) => void;
}

export interface GenerateOrdersSummary {
  readonly purchaseLines: number;
  /** Separate return rows (Final Quantity -1). */
  readonly returnRows: number;
  /** Purchase lines carrying their own return (Final Quantity 0). */
  readonly sameRowReturns: number;
  /** Returns drawn but falling after the period end, hence not written. */
  readonly censoredReturns: number;
  readonly nonProductRows: number;
  /** Data rows of the order file (header excluded). */
  readonly totalRows: number;
}

class ChunkedFileWriter {
  private chunk: string;

  private constructor(
    readonly path: string,
    readonly stream: WriteStream,
    header: string,
  ) {
    this.chunk = header;
    // Errors are read from stream.errored where we wait; this listener only keeps an error that
    // happens between two waits from becoming an uncaught exception.
    stream.on('error', () => undefined);
  }

  /** Opens the file, failing here (not mid-generation) when it cannot be created. */
  static async open(path: string, header: string): Promise<ChunkedFileWriter> {
    const stream = createWriteStream(path);
    await once(stream, 'open');
    return new ChunkedFileWriter(path, stream, header);
  }

  /** Adds text to the pending chunk; true when the chunk is big enough to flush. */
  append(text: string): boolean {
    this.chunk += text;
    return this.chunk.length >= CHUNK_CHARS;
  }

  /** Hands the pending chunk to the file, waiting only when the file is behind. */
  async flush(): Promise<void> {
    const text = this.chunk;
    this.chunk = '';
    if (this.stream.errored) throw this.stream.errored;
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    if (this.chunk.length > 0) await this.flush();
    this.stream.end();
    await finished(this.stream);
  }
}

function stagingPath(path: string): string {
  return `${path}.partial-${process.pid}`;
}

/**
 * Writes the order CSV and, if asked, the truth side file. Each file is written under a staging
 * name and renamed into place at the end, so a crash never leaves a truncated file at `out`.
 */
export async function generateOrdersToFiles(options: GenerateOrdersToFilesOptions): Promise<GenerateOrdersSummary> {
  const records: Iterable<SyntheticRecord> = generateSyntheticOrders(options);
  const csv = await ChunkedFileWriter.open(stagingPath(options.out), KAGGLE_HEADER);
  let truth: ChunkedFileWriter | undefined;
  try {
    truth = options.truthOut === undefined ? undefined : await ChunkedFileWriter.open(stagingPath(options.truthOut), TRUTH_HEADER);
  } catch (error) {
    csv.stream.destroy();
    await rm(csv.path, { force: true });
    throw error;
  }
  const counts = { purchaseLines: 0, returnRows: 0, sameRowReturns: 0, censoredReturns: 0, nonProductRows: 0, totalRows: 0 };
  try {
    for (const record of records) {
      counts.totalRows++;
      if (record.kind === 'purchase') {
        counts.purchaseLines++;
        if (record.truth.sameRow) counts.sameRowReturns++;
        if (record.truth.censored) counts.censoredReturns++;
        if (truth?.append(truthCsvLine(counts.totalRows, record.row, record.truth)) === true) await truth.flush();
      } else if (record.kind === 'return') {
        counts.returnRows++;
      } else {
        counts.nonProductRows++;
      }
      // Awaiting only when a chunk is full keeps the loop synchronous for most rows.
      if (csv.append(kaggleCsvLine(record.row))) {
        await csv.flush();
        options.onProgress?.({ purchaseLines: counts.purchaseLines, totalRows: counts.totalRows });
      }
    }
    await csv.close();
    if (truth !== undefined) await truth.close();
    await rename(csv.path, options.out);
    if (truth !== undefined && options.truthOut !== undefined) await rename(truth.path, options.truthOut);
  } catch (error) {
    csv.stream.destroy();
    truth?.stream.destroy();
    await rm(csv.path, { force: true });
    if (truth !== undefined) await rm(truth.path, { force: true });
    throw error;
  }
  options.onProgress?.({ purchaseLines: counts.purchaseLines, totalRows: counts.totalRows });
  return counts;
}
