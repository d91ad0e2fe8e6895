import { PassThrough } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { CsvSink, csvLine, csvValue } from '../../../src/application/csv-sink.js';

describe('csvLine', () => {
  const values = ['', ' ', 'plain', '74.17', 'a,b', 'say "hi"', '"', '""', 'x\ny', 'x\r\ny', 'x\rz', ' lead', 'tail ', 'é ✓', '=1+2', '-1', 'a;b', '\t'];

  it('writes the same bytes as csv-stringify with its default quoting, for every kind of value', () => {
    for (const value of values) expect(csvValue(value)).toBe(stringify([[value]]).replace(/\n$/, ''));
    for (const row of [values, ['', ''], ['only'], values.slice().reverse()]) expect(csvLine(row)).toBe(stringify([row]));
  });

  it('quotes a lone carriage return, which csv-stringify left bare with record_delimiter "unix"', () => {
    // CsvSink used stringify(..., { record_delimiter: 'unix' }), which quotes only on "\n": a value
    // holding a lone "\r" went out bare, and DuckDB refused the staging file as not RFC 4180.
    expect(stringify([['x\rz', 'a']], { record_delimiter: 'unix' })).toBe('x\rz,a\n');
    expect(csvLine(['x\rz', 'a'])).toBe('"x\rz",a\n');
    // Every other value is written as before.
    const others = values.filter((v) => !/\r(?!\n)/.test(v));
    expect(csvLine(others)).toBe(stringify([others], { record_delimiter: 'unix' }));
  });
});

describe('CsvSink', () => {
  it('writes the header and every record, in batches, with backpressure honoured', async () => {
    const target = new PassThrough({ highWaterMark: 1024 });
    const chunks: string[] = [];
    target.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
    const sink = new CsvSink(target, ['a', 'b']);
    const rows = 5000;
    for (let i = 0; i < rows; i++) {
      sink.add([String(i), `v,${i}`]);
      if (sink.full) await sink.flush();
    }
    await sink.end();
    const text = chunks.join('');
    expect(chunks.length).toBeGreaterThan(1);
    expect(text.startsWith('a,b\n0,"v,0"\n1,"v,1"\n')).toBe(true);
    expect(text.endsWith(`${rows - 1},"v,${rows - 1}"\n`)).toBe(true);
    expect(text.split('\n')).toHaveLength(rows + 2);
  });
});
