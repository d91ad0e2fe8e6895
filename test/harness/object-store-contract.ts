/**
 * The behaviour every ObjectStore promises (src/ports/object-store.ts), as one jest suite that
 * each implementation runs: `describeObjectStoreContract('local', () => new LocalObjectStore(dir))`.
 *
 * `makeStore` must return a store on a root that does not exist yet (fresh folder, fresh bucket
 * or prefix): every test starts from an empty store, and the first write must create the root.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { UnsafeKeyError } from '../../src/domain/store-key.js';
import { ObjectNotFoundError, type ObjectStore } from '../../src/ports/object-store.js';

export interface ObjectStoreContractOptions {
  /** Size of the streamed object (default 20 MiB: several multipart parts on S3). */
  readonly largeObjectBytes?: number;
  /** Where the failing source stream errors (default 6 MiB: past the first 5 MiB S3 part). */
  readonly failAfterBytes?: number;
  /** Extra checks after a stream put failed midway, e.g. that no multipart upload was left behind. */
  readonly afterFailedStreamPut?: (store: ObjectStore) => Promise<void>;
  /** Per-test timeout for tests that move megabytes (default 60 s). */
  readonly slowTestTimeoutMs?: number;
}

const CHUNK = 64 * 1024;
const MiB = 1024 * 1024;

export function describeObjectStoreContract(
  name: string,
  makeStore: () => ObjectStore | Promise<ObjectStore>,
  options: ObjectStoreContractOptions = {},
): void {
  const largeBytes = options.largeObjectBytes ?? 20 * MiB;
  const failAfter = options.failAfterBytes ?? 6 * MiB;
  const slow = options.slowTestTimeoutMs ?? 60_000;

  describe(`ObjectStore contract: ${name}`, () => {
    let store: ObjectStore;

    beforeEach(async () => {
      store = await makeStore();
    });

    afterEach(async () => {
      await store.close();
    });

    it('starts empty, and creates its root on the first write', async () => {
      expect(await store.list('')).toEqual([]);
      expect(await store.exists('first/object.txt')).toBe(false);
      await store.put('first/object.txt', 'hello');
      expect(await store.exists('first/object.txt')).toBe(true);
      expect(await store.list('')).toEqual([{ key: 'first/object.txt', size: 5 }]);
    });

    it('gets back what was put, as bytes or as a stream, and put replaces', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255]);
      await store.put('bin/data', bytes);
      await store.put('text/data.csv', 'a,b\n1,2\n');
      expect((await store.get('bin/data')).equals(bytes)).toBe(true);
      expect((await store.get('text/data.csv')).toString('utf8')).toBe('a,b\n1,2\n');
      expect((await readAll(await store.getStream('text/data.csv'))).toString('utf8')).toBe('a,b\n1,2\n');

      await store.put('text/data.csv', 'replaced');
      expect((await store.get('text/data.csv')).toString('utf8')).toBe('replaced');
      expect(await store.list('text/')).toEqual([{ key: 'text/data.csv', size: 8 }]);
    });

    it('names keys under its root URI', () => {
      const uri = store.uriOf('a/b/c.json');
      expect(uri.startsWith(store.rootUri)).toBe(true);
      expect(uri.endsWith('/a/b/c.json')).toBe(true);
    });

    it('throws ObjectNotFoundError, naming the URI, for an absent key', async () => {
      await store.put('present', 'x');
      for (const read of [() => store.get('missing/key'), () => store.getStream('missing/key')]) {
        const err = await read().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(ObjectNotFoundError);
        expect((err as ObjectNotFoundError).uri).toBe(store.uriOf('missing/key'));
      }
    });

    it('lists recursively by string prefix, sorted, with sizes and relative keys', async () => {
      for (const key of ['b/c/d', 'top.txt', 'ab/3', 'a/2', 'a/1']) await store.put(key, `v-${key}`);
      const keys = async (prefix: string) => (await store.list(prefix)).map((o) => o.key);

      expect(await keys('')).toEqual(['a/1', 'a/2', 'ab/3', 'b/c/d', 'top.txt']);
      expect(await keys('a/')).toEqual(['a/1', 'a/2']);
      expect(await keys('a')).toEqual(['a/1', 'a/2', 'ab/3']);
      expect(await keys('b/')).toEqual(['b/c/d']);
      expect(await keys('b/c')).toEqual(['b/c/d']);
      expect(await keys('a/1')).toEqual(['a/1']);
      expect(await keys('zz/')).toEqual([]);
      expect(await store.list('b/')).toEqual([{ key: 'b/c/d', size: Buffer.byteLength('v-b/c/d') }]);
    });

    it('never lists an object while it is being written', async () => {
      await store.put('done/object', 'complete');
      const source = new PassThrough();
      const writing = store.put('pending/object', source);
      source.write(Buffer.alloc(MiB, 7));
      await sleep(200);
      expect(await store.list('')).toEqual([{ key: 'done/object', size: 8 }]);
      expect(await store.exists('pending/object')).toBe(false);
      source.end(Buffer.alloc(MiB, 8));
      await writing;
      expect(await store.list('')).toEqual([
        { key: 'done/object', size: 8 },
        { key: 'pending/object', size: 2 * MiB },
      ]);
    });

    it('deletes one key, and deleting an absent key is not an error', async () => {
      await store.put('d/one', '1');
      await store.put('d/one-more', '2');
      await store.delete('d/one');
      await store.delete('d/one');
      await store.delete('never/was');
      expect(await store.exists('d/one')).toBe(false);
      expect(await store.list('d/')).toEqual([{ key: 'd/one-more', size: 1 }]);
    });

    it('deletes a prefix and nothing outside it', async () => {
      for (const key of ['run/1/a', 'run/1/b/c', 'run/10/a', 'run/2/a', 'other']) await store.put(key, key);
      await store.deletePrefix('run/1/');
      expect((await store.list('')).map((o) => o.key)).toEqual(['other', 'run/10/a', 'run/2/a']);
      await store.deletePrefix('nothing/here/');
      await store.deletePrefix('run/');
      expect((await store.list('')).map((o) => o.key)).toEqual(['other']);
    });

    it(
      'streams a large generated body in and out without changing a byte',
      async () => {
        const expected = sha256OfGenerated(largeBytes);
        await store.put('large/generated.bin', Readable.from(generatedChunks(largeBytes), { objectMode: false }));
        expect(await store.list('large/')).toEqual([{ key: 'large/generated.bin', size: largeBytes }]);
        expect(await sha256OfStream(await store.getStream('large/generated.bin'))).toBe(expected);
      },
      slow,
    );

    it('putIfAbsent creates once, then refuses and keeps the first body', async () => {
      expect(await store.putIfAbsent('locks/a', 'first')).toBe(true);
      expect(await store.putIfAbsent('locks/a', 'second')).toBe(false);
      expect((await store.get('locks/a')).toString()).toBe('first');
    });

    it(
      'putIfAbsent has exactly one winner among 20 concurrent callers',
      async () => {
        const bodies = Array.from({ length: 20 }, (_, i) => `caller-${i}`);
        const results = await Promise.all(bodies.map((body) => store.putIfAbsent('locks/race', body)));
        const winners = results.flatMap((won, i) => (won ? [bodies[i]] : []));
        expect(winners).toHaveLength(1);
        expect((await store.get('locks/race')).toString()).toBe(winners[0]);
      },
      slow,
    );

    it(
      'a put whose source stream fails midway leaves nothing, and keeps the previous object',
      async () => {
        await store.put('atomic/existing', 'old');
        await expect(store.put('atomic/existing', failingStream(failAfter, 'source exploded'))).rejects.toThrow('source exploded');
        await expect(store.put('atomic/new', failingStream(failAfter, 'source exploded'))).rejects.toThrow('source exploded');

        expect((await store.get('atomic/existing')).toString()).toBe('old');
        expect(await store.exists('atomic/new')).toBe(false);
        expect(await store.list('')).toEqual([{ key: 'atomic/existing', size: 3 }]);
        if (options.afterFailedStreamPut) await options.afterFailedStreamPut(store);
      },
      slow,
    );

    it('rejects unsafe keys before touching storage', async () => {
      const unsafe = ['../escape', '/absolute', 'a//b', 'a/../b', 'a/./b', '', 'trailing/', 'back\\slash', 'nul\u0000byte'];
      for (const key of unsafe) {
        expect(() => store.uriOf(key)).toThrow(UnsafeKeyError);
        await expect(store.put(key, 'x')).rejects.toThrow(UnsafeKeyError);
        await expect(store.putIfAbsent(key, 'x')).rejects.toThrow(UnsafeKeyError);
        await expect(store.get(key)).rejects.toThrow(UnsafeKeyError);
        await expect(store.getStream(key)).rejects.toThrow(UnsafeKeyError);
        await expect(store.exists(key)).rejects.toThrow(UnsafeKeyError);
        await expect(store.delete(key)).rejects.toThrow(UnsafeKeyError);
      }
      await expect(store.list('../')).rejects.toThrow(UnsafeKeyError);
      expect(await store.list('')).toEqual([]);
    });
  });
}

/** Deterministic content: a fixed pseudo-random block, each copy stamped with its index. */
export function* generatedChunks(totalBytes: number): Generator<Buffer> {
  const block = Buffer.alloc(CHUNK);
  for (let i = 0; i < CHUNK; i++) block[i] = (i * 2654435761) >>> 24;
  for (let offset = 0, index = 0; offset < totalBytes; offset += CHUNK, index++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(CHUNK, totalBytes - offset)));
    if (chunk.length >= 4) chunk.writeUInt32BE(index, 0);
    yield chunk;
  }
}

export function sha256OfGenerated(totalBytes: number): string {
  const hash = createHash('sha256');
  for (const chunk of generatedChunks(totalBytes)) hash.update(chunk);
  return hash.digest('hex');
}

export async function sha256OfStream(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A stream that yields `failAfterBytes` of data, then errors with `message`. */
export function failingStream(failAfterBytes: number, message: string): Readable {
  const chunks = generatedChunks(failAfterBytes);
  return new Readable({
    read() {
      const next = chunks.next();
      if (next.done) this.destroy(new Error(message));
      else this.push(next.value);
    },
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts);
}
