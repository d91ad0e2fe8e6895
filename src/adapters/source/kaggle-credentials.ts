/**
 * Kaggle API credentials, found as the official client finds them: KAGGLE_USERNAME and
 * KAGGLE_KEY in the environment, else `kaggle.json` in KAGGLE_CONFIG_DIR or `~/.kaggle`.
 * The environment and the home folder are injected; nothing here reads `process`.
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { SourceCredentialsError } from './source-error.js';

export interface KaggleCredentials {
  readonly username: string;
  /** Never logged, never put in a URI or a manifest. */
  readonly key: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const KaggleJson = z.object({ username: z.string().min(1), key: z.string().min(1) });

const HOW_TO =
  'set KAGGLE_USERNAME and KAGGLE_KEY (an API token from your Kaggle account settings), or save the token as ~/.kaggle/kaggle.json';

/** Where kaggle.json is looked for. */
export function kaggleJsonPath(env: Env, home: string): string {
  return path.join(env.KAGGLE_CONFIG_DIR || path.join(home, '.kaggle'), 'kaggle.json');
}

/** True when credentials seem to be configured (used to choose the default source; not validated). */
export function hasKaggleCredentials(env: Env, home: string): boolean {
  if (env.KAGGLE_USERNAME || env.KAGGLE_KEY) return Boolean(env.KAGGLE_USERNAME && env.KAGGLE_KEY);
  return existsSync(kaggleJsonPath(env, home));
}

export async function loadKaggleCredentials(env: Env, home: string): Promise<KaggleCredentials> {
  const username = env.KAGGLE_USERNAME;
  const key = env.KAGGLE_KEY;
  if (username && key) return { username, key };
  if (username) throw new SourceCredentialsError('Kaggle credentials incomplete: KAGGLE_USERNAME is set but KAGGLE_KEY is not; set KAGGLE_KEY');
  if (key) throw new SourceCredentialsError('Kaggle credentials incomplete: KAGGLE_KEY is set but KAGGLE_USERNAME is not; set KAGGLE_USERNAME');
  const file = kaggleJsonPath(env, home);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SourceCredentialsError(`Kaggle credentials missing: ${HOW_TO} (no ${file})`);
    }
    throw new SourceCredentialsError(`Kaggle credentials unreadable: ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SourceCredentialsError(`Kaggle credentials invalid: ${file} is not JSON; it must be {"username": "...", "key": "..."}`);
  }
  const parsed = KaggleJson.safeParse(json);
  if (!parsed.success) {
    throw new SourceCredentialsError(`Kaggle credentials invalid: ${file} must hold non-empty "username" and "key"`);
  }
  return parsed.data;
}
