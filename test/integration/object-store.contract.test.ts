import { mkdtemp, readdir, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { createS3Client } from '../../src/adapters/storage/s3-client.js';
import { S3StoreError } from '../../src/adapters/storage/s3-errors.js';
import { parseS3Settings } from '../../src/adapters/storage/s3-settings.js';
import { S3ObjectStore } from '../../src/adapters/storage/s3-store.js';
import { openStore } from '../../src/adapters/storage/open-store.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { describeObjectStoreContract, failingStream } from '../harness/object-store-contract.js';
import { freeLoopbackPort, startS3Server, type S3TestServer } from '../harness/s3-server.js';

const MiB = 1024 * 1024;
/** Short, to keep the suite quick; the default retry budget (~20-26 s of waits) covers 10 s and more. */
const OUTAGE_MS = 2_000;
const uniqueBucket = (): string => `returns-test-${randomBytes(5).toString('hex')}`;

describe('LocalObjectStore', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'returns-store-contract-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  let n = 0;
  describeObjectStoreContract('local folder', () => new LocalObjectStore(path.join(tmp, `store-${++n}`, 'root')), {
    afterFailedStreamPut: async (store) => {
      // The staging folder holds no leftover of the failed writes.
      const staging = path.join((store as LocalObjectStore).pathOf('x'), '..', '.staging');
      expect(await readdir(staging).catch(() => [])).toEqual([]);
    },
  });
});

describe('S3ObjectStore on a real S3 server', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  // A fresh bucket for every store, under a two-level prefix: bucket creation and prefix
  // handling are exercised by every contract test. 5 MiB parts make the 20 MiB object 4 parts.
  describeObjectStoreContract(
    's3 bucket with prefix',
    () => new S3ObjectStore({ bucket: uniqueBucket(), prefix: 'runs/contract' }, server.settings, { partSizeBytes: 5 * MiB }),
    {
      afterFailedStreamPut: async (store) => {
        const s3 = store as S3ObjectStore;
        const client = createS3Client(server.settings);
        try {
          const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
          expect(uploads.Uploads ?? []).toEqual([]);
        } finally {
          client.destroy();
        }
      },
    },
  );

  describe('S3-specific behaviour', () => {
    const stores: ObjectStore[] = [];
    const track = <T extends ObjectStore>(store: T): T => {
      stores.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((s) => s.close()));
    });

    it('is opened from an s3:// URI and names objects with s3:// URIs', async () => {
      const bucket = uniqueBucket();
      const store = track(openStore(`s3://${bucket}/base/`, { s3: server.settings }));
      expect(store).toBeInstanceOf(S3ObjectStore);
      expect(store.rootUri).toBe(`s3://${bucket}/base`);
      expect(store.uriOf('x/y.json')).toBe(`s3://${bucket}/base/x/y.json`);
      const atRoot = track(new S3ObjectStore({ bucket, prefix: '' }, server.settings));
      expect(atRoot.uriOf('k')).toBe(`s3://${bucket}/k`);

      await store.put('x/y.json', '{}');
      const client = createS3Client(server.settings);
      try {
        const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
        expect((listed.Contents ?? []).map((o) => o.Key)).toEqual(['base/x/y.json']);
      } finally {
        client.destroy();
      }
    });

    it('keeps stores on sibling prefixes of one bucket apart', async () => {
      const bucket = uniqueBucket();
      const p = track(new S3ObjectStore({ bucket, prefix: 'p' }, server.settings));
      const p2 = track(new S3ObjectStore({ bucket, prefix: 'p2' }, server.settings));
      await p.put('k', 'in p');
      await p2.put('k', 'in p2');
      expect(await p.list('')).toEqual([{ key: 'k', size: 4 }]);
      await p.deletePrefix('');
      expect(await p.list('')).toEqual([]);
      expect((await p2.get('k')).toString()).toBe('in p2');
    });

    it('answers "absent" on a bucket that does not exist, without creating it', async () => {
      const store = track(new S3ObjectStore({ bucket: uniqueBucket(), prefix: '' }, server.settings));
      expect(await store.exists('k')).toBe(false);
      expect(await store.list('')).toEqual([]);
      await expect(store.get('k')).rejects.toThrow('object not found');
      await store.delete('k');
      expect(await store.list('')).toEqual([]);
    });

    it('lets several stores create the same new bucket at once', async () => {
      const bucket = uniqueBucket();
      const racers = Array.from({ length: 5 }, () => track(new S3ObjectStore({ bucket, prefix: 'race' }, server.settings)));
      await Promise.all(racers.map((s, i) => s.put(`from-${i}`, String(i))));
      expect((await racers[0]!.list('')).map((o) => o.key)).toEqual(['from-0', 'from-1', 'from-2', 'from-3', 'from-4']);
    });

    it('deletes a prefix in batches of the configured size', async () => {
      const store = track(new S3ObjectStore({ bucket: uniqueBucket(), prefix: 'b' }, server.settings, { deleteBatchSize: 3 }));
      await Promise.all(Array.from({ length: 8 }, (_, i) => store.put(`gone/${i}`, 'x')));
      await store.put('kept', 'x');
      await store.deletePrefix('gone/');
      expect(await store.list('')).toEqual([{ key: 'kept', size: 1 }]);
    });

    it('reports an unreachable endpoint in one line that names it and what to check, without secrets', async () => {
      const endpoint = `http://127.0.0.1:${await freeLoopbackPort()}`;
      const settings = parseS3Settings({ ...server.settings, endpoint, maxAttempts: 1 });
      const store = track(new S3ObjectStore({ bucket: uniqueBucket(), prefix: 'p' }, settings));
      const err = await store.put('k', 'x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(S3StoreError);
      const message = (err as Error).message;
      expect(message).toContain('s3://');
      expect(message).toContain(endpoint);
      expect(message).toContain('connection refused');
      expect(message).toContain('RETURNS_S3_ENDPOINT');
      expect(message).not.toContain('\n');
      expect(message).not.toContain(settings.secretAccessKey as string);
    });

    it('rides out a server restart: a write during the outage succeeds once the server is back', async () => {
      const store = track(new S3ObjectStore({ bucket: uniqueBucket(), prefix: 'outage' }, server.settings));
      await store.put('before', 'x');
      await server.crash();
      const back = (async () => {
        await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
        await server.start();
      })();
      // Issued while nothing listens on the port; the client retries with backoff. On moto the
      // restarted server has lost the bucket: the store creates it again.
      try {
        await store.put('during', 'y');
      } finally {
        await back;
      }
      expect((await store.get('during')).toString()).toBe('y');
      expect(await store.putIfAbsent('lock', 'me')).toBe(true);
    }, 90_000);

    it('waits for a wedged server: a request made while it is paused completes after it resumes', async () => {
      const store = track(new S3ObjectStore({ bucket: uniqueBucket(), prefix: 'wedged' }, server.settings));
      await store.put('before', 'x');
      await server.pause();
      let resumed = false;
      const resume = (async () => {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        resumed = true;
        await server.resume();
      })();
      try {
        expect(await store.get('before').then((b) => [resumed, b.toString()])).toEqual([true, 'x']);
      } finally {
        await resume;
      }
    }, 60_000);

    it('leaves no object and no multipart upload when a large stream fails midway', async () => {
      const bucket = uniqueBucket();
      const store = track(new S3ObjectStore({ bucket, prefix: '' }, server.settings, { partSizeBytes: 5 * MiB }));
      await expect(store.put('big', failingStream(12 * MiB, 'disk read error'))).rejects.toThrow('disk read error');
      expect(await store.exists('big')).toBe(false);
      const client = createS3Client(server.settings);
      try {
        const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        expect(uploads.Uploads ?? []).toEqual([]);
      } finally {
        client.destroy();
      }
    }, 60_000);
  });
});
