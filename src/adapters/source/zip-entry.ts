/**
 * Opens one named file inside a zip archive on disk as a stream (yauzl inflates as it reads; the
 * archive is never loaded whole). yauzl also checks entry sizes and rejects unsafe names.
 */
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { SourceError } from './source-error.js';

/** The file is not a zip archive (or a damaged one): a cached copy of it should be thrown away. */
export class UnreadableArchiveError extends SourceError {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableArchiveError';
  }
}

export interface ZipEntryStream {
  readonly stream: Readable;
  readonly uncompressedSize: number;
}

export async function openZipEntry(archive: string, fileName: string, label: string): Promise<ZipEntryStream> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(archive, { lazyEntries: true, autoClose: false });
  } catch (err) {
    throw new UnreadableArchiveError(`${label}: the downloaded archive is not a readable zip file (${(err as Error).message})`);
  }
  try {
    const names: string[] = [];
    const entry = await findEntry(zip, fileName, names);
    if (!entry) {
      const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? `, … (${names.length} files)` : '');
      throw new SourceError(`${label}: the archive has no file "${fileName}"; it holds: ${shown || 'nothing'}`);
    }
    const stream = await zip.openReadStreamPromise(entry);
    return { stream, uncompressedSize: entry.uncompressedSize };
  } finally {
    // Safe with a stream still open: yauzl closes the file once open streams have ended.
    zip.close();
  }
}

function findEntry(zip: yauzl.ZipFile, fileName: string, names: string[]): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: yauzl.Entry): void => {
      if (entry.fileName === fileName) {
        done();
        resolve(entry);
        return;
      }
      if (!entry.fileName.endsWith('/')) names.push(entry.fileName);
      zip.readEntry();
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    const done = (): void => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}
