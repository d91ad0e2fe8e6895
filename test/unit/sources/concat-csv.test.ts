import { Readable } from 'node:stream';
import { concatCsvParts, isDailyCsvFile, type CsvPart } from '../../../src/adapters/source/concat-csv.js';
import { readAll } from '../../harness/source-fixtures.js';

/** A part whose bytes arrive in small chunks, so header detection spans chunk boundaries. */
function part(name: string, text: string, chunk = 3): CsvPart {
  return {
    name,
    open: async () => {
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
      return Readable.from(chunks);
    },
  };
}

describe('concatCsvParts', () => {
  it('keeps the first file whole and drops the header of the others', async () => {
    const out = await readAll(concatCsvParts([part('a', 'x,y\n1,2\n'), part('b', 'x,y\n3,4\n'), part('c', 'x,y\n5,6\n')]));
    expect(out.toString()).toBe('x,y\n1,2\n3,4\n5,6\n');
  });

  it('adds a line break where a file does not end with one, and nowhere else', async () => {
    const out = await readAll(concatCsvParts([part('a', 'x,y\n1,2'), part('b', 'x,y\r\n3,4\r\n'), part('c', 'x,y\n')]));
    expect(out.toString()).toBe('x,y\n1,2\n3,4\r\n');
  });

  it('accepts a byte-order mark or CRLF on a later header', async () => {
    const out = await readAll(concatCsvParts([part('a', 'x,y\n1,2\n'), part('b', '\ufeffx,y\r\n3,4\n')]));
    expect(out.toString()).toBe('x,y\n1,2\n3,4\n');
  });

  it('names the file whose header differs', async () => {
    const stream = concatCsvParts([part('/d/date=2019-01-01/a.csv', 'x,y\n1,2\n'), part('/d/date=2019-01-02/b.csv', 'x,z\n3,4\n')]);
    await expect(readAll(stream)).rejects.toThrow(
      '/d/date=2019-01-02/b.csv: header differs from the first file /d/date=2019-01-01/a.csv: got "x,z", expected "x,y"',
    );
  });

  it('rejects an empty file by name', async () => {
    await expect(readAll(concatCsvParts([part('a', 'x,y\n1,2\n'), part('empty.csv', '')]))).rejects.toThrow('empty.csv: file is empty');
  });

  it('recognises daily files', () => {
    expect(isDailyCsvFile('date=2019-04-01/orders.csv')).toBe(true);
    expect(isDailyCsvFile('date=2019-04-01/orders.CSV')).toBe(true);
    expect(isDailyCsvFile('date=2019-4-1/orders.csv')).toBe(false);
    expect(isDailyCsvFile('orders.csv')).toBe(false);
    expect(isDailyCsvFile('date=2019-04-01/sub/orders.csv')).toBe(false);
    expect(isDailyCsvFile('date=2019-04-01/_SUCCESS')).toBe(false);
  });
});
