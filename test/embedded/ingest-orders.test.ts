import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { FileSource } from '../../src/adapters/source/file-source.js';
import { openDatasetSource } from '../../src/adapters/source/open-source.js';
import { createMemoryLogger } from '../../src/adapters/logging/winston-logger.js';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { ingestOrders, parseManifest, serializeManifest } from '../../src/application/ingest-orders.js';
import type { DatasetSource, OpenedDataset } from '../../src/ports/dataset-source.js';
import type { ByteProgress } from '../../src/ports/progress.js';
import { sampleCsvPath } from '../harness/source-fixtures.js';

const RAW = 'raw/date=2019-04-01/order_dataset.csv';
const MANIFEST = 'raw/date=2019-04-01/manifest.json';

/** A source over bytes in memory that counts how often its stream was actually read. */
class BytesSource implements DatasetSource {
  reads = 0;
  constructor(
    readonly uri: string,
    private readonly bytes: Buffer,
    private readonly version?: string,
    private readonly chunk = 64 * 1024,
  ) {}
  async open(): Promise<OpenedDataset> {
    const { bytes, chunk } = this;
    // Counting inside the generator: it runs only when someone actually reads the stream.
    const count = (): void => void (this.reads += 1);
    async function* body(): AsyncGenerator<Buffer> {
      count();
      for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
    }
    const stream = Readable.from(body(), { objectMode: false });
    return { stream, uri: this.uri, size: this.bytes.length, ...(this.version ? { version: this.version } : {}) };
  }
}

/** Emits part of a body, then fails, as a connection that dies mid-download. */
class DyingSource implements DatasetSource {
  readonly uri = 'test://dying';
  async open(): Promise<OpenedDataset> {
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(100_000, 'a');
      throw new Error('connection lost');
    }
    return { stream: Readable.from(body(), { objectMode: false }), uri: this.uri };
  }
}

/** Deterministic bytes for the property test (a tiny LCG; no dependency on Math.random). */
function seededBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i += 1) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('ingestOrders', () => {
  let dir: string;
  const stores: LocalObjectStore[] = [];
  const newStore = (name: string): LocalObjectStore => {
    const store = new LocalObjectStore(path.join(dir, name));
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'returns-ingest-'));
  });
  afterEach(() => {
    stores.length = 0;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('copies the real sample unchanged and records its checksum and source', async () => {
    const store = newStore('store');
    const source = new FileSource(pathToFileURL(sampleCsvPath).href);
    const manifest = await ingestOrders({ source, store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() });
    const original = fs.readFileSync(sampleCsvPath);
    expect((await store.get(RAW)).equals(original)).toBe(true);
    expect(manifest).toEqual({
      source_uri: pathToFileURL(sampleCsvPath).href,
      version: expect.stringMatching(/^\d+-\d+$/),
      sha256: createHash('sha256').update(original).digest('hex'),
      bytes: original.length,
    });
    expect((await store.get(MANIFEST)).toString()).toBe(serializeManifest(manifest));
    expect(Object.keys(JSON.parse((await store.get(MANIFEST)).toString()))).toEqual(['source_uri', 'version', 'sha256', 'bytes']);
  });

  it('property: the same source ingested twice gives identical stored bytes and manifest', async () => {
    const cases = [
      { seed: 1, length: 0 },
      { seed: 2, length: 1 },
      { seed: 3, length: 65_535 },
      { seed: 4, length: 300_001 },
      { seed: 5, length: 1_048_576 },
    ];
    for (const { seed, length } of cases) {
      const bytes = seededBytes(seed, length);
      const results: { raw: Buffer; manifest: Buffer }[] = [];
      for (const name of [`a-${seed}`, `b-${seed}`]) {
        const store = newStore(name);
        // Without a version there is no shortcut: both runs really copy.
        await ingestOrders({ source: new BytesSource('test://bytes', bytes, undefined, 4096 + seed), store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() });
        results.push({ raw: await store.get(RAW), manifest: await store.get(MANIFEST) });
      }
      expect(results[0]!.raw.equals(bytes)).toBe(true);
      expect(results[1]!.raw.equals(results[0]!.raw)).toBe(true);
      expect(results[1]!.manifest.equals(results[0]!.manifest)).toBe(true);
      expect(parseManifest(results[0]!.manifest.toString()).sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('ingests the synthetic source chosen by URI identically twice, the second time without generating', async () => {
    const store = newStore('store');
    const deps = { env: {}, home: dir, logger: createMemoryLogger() };
    const args = { store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() };
    const first = await ingestOrders({ source: openDatasetSource('synthetic://?rows=300&seed=7', deps), ...args });
    const raw = await store.get(RAW);
    expect(raw.toString().split('\n')[0]).toContain('Item Name,Category,Version');
    const logger = createMemoryLogger();
    const second = await ingestOrders({ source: openDatasetSource('synthetic://?rows=300&seed=7', deps), ...args, logger });
    expect(second).toEqual(first);
    expect((await store.get(RAW)).equals(raw)).toBe(true);
    expect(logger.lines.map((l) => l.message)).toContain('source unchanged since the last ingest; nothing to copy');
    // A fresh store gets the very same bytes and manifest.
    const other = newStore('other');
    const again = await ingestOrders({ source: openDatasetSource('synthetic://?rows=300&seed=7', deps), store: other, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() });
    expect(again).toEqual(first);
    expect((await other.get(RAW)).equals(raw)).toBe(true);
  });

  it('does nothing when the source is unchanged since the last ingest', async () => {
    const store = newStore('store');
    const bytes = Buffer.from('h\n1\n2\n');
    const first = await ingestOrders({ source: new BytesSource('test://v', bytes, 'v1'), store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() });
    const again = new BytesSource('test://v', bytes, 'v1');
    const logger = createMemoryLogger();
    const second = await ingestOrders({ source: again, store, rawKey: RAW, manifestKey: MANIFEST, logger });
    expect(second).toEqual(first);
    expect(again.reads).toBe(0);
    expect(logger.lines.map((l) => l.message)).toContain('source unchanged since the last ingest; nothing to copy');

    const changed = new BytesSource('test://v', Buffer.from('h\n3\n'), 'v2');
    const third = await ingestOrders({ source: changed, store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() });
    expect(changed.reads).toBe(1);
    expect(third.version).toBe('v2');
    expect((await store.get(RAW)).toString()).toBe('h\n3\n');
  });

  it('uses a previous manifest handed in, for a raw key of another date', async () => {
    const store = newStore('store');
    const bytes = Buffer.from('h\n1\n');
    const first = await ingestOrders({ source: new BytesSource('test://v', bytes, 'v1'), store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() });
    // Same version, but the raw object for the new date does not exist yet: it must be copied.
    const next = new BytesSource('test://v', bytes, 'v1');
    const rawNext = 'raw/date=2019-04-02/order_dataset.csv';
    await ingestOrders({ source: next, store, rawKey: rawNext, manifestKey: 'raw/date=2019-04-02/manifest.json', logger: createMemoryLogger(), previousManifest: first });
    expect(next.reads).toBe(1);
    expect((await store.get(rawNext)).equals(bytes)).toBe(true);
  });

  it('leaves nothing in the store when the source fails mid-way', async () => {
    const store = newStore('store');
    await expect(ingestOrders({ source: new DyingSource(), store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger() })).rejects.toThrow('connection lost');
    expect(await store.exists(RAW)).toBe(false);
    expect(await store.exists(MANIFEST)).toBe(false);
    expect(await store.list('')).toEqual([]);
    // No staging file survives either.
    expect(fs.readdirSync(path.join(dir, 'store', '.staging'))).toEqual([]);
  });

  it('fails instead of hanging when the store rejects the write', async () => {
    const store = newStore('store');
    const source = new BytesSource('test://big', seededBytes(9, 2_000_000), 'v');
    await expect(ingestOrders({ source, store, rawKey: '../escape.csv', manifestKey: MANIFEST, logger: createMemoryLogger() })).rejects.toThrow('unsafe store key');
  });

  it('reports progress: the announced size, every byte, and the end', async () => {
    const store = newStore('store');
    const events: string[] = [];
    let advanced = 0;
    const progress: ByteProgress = {
      start: (total) => events.push(`start ${total}`),
      advance: (n) => {
        advanced += n;
      },
      stop: () => events.push('stop'),
    };
    await ingestOrders({ source: new BytesSource('test://p', seededBytes(7, 200_000), 'v'), store, rawKey: RAW, manifestKey: MANIFEST, logger: createMemoryLogger(), progress });
    expect(events).toEqual(['start 200000', 'stop']);
    expect(advanced).toBe(200_000);
  });
});
