/**
 * `s3://bucket/key` (one CSV object) or `s3://bucket/prefix/` (daily files laid out as
 * `prefix/date=YYYY-MM-DD/*.csv`, read in key order as one CSV with one header line), on the
 * data lake: the same S3 client settings as the object store (MinIO, moto, AWS S3).
 *
 * The SDK retries each request; a body that breaks mid-download is resumed with a Range request
 * pinned to the object's ETag (If-Match), so a resumed read can never splice two versions.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { DatasetSource, OpenedDataset } from '../../ports/dataset-source.js';
import type { Logger } from '../../ports/logger.js';
import { createS3Client } from '../storage/s3-client.js';
import { describeS3Failure, isS3NotFound, s3ErrorName, s3HttpStatus } from '../storage/s3-errors.js';
import type { S3Settings } from '../storage/s3-settings.js';
import { compareKeys, concatCsvParts, isDailyCsvFile, type CsvPart } from './concat-csv.js';
import { resumableStream, type HttpOptions } from './http-download.js';
import { redactUri } from './redact-uri.js';
import { SourceCredentialsError, SourceError } from './source-error.js';

export interface S3SourceDeps {
  readonly settings: S3Settings;
  readonly logger: Logger;
  /** Backoff for resuming broken bodies (the SDK has its own for whole requests). */
  readonly http?: HttpOptions;
}

interface S3Object {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

export class S3Source implements DatasetSource {
  readonly uri: string;
  private readonly bucket: string;
  private readonly key: string;

  constructor(
    uri: string,
    private readonly deps: S3SourceDeps,
  ) {
    const match = /^s3:\/\/([^/?#]+)\/?(.*)$/.exec(uri);
    if (!match || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(match[1]!)) {
      throw new SourceError(`invalid S3 URI "${redactUri(uri)}": expected s3://bucket/key.csv or s3://bucket/prefix/`);
    }
    this.bucket = match[1]!;
    this.key = decodeURIComponent(match[2]!);
    this.uri = `s3://${this.bucket}/${this.key}`;
  }

  /** A URI ending with '/' (or naming only the bucket) is a folder of daily files. */
  private get isPrefix(): boolean {
    return this.key === '' || this.key.endsWith('/');
  }

  async open(): Promise<OpenedDataset> {
    const client = createS3Client(this.deps.settings);
    try {
      const opened = this.isPrefix ? await this.openPrefix(client) : await this.openObject(client);
      // The client lives as long as the stream; its sockets are released when reading ends.
      opened.stream.once('close', () => client.destroy());
      return opened;
    } catch (err) {
      client.destroy();
      throw err;
    }
  }

  private async openObject(client: S3Client): Promise<OpenedDataset> {
    const object = await this.head(client, this.key);
    return { stream: this.objectStream(client, object), uri: this.uri, version: object.etag, size: object.size };
  }

  private async openPrefix(client: S3Client): Promise<OpenedDataset> {
    const objects = (await this.list(client)).filter((o) => isDailyCsvFile(o.key.slice(this.key.length)));
    if (objects.length === 0) {
      throw new SourceError(`${this.uri}: no date=YYYY-MM-DD/*.csv objects under this prefix`);
    }
    objects.sort((a, b) => compareKeys(a.key, b.key));
    // The prefix's version: which objects, which contents (ETags). Any change gives a new one.
    const fingerprint = createHash('sha256');
    for (const o of objects) fingerprint.update(`${o.key}\t${o.etag}\t${o.size}\n`);
    const parts: CsvPart[] = objects.map((o) => ({
      name: `s3://${this.bucket}/${o.key}`,
      open: async () => this.objectStream(client, o),
    }));
    return {
      stream: concatCsvParts(parts),
      uri: this.uri,
      version: `objects-${objects.length}-${fingerprint.digest('hex').slice(0, 16)}`,
    };
  }

  private objectStream(client: S3Client, object: S3Object): Readable {
    const uri = `s3://${this.bucket}/${object.key}`;
    return resumableStream(`S3 ${uri}: read`, {
      ...this.deps.http,
      totalBytes: object.size,
      openAt: async (offset) => {
        if (offset >= object.size) return Readable.from([]);
        try {
          const answer = await client.send(
            new GetObjectCommand({
              Bucket: this.bucket,
              Key: object.key,
              IfMatch: object.etag,
              ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}),
            }),
          );
          if (!(answer.Body instanceof Readable)) throw new SourceError(`${uri}: the S3 client returned a body that is not a Node.js stream`);
          return answer.Body;
        } catch (err) {
          if (s3ErrorName(err) === 'PreconditionFailed' || s3HttpStatus(err) === 412) {
            throw new SourceError(`${uri}: the object changed while it was being read; run the ingest again`);
          }
          // No HTTP status: the network failed; the resumable stream backs off and retries it.
          if (s3HttpStatus(err) === undefined && !(err instanceof SourceError)) throw err;
          throw this.explain(err, uri);
        }
      },
    });
  }

  private async head(client: S3Client, key: string): Promise<S3Object> {
    const uri = `s3://${this.bucket}/${key}`;
    try {
      const answer = await client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, etag: answer.ETag ?? '', size: answer.ContentLength ?? 0 };
    } catch (err) {
      throw this.explain(err, uri);
    }
  }

  private async list(client: S3Client): Promise<S3Object[]> {
    const out: S3Object[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.key, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          if (o.Key !== undefined) out.push({ key: o.Key, etag: o.ETag ?? '', size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.explain(err, this.uri);
    }
    return out;
  }

  /** SDK failures (after the SDK's own retries) become final one-line errors. */
  private explain(err: unknown, uri: string): SourceError {
    if (err instanceof SourceError) return err;
    if (isS3NotFound(err) && s3ErrorName(err) !== 'NoSuchBucket') return new SourceError(`${uri}: no such object`);
    const reason = describeS3Failure(err, this.deps.settings);
    if (s3HttpStatus(err) === 403 || s3ErrorName(err) === 'CredentialsProviderError') {
      return new SourceCredentialsError(`${uri}: ${reason}`);
    }
    return new SourceError(`${uri}: ${reason}`, { cause: err });
  }
}
