import { InvalidS3SettingsError, parseS3Settings, redactS3Settings, s3SettingsFromEnv, usesPathStyle } from '../../src/adapters/storage/s3-settings.js';
import { OutageTolerantRetryStrategy, retryDelayMs } from '../../src/adapters/storage/s3-client.js';
import { describeS3Failure } from '../../src/adapters/storage/s3-errors.js';

describe('parseS3Settings', () => {
  it('fills defaults: us-east-1, path style only with an endpoint, 10 attempts', () => {
    expect(parseS3Settings({})).toEqual({ region: 'us-east-1', maxAttempts: 10 });
    expect(usesPathStyle(parseS3Settings({}))).toBe(false);
    expect(usesPathStyle(parseS3Settings({ endpoint: 'http://127.0.0.1:9000' }))).toBe(true);
    expect(usesPathStyle(parseS3Settings({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: false }))).toBe(false);
  });

  it('keeps the path-style default right when an endpoint is merged in later', () => {
    const fromEnv = s3SettingsFromEnv({ AWS_REGION: 'eu-west-1' });
    expect(usesPathStyle(parseS3Settings({ ...fromEnv, endpoint: 'http://minio:9000' }))).toBe(true);
  });

  it('rejects a bad endpoint and half a key pair, naming the field but not the value', () => {
    expect(() => parseS3Settings({ endpoint: 'ftp://x' })).toThrow(/endpoint: must be an http/);
    let message = '';
    try {
      parseS3Settings({ secretAccessKey: 'very-secret-value' });
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidS3SettingsError);
      message = (err as Error).message;
    }
    expect(message).toContain('set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(message).not.toContain('very-secret-value');
  });
});

describe('s3SettingsFromEnv', () => {
  it('reads the injected environment, RETURNS_S3_ENDPOINT first', () => {
    const settings = s3SettingsFromEnv({
      RETURNS_S3_ENDPOINT: 'http://minio:9000',
      AWS_ENDPOINT_URL: 'http://other:1',
      AWS_REGION: 'eu-west-3',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret-example',
      AWS_SESSION_TOKEN: 'token-example',
      AWS_MAX_ATTEMPTS: '4',
    });
    expect(settings).toEqual({
      endpoint: 'http://minio:9000',
      region: 'eu-west-3',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret-example',
      sessionToken: 'token-example',
      maxAttempts: 4,
    });
  });

  it('falls back to AWS_ENDPOINT_URL, treats empty values as unset, and reads the path-style flag', () => {
    expect(s3SettingsFromEnv({ AWS_ENDPOINT_URL: 'https://s3.example.test', RETURNS_S3_ENDPOINT: '' }).endpoint).toBe('https://s3.example.test');
    expect(s3SettingsFromEnv({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }).accessKeyId).toBeUndefined();
    expect(s3SettingsFromEnv({ AWS_ENDPOINT_URL: 'http://h:1', RETURNS_S3_FORCE_PATH_STYLE: 'false' }).forcePathStyle).toBe(false);
    expect(() => s3SettingsFromEnv({ RETURNS_S3_FORCE_PATH_STYLE: 'maybe' })).toThrow(/RETURNS_S3_FORCE_PATH_STYLE/);
    expect(() => s3SettingsFromEnv({ AWS_MAX_ATTEMPTS: 'many' })).toThrow(/AWS_MAX_ATTEMPTS/);
  });

  it('redacts secrets for display', () => {
    const shown = JSON.stringify(
      redactS3Settings(s3SettingsFromEnv({ AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example', AWS_SESSION_TOKEN: 'tok-example' })),
    );
    expect(shown).not.toContain('secret-example');
    expect(shown).not.toContain('tok-example');
    expect(shown).toContain('us-east-1');
  });
});

describe('retries', () => {
  it('backs off exponentially from 200 ms to a 5 s cap, and the default attempts wait out ~10 s', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => retryDelayMs(n, mid))).toEqual([200, 400, 800, 1600, 3200, 5000, 5000]);
    const shortestTotal = Array.from({ length: 9 }, (_, i) => retryDelayMs(i + 1, () => 0)).reduce((a, b) => a + b, 0);
    expect(shortestTotal).toBeGreaterThan(15_000);
  });

  it('retries transient and server errors up to maxAttempts, never client errors', async () => {
    const strategy = new OutageTolerantRetryStrategy(3, () => 0);
    const first = await strategy.acquireInitialRetryToken();
    const refused = { errorType: 'TRANSIENT' as const, error: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) };
    const second = await strategy.refreshRetryTokenForRetry(first, refused as never);
    expect(second.getRetryCount()).toBe(1);
    const third = await strategy.refreshRetryTokenForRetry(second, { errorType: 'SERVER_ERROR', error: { $metadata: { httpStatusCode: 500 } } } as never);
    expect(third.getRetryCount()).toBe(2);
    await expect(strategy.refreshRetryTokenForRetry(third, refused as never)).rejects.toThrow();
    await expect(
      strategy.refreshRetryTokenForRetry(first, { errorType: 'CLIENT_ERROR', error: { $metadata: { httpStatusCode: 412 } } } as never),
    ).rejects.toThrow();
  });
});

describe('describeS3Failure', () => {
  const settings = { endpoint: 'http://user:pw@127.0.0.1:9000/path', region: 'us-east-1' };

  it('names the endpoint origin and the variables to check when the connection is refused', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED', $metadata: { attempts: 10 } });
    const text = describeS3Failure(err, settings);
    expect(text).toBe('connection refused by http://127.0.0.1:9000 after 10 attempts; check RETURNS_S3_ENDPOINT/AWS_ENDPOINT_URL and that the server is running');
    expect(text).not.toContain('pw');
  });

  it('finds socket codes wrapped in AggregateError and explains access errors', () => {
    const aggregate = new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'all failed');
    expect(describeS3Failure(aggregate, settings)).toContain('connection refused');
    const denied = { name: 'AccessDenied', message: 'Access Denied', $metadata: { httpStatusCode: 403 } };
    expect(describeS3Failure(denied, settings)).toContain('check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY');
    expect(describeS3Failure({ name: 'SlowDown', message: 'reduce rate', $metadata: { httpStatusCode: 503 } }, settings)).toBe(
      'SlowDown (HTTP 503): reduce rate',
    );
  });
});
