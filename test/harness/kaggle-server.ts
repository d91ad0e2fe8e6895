/**
 * A loopback server that answers as the Kaggle public API does for the calls the Kaggle source
 * makes (there is no internet here):
 *  - GET /api/v1/datasets/view/{owner}/{slug} → 200 JSON with currentVersionNumber
 *  - GET /api/v1/datasets/download/{owner}/{slug}?datasetVersionNumber=N → 302 to a signed
 *    storage URL on a second server (another origin, as Google Cloud Storage is), which serves
 *    the zip archive.
 * Basic auth is checked: none or a wrong key → 401; `forbidden` → 403; unknown dataset → 404.
 */
import type { IncomingMessage } from 'node:http';
import { listen, sendBytes, sendJson, type DropPlan } from './http-util.js';

export interface KaggleDatasetFixture {
  readonly owner: string;
  readonly slug: string;
  /** Zip archive bytes by version number. */
  readonly versions: Readonly<Record<number, Buffer>>;
  readonly currentVersion: number;
}

export interface KaggleServerOptions {
  readonly username: string;
  readonly key: string;
  readonly datasets: readonly KaggleDatasetFixture[];
  /** Answer 403 to authenticated calls (an account that may not read the dataset). */
  readonly forbidden?: boolean;
  /** Cut archive downloads short (the storage server vanishes mid-download). */
  readonly dropDownloads?: DropPlan;
  /** Answer the first N API calls with 503 (a busy API). */
  unavailableTimes?: number;
}

export interface RecordedRequest {
  readonly server: 'api' | 'storage';
  readonly path: string;
  /** Whether an Authorization header came with the request. */
  readonly authorized: boolean;
}

export interface KaggleServer {
  /** Give this to the source as its API base. */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  stop(): Promise<void>;
}

export async function startKaggleServer(options: KaggleServerOptions): Promise<KaggleServer> {
  const requests: RecordedRequest[] = [];
  const expected = `Basic ${Buffer.from(`${options.username}:${options.key}`).toString('base64')}`;
  const find = (owner: string, slug: string): KaggleDatasetFixture | undefined =>
    options.datasets.find((d) => d.owner === owner && d.slug === slug);
  const record = (server: RecordedRequest['server'], req: IncomingMessage): URL => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    requests.push({ server, path: `${url.pathname}${url.search}`, authorized: req.headers.authorization !== undefined });
    return url;
  };

  const storage = await listen((req, res) => {
    const url = record('storage', req);
    const match = /^\/archives\/([^/]+)\/([^/]+)\/(\d+)\/archive\.zip$/.exec(url.pathname);
    const dataset = match ? find(match[1]!, match[2]!) : undefined;
    const archive = dataset?.versions[Number(match?.[3])];
    if (!archive || url.searchParams.get('X-Goog-Signature') !== 'loopback-signature') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<Error><Code>AccessDenied</Code></Error>');
      return;
    }
    sendBytes(res, archive, 'application/zip', options.dropDownloads);
  });

  const api = await listen((req, res) => {
    const url = record('api', req);
    if (options.unavailableTimes && options.unavailableTimes > 0) {
      options.unavailableTimes -= 1;
      sendJson(res, 503, { code: 503, message: 'Service Unavailable' });
      return;
    }
    if (req.headers.authorization !== expected) {
      sendJson(res, 401, { code: 401, message: 'Unauthenticated' });
      return;
    }
    if (options.forbidden) {
      sendJson(res, 403, { code: 403, message: "Permission 'datasets.get' was denied" });
      return;
    }
    const view = /^\/api\/v1\/datasets\/view\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const download = /^\/api\/v1\/datasets\/download\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const match = view ?? download;
    const dataset = match ? find(match[1]!, match[2]!) : undefined;
    if (!dataset) {
      sendJson(res, 404, { code: 404, message: 'Not found' });
      return;
    }
    if (view) {
      sendJson(res, 200, {
        ref: `${dataset.owner}/${dataset.slug}`,
        title: dataset.slug,
        currentVersionNumber: dataset.currentVersion,
        versions: Object.keys(dataset.versions).map((n) => ({ versionNumber: Number(n) })),
      });
      return;
    }
    const version = Number(url.searchParams.get('datasetVersionNumber') ?? dataset.currentVersion);
    if (!dataset.versions[version]) {
      sendJson(res, 404, { code: 404, message: 'Not found' });
      return;
    }
    const location = `${storage.baseUrl}/archives/${dataset.owner}/${dataset.slug}/${version}/archive.zip?X-Goog-Signature=loopback-signature`;
    res.writeHead(302, { location, 'content-length': 0 });
    res.end();
  });

  return {
    baseUrl: api.baseUrl,
    requests,
    stop: async () => {
      await Promise.all([api.stop(), storage.stop()]);
    },
  };
}
