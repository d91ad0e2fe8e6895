import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { usesPathStyle, type S3Settings } from './s3-settings.js';

/*
 * The one place S3 clients are built (object store, S3 data source). Everything that shapes how the
 * process talks to S3 — endpoint, addressing style, credentials, retries, timeouts — is decided here.
 */

// The SDK's retry interfaces, taken from the client's own config type rather than from its
// transitive @smithy packages, which are not dependencies of this project.
type RetryStrategyV2 = Extract<NonNullable<S3ClientConfig['retryStrategy']>, { acquireInitialRetryToken: unknown }>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;
type RetryErrorInfo = Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1];

const FIRST_RETRY_DELAY_MS = 200;
const MAX_RETRY_DELAY_MS = 5_000;
/** A connection that cannot be opened in this time counts as a failed (retried) attempt. */
const CONNECTION_TIMEOUT_MS = 5_000;
/** A socket idle for this long is a failed (retried) attempt; a paused or wedged server ends here. */
const SOCKET_IDLE_TIMEOUT_MS = 60_000;

export function createS3Client(settings: S3Settings): S3Client {
  const config: S3ClientConfig = {
    region: settings.region,
    forcePathStyle: usesPathStyle(settings),
    maxAttempts: settings.maxAttempts,
    retryStrategy: new OutageTolerantRetryStrategy(settings.maxAttempts),
    requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: SOCKET_IDLE_TIMEOUT_MS },
    // The environment is injected into the settings: the SDK must not pick an endpoint from
    // process.env behind our back (AWS_ENDPOINT_URL*), or tests and CLI flags would be overridden.
    ignoreConfiguredEndpointUrls: true,
  };
  if (settings.endpoint !== undefined) {
    config.endpoint = settings.endpoint;
    // Many S3-compatible servers reject the newer default CRC32 request checksums and
    // aws-chunked bodies; send checksums only where the S3 API requires them.
    config.requestChecksumCalculation = 'WHEN_REQUIRED';
    config.responseChecksumValidation = 'WHEN_REQUIRED';
  }
  if (settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined) {
    config.credentials = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken !== undefined ? { sessionToken: settings.sessionToken } : {}),
    };
  }
  return new S3Client(config);
}

/**
 * Delay before retry number `retry` (1-based): exponential from 200 ms, capped at 5 s, with ±25%
 * jitter so that many waiting callers do not hammer a recovering server in lock step. With the
 * default 10 attempts the nine waits add up to about 26 s (at least ~20 s), which covers a store
 * restart of ~10 s with margin.
 */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const nominal = Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** Math.max(0, retry - 1));
  return Math.round(nominal * (0.75 + 0.5 * random()));
}

/**
 * The SDK's standard strategy shares a small retry budget across the whole client (about 35
 * retries), so during an outage a few concurrent callers exhaust it and every later request fails
 * on its first error. A batch job would rather wait: this strategy gives every request its own
 * `maxAttempts`, retries transient, throttling and 5xx errors, and never retries client errors
 * (404, 403, 412...), which a retry cannot fix.
 */
export class OutageTolerantRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly maxAttempts: number,
    private readonly delay: (retry: number) => number = (retry) => retryDelayMs(retry),
  ) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new AttemptToken(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const retry = token.getRetryCount() + 1;
    if (retry >= this.maxAttempts || !isRetryable(errorInfo)) throw new Error('no retry');
    let wait = this.delay(retry);
    const hint = errorInfo.retryAfterHint;
    if (hint instanceof Date) wait = Math.max(wait, Math.min(hint.getTime() - Date.now(), MAX_RETRY_DELAY_MS));
    return new AttemptToken(retry, wait);
  }

  recordSuccess(): void {}
}

class AttemptToken implements RetryToken {
  constructor(
    private readonly retries: number,
    private readonly delayMs: number,
  ) {}
  getRetryCount(): number {
    return this.retries;
  }
  getRetryDelay(): number {
    return this.delayMs;
  }
}

function isRetryable(info: RetryErrorInfo): boolean {
  if (info.errorType === 'TRANSIENT' || info.errorType === 'THROTTLING') return true;
  // 501 Not Implemented is a permanent answer, not an outage.
  return info.errorType === 'SERVER_ERROR' && statusOf(info.error) !== 501;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}
