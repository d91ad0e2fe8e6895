import type { Readable } from 'node:stream';

/** One stored object, as a listing returns it. Keys are relative to the store root, '/'-separated. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export type ObjectBody = Buffer | string | Readable;

/**
 * A flat key/value object store rooted at a URI (file:// folder or s3:// bucket+prefix).
 *
 * Every write is atomic: a reader sees the whole new object or nothing (the previous
 * object, or absence). A writer that dies mid-write leaves nothing `exists()` accepts.
 */
export interface ObjectStore {
  /** The root URI, e.g. `file:///srv/data` or `s3://bucket/prefix`. */
  readonly rootUri: string;
  /** The URI of one key, for logs and for engines that read stores directly. */
  uriOf(key: string): string;
  exists(key: string): Promise<boolean>;
  /** Throws ObjectNotFoundError when the key is absent. */
  get(key: string): Promise<Buffer>;
  /** Throws ObjectNotFoundError when the key is absent. */
  getStream(key: string): Promise<Readable>;
  /** Atomic create-or-replace. A stream body is consumed without being held in memory. */
  put(key: string, body: ObjectBody): Promise<void>;
  /** Atomic create-only: true when this call created the object, false when it existed already. */
  putIfAbsent(key: string, body: Buffer | string): Promise<boolean>;
  /** Every object whose key starts with `prefix` (recursive), sorted by key. Staging files never appear. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deleting an absent key is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes every object under the prefix. */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * The local file behind a key, when the store is a local folder; engines then read it in
   * place instead of copying it. Undefined for remote stores.
   */
  localPathOf?(key: string): string | undefined;
  /** Releases connections. */
  close(): Promise<void>;
}

export class ObjectNotFoundError extends Error {
  constructor(readonly uri: string) {
    super(`object not found: ${uri}`);
    this.name = 'ObjectNotFoundError';
  }
}
