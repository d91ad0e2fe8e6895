import type { Writable } from 'node:stream';

/**
 * A private local folder for the files engines read and write by path (DuckDB and Spark take
 * file names, not streams). Use cases name files in it; only the adapter touches the disk.
 */
export interface ScratchFolder {
  /** The absolute path of `name` in the folder. */
  pathOf(name: string): string;
  /** A stream that writes `name` in the folder. */
  createWriteStream(name: string): Writable;
  /** Deletes `name`; nothing happens when it is not there. */
  remove(name: string): Promise<void>;
}
