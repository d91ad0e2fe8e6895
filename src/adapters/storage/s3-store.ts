import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { assertSafeKey, UnsafeKeyError } from '../../domain/store-key.js';
import { ObjectNotFoundError, type ObjectBody, type ObjectInfo, type ObjectStore } from '../../ports/object-store.js';
import { createS3Client } from './s3-client.js';
import { describeS3Failure, isS3NoSuchBucket, isS3NotFound, s3ErrorName, s3HttpStatus, S3StoreError } from './s3-errors.js';
import type { S3Settings } from './s3-settings.js';

/** Where a store lives: a bucket, and a key prefix inside it ('' for the bucket root). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

export interface S3ObjectStoreOptions {
  /** Share a client built by `createS3Client`; the store then leaves it open on close(). */
  readonly client?: S3Client;
  /** Keys per DeleteObjects request; S3 accepts at most 1000. */
  readonly deleteBatchSize?: number;
  /** Multipart part size for stream bodies (S3 minimum 5 MiB). Memory use is about partSize × uploadQueueSize. */
  readonly partSizeBytes?: number;
  readonly uploadQueueSize?: number;
}

const MAX_DELETE_BATCH = 1000;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** S3 rejects multipart parts (other than the last) smaller than 5 MiB. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_UPLOAD_QUEUE = 2;
/** How often putIfAbsent re-asks after 409 ConditionalRequestConflict (a concurrent create in flight). */
const CONFLICT_RETRIES = 5;

// S3 bucket naming rules (the subset every S3-compatible server accepts).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/**
 * An ObjectStore on an S3 bucket under a key prefix (`s3://bucket/prefix`).
 *
 * Atomicity comes from S3 itself: an object appears only when PutObject or
 * CompleteMultipartUpload succeeds, so a stream that fails midway leaves no object (the
 * multipart upload is aborted). create-only writes use a conditional PutObject
 * (`If-None-Match: *`), which S3, MinIO and moto evaluate on the server.
 *
 * The bucket is created on the first write when it does not exist. Reads of a missing bucket
 * answer "absent" rather than creating it, so that a dry look at a store has no side effects.
 */
export class S3ObjectStore implements ObjectStore {
  readonly rootUri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly deleteBatchSize: number;
  private readonly partSize: number;
  private readonly uploadQueueSize: number;
  private bucketReady: Promise<void> | undefined;

  constructor(
    location: S3Location,
    private readonly settings: S3Settings,
    options: S3ObjectStoreOptions = {},
  ) {
    if (!isValidBucketName(location.bucket)) {
      throw new Error(`invalid S3 bucket name ${JSON.stringify(location.bucket)}: use 3-63 lowercase letters, digits, dots or hyphens`);
    }
    this.bucket = location.bucket;
    const prefix = location.prefix.replace(/^\/+|\/+$/g, '');
    this.prefix = prefix === '' ? '' : assertSafeKey(prefix);
    this.rootUri = this.prefix ? `s3://${this.bucket}/${this.prefix}` : `s3://${this.bucket}`;
    this.client = options.client ?? createS3Client(settings);
    this.ownsClient = options.client === undefined;
    this.deleteBatchSize = Math.min(MAX_DELETE_BATCH, Math.max(1, options.deleteBatchSize ?? MAX_DELETE_BATCH));
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? DEFAULT_PART_SIZE);
    this.uploadQueueSize = Math.max(1, options.uploadQueueSize ?? DEFAULT_UPLOAD_QUEUE);
  }

  uriOf(key: string): string {
    return `s3://${this.bucket}/${this.objectKeyOf(key)}`;
  }

  /** The full S3 object key of a store key, for engines that read the bucket directly. */
  objectKeyOf(key: string): string {
    assertSafeKey(key);
    return this.prefix ? `${this.prefix}/${key}` : key;
  }

  async exists(key: string): Promise<boolean> {
    const Key = this.objectKeyOf(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (err) {
      if (isS3NotFound(err)) return false;
      throw this.failure('exists', this.uriOf(key), err);
    }
  }

  async get(key: string): Promise<Buffer> {
    const body = await this.getBody(key, 'get');
    try {
      const bytes = await body.transformToByteArray();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      throw this.failure('get', this.uriOf(key), err);
    }
  }

  async getStream(key: string): Promise<Readable> {
    const body = await this.getBody(key, 'getStream');
    if (!(body instanceof Readable)) {
      throw new S3StoreError('getStream', this.uriOf(key), 'the S3 client returned a body that is not a Node.js stream');
    }
    return body;
  }

  async put(key: string, body: ObjectBody): Promise<void> {
    const Key = this.objectKeyOf(key);
    const uri = this.uriOf(key);
    try {
      await this.ensureBucket(uri);
    } catch (err) {
      // The caller handed us the stream: release what it holds (an open file, a socket).
      if (body instanceof Readable) body.destroy();
      throw err;
    }
    if (body instanceof Readable) {
      // A stream is read once, so it gets no second chance if the bucket vanished meanwhile.
      await this.uploadStream(Key, body, uri);
      return;
    }
    await this.withBucketRecovery(uri, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body })), 'put');
  }

  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    const Key = this.objectKeyOf(key);
    const uri = this.uriOf(key);
    await this.ensureBucket(uri);
    for (let conflict = 0; ; conflict++) {
      try {
        await this.withBucketRecovery(
          uri,
          () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, IfNoneMatch: '*' })),
          'putIfAbsent',
        );
        return true;
      } catch (err) {
        const cause = err instanceof S3StoreError ? err.cause : err;
        if (isPreconditionFailed(cause)) return this.wonOnAnEarlierAttempt(key, body, cause);
        if (!isConditionalConflict(cause)) throw err;
        // Another conditional write of this key is in flight; S3 asks the loser to retry, and the
        // retry then sees the winner's object (412). If the conflict persists, the other writer
        // is still busy creating it: it wins.
        if (conflict >= CONFLICT_RETRIES) return false;
        await sleep(50 * (conflict + 1) + Math.floor(Math.random() * 50));
      }
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    assertSafePrefix(prefix);
    const rootPrefix = this.prefix ? `${this.prefix}/` : '';
    const out: ObjectInfo[] = [];
    let ContinuationToken: string | undefined;
    try {
      do {
        const page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: rootPrefix + prefix, ContinuationToken }),
        );
        for (const object of page.Contents ?? []) {
          const key = object.Key?.slice(rootPrefix.length);
          // Keys ending in '/' are "folder" markers made by consoles, not objects of this store.
          if (!key || key.endsWith('/')) continue;
          out.push({ key, size: object.Size ?? 0 });
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    } catch (err) {
      if (isS3NoSuchBucket(err)) return [];
      throw this.failure('list', this.rootUri + (prefix ? `/${prefix}` : '/'), err);
    }
    // S3 sorts by UTF-8 bytes; sort by the same order as the local store so both list alike.
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKeyOf(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isS3NotFound(err)) return;
      throw this.failure('delete', this.uriOf(key), err);
    }
  }

  async deletePrefix(prefix: string): Promise<void> {
    const keys = (await this.list(prefix)).map((o) => this.objectKeyOf(o.key));
    const uri = this.rootUri + (prefix ? `/${prefix}` : '/');
    for (let start = 0; start < keys.length; start += this.deleteBatchSize) {
      const batch = keys.slice(start, start + this.deleteBatchSize);
      let errors;
      try {
        const result = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        );
        errors = result.Errors ?? [];
      } catch (err) {
        throw this.failure('deletePrefix', uri, err);
      }
      const first = errors[0];
      if (first) {
        throw new S3StoreError('deletePrefix', uri, `${errors.length} object(s) not deleted, e.g. ${first.Key ?? '?'}: ${first.Code ?? 'error'} ${first.Message ?? ''}`);
      }
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private async getBody(key: string, operation: string) {
    const Key = this.objectKeyOf(key);
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
    } catch (err) {
      if (isS3NotFound(err)) throw new ObjectNotFoundError(this.uriOf(key));
      throw this.failure(operation, this.uriOf(key), err);
    }
    if (!response.Body) throw new S3StoreError(operation, this.uriOf(key), 'the server sent no body');
    return response.Body;
  }

  /** Multipart upload that holds at most `partSize × queueSize` bytes; aborted (no object) on failure. */
  private async uploadStream(Key: string, body: Readable, uri: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: body },
      partSize: this.partSize,
      queueSize: this.uploadQueueSize,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      body.destroy();
      if (isS3NoSuchBucket(err)) this.bucketReady = undefined;
      throw this.failure('put', uri, err);
    }
  }

  /**
   * Runs a write; if the bucket has disappeared since it was checked (deleted by hand, or a test
   * server restarted without its data), creates it again and retries once.
   */
  private async withBucketRecovery<T>(uri: string, write: () => Promise<T>, operation: string): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (!isS3NoSuchBucket(err)) throw this.failure(operation, uri, err);
    }
    this.bucketReady = undefined;
    await this.ensureBucket(uri);
    try {
      return await write();
    } catch (err) {
      throw this.failure(operation, uri, err);
    }
  }

  /**
   * After a 412, did an earlier attempt of this same call create the object? That happens when the
   * first PutObject succeeded but its answer was lost and the SDK retried. The stored body then
   * equals ours. (Callers that race with identical bodies cannot be told apart; lock owners write
   * distinct bodies.)
   */
  private async wonOnAnEarlierAttempt(key: string, body: Buffer | string, err: unknown): Promise<boolean> {
    const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
    if (attempts <= 1) return false;
    try {
      return (await this.get(key)).equals(typeof body === 'string' ? Buffer.from(body) : body);
    } catch (readErr) {
      if (readErr instanceof ObjectNotFoundError) return false;
      throw readErr;
    }
  }

  /** Makes sure the bucket exists, once per store (again after it was found missing). */
  private ensureBucket(uri: string): Promise<void> {
    this.bucketReady ??= this.createBucketIfMissing(uri).catch((err: unknown) => {
      this.bucketReady = undefined;
      throw err;
    });
    return this.bucketReady;
  }

  private async createBucketIfMissing(uri: string): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      // 403: the bucket exists but we may not list it; the write itself will tell if we may write.
      if (s3HttpStatus(err) === 403) return;
      if (!isS3NotFound(err)) throw this.failure('put', uri, err);
    }
    const needsLocation = this.settings.region !== 'us-east-1';
    try {
      await this.client.send(
        new CreateBucketCommand({
          Bucket: this.bucket,
          ...(needsLocation ? { CreateBucketConfiguration: { LocationConstraint: this.settings.region as BucketLocationConstraint } } : {}),
        }),
      );
    } catch (err) {
      const name = s3ErrorName(err);
      // Another process (or store) created it first: that is what we wanted.
      if (name === 'BucketAlreadyOwnedByYou') return;
      if (name === 'BucketAlreadyExists') {
        // Ours after a race on some servers, or another account's bucket: ask once more.
        try {
          await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
          return;
        } catch {
          throw new S3StoreError('create bucket', `s3://${this.bucket}`, 'the bucket name is taken by another account; choose another bucket', { cause: err });
        }
      }
      throw this.failure('create bucket', `s3://${this.bucket}`, err);
    }
  }

  private failure(operation: string, uri: string, err: unknown): Error {
    if (err instanceof S3StoreError || err instanceof UnsafeKeyError || err instanceof ObjectNotFoundError) return err;
    return new S3StoreError(operation, uri, describeS3Failure(err, this.settings), { cause: err });
  }
}

function isPreconditionFailed(err: unknown): boolean {
  return s3ErrorName(err) === 'PreconditionFailed' || s3HttpStatus(err) === 412;
}

function isConditionalConflict(err: unknown): boolean {
  return s3ErrorName(err) === 'ConditionalRequestConflict' || s3HttpStatus(err) === 409;
}

/** A listing prefix may end mid-segment ('runs/2024-'), but every complete segment must be safe. */
function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  const complete = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  assertSafeKey(complete);
}
