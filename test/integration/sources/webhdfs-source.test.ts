import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { SourceCredentialsError, SourceError } from '../../../src/adapters/source/source-error.js';
import { WebHdfsSource } from '../../../src/adapters/source/webhdfs-source.js';
import { LocalObjectStore } from '../../../src/adapters/storage/local-store.js';
import { ingestOrders } from '../../../src/application/ingest-orders.js';
import { startWebHdfsServer, type WebHdfsServer, type WebHdfsServerOptions } from '../../harness/webhdfs-server.js';
import { instantRetries, readAll, sampleCsvPath } from '../../harness/source-fixtures.js';

const FILE = '/data/lake/order_dataset.csv';

describe('WebHdfsSource against a loopback WebHDFS server', () => {
  const sample = fs.readFileSync(sampleCsvPath);
  let server: WebHdfsServer | undefined;
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'returns-webhdfs-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function start(overrides: Partial<WebHdfsServerOptions> = {}): Promise<WebHdfsServer> {
    server = await startWebHdfsServer({ files: { [FILE]: sample }, ...overrides });
    return server;
  }

  const source = (uri: string, http = instantRetries(), env: Record<string, string> = {}): WebHdfsSource =>
    new WebHdfsSource(uri, { env, logger: createMemoryLogger(), http });

  it('reads a file through the NameNode redirect to a DataNode', async () => {
    const hdfs = await start({ modificationTime: 1_556_668_800_123 });
    const uri = `hdfs://${hdfs.authority}${FILE}`;
    const opened = await source(uri).open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
    expect(opened).toMatchObject({ uri, size: sample.length, version: `1556668800123-${sample.length}` });
    expect(hdfs.requests.map((r) => `${r.server} ${r.op} ${r.path} ${r.offset}`)).toEqual([
      `namenode GETFILESTATUS ${FILE} 0`,
      `namenode OPEN ${FILE} 0`,
      `datanode OPEN ${FILE} 0`,
    ]);
  });

  it('passes user.name from the URI, or else from HADOOP_USER_NAME', async () => {
    const hdfs = await start({ requireUser: 'etl' });
    const fromUri = await source(`hdfs://${hdfs.authority}${FILE}?user.name=etl`).open();
    expect((await readAll(fromUri.stream)).equals(sample)).toBe(true);
    const fromEnv = await source(`hdfs://${hdfs.authority}${FILE}`, instantRetries(), { HADOOP_USER_NAME: 'etl' }).open();
    expect((await readAll(fromEnv.stream)).equals(sample)).toBe(true);
    expect(hdfs.requests.filter((r) => r.server === 'namenode').every((r) => r.user === 'etl')).toBe(true);
  });

  it('turns a RemoteException into a one-line error', async () => {
    const hdfs = await start();
    const uri = `hdfs://${hdfs.authority}/data/lake/missing.csv`;
    const failing = source(uri).open();
    await expect(failing).rejects.toThrow(`WebHDFS ${uri}: FileNotFoundException: File does not exist: /data/lake/missing.csv (HTTP 404)`);
    await expect(failing).rejects.toBeInstanceOf(SourceError);
  });

  it('says how to give a user name when one is required, and reports a refused user', async () => {
    const hdfs = await start({ requireUser: 'etl' });
    const anonymous = source(`hdfs://${hdfs.authority}${FILE}`).open();
    await expect(anonymous).rejects.toBeInstanceOf(SourceCredentialsError);
    await expect(anonymous).rejects.toThrow(/authentication required .*: set user\.name in the URI \(\?user\.name=NAME\) or HADOOP_USER_NAME$/);
    await expect(source(`hdfs://${hdfs.authority}${FILE}?user.name=bob`).open()).rejects.toThrow(
      'AccessControlException: Permission denied: user=bob, access=READ',
    );
  });

  it('refuses a directory', async () => {
    const hdfs = await start();
    await expect(source(`hdfs://${hdfs.authority}/data/lake`).open()).rejects.toThrow('is a directory, not a file');
  });

  it('resumes from the last byte received when the DataNode drops the connection', async () => {
    const hdfs = await start({ dropReads: { afterBytes: 4000, times: 2 } });
    const http = instantRetries();
    const opened = await source(`hdfs://${hdfs.authority}${FILE}`, http).open();
    expect((await readAll(opened.stream)).equals(sample)).toBe(true);
    expect(http.delays).toEqual([100, 200]);
    // Each reopening starts where the previous body stopped.
    expect(hdfs.requests.filter((r) => r.server === 'datanode').map((r) => r.offset)).toEqual([0, 4000, 8000]);
  });

  it('gives up after bounded retries when the DataNode keeps dropping, and nothing is half-written', async () => {
    const hdfs = await start({ dropReads: { afterBytes: 4000, times: Infinity } });
    const http = instantRetries();
    const uri = `hdfs://${hdfs.authority}${FILE}`;
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const ingest = ingestOrders({ source: source(uri, http), store, rawKey: 'raw/orders.csv', manifestKey: 'raw/manifest.json', logger: createMemoryLogger() });
    await expect(ingest).rejects.toThrow(`WebHDFS ${uri}: read: failed after 3 attempts: `);
    expect(http.delays).toEqual([100, 200]);
    expect(await store.exists('raw/orders.csv')).toBe(false);
    expect(await store.exists('raw/manifest.json')).toBe(false);
  });

  it('does not read the file when a re-ingest finds it unchanged', async () => {
    const hdfs = await start();
    const uri = `hdfs://${hdfs.authority}${FILE}`;
    const store = new LocalObjectStore(path.join(dir, 'store'));
    const args = { store, rawKey: 'raw/orders.csv', manifestKey: 'raw/manifest.json', logger: createMemoryLogger() };
    const first = await ingestOrders({ source: source(uri), ...args });
    const reads = hdfs.requests.filter((r) => r.server === 'datanode').length;
    const second = await ingestOrders({ source: source(uri), ...args });
    expect(second).toEqual(first);
    expect(hdfs.requests.filter((r) => r.server === 'datanode')).toHaveLength(reads);
  });

  it('rejects a malformed URI', () => {
    expect(() => source('hdfs://namenode:9870')).toThrow('expected hdfs://namenode:port/path/file.csv');
  });
});
