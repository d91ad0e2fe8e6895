import { z } from 'zod';

/**
 * How to reach an MLflow tracking server, from the variables MLflow's own clients read:
 * MLFLOW_TRACKING_URI (http or https), and either MLFLOW_TRACKING_TOKEN (bearer) or
 * MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (basic auth).
 */
export type MlflowAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export interface MlflowSettings {
  /** Base URL without a trailing slash and without credentials, e.g. `http://127.0.0.1:5000`. */
  readonly trackingUri: string;
  readonly auth: MlflowAuth;
  /** Per request. */
  readonly timeoutMs: number;
  /** Attempts per request, first one included (a down server then fails after a few seconds, not minutes). */
  readonly maxAttempts: number;
}

export class InvalidMlflowSettingsError extends Error {
  constructor(detail: string) {
    super(`invalid MLflow settings: ${detail}`);
    this.name = 'InvalidMlflowSettingsError';
  }
}

const envSchema = z.object({
  MLFLOW_TRACKING_URI: z.string().optional(),
  MLFLOW_TRACKING_TOKEN: z.string().optional(),
  MLFLOW_TRACKING_USERNAME: z.string().optional(),
  MLFLOW_TRACKING_PASSWORD: z.string().optional(),
});

export interface MlflowSettingsOverrides {
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
}

/**
 * The settings the environment names, or undefined when MLFLOW_TRACKING_URI is unset or empty (the
 * local tracker is then the default). Errors name the variable, never its value: a URI may hold a
 * password.
 */
export function mlflowSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  overrides: MlflowSettingsOverrides = {},
): MlflowSettings | undefined {
  const vars = envSchema.parse({
    MLFLOW_TRACKING_URI: env.MLFLOW_TRACKING_URI,
    MLFLOW_TRACKING_TOKEN: env.MLFLOW_TRACKING_TOKEN,
    MLFLOW_TRACKING_USERNAME: env.MLFLOW_TRACKING_USERNAME,
    MLFLOW_TRACKING_PASSWORD: env.MLFLOW_TRACKING_PASSWORD,
  });
  const uri = vars.MLFLOW_TRACKING_URI?.trim();
  if (uri === undefined || uri === '') return undefined;
  const nonEmpty = (v: string | undefined): string | undefined => (v !== undefined && v !== '' ? v : undefined);
  const token = nonEmpty(vars.MLFLOW_TRACKING_TOKEN);
  const username = nonEmpty(vars.MLFLOW_TRACKING_USERNAME);
  const password = nonEmpty(vars.MLFLOW_TRACKING_PASSWORD);
  if ((username === undefined) !== (password === undefined)) {
    throw new InvalidMlflowSettingsError('set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or neither');
  }
  let auth: MlflowAuth = { kind: 'none' };
  if (token !== undefined && username !== undefined) {
    throw new InvalidMlflowSettingsError('set MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD, not both');
  }
  if (token !== undefined) auth = { kind: 'bearer', token };
  if (username !== undefined && password !== undefined) auth = { kind: 'basic', username, password };
  return parseMlflowSettings({ trackingUri: uri, auth, ...overrides });
}

/** Validates a tracking URI and fills defaults. */
export function parseMlflowSettings(input: {
  trackingUri: string;
  auth?: MlflowAuth;
  timeoutMs?: number;
  maxAttempts?: number;
}): MlflowSettings {
  let url: URL;
  try {
    url = new URL(input.trackingUri);
  } catch {
    throw new InvalidMlflowSettingsError('MLFLOW_TRACKING_URI is not a URL; use http://host:port or https://host[/path]');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidMlflowSettingsError(
      `MLFLOW_TRACKING_URI must be an http:// or https:// tracking server (got a ${url.protocol} URI); unset it to track in the store`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new InvalidMlflowSettingsError(
      'MLFLOW_TRACKING_URI must not contain credentials; use MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN',
    );
  }
  if (url.search !== '' || url.hash !== '') throw new InvalidMlflowSettingsError('MLFLOW_TRACKING_URI must not have a query or fragment');
  const timeoutMs = input.timeoutMs ?? 30_000;
  const maxAttempts = input.maxAttempts ?? 3;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 10) throw new InvalidMlflowSettingsError('maxAttempts must be 1..10');
  if (!(timeoutMs > 0)) throw new InvalidMlflowSettingsError('timeoutMs must be positive');
  return {
    trackingUri: url.href.replace(/\/+$/, ''),
    auth: input.auth ?? { kind: 'none' },
    timeoutMs,
    maxAttempts,
  };
}
