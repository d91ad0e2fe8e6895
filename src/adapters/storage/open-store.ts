import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { S3Client } from '@aws-sdk/client-s3';
import { assertSafeKey, UnsafeKeyError } from '../../domain/store-key.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { LocalObjectStore } from './local-store.js';
import type { S3Settings } from './s3-settings.js';
import { isValidBucketName, S3ObjectStore } from './s3-store.js';

/** Where a store URI points. */
export type StoreLocation =
  | { readonly kind: 'local'; readonly path: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly prefix: string };

const ACCEPTED_FORMS = 'use a folder path, file:///absolute/path, file://./relative/path or s3://bucket[/prefix]';

export class BadStoreUriError extends Error {
  constructor(
    readonly uri: string,
    reason: string,
  ) {
    super(`bad store URI ${JSON.stringify(uri)}: ${reason}; ${ACCEPTED_FORMS}`);
    this.name = 'BadStoreUriError';
  }
}

// Two or more letters, so that a Windows drive letter is not mistaken for a scheme.
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

/**
 * Parses a store URI without touching the file system. Local paths are returned as written
 * (relative ones are resolved by `openStore` against its `cwd`). `file:///...` URIs are decoded
 * (`%20` → space), so a LocalObjectStore's own `rootUri` parses back to its folder.
 */
export function parseStoreUri(uri: string): StoreLocation {
  const text = uri.trim();
  if (text === '') throw new BadStoreUriError(uri, 'empty');
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: text };
  const hasSlashes = text.slice(scheme.length + 1).startsWith('//');
  const rest = text.slice(scheme.length + 3);
  if (scheme === 'file' && hasSlashes) return parseFileUri(uri, text, rest);
  if (scheme === 's3' && hasSlashes) return parseS3Uri(uri, rest);
  throw new BadStoreUriError(uri, `unsupported scheme "${scheme}:"`);
}

function parseFileUri(uri: string, text: string, rest: string): StoreLocation {
  if (rest === '') throw new BadStoreUriError(uri, 'no path after file://');
  // file:///abs and file://localhost/abs are absolute file URLs; anything else is a relative path.
  if (rest.startsWith('/') || rest.startsWith('localhost/')) {
    try {
      return { kind: 'local', path: fileURLToPath(`file://${text.slice(7)}`) };
    } catch (err) {
      throw new BadStoreUriError(uri, (err as Error).message);
    }
  }
  return { kind: 'local', path: rest };
}

function parseS3Uri(uri: string, rest: string): StoreLocation {
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  if (bucket === '') throw new BadStoreUriError(uri, 'no bucket after s3://');
  if (!isValidBucketName(bucket)) {
    throw new BadStoreUriError(uri, `invalid bucket name "${bucket}" (3-63 lowercase letters, digits, dots or hyphens)`);
  }
  if (prefix !== '') {
    try {
      assertSafeKey(prefix);
    } catch (err) {
      if (err instanceof UnsafeKeyError) throw new BadStoreUriError(uri, `unsafe prefix: ${err.message}`);
      throw err;
    }
  }
  return { kind: 's3', bucket, prefix };
}

export interface OpenStoreOptions {
  /** Used when the URI is s3://. */
  readonly s3: S3Settings;
  /** Folder that relative local paths are resolved against (default: the process's). */
  readonly cwd?: string;
  /** Share one S3 client between stores; by default each S3 store builds and closes its own. */
  readonly s3Client?: S3Client;
}

/** The store a URI names. Nothing is created until the first write. */
export function openStore(uri: string, options: OpenStoreOptions): ObjectStore {
  const location = parseStoreUri(uri);
  if (location.kind === 'local') {
    return new LocalObjectStore(options.cwd !== undefined ? path.resolve(options.cwd, location.path) : location.path);
  }
  return new S3ObjectStore(location, options.s3, options.s3Client !== undefined ? { client: options.s3Client } : {});
}
