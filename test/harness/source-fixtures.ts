/** Helpers shared by the dataset-source tests. */
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { HttpOptions, RetryPolicy } from '../../src/adapters/source/http-download.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The real 126-row Kaggle sample, read from the shared folder (never copied into the repo). */
export const sampleCsvPath = path.resolve(repoRoot, '../shared/data/order_dataset.sample.csv');

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** HTTP options whose backoff is recorded instead of waited for. */
export function instantRetries(retry: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 }): HttpOptions & { delays: number[] } {
  const delays: number[] = [];
  return {
    retry,
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}
