import type { S3Settings } from './s3-settings.js';

/**
 * Turning AWS SDK errors into one-line messages that say what failed, where, and what to do.
 * Shared by every S3 adapter (object store, data source). Messages never contain credentials:
 * only error names, HTTP statuses, the endpoint's origin and the names of the variables to check.
 */

/** A failed S3 operation, e.g. `S3 put of s3://bucket/a/b failed: connection refused by ...`. */
export class S3StoreError extends Error {
  constructor(
    readonly operation: string,
    readonly uri: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(oneLine(`S3 ${operation} of ${uri} failed: ${reason}`), options);
    this.name = 'S3StoreError';
  }
}

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  Code?: string;
  cause?: unknown;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function shape(err: unknown): SdkErrorShape {
  return typeof err === 'object' && err !== null ? (err as SdkErrorShape) : { message: String(err) };
}

/** The S3 error code (`NoSuchKey`, `PreconditionFailed`...) or the error's name. */
export function s3ErrorName(err: unknown): string {
  const e = shape(err);
  return e.Code ?? e.name ?? 'Error';
}

export function s3HttpStatus(err: unknown): number | undefined {
  return shape(err).$metadata?.httpStatusCode;
}

/** The object or its bucket is absent. HEAD answers carry no body, so a bare 404 counts too. */
export function isS3NotFound(err: unknown): boolean {
  const name = s3ErrorName(err);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || s3HttpStatus(err) === 404;
}

export function isS3NoSuchBucket(err: unknown): boolean {
  return s3ErrorName(err) === 'NoSuchBucket';
}

const SOCKET_CODE_IN_MESSAGE = /\b(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

/** The Node.js socket error code (ECONNREFUSED...), looking through the SDK's and Node's wrappers. */
export function networkErrorCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5) return undefined;
  const e = shape(err);
  if (typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)) return e.code;
  for (const inner of [e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    if (inner === undefined) continue;
    const code = networkErrorCode(inner, depth + 1);
    if (code) return code;
  }
  // The SDK sometimes rethrows a socket error as a plain wrapper whose only trace is the message
  // ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...").
  return SOCKET_CODE_IN_MESSAGE.exec(e.message ?? '')?.[1];
}

/** The endpoint as it may be printed: its origin only, never user-info or query. */
export function describeEndpoint(settings: Pick<S3Settings, 'endpoint' | 'region'>): string {
  if (settings.endpoint === undefined) return `AWS S3 (region ${settings.region})`;
  try {
    return new URL(settings.endpoint).origin;
  } catch {
    return 'the configured S3 endpoint';
  }
}

const ENDPOINT_HINT = 'check RETURNS_S3_ENDPOINT/AWS_ENDPOINT_URL and that the server is running';
const CREDENTIALS_HINT = 'check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and the bucket permissions';
const ACCESS_ERRORS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidToken', 'ExpiredToken', 'Forbidden']);

/** Why an S3 call failed, in words a user can act on. */
export function describeS3Failure(err: unknown, settings: Pick<S3Settings, 'endpoint' | 'region'>): string {
  const e = shape(err);
  const name = s3ErrorName(err);
  const status = s3HttpStatus(err);
  const attempts = e.$metadata?.attempts;
  const after = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts` : '';
  const endpoint = describeEndpoint(settings);

  const netCode = networkErrorCode(err);
  if (netCode === 'ECONNREFUSED') return `connection refused by ${endpoint}${after}; ${ENDPOINT_HINT}`;
  if (netCode === 'ENOTFOUND' || netCode === 'EAI_AGAIN') return `cannot resolve the host of ${endpoint}${after}; ${ENDPOINT_HINT}`;
  if (netCode !== undefined || name === 'TimeoutError') {
    return `no answer from ${endpoint} (${netCode ?? name})${after}; ${ENDPOINT_HINT}`;
  }
  if (name === 'CredentialsProviderError') {
    return 'no S3 credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an AWS profile or role)';
  }
  if (ACCESS_ERRORS.has(name) || status === 403) return `access denied by ${endpoint} (${name}); ${CREDENTIALS_HINT}`;
  if (name === 'NoSuchBucket') return `the bucket does not exist on ${endpoint}`;
  const httpPart = status !== undefined ? ` (HTTP ${status}${after})` : after;
  // Errors that are not from the SDK (a failing source stream) keep their own message.
  if (status === undefined && e.message) return name === 'Error' ? e.message : `${name}: ${e.message}`;
  return `${name}${httpPart}${e.message && e.message !== name ? `: ${e.message}` : ''}`;
}

function oneLine(text: string, max = 600): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
