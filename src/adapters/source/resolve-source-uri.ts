/**
 * Which dataset to ingest: the `--source` flag, else RETURNS_SOURCE, else the config file's value,
 * else Kaggle when Kaggle credentials are configured, else the synthetic generator (so a fresh
 * clone runs end to end without an account or a network).
 */
import { hasKaggleCredentials, type Env } from './kaggle-credentials.js';
import { DEFAULT_KAGGLE_URI } from './kaggle-source.js';

export const DEFAULT_SYNTHETIC_URI = 'synthetic://?rows=200000&seed=42';

export interface SourceChoice {
  readonly flag?: string | undefined;
  readonly env: Env;
  readonly configValue?: string | undefined;
  /** The user's home folder, where ~/.kaggle/kaggle.json is looked for. */
  readonly home: string;
}

export function resolveSourceUri(choice: SourceChoice): string {
  const explicit = [choice.flag, choice.env.RETURNS_SOURCE, choice.configValue].find((v) => v !== undefined && v.trim() !== '');
  if (explicit !== undefined) return explicit.trim();
  return hasKaggleCredentials(choice.env, choice.home) ? DEFAULT_KAGGLE_URI : DEFAULT_SYNTHETIC_URI;
}
