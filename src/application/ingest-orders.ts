/**
 * IngestOrders: copy the raw bytes of the dataset, unchanged, into the raw zone of the store,
 * with a manifest that says where they came from and what they hash to.
 *
 * The bytes stream from the source through a hashing pass-through into `store.put`, so the file
 * is never held in memory, and `put` is atomic, so a source that fails mid-way leaves nothing
 * behind. The manifest is written after the raw object: its presence means the copy is whole.
 * It holds no wall-clock time, so ingesting the same source twice gives identical outputs.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { DatasetSource, OpenedDataset } from '../ports/dataset-source.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ByteProgress } from '../ports/progress.js';

export const IngestManifestSchema = z.object({
  /** The source as opened (a Kaggle URI carries its version); never holds secrets. */
  source_uri: z.string().min(1),
  /** The source's own version tag (Kaggle version, ETag, size+mtime) when it has one. */
  version: z.string().min(1).optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});

export type IngestManifest = z.infer<typeof IngestManifestSchema>;

export interface IngestOrdersInput {
  readonly source: DatasetSource;
  readonly store: ObjectStore;
  /** Where the raw bytes go, e.g. `raw/date=2019-04-01/order_dataset.csv`. */
  readonly rawKey: string;
  /** Where the manifest JSON goes. */
  readonly manifestKey: string;
  readonly logger: Logger;
  readonly progress?: ByteProgress;
  /**
   * The manifest of an earlier ingest to compare with; when absent, the one already at
   * `manifestKey` (if any) is used.
   */
  readonly previousManifest?: IngestManifest;
}

/** Stable key order and a final newline, so equal manifests are equal bytes. */
export function serializeManifest(manifest: IngestManifest): string {
  const ordered: IngestManifest = {
    source_uri: manifest.source_uri,
    ...(manifest.version !== undefined ? { version: manifest.version } : {}),
    sha256: manifest.sha256,
    bytes: manifest.bytes,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export function parseManifest(text: string): IngestManifest {
  return IngestManifestSchema.parse(JSON.parse(text));
}

export async function ingestOrders(input: IngestOrdersInput): Promise<IngestManifest> {
  const { store, rawKey, manifestKey, logger } = input;
  const opened = await input.source.open();
  const previous = input.previousManifest ?? (await readManifest(store, manifestKey, logger));

  if (previous && (await isUnchanged(previous, opened, store, rawKey))) {
    // Nothing was read yet; dropping the stream closes the file or connection it holds.
    opened.stream.destroy();
    logger.info('source unchanged since the last ingest; nothing to copy', {
      source: opened.uri,
      version: opened.version,
      raw: store.uriOf(rawKey),
    });
    if (!(await store.exists(manifestKey))) await store.put(manifestKey, serializeManifest(previous));
    return previous;
  }

  logger.info('ingesting dataset', { source: opened.uri, version: opened.version, size: opened.size, raw: store.uriOf(rawKey) });
  const { sha256, bytes } = await copyHashed(opened, store, rawKey, input.progress);
  const manifest: IngestManifest = {
    source_uri: opened.uri,
    ...(opened.version !== undefined ? { version: opened.version } : {}),
    sha256,
    bytes,
  };
  await store.put(manifestKey, serializeManifest(manifest));
  logger.info('dataset ingested', { bytes, sha256, raw: store.uriOf(rawKey) });
  return manifest;
}

/** Same source, same version tag, and the raw object still there with the recorded size. */
async function isUnchanged(previous: IngestManifest, opened: OpenedDataset, store: ObjectStore, rawKey: string): Promise<boolean> {
  if (opened.version === undefined || previous.version !== opened.version || previous.source_uri !== opened.uri) return false;
  const stored = (await store.list(rawKey)).find((o) => o.key === rawKey);
  return stored !== undefined && stored.size === previous.bytes;
}

async function readManifest(store: ObjectStore, key: string, logger: Logger): Promise<IngestManifest | undefined> {
  if (!(await store.exists(key))) return undefined;
  try {
    return parseManifest((await store.get(key)).toString('utf8'));
  } catch (err) {
    // An unreadable manifest only costs a fresh copy; it is rewritten below.
    logger.warn('ignoring an unreadable ingest manifest', { manifest: store.uriOf(key), error: (err as Error).message });
    return undefined;
  }
}

async function copyHashed(
  opened: OpenedDataset,
  store: ObjectStore,
  rawKey: string,
  progress: ByteProgress | undefined,
): Promise<{ sha256: string; bytes: number }> {
  const hashing = new HashingPassThrough(progress);
  progress?.start(opened.size);
  try {
    const copy = pipeline(opened.stream, hashing);
    // If the store gives up first, stop the source too, or the copy would wait forever.
    const put = store.put(rawKey, hashing).catch((err: unknown) => {
      opened.stream.destroy();
      hashing.destroy();
      throw err;
    });
    const [copied, stored] = await Promise.allSettled([copy, put]);
    // The source's failure explains the store's (a destroyed body); report it first.
    if (copied.status === 'rejected') throw copied.reason;
    if (stored.status === 'rejected') throw stored.reason;
  } finally {
    progress?.stop();
  }
  return { sha256: hashing.digest(), bytes: hashing.bytes };
}

/** Passes bytes through unchanged while hashing and counting them. */
class HashingPassThrough extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');

  constructor(private readonly progress: ByteProgress | undefined) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.progress?.advance(chunk.length);
    callback(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}
