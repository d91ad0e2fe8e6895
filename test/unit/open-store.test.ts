import * as path from 'node:path';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { BadStoreUriError, openStore, parseStoreUri } from '../../src/adapters/storage/open-store.js';
import { parseS3Settings } from '../../src/adapters/storage/s3-settings.js';
import { S3ObjectStore } from '../../src/adapters/storage/s3-store.js';

describe('parseStoreUri', () => {
  it.each([
    ['/srv/returns/data', '/srv/returns/data'],
    ['./data', './data'],
    ['data', 'data'],
    ['../shared/store', '../shared/store'],
    ['file:///srv/returns/data', '/srv/returns/data'],
    ['file:///srv/with%20space', '/srv/with space'],
    ['file://localhost/srv/x', '/srv/x'],
    ['file://./data', './data'],
    ['file://../up/data', '../up/data'],
    ['FILE:///upper/scheme', '/upper/scheme'],
  ])('%s is the local folder %s', (uri, expected) => {
    expect(parseStoreUri(uri)).toEqual({ kind: 'local', path: expected });
  });

  it.each([
    ['s3://bucket', 'bucket', ''],
    ['s3://my-bucket/', 'my-bucket', ''],
    ['s3://my.bucket/runs', 'my.bucket', 'runs'],
    ['s3://b12/runs/prod/', 'b12', 'runs/prod'],
    ['S3://bucket/p', 'bucket', 'p'],
  ])('%s is bucket %s, prefix "%s"', (uri, bucket, prefix) => {
    expect(parseStoreUri(uri)).toEqual({ kind: 's3', bucket, prefix });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['gs://bucket/x', 'unsupported scheme "gs:"'],
    ['http://host/x', 'unsupported scheme "http:"'],
    ['s3:bucket', 'unsupported scheme "s3:"'],
    ['file:/no/slashes', 'unsupported scheme "file:"'],
    ['file://', 'no path after file://'],
    ['s3://', 'no bucket'],
    ['s3:///prefix', 'no bucket'],
    ['s3://Upper/x', 'invalid bucket name "Upper"'],
    ['s3://ab', 'invalid bucket name "ab"'],
    ['s3://bucket_underscore', 'invalid bucket name'],
    ['s3://bucket/a/../b', 'unsafe prefix'],
    ['s3://bucket/a//b', 'unsafe prefix'],
    ['file:///a%2Fb', 'bad store URI'],
  ])('rejects %j (%s)', (uri, reason) => {
    let caught: unknown;
    try {
      parseStoreUri(uri);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BadStoreUriError);
    const message = (caught as Error).message;
    expect(message).toContain(reason);
    expect(message).toContain(JSON.stringify(uri));
    expect(message).toContain('s3://bucket[/prefix]');
    expect(message).not.toContain('\n');
  });
});

describe('openStore', () => {
  const s3 = parseS3Settings({ endpoint: 'http://127.0.0.1:9', accessKeyId: 'id', secretAccessKey: 'secret', maxAttempts: 1 });

  it('opens a local folder, resolving relative paths against cwd', () => {
    const store = openStore('file://./data', { s3, cwd: '/work/project' });
    expect(store).toBeInstanceOf(LocalObjectStore);
    expect((store as LocalObjectStore).pathOf('k')).toBe(path.join('/work/project/data', 'k'));
    const plain = openStore('store', { s3, cwd: '/work/project' }) as LocalObjectStore;
    expect(plain.pathOf('a/b')).toBe('/work/project/store/a/b');
  });

  it("reopens a local store from its own rootUri", () => {
    const first = openStore('/tmp/a folder/with%percent', { s3 }) as LocalObjectStore;
    const again = openStore(first.rootUri, { s3 }) as LocalObjectStore;
    expect(again.pathOf('k')).toBe(first.pathOf('k'));
  });

  it('opens an S3 bucket and prefix without contacting the server', async () => {
    const store = openStore('s3://returns-data/prod/', { s3 });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.rootUri).toBe('s3://returns-data/prod');
    expect(store.uriOf('features/x.parquet')).toBe('s3://returns-data/prod/features/x.parquet');
    await store.close();
  });

  it('throws BadStoreUriError for anything else', () => {
    expect(() => openStore('ftp://x/y', { s3 })).toThrow(BadStoreUriError);
  });
});
