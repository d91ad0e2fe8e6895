import { z } from 'zod';

/**
 * How to reach an S3-compatible object store (AWS S3, MinIO, moto). One settings value serves every
 * S3 client of the process (the object store and the S3 data source), built by `createS3Client`.
 *
 * Credentials are optional: without them the AWS SDK falls back to its default provider chain
 * (shared config files, instance or container roles), which is what a deployment on AWS wants.
 */
const S3SettingsSchema = z
  .object({
    /** An S3-compatible server, e.g. `http://127.0.0.1:9000`. Absent: AWS S3 itself. */
    endpoint: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    region: z.string().min(1).default('us-east-1'),
    /**
     * `http://endpoint/bucket/key` rather than `http://bucket.endpoint/key`. Unset means "true when
     * an endpoint is set" (see usesPathStyle); it stays unset here so that settings merged from
     * several sources (env, then a config file's endpoint) still get the right default.
     */
    forcePathStyle: z.boolean().optional(),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    /** Attempts per request, first one included; the default rides out a store outage of ~20 s. */
    maxAttempts: z.number().int().min(1).max(30).default(10),
  })
  .refine((s) => (s.accessKeyId === undefined) === (s.secretAccessKey === undefined), {
    message: 'set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither',
    path: ['accessKeyId'],
  });

export type S3Settings = z.output<typeof S3SettingsSchema>;
export type S3SettingsInput = z.input<typeof S3SettingsSchema>;

/** Path-style addressing: as set, else whenever an endpoint (MinIO, moto...) is configured. */
export function usesPathStyle(settings: Pick<S3Settings, 'endpoint' | 'forcePathStyle'>): boolean {
  return settings.forcePathStyle ?? settings.endpoint !== undefined;
}

export class InvalidS3SettingsError extends Error {
  constructor(detail: string) {
    super(`invalid S3 settings: ${detail}`);
    this.name = 'InvalidS3SettingsError';
  }
}

/** Validates and fills defaults. The error names the field, never its value (it may be a secret). */
export function parseS3Settings(input: S3SettingsInput): S3Settings {
  const parsed = S3SettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
  throw new InvalidS3SettingsError(detail);
}

/**
 * Reads S3 settings from an injected environment. The endpoint comes from RETURNS_S3_ENDPOINT (ours,
 * most specific), then the AWS SDK's own AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL. Empty values count
 * as unset, so `VAR=` in an .env file does not produce a confusing "invalid URL".
 */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv): S3Settings {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const pathStyle = get('RETURNS_S3_FORCE_PATH_STYLE');
  const maxAttempts = get('AWS_MAX_ATTEMPTS');
  return parseS3Settings({
    endpoint: get('RETURNS_S3_ENDPOINT') ?? get('AWS_ENDPOINT_URL_S3') ?? get('AWS_ENDPOINT_URL'),
    region: get('AWS_REGION') ?? get('AWS_DEFAULT_REGION'),
    forcePathStyle: pathStyle === undefined ? undefined : parseBooleanFlag('RETURNS_S3_FORCE_PATH_STYLE', pathStyle),
    accessKeyId: get('AWS_ACCESS_KEY_ID'),
    secretAccessKey: get('AWS_SECRET_ACCESS_KEY'),
    sessionToken: get('AWS_SESSION_TOKEN'),
    maxAttempts: maxAttempts === undefined ? undefined : parseInteger('AWS_MAX_ATTEMPTS', maxAttempts),
  });
}

/** The settings with secrets masked, for logs and `config show`-style output. */
export function redactS3Settings(settings: S3Settings): Record<string, unknown> {
  return {
    endpoint: settings.endpoint ?? '(AWS default)',
    region: settings.region,
    forcePathStyle: usesPathStyle(settings),
    maxAttempts: settings.maxAttempts,
    credentials: settings.accessKeyId ? 'static (AWS_ACCESS_KEY_ID set)' : 'AWS default provider chain',
    sessionToken: settings.sessionToken ? '(set)' : '(unset)',
  };
}

function parseBooleanFlag(name: string, value: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new InvalidS3SettingsError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

function parseInteger(name: string, value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidS3SettingsError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}
