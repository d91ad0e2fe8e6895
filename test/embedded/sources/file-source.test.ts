import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FileSource } from '../../../src/adapters/source/file-source.js';
import { SourceError } from '../../../src/adapters/source/source-error.js';
import { readAll, sampleCsvPath } from '../../harness/source-fixtures.js';

describe('FileSource', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'returns-file-source-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (relative: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    fs.writeFileSync(path.join(dir, relative), text);
  };

  it('streams one file byte for byte, with its size and a version', async () => {
    const source = new FileSource(pathToFileURL(sampleCsvPath).href);
    const opened = await source.open();
    const bytes = await readAll(opened.stream);
    expect(bytes.equals(fs.readFileSync(sampleCsvPath))).toBe(true);
    expect(opened.size).toBe(bytes.length);
    expect(opened.version).toMatch(new RegExp(`^${bytes.length}-\\d+$`));
    expect(opened.uri).toBe(pathToFileURL(sampleCsvPath).href);
  });

  it('reads a folder of daily files in date then name order with one header line', async () => {
    write('date=2019-01-02/b.csv', 'h1,h2\n3,b\n');
    write('date=2019-01-02/a.csv', 'h1,h2\n2,a\n');
    write('date=2019-01-01/z.csv', 'h1,h2\n1,z\n');
    write('date=2019-01-01/_SUCCESS', '');
    write('notes.txt', 'ignored');
    const opened = await new FileSource(pathToFileURL(dir).href).open();
    expect((await readAll(opened.stream)).toString()).toBe('h1,h2\n1,z\n2,a\n3,b\n');
    expect(opened.version).toMatch(/^files-3-[0-9a-f]{16}$/);
  });

  it('gives the folder a new version when a file changes', async () => {
    write('date=2019-01-01/a.csv', 'h\n1\n');
    const before = (await new FileSource(pathToFileURL(dir).href).open()).version;
    write('date=2019-01-02/a.csv', 'h\n2\n');
    const after = (await new FileSource(pathToFileURL(dir).href).open()).version;
    expect(after).not.toBe(before);
  });

  it('names the daily file whose header does not match', async () => {
    write('date=2019-01-01/a.csv', 'h1,h2\n1,a\n');
    write('date=2019-01-02/a.csv', 'h1,other\n2,a\n');
    const opened = await new FileSource(pathToFileURL(dir).href).open();
    const bad = path.join(dir, 'date=2019-01-02', 'a.csv');
    await expect(readAll(opened.stream)).rejects.toThrow(`${bad}: header differs from the first file`);
  });

  it('says so when a folder has no daily files', async () => {
    write('orders.csv', 'h\n1\n');
    await expect(new FileSource(pathToFileURL(dir).href).open()).rejects.toThrow('no date=YYYY-MM-DD/*.csv files in this folder');
  });

  it('says so when the path does not exist', async () => {
    const missing = pathToFileURL(path.join(dir, 'missing.csv')).href;
    await expect(new FileSource(missing).open()).rejects.toThrow(`${missing}: no such file or folder`);
  });

  it('rejects a file URI with a host', () => {
    expect(() => new FileSource('file://data/orders.csv')).toThrow(SourceError);
  });
});
