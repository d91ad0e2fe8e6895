import { createReadStream, createWriteStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertSafeKey, UnsafeKeyError } from '../../domain/store-key.js';
import { ObjectNotFoundError, type ObjectBody, type ObjectInfo, type ObjectStore } from '../../ports/object-store.js';

/** Staging folder under the root; never listed, so a half-written file is never a target. */
const STAGING = '.staging';

/**
 * The embedded default store: a local folder. Atomicity comes from writing a staging file and
 * renaming it into place (rename is atomic within one file system); create-only writes use
 * link(2), which fails if the destination exists, so two processes cannot both create a key.
 */
export class LocalObjectStore implements ObjectStore {
  readonly rootUri: string;

  constructor(private readonly root: string) {
    this.root = path.resolve(root);
    this.rootUri = pathToFileURL(this.root).href;
  }

  uriOf(key: string): string {
    return pathToFileURL(this.pathOf(key)).href;
  }

  /** The local path of a key, for engines that read files directly. */
  pathOf(key: string): string {
    const segments = assertSafeKey(key).split('/');
    if (segments[0] === STAGING) throw new UnsafeKeyError(key, `${STAGING}/ is reserved for half-written files`);
    return path.join(this.root, ...segments);
  }

  localPathOf(key: string): string {
    return this.pathOf(key);
  }

  async exists(key: string): Promise<boolean> {
    try {
      const st = await fs.stat(this.pathOf(key));
      return st.isFile();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(this.uriOf(key));
      throw err;
    }
  }

  async getStream(key: string): Promise<Readable> {
    const file = this.pathOf(key);
    try {
      const handle = await fs.open(file, 'r');
      // Hand the FileHandle itself to the stream: it then owns closing it (a bare fd would be closed
      // a second time when the handle is garbage-collected).
      return createReadStream('', { fd: handle, autoClose: true });
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(this.uriOf(key));
      throw err;
    }
  }

  async put(key: string, body: ObjectBody): Promise<void> {
    const dest = this.pathOf(key);
    const staged = await this.stage(body);
    try {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.rename(staged, dest);
    } catch (err) {
      await fs.rm(staged, { force: true });
      throw err;
    }
  }

  async putIfAbsent(key: string, body: Buffer | string): Promise<boolean> {
    const dest = this.pathOf(key);
    const staged = await this.stage(body);
    try {
      await fs.mkdir(path.dirname(dest), { recursive: true });
      await fs.link(staged, dest);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      await fs.rm(staged, { force: true });
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    // Walk only the deepest folder the prefix names, then filter by the rest of the prefix.
    const slash = prefix.lastIndexOf('/');
    const dirKey = slash >= 0 ? prefix.slice(0, slash) : '';
    if (dirKey === STAGING || dirKey.startsWith(`${STAGING}/`)) return [];
    const start = dirKey ? this.pathOf(dirKey) : this.root;
    const out: ObjectInfo[] = [];
    await this.walk(start, dirKey, prefix, out);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<void> {
    const objects = await this.list(prefix);
    await Promise.all(objects.map((o) => this.delete(o.key)));
  }

  async close(): Promise<void> {}

  private async walk(dir: string, dirKey: string, prefix: string, out: ObjectInfo[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isNotFound(err) || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return;
      throw err;
    }
    const subdirs: Promise<void>[] = [];
    for (const entry of entries) {
      if (dirKey === '' && entry.name === STAGING) continue;
      const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) {
          subdirs.push(this.walk(path.join(dir, entry.name), key, prefix, out));
        }
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const st = await fs.stat(path.join(dir, entry.name)).catch(() => undefined);
        if (st) out.push({ key, size: st.size });
      }
    }
    await Promise.all(subdirs);
  }

  private async stage(body: ObjectBody): Promise<string> {
    const dir = path.join(this.root, STAGING);
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, `${process.pid}-${randomUUID()}`);
    try {
      if (body instanceof Readable) {
        await pipeline(body, createWriteStream(file));
      } else {
        await fs.writeFile(file, body);
      }
      return file;
    } catch (err) {
      await fs.rm(file, { force: true });
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}
