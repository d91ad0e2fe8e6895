import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { S3Source } from '../../../src/adapters/source/s3-source.js';
import { SourceError } from '../../../src/adapters/source/source-error.js';
import { createS3Client } from '../../../src/adapters/storage/s3-client.js';
import { LocalObjectStore } from '../../../src/adapters/storage/local-store.js';
import { ingestOrders } from '../../../src/application/ingest-orders.js';
import { startDroppingProxy } from '../../harness/dropping-proxy.js';
import { startS3Server, type S3TestServer } from '../../harness/s3-server.js';
import { instantRetries, readAll, sampleCsvPath } from '../../harness/source-fixtures.js';

const BUCKET = 'lake';

describe('S3Source against a real S3 server process', () => {
  const sample = fs.readFileSync(sampleCsvPath);
  let server: S3TestServer;
  let client: S3Client;
  let dir: string;

  beforeAll(async () => {
    server = await startS3Server({ maxAttempts: 2 });
    client = createS3Client(server.settings);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const put = (key: string, body: Buffer | string) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.from(body) }));
    await put('exports/order_dataset.csv', sample);
    await put('orders/date=2019-01-02/b.csv', 'h1,h2\n3,b\n');
    await put('orders/date=2019-01-01/z.csv', 'h1,h2\n1,z\n');
    await put('orders/date=2019-01-02/a.csv', 'h1,h2\n2,a');
    await put('orders/date=2019-01-01/_SUCCESS', '');
    await put('orders/readme.txt', 'not data');
    await put('mixed/date=2019-01-01/a.csv', 'h1,h2\n1,a\n');
    await put('mixed/date=2019-01-02/a.csv', 'h1,h3\n2,a\n');
  }, 60_000);

  afterAll(async () => {
    client?.destroy();
    await server?.stop();
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'returns-s3-source-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const source = (uri: string): S3Source => new S3Source(uri, { settings: server.settings, logger: createMemoryLogger(), http: instantRetries() });

  it('streams one object byte for byte, versioned by its ETag', async () => {
    const opened = await source(`s3://${BUCKET}/exports/order_dataset.csv`).open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
    expect(opened.uri).toBe(`s3://${BUCKET}/exports/order_dataset.csv`);
    expect(opened.size).toBe(sample.length);
    expect(opened.version).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('reads a prefix of daily files in date then name order with one header line', async () => {
    const opened = await source(`s3://${BUCKET}/orders/`).open();
    expect((await readAll(opened.stream)).toString()).toBe('h1,h2\n1,z\n2,a\n3,b\n');
    expect(opened.version).toMatch(/^objects-3-[0-9a-f]{16}$/);
  });

  it('names the object whose header does not match', async () => {
    const opened = await source(`s3://${BUCKET}/mixed/`).open();
    await expect(readAll(opened.stream)).rejects.toThrow(
      `s3://${BUCKET}/mixed/date=2019-01-02/a.csv: header differs from the first file s3://${BUCKET}/mixed/date=2019-01-01/a.csv`,
    );
  });

  it('says so when the object or the daily files are missing', async () => {
    const missing = source(`s3://${BUCKET}/exports/missing.csv`).open();
    await expect(missing).rejects.toThrow(`s3://${BUCKET}/exports/missing.csv: no such object`);
    await expect(missing).rejects.toBeInstanceOf(SourceError);
    await expect(source(`s3://${BUCKET}/nothing-here/`).open()).rejects.toThrow('no date=YYYY-MM-DD/*.csv objects under this prefix');
  });

  it('ingests an object, and a re-ingest of the unchanged object is a no-op with the same manifest', async () => {
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const args = { store, rawKey: 'raw/orders.csv', manifestKey: 'raw/manifest.json' };
    const uri = `s3://${BUCKET}/exports/order_dataset.csv`;
    const first = await ingestOrders({ source: source(uri), ...args, logger: createMemoryLogger() });
    expect((await store.get('raw/orders.csv')).equals(sample)).toBe(true);
    const logger = createMemoryLogger();
    const second = await ingestOrders({ source: source(uri), ...args, logger });
    expect(second).toEqual(first);
    expect(logger.lines.map((l) => l.message)).toContain('source unchanged since the last ingest; nothing to copy');
  });

  it('resumes a download that breaks off mid-way with a Range request on the same ETag', async () => {
    const proxy = await startDroppingProxy({ upstreamPort: server.port, cutAfterBytes: 5_000, times: 2 });
    try {
      const http = instantRetries();
      const settings = { ...server.settings, endpoint: proxy.endpoint };
      const src = new S3Source(`s3://${BUCKET}/exports/order_dataset.csv`, { settings, logger: createMemoryLogger(), http });
      const opened = await src.open();
      expect((await readAll(opened.stream)).equals(sample)).toBe(true);
      expect(proxy.cuts()).toBe(2);
      expect(http.delays).toEqual([100, 200]);
    } finally {
      await proxy.stop();
    }
  });

  it('gives up when the lake keeps vanishing mid-download, and nothing is half-written', async () => {
    const proxy = await startDroppingProxy({ upstreamPort: server.port, cutAfterBytes: 5_000, times: Infinity });
    try {
      const http = instantRetries();
      const settings = { ...server.settings, endpoint: proxy.endpoint, maxAttempts: 1 };
      const uri = `s3://${BUCKET}/exports/order_dataset.csv`;
      const src = new S3Source(uri, { settings, logger: createMemoryLogger(), http });
      const store = new LocalObjectStore(path.join(dir, 'store'));
      const ingest = ingestOrders({ source: src, store, rawKey: 'raw/orders.csv', manifestKey: 'raw/manifest.json', logger: createMemoryLogger() });
      await expect(ingest).rejects.toThrow(`S3 ${uri}: read: failed after 3 attempts`);
      expect(await store.exists('raw/orders.csv')).toBe(false);
      expect(await store.exists('raw/manifest.json')).toBe(false);
    } finally {
      await proxy.stop();
    }
  });

  it('rejects a malformed URI without echoing credentials', () => {
    expect(() => source('s3://AKIA:secret@/key')).toThrow(/expected s3:\/\/bucket\/key\.csv or s3:\/\/bucket\/prefix\//);
    expect(() => source('s3://AKIA:secret@/key')).not.toThrow(/secret/);
  });
});
