import { Readable } from 'node:stream';
import { ObjectNotFoundError, type ObjectBody, type ObjectInfo, type ObjectStore } from '../../src/ports/object-store.js';

/** An in-memory ObjectStore for unit tests; counts calls so tests can check batching. */
export class MemoryObjectStore implements ObjectStore {
  readonly rootUri = 'memory://test';
  readonly objects = new Map<string, Buffer>();
  readonly calls = { exists: 0, get: 0, put: 0, putIfAbsent: 0, list: 0, delete: 0 };

  uriOf(key: string): string {
    return `${this.rootUri}/${key}`;
  }
  async exists(key: string): Promise<boolean> {
    this.calls.exists++;
    return this.objects.has(key);
  }
  async get(key: string): Promise<Buffer> {
    this.calls.get++;
    const v = this.objects.get(key);
    if (!v) throw new ObjectNotFoundError(this.uriOf(key));
    return v;
  }
  async getStream(key: string): Promise<Readable> {
    return Readable.from([await this.get(key)]);
  }
  async put(key: string, body: ObjectBody): Promise<void> {
    this.calls.put++;
    this.objects.set(key, await toBuffer(body));
  }
  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    this.calls.putIfAbsent++;
    if (this.objects.has(key)) return false;
    this.objects.set(key, Buffer.from(body));
    return true;
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    this.calls.list++;
    return [...this.objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([key, v]) => ({ key, size: v.length }))
      .sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async delete(key: string): Promise<void> {
    this.calls.delete++;
    this.objects.delete(key);
  }
  async deletePrefix(prefix: string): Promise<void> {
    for (const k of [...this.objects.keys()]) if (k.startsWith(prefix)) this.objects.delete(k);
  }
  async close(): Promise<void> {}
}

async function toBuffer(body: ObjectBody): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
