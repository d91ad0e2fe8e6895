/**
 * `kaggle://owner/dataset/file.csv[?version=N]`: one file of a Kaggle dataset, through the public
 * API with basic auth. The dataset's current version is looked up, its archive downloaded once
 * into a cache folder keyed by version, and the named file streamed out of the zip.
 *
 * API used: GET {base}/api/v1/datasets/view/{owner}/{slug} (JSON, currentVersionNumber) and
 * GET {base}/api/v1/datasets/download/{owner}/{slug}?datasetVersionNumber=N (302 to a signed
 * storage URL serving the zip; the Authorization header is not forwarded there).
 */
import { existsSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../../ports/logger.js';
import type { DatasetSource, OpenedDataset } from '../../ports/dataset-source.js';
import { downloadToFile, fetchJson, HttpStatusError, type HttpOptions } from './http-download.js';
import { loadKaggleCredentials, type Env, type KaggleCredentials } from './kaggle-credentials.js';
import { SourceCredentialsError, SourceError } from './source-error.js';
import { openZipEntry, UnreadableArchiveError } from './zip-entry.js';

export const KAGGLE_API_BASE = 'https://www.kaggle.com';
export const DEFAULT_KAGGLE_URI = 'kaggle://yaminh/product-sales-and-returns-dataset/order_dataset.csv';

export interface KaggleRef {
  readonly owner: string;
  readonly slug: string;
  /** Path of the file inside the dataset archive. */
  readonly file: string;
  /** A pinned version; otherwise the dataset's current version. */
  readonly version?: number;
}

export interface KaggleSourceDeps {
  readonly env: Env;
  readonly home: string;
  /** Archives are kept here as {owner}/{slug}/v{N}/archive.zip. */
  readonly cacheDir: string;
  /** Scheme, host and port of the API; tests point it at a loopback server. */
  readonly apiBase?: string;
  readonly logger: Logger;
  readonly http?: HttpOptions;
}

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseKaggleUri(uri: string): KaggleRef {
  const usage = 'expected kaggle://owner/dataset/file.csv (optionally ?version=N)';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new SourceError(`invalid Kaggle URI "${uri}": ${usage}`);
  }
  const [slug, ...fileParts] = url.pathname.replace(/^\/+/, '').split('/');
  const owner = url.hostname;
  const file = decodeURIComponent(fileParts.join('/'));
  if (url.protocol !== 'kaggle:' || !SLUG.test(owner) || !slug || !SLUG.test(slug) || !file) {
    throw new SourceError(`invalid Kaggle URI "${uri}": ${usage}`);
  }
  const pinned = url.searchParams.get('version');
  if (pinned !== null && !/^[1-9]\d*$/.test(pinned)) {
    throw new SourceError(`invalid Kaggle URI "${uri}": version must be a positive whole number`);
  }
  return { owner, slug, file, ...(pinned !== null ? { version: Number(pinned) } : {}) };
}

const DatasetView = z.object({ currentVersionNumber: z.number().int().positive() });

export class KaggleSource implements DatasetSource {
  readonly uri: string;
  private readonly ref: KaggleRef;
  private readonly apiBase: string;

  constructor(
    uri: string,
    private readonly deps: KaggleSourceDeps,
  ) {
    this.ref = parseKaggleUri(uri);
    this.uri = refUri(this.ref, this.ref.version);
    this.apiBase = (deps.apiBase ?? KAGGLE_API_BASE).replace(/\/+$/, '');
  }

  async open(): Promise<OpenedDataset> {
    const credentials = await loadKaggleCredentials(this.deps.env, this.deps.home);
    const version = this.ref.version ?? (await this.currentVersion(credentials));
    const archive = await this.cachedArchive(credentials, version);
    const pinnedUri = refUri(this.ref, version);
    const entry = await openZipEntry(archive, this.ref.file, pinnedUri).catch(async (err: unknown) => {
      // A damaged archive must not stay in the cache, or every later run would fail the same way.
      if (err instanceof UnreadableArchiveError) await fs.rm(archive, { force: true });
      throw err;
    });
    return { stream: entry.stream, uri: pinnedUri, version: String(version), size: entry.uncompressedSize };
  }

  private get dataset(): string {
    return `${this.ref.owner}/${this.ref.slug}`;
  }

  private async currentVersion(credentials: KaggleCredentials): Promise<number> {
    const url = `${this.apiBase}/api/v1/datasets/view/${this.dataset}`;
    try {
      const view = await fetchJson(`Kaggle dataset ${this.dataset}: version lookup`, { url, headers: authHeader(credentials) }, DatasetView, this.deps.http);
      return view.currentVersionNumber;
    } catch (err) {
      throw this.explain(err, credentials);
    }
  }

  private async cachedArchive(credentials: KaggleCredentials, version: number): Promise<string> {
    const dir = path.join(this.deps.cacheDir, this.ref.owner, this.ref.slug, `v${version}`);
    const archive = path.join(dir, 'archive.zip');
    // The archive is renamed into place only once complete, so its presence means it is whole.
    if (existsSync(archive)) {
      this.deps.logger.info('kaggle archive found in cache', { dataset: this.dataset, version, archive });
      return archive;
    }
    await fs.mkdir(dir, { recursive: true });
    const url = `${this.apiBase}/api/v1/datasets/download/${this.dataset}?datasetVersionNumber=${version}`;
    this.deps.logger.info('downloading kaggle dataset archive', { dataset: this.dataset, version });
    try {
      const bytes = await downloadToFile(`Kaggle dataset ${this.dataset} v${version}: download`, { url, headers: authHeader(credentials) }, archive, this.deps.http);
      this.deps.logger.info('kaggle archive downloaded', { dataset: this.dataset, version, bytes });
    } catch (err) {
      throw this.explain(err, credentials);
    }
    return archive;
  }

  /** Turns HTTP statuses into errors that say what to do. */
  private explain(err: unknown, credentials: KaggleCredentials): unknown {
    if (!(err instanceof HttpStatusError)) return err;
    if (err.status === 401) {
      return new SourceCredentialsError(
        `Kaggle rejected the credentials of user "${credentials.username}" (HTTP 401): check KAGGLE_USERNAME and KAGGLE_KEY (or ~/.kaggle/kaggle.json); create a new API token if the key was revoked`,
      );
    }
    if (err.status === 403) {
      return new SourceCredentialsError(
        `Kaggle refused access to ${this.dataset} for user "${credentials.username}" (HTTP 403): check KAGGLE_USERNAME and KAGGLE_KEY (or ~/.kaggle/kaggle.json) and that this account may read the dataset`,
      );
    }
    if (err.status === 404) {
      return new SourceError(`Kaggle dataset ${this.dataset} not found (HTTP 404): check the owner and dataset names in ${this.uri}`);
    }
    return new SourceError(`Kaggle dataset ${this.dataset}: ${err.message}`);
  }
}

function refUri(ref: KaggleRef, version: number | undefined): string {
  const file = ref.file.split('/').map(encodeURIComponent).join('/');
  return `kaggle://${ref.owner}/${ref.slug}/${file}${version !== undefined ? `?version=${version}` : ''}`;
}

function authHeader(credentials: KaggleCredentials): Record<string, string> {
  const token = Buffer.from(`${credentials.username}:${credentials.key}`).toString('base64');
  return { authorization: `Basic ${token}` };
}
