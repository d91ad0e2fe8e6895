import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { KaggleSource, parseKaggleUri } from '../../../src/adapters/source/kaggle-source.js';
import { SourceCredentialsError, SourceError } from '../../../src/adapters/source/source-error.js';
import { LocalObjectStore } from '../../../src/adapters/storage/local-store.js';
import { ingestOrders } from '../../../src/application/ingest-orders.js';
import { startKaggleServer, type KaggleServer, type KaggleServerOptions } from '../../harness/kaggle-server.js';
import { instantRetries, readAll, sampleCsvPath } from '../../harness/source-fixtures.js';
import { makeZip } from '../../harness/zip.js';

const OWNER = 'yaminh';
const SLUG = 'product-sales-and-returns-dataset';
const URI = `kaggle://${OWNER}/${SLUG}/order_dataset.csv`;
const USER = 'analyst';
const KEY = 'a1b2c3d4e5f6secretkey';

describe('KaggleSource against a loopback Kaggle API', () => {
  const sample = fs.readFileSync(sampleCsvPath);
  const v1 = Buffer.from('Item Name,Category\nOLD,Product A\n');
  const archives = {
    1: makeZip([{ name: 'order_dataset.csv', data: v1 }]),
    2: makeZip([
      { name: 'README.txt', data: 'about the data' },
      { name: 'order_dataset.csv', data: sample },
    ]),
  };
  let dir: string;
  let server: KaggleServer | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'returns-kaggle-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(overrides: Partial<KaggleServerOptions> = {}): Promise<KaggleServer> {
    server = await startKaggleServer({
      username: USER,
      key: KEY,
      datasets: [{ owner: OWNER, slug: SLUG, versions: archives, currentVersion: 2 }],
      ...overrides,
    });
    return server;
  }

  function source(
    api: KaggleServer,
    options: { env?: Record<string, string>; uri?: string; http?: ReturnType<typeof instantRetries> } = {},
  ): { source: KaggleSource; logger: ReturnType<typeof createMemoryLogger> } {
    const logger = createMemoryLogger();
    const src = new KaggleSource(options.uri ?? URI, {
      env: options.env ?? { KAGGLE_USERNAME: USER, KAGGLE_KEY: KEY },
      home: path.join(dir, 'home'),
      cacheDir: path.join(dir, 'cache'),
      apiBase: api.baseUrl,
      logger,
      http: options.http ?? instantRetries(),
    });
    return { source: src, logger };
  }

  it('looks up the current version, downloads the archive through the redirect and extracts the file', async () => {
    const api = await start();
    const { source: src, logger } = source(api);
    const opened = await src.open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
    expect(opened).toMatchObject({ uri: `${URI}?version=2`, version: '2', size: sample.length });
    expect(api.requests.map((r) => `${r.server} ${r.path}`)).toEqual([
      `api /api/v1/datasets/view/${OWNER}/${SLUG}`,
      `api /api/v1/datasets/download/${OWNER}/${SLUG}?datasetVersionNumber=2`,
      `storage /archives/${OWNER}/${SLUG}/2/archive.zip?X-Goog-Signature=loopback-signature`,
    ]);
    // The credentials go to the API only, never to the storage host the API redirects to.
    expect(api.requests.filter((r) => r.server === 'storage').every((r) => !r.authorized)).toBe(true);
    expect(api.requests.filter((r) => r.server === 'api').every((r) => r.authorized)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'cache', OWNER, SLUG, 'v2', 'archive.zip'))).toBe(true);
    expect(JSON.stringify(logger.lines)).not.toContain(KEY);
  });

  it('serves a cached version without downloading it again', async () => {
    const api = await start();
    await readAll((await source(api).source.open()).stream);
    const before = api.requests.length;
    const again = await source(api).source.open();
    expect((await readAll(again.stream)).equals(sample)).toBe(true);
    expect(api.requests.slice(before).map((r) => r.path)).toEqual([`/api/v1/datasets/view/${OWNER}/${SLUG}`]);
  });

  it('reads a pinned version without looking up the current one', async () => {
    const api = await start();
    const opened = await source(api, { uri: `${URI}?version=1` }).source.open();
    expect((await readAll(opened.stream)).equals(v1)).toBe(true);
    expect(opened.version).toBe('1');
    expect(api.requests.some((r) => r.path.includes('/datasets/view/'))).toBe(false);
  });

  it('reads the credentials from kaggle.json in the injected home folder', async () => {
    const api = await start();
    fs.mkdirSync(path.join(dir, 'home', '.kaggle'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'home', '.kaggle', 'kaggle.json'), JSON.stringify({ username: USER, key: KEY }));
    const opened = await source(api, { env: {} }).source.open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
  });

  it('says which variables to set when credentials are missing', async () => {
    const api = await start();
    const missing = source(api, { env: {} }).source.open();
    await expect(missing).rejects.toBeInstanceOf(SourceCredentialsError);
    await expect(source(api, { env: {} }).source.open()).rejects.toThrow(/set KAGGLE_USERNAME and KAGGLE_KEY/);
    await expect(source(api, { env: { KAGGLE_USERNAME: USER } }).source.open()).rejects.toThrow(
      'KAGGLE_USERNAME is set but KAGGLE_KEY is not; set KAGGLE_KEY',
    );
    expect(api.requests).toEqual([]);
  });

  it('says the credentials were rejected (401) without revealing the key', async () => {
    const api = await start();
    const rejected = source(api, { env: { KAGGLE_USERNAME: USER, KAGGLE_KEY: 'wrong-key-1234' } }).source.open();
    await expect(rejected).rejects.toThrow(
      /^Kaggle rejected the credentials of user "analyst" \(HTTP 401\): check KAGGLE_USERNAME and KAGGLE_KEY/,
    );
    await rejected.catch((err: Error) => {
      expect(err).toBeInstanceOf(SourceCredentialsError);
      expect(err.message).not.toContain('wrong-key-1234');
      expect(err.message).not.toContain('\n');
    });
    // A rejected credential is final: no retries.
    expect(api.requests).toHaveLength(1);
  });

  it('says access was refused (403)', async () => {
    const api = await start({ forbidden: true });
    await expect(source(api).source.open()).rejects.toThrow(
      /Kaggle refused access to yaminh\/product-sales-and-returns-dataset for user "analyst" \(HTTP 403\): check KAGGLE_USERNAME and KAGGLE_KEY/,
    );
  });

  it('says a dataset does not exist (404)', async () => {
    const api = await start();
    await expect(source(api, { uri: `kaggle://${OWNER}/no-such-dataset/x.csv` }).source.open()).rejects.toThrow(
      'Kaggle dataset yaminh/no-such-dataset not found (HTTP 404)',
    );
  });

  it('lists what the archive holds when the named file is not in it', async () => {
    const api = await start();
    await expect(source(api, { uri: `kaggle://${OWNER}/${SLUG}/orders.csv` }).source.open()).rejects.toThrow(
      'the archive has no file "orders.csv"; it holds: README.txt, order_dataset.csv',
    );
  });

  it('retries a busy API (503) with backoff', async () => {
    const api = await start({ unavailableTimes: 2 });
    const http = instantRetries();
    const opened = await source(api, { http }).source.open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
    expect(http.delays).toEqual([100, 200]);
  });

  it('retries a download that breaks off mid-way and then succeeds', async () => {
    const api = await start({ dropDownloads: { afterBytes: 1000, times: 2 } });
    const http = instantRetries();
    const opened = await source(api, { http }).source.open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
    expect(http.delays).toEqual([100, 200]);
    expect(api.requests.filter((r) => r.server === 'storage')).toHaveLength(3);
  });

  it('gives up after bounded retries when the server keeps dropping, and nothing is half-written', async () => {
    const api = await start({ dropDownloads: { afterBytes: 1000, times: Infinity } });
    const http = instantRetries();
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const { source: src } = source(api, { http });
    const ingest = ingestOrders({ source: src, store, rawKey: 'raw/orders.csv', manifestKey: 'raw/manifest.json', logger: createMemoryLogger() });
    await expect(ingest).rejects.toThrow(/^Kaggle dataset yaminh\/product-sales-and-returns-dataset v2: download: failed after 3 attempts: /);
    await expect(ingest).rejects.toBeInstanceOf(SourceError);
    expect(http.delays).toEqual([100, 200]);
    expect(api.requests.filter((r) => r.server === 'storage')).toHaveLength(3);
    expect(await store.exists('raw/orders.csv')).toBe(false);
    expect(await store.exists('raw/manifest.json')).toBe(false);
    // No partial archive is left in the cache to be mistaken for a complete one.
    const cached = path.join(dir, 'cache', OWNER, SLUG, 'v2');
    expect(fs.readdirSync(cached)).toEqual([]);
  });

  it('throws away a cached archive that is not a zip, so the next run downloads it again', async () => {
    const api = await start();
    const cached = path.join(dir, 'cache', OWNER, SLUG, 'v2', 'archive.zip');
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(cached, '<html>not a zip</html>');
    await expect(source(api).source.open()).rejects.toThrow('the downloaded archive is not a readable zip file');
    expect(fs.existsSync(cached)).toBe(false);
    const opened = await source(api).source.open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
  });

  it('parses Kaggle URIs and rejects malformed ones', () => {
    expect(parseKaggleUri(`${URI}?version=3`)).toEqual({ owner: OWNER, slug: SLUG, file: 'order_dataset.csv', version: 3 });
    expect(parseKaggleUri('kaggle://o/d/sub/dir/f.csv').file).toBe('sub/dir/f.csv');
    expect(() => parseKaggleUri('kaggle://owner-only')).toThrow('expected kaggle://owner/dataset/file.csv');
    expect(() => parseKaggleUri(`${URI}?version=latest`)).toThrow('version must be a positive whole number');
  });
});
