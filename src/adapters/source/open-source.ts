/**
 * Builds the DatasetSource a URI names, by scheme. The one place that knows every source kind,
 * so the CLI only hands over a URI and the environment.
 */
import * as path from 'node:path';
import type { DatasetSource } from '../../ports/dataset-source.js';
import type { Logger } from '../../ports/logger.js';
import { s3SettingsFromEnv, type S3Settings } from '../storage/s3-settings.js';
import { FileSource } from './file-source.js';
import type { HttpOptions } from './http-download.js';
import type { Env } from './kaggle-credentials.js';
import { KaggleSource } from './kaggle-source.js';
import { redactUri } from './redact-uri.js';
import { S3Source } from './s3-source.js';
import { SourceError } from './source-error.js';
import { SyntheticSource } from './synthetic-source.js';
import { WebHdfsSource } from './webhdfs-source.js';

export const SOURCE_SCHEMES = ['file', 's3', 'kaggle', 'hdfs', 'synthetic'] as const;

export interface SourceDeps {
  readonly env: Env;
  /** The user's home folder (~/.kaggle/kaggle.json, the default cache). */
  readonly home: string;
  readonly logger: Logger;
  /** Where downloaded archives are cached; default $XDG_CACHE_HOME/returns or ~/.cache/returns. */
  readonly cacheDir?: string;
  /** Kaggle API base (scheme://host:port); default RETURNS_KAGGLE_API_BASE, else the public API. */
  readonly kaggleApiBase?: string;
  /** S3 client settings; default from the environment, as for the object store. */
  readonly s3Settings?: S3Settings;
  /** Retry policy, sleep and fetch for the remote sources (tests make backoff instant). */
  readonly http?: HttpOptions;
}

export function openDatasetSource(uri: string, deps: SourceDeps): DatasetSource {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  const logger = deps.logger.child({ source: redactUri(uri) });
  const http: HttpOptions = {
    ...deps.http,
    onRetry: (notice) => {
      logger.warn('source read failed; retrying', { ...notice });
      deps.http?.onRetry?.(notice);
    },
  };
  switch (scheme) {
    case 'file':
      return new FileSource(uri);
    case 's3':
      return new S3Source(uri, { settings: deps.s3Settings ?? s3SettingsFromEnv(deps.env), logger, http });
    case 'kaggle':
      return new KaggleSource(uri, {
        env: deps.env,
        home: deps.home,
        cacheDir: path.join(cacheRoot(deps), 'kaggle'),
        ...optional('apiBase', deps.kaggleApiBase ?? nonEmpty(deps.env.RETURNS_KAGGLE_API_BASE)),
        logger,
        http,
      });
    case 'hdfs':
      return new WebHdfsSource(uri, { env: deps.env, logger, http });
    case 'synthetic':
      return new SyntheticSource(uri);
    default:
      throw new SourceError(
        `unknown source ${scheme ? `scheme "${scheme}:"` : 'URI (no scheme)'} in "${redactUri(uri)}"; accepted: ${SOURCE_SCHEMES.map((s) => `${s}://`).join(', ')}`,
      );
  }
}

function cacheRoot(deps: SourceDeps): string {
  return deps.cacheDir ?? path.join(nonEmpty(deps.env.XDG_CACHE_HOME) ?? path.join(deps.home, '.cache'), 'returns');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
