/**
 * HTTP plumbing shared by the remote sources (Kaggle, WebHDFS) and the resumable byte stream the
 * S3 source reuses: redirects followed by hand (so credentials never travel to another host),
 * bounded retries with exponential backoff for transient failures, downloads to a file that
 * appears only when complete, and streams that resume where a dropped connection stopped.
 */
import { createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { z } from 'zod';
import { oneLine, SourceError } from './source-error.js';
import { redactUri } from './redact-uri.js';

export interface RetryPolicy {
  /** Total attempts, the first one included. */
  readonly attempts: number;
  /** Delay after the first failure; it doubles after each further failure. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryNotice {
  readonly what: string;
  /** The attempt that failed, from 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: string;
}

/** What every remote call needs from outside; tests inject `sleep` so backoff costs no time. */
export interface HttpOptions {
  readonly fetch?: typeof fetch;
  readonly sleep?: Sleep;
  readonly retry?: RetryPolicy;
  /** Called before each retry, so the caller can log it. */
  readonly onRetry?: (notice: RetryNotice) => void;
}

/** A non-2xx answer. 5xx, 408 and 429 are transient; other statuses are final. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly detail: string,
  ) {
    super(oneLine(`HTTP ${status} from ${url}${detail ? `: ${detail}` : ''}`));
    this.name = 'HttpStatusError';
  }
}

/** Turns an error body into a short explanation (WebHDFS RemoteException, Kaggle message). */
export type ExplainError = (status: number, body: string) => string | undefined;

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MAX_REDIRECTS = 5;
const ERROR_BODY_LIMIT = 4_096;

/** Delay before attempt `failedAttempt + 1`: base, 2×base, 4×base… capped. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1));
}

/**
 * Transient means worth trying again: a status that says "later", or anything that is not one of
 * our own final errors (connection refused, reset, closed mid-body, truncated download). No
 * `instanceof Error` test: errors from fetch may come from another realm (a test sandbox).
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof HttpStatusError) return TRANSIENT_STATUS.has(err.status);
  return !(err instanceof SourceError);
}

/** Says why a network call failed; undici hides the useful part in `cause`. */
export function describeError(err: unknown): string {
  const message = messageOf(err);
  const cause = typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
  const causeMessage = cause === undefined ? undefined : messageOf(cause);
  return oneLine(causeMessage && causeMessage !== message ? `${message} (${causeMessage})` : message);
}

function messageOf(err: unknown): string {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? message : String(err);
}

/** The body ended before the announced length. */
export class TruncatedError extends Error {
  constructor(received: number, expected: number) {
    super(`connection closed after ${received} of ${expected} bytes`);
    this.name = 'TruncatedError';
  }
}

/**
 * Runs `attempt` until it succeeds, a final error occurs, or the policy's attempts are spent;
 * then throws a SourceError that names what was being done and the last failure.
 */
export async function withRetry<T>(what: string, attempt: () => Promise<T>, options: HttpOptions = {}): Promise<T> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (err) {
      if (!isTransient(err)) throw err;
      if (n >= policy.attempts) {
        throw new SourceError(`${what}: failed after ${n} attempts: ${describeError(err)}`, { cause: err });
      }
      const delayMs = backoffDelay(policy, n);
      options.onRetry?.({ what, attempt: n, delayMs, error: describeError(err) });
      await sleep(delayMs);
    }
  }
}

export interface HttpRequest {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Explains an error body in the thrown HttpStatusError. */
  readonly explainError?: ExplainError;
}

/**
 * One GET that follows redirects itself. Headers go only to the origin of the first URL: a
 * redirect to storage (Kaggle's signed archive URL, a WebHDFS datanode on another host) must
 * not receive the Authorization header. Throws HttpStatusError on a non-2xx final answer.
 */
export async function getFollowingRedirects(request: HttpRequest, options: HttpOptions = {}): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const origin = new URL(request.url).origin;
  let url = new URL(request.url);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    const headers = url.origin === origin ? { ...request.headers } : {};
    const response = await doFetch(url, { method: 'GET', headers, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    if (!response.ok) {
      const body = await readLimited(response);
      const detail = request.explainError?.(response.status, body) ?? oneLine(body, 200);
      throw new HttpStatusError(response.status, redactUri(url.href), detail);
    }
    return response;
  }
  throw new SourceError(`too many redirects from ${redactUri(request.url)}`);
}

/** GET a JSON document with retries and check its shape. */
export async function fetchJson<S extends z.ZodType>(
  what: string,
  request: HttpRequest,
  schema: S,
  options: HttpOptions = {},
): Promise<z.infer<S>> {
  const text = await withRetry(
    what,
    async () => {
      const response = await getFollowingRedirects(request, options);
      return response.text();
    },
    options,
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SourceError(`${what}: the answer from ${redactUri(request.url)} is not JSON: ${oneLine(text, 120)}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SourceError(
      `${what}: unexpected answer from ${redactUri(request.url)}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    );
  }
  return parsed.data;
}

/**
 * Downloads to `dest` with retries. Bytes go to a sibling temporary file that is renamed into
 * place only when the whole body arrived, so `dest` either is complete or does not exist.
 */
export async function downloadToFile(
  what: string,
  request: HttpRequest,
  dest: string,
  options: HttpOptions = {},
): Promise<number> {
  return withRetry(
    what,
    async () => {
      const response = await getFollowingRedirects(request, options);
      const expected = contentLength(response);
      const temp = `${dest}.part-${process.pid}-${randomUUID()}`;
      try {
        let received = 0;
        const body = webBodyToNode(response);
        body.on('data', (chunk: Buffer) => {
          received += chunk.length;
        });
        await pipeline(body, createWriteStream(temp));
        if (expected !== undefined && received !== expected) throw new TruncatedError(received, expected);
        await fs.rename(temp, dest);
        return received;
      } catch (err) {
        await fs.rm(temp, { force: true });
        throw err;
      }
    },
    options,
  );
}

export interface ResumableStreamOptions extends HttpOptions {
  /** Opens the bytes from `offset` on (Range header, WebHDFS offset=, S3 Range). */
  readonly openAt: (offset: number) => Promise<Readable>;
  /** The full length when known: a body that ends short of it is a failure, not the end. */
  readonly totalBytes?: number;
}

/**
 * A byte stream that survives dropped connections: when the body fails mid-way it waits
 * (exponential backoff) and reopens from the last byte it delivered, up to the policy's attempts
 * in total; then the stream errors with a SourceError. Nothing is requested until the first read.
 */
export function resumableStream(what: string, options: ResumableStreamOptions): Readable {
  const policy = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? realSleep;
  async function* bytes(): AsyncGenerator<Buffer> {
    let offset = 0;
    for (let failures = 0; ; ) {
      try {
        const body = await options.openAt(offset);
        for await (const chunk of body) {
          const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
          offset += buffer.length;
          yield buffer;
        }
        if (options.totalBytes !== undefined && offset < options.totalBytes) {
          throw new TruncatedError(offset, options.totalBytes);
        }
        return;
      } catch (err) {
        if (!isTransient(err)) throw err;
        failures += 1;
        if (failures >= policy.attempts) {
          throw new SourceError(`${what}: failed after ${failures} attempts: ${describeError(err)}`, { cause: err });
        }
        const delayMs = backoffDelay(policy, failures);
        options.onRetry?.({ what, attempt: failures, delayMs, error: describeError(err) });
        await sleep(delayMs);
      }
    }
  }
  return Readable.from(bytes(), { objectMode: false });
}

/** A fetch response body as a Node stream (an empty stream when there is no body). */
export function webBodyToNode(response: Response): Readable {
  if (!response.body) return Readable.from([]);
  return Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>);
}

export function contentLength(response: Response): number | undefined {
  const header = response.headers.get('content-length');
  if (header === null) return undefined;
  const value = Number(header);
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

async function readLimited(response: Response): Promise<string> {
  try {
    const text = await response.text();
    return text.slice(0, ERROR_BODY_LIMIT);
  } catch {
    return '';
  }
}
