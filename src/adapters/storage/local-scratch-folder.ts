import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import type { ScratchFolder } from '../../ports/scratch-folder.js';

/** A ScratchFolder in a fresh folder under the OS temp folder; dispose() removes it. */
export class LocalScratchFolder implements ScratchFolder {
  private constructor(readonly path: string) {}

  static async create(prefix: string): Promise<LocalScratchFolder> {
    return new LocalScratchFolder(await mkdtemp(path.join(tmpdir(), prefix)));
  }

  pathOf(name: string): string {
    const file = path.resolve(this.path, name);
    // A name must not climb out of the folder: dispose() would not clean up after it.
    if (path.dirname(file) !== this.path) throw new Error(`scratch file name ${JSON.stringify(name)} must be a plain file name`);
    return file;
  }

  createWriteStream(name: string): Writable {
    return createWriteStream(this.pathOf(name));
  }

  async remove(name: string): Promise<void> {
    await rm(this.pathOf(name), { force: true });
  }

  async dispose(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}
