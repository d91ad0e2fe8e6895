/**
 * `file:///path/order_dataset.csv`, or `file:///path/orders/` holding daily files laid out as
 * `date=YYYY-MM-DD/*.csv` (read in date then name order, as one CSV with one header line).
 */
import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DatasetSource, OpenedDataset } from '../../ports/dataset-source.js';
import { compareKeys, concatCsvParts, isDailyCsvFile, type CsvPart } from './concat-csv.js';
import { SourceError } from './source-error.js';

export class FileSource implements DatasetSource {
  readonly uri: string;
  private readonly path: string;

  constructor(uri: string) {
    let parsed: URL;
    try {
      parsed = new URL(uri);
    } catch {
      throw new SourceError(`invalid file URI "${uri}": use file:///absolute/path`);
    }
    if (parsed.protocol !== 'file:') throw new SourceError(`not a file URI: ${uri}`);
    if (parsed.host !== '' && parsed.host !== 'localhost') {
      throw new SourceError(`file URI "${uri}" names host "${parsed.host}": use file:///absolute/path (three slashes)`);
    }
    this.path = fileURLToPath(parsed);
    this.uri = pathToFileURL(this.path).href;
  }

  async open(): Promise<OpenedDataset> {
    let stats: Stats;
    try {
      stats = await fs.stat(this.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SourceError(`${this.uri}: ${code === 'ENOENT' ? 'no such file or folder' : `cannot read (${code ?? String(err)})`}`);
    }
    return stats.isDirectory() ? this.openFolder() : this.openFile(stats);
  }

  private async openFile(stats: Stats): Promise<OpenedDataset> {
    // Opened here so that a permission error surfaces now; the stream owns (and closes) the
    // FileHandle. Passing handle.fd instead would let the FileHandle close it a second time.
    const handle = await fs.open(this.path, 'r');
    return {
      stream: createReadStream('', { fd: handle, autoClose: true }),
      uri: this.uri,
      // Size and modification time change whenever the file is rewritten.
      version: `${stats.size}-${Math.trunc(stats.mtimeMs)}`,
      size: stats.size,
    };
  }

  private async openFolder(): Promise<OpenedDataset> {
    const files = await dailyFiles(this.path);
    if (files.length === 0) {
      throw new SourceError(`${this.uri}: no date=YYYY-MM-DD/*.csv files in this folder`);
    }
    // The folder's version: which files, how large, when written. Any change gives a new version.
    const fingerprint = createHash('sha256');
    const parts: CsvPart[] = [];
    for (const file of files) {
      const st = await fs.stat(file.absolute);
      fingerprint.update(`${file.relative}\t${st.size}\t${Math.trunc(st.mtimeMs)}\n`);
      parts.push({ name: file.absolute, open: async () => createReadStream(file.absolute) });
    }
    return {
      stream: concatCsvParts(parts),
      uri: this.uri,
      version: `files-${files.length}-${fingerprint.digest('hex').slice(0, 16)}`,
    };
  }
}

interface DailyFile {
  readonly relative: string;
  readonly absolute: string;
}

/** `date=YYYY-MM-DD/*.csv` under the folder, sorted by date then name. Other entries are ignored. */
async function dailyFiles(folder: string): Promise<DailyFile[]> {
  const out: DailyFile[] = [];
  for (const entry of await fs.readdir(folder, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('date=')) continue;
    const day = path.join(folder, entry.name);
    for (const file of await fs.readdir(day, { withFileTypes: true })) {
      const relative = `${entry.name}/${file.name}`;
      if (file.isFile() && isDailyCsvFile(relative)) out.push({ relative, absolute: path.join(day, file.name) });
    }
  }
  return out.sort((a, b) => compareKeys(a.relative, b.relative));
}
