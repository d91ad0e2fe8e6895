import { Readable } from 'node:stream';
import { readOrderCsvBatches, type OrderCsvItem } from '../../../src/application/order-csv-reader.js';
import { ORDER_HEADER_LINE, OrderFileError } from '../../../src/domain/orders/index.js';

const ROW = 'QID,Product H,32 / B / 30,27-0CD-F44-7E1-0-2F608D7,46567054,3301861,5.36356E+13,14/04/2019,1,74.17,0,0,74.17,14.83,89,0,1';

async function items(text: string | Buffer, chunkSize = 7, maxRecordChars?: number): Promise<OrderCsvItem[]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  // Small chunks: line breaks, CRLF pairs and multi-byte characters fall across chunk edges.
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  const out: OrderCsvItem[] = [];
  for await (const batch of readOrderCsvBatches(Readable.from(chunks), { maxRecordChars })) out.push(...batch);
  return out;
}

async function fileError(text: string | Buffer): Promise<OrderFileError> {
  try {
    await items(text);
  } catch (err) {
    if (err instanceof OrderFileError) return err;
    throw err;
  }
  throw new Error('expected a file error');
}

function summary(list: OrderCsvItem[]): (string | number)[][] {
  return list.map((i) => (i.type === 'header' ? ['header', i.fieldCount] : i.type === 'blank' ? ['blank', i.lineNumber] : ['row', i.lineNumber, i.raw]));
}

describe('readOrderCsvBatches', () => {
  it('numbers physical lines across CRLF, blank lines and a quoted line break', async () => {
    const multi = ROW.replace('32 / B / 30', '"32 / B\r\n/ 30"');
    const text = `\ufeff${ORDER_HEADER_LINE}\r\n${ROW}\r\n\r\n${multi}\r\n${ROW}\r\n`;
    expect(summary(await items(text))).toEqual([
      ['header', 17],
      ['row', 2, ROW],
      ['blank', 3],
      ['row', 4, multi],
      ['row', 6, ROW],
    ]);
  });

  it('counts blank lines before the header as blank lines', async () => {
    expect(summary(await items(`\n\n${ORDER_HEADER_LINE}\n${ROW}\n`))).toEqual([
      ['blank', 1],
      ['blank', 2],
      ['header', 17],
      ['row', 4, ROW],
    ]);
  });

  it('keeps multi-byte characters whole across chunk edges', async () => {
    const row = ROW.replace('Product H', 'Produit été ✓');
    const list = await items(`${ORDER_HEADER_LINE}\n${row}\n`, 3);
    expect(list[1]?.type === 'row' && list[1].fields[1]).toBe('Produit été ✓');
  });

  it('accepts a complete last line without a line break', async () => {
    expect(summary(await items(`${ORDER_HEADER_LINE}\n${ROW}`))).toEqual([
      ['header', 17],
      ['row', 2, ROW],
    ]);
  });

  it('calls a short last line without a line break truncated', async () => {
    const err = await fileError(`${ORDER_HEADER_LINE}\n${ROW}\n${ROW.slice(0, 40)}`);
    expect(err.code).toBe('truncated_last_line');
  });

  it('treats a short last line that does end with a line break as a row (the row rules reject it)', async () => {
    const list = await items(`${ORDER_HEADER_LINE}\n${ROW}\n${ROW.slice(0, 40)}\n`);
    expect(list[2]?.type === 'row' && list[2].fields.length).toBe(4);
  });

  it('locates a byte that is not UTF-8 on its line', async () => {
    const text = Buffer.concat([Buffer.from(`${ORDER_HEADER_LINE}\n${ROW}\n${ROW}\nCaf`), Buffer.from([0xe9]), Buffer.from(`,x\n`)]);
    const err = await fileError(text);
    expect(err.code).toBe('not_utf8');
    expect(err.message).toContain('invalid byte 0xE9 on line 4');
  });

  it('calls a file cut inside a multi-byte character truncated', async () => {
    const text = Buffer.concat([Buffer.from(`${ORDER_HEADER_LINE}\n${ROW}\nCaf`), Buffer.from([0xc3])]);
    expect((await fileError(text)).code).toBe('truncated_last_line');
  });

  it('fails the file on a record too long to be a row, rather than drop what follows it', async () => {
    // csv-parse discards the rest of its buffer after this error, so skipping the record would lose rows.
    const text = `${ORDER_HEADER_LINE}\n${ROW}\n${'x'.repeat(1000)}\n${ROW}\n`;
    await expect(items(text, 64, 500)).rejects.toMatchObject({
      code: 'record_too_long',
      message: expect.stringContaining('the record starting on line 3 is longer than 500 characters') as unknown,
    });
  });

  it('names the line where an unclosed quote starts, even with earlier records in the same chunk', async () => {
    const text = `${ORDER_HEADER_LINE}\n${ROW}\n\n${ROW.replace('Product H', '"Product H')}\n${ROW}\n${ROW}\n`;
    for (const chunkSize of [7, 64, 1 << 16]) {
      await expect(items(text, chunkSize)).rejects.toMatchObject({
        code: 'unclosed_quote',
        message: expect.stringContaining('line 4 opens a quoted value') as unknown,
      });
    }
  });

  it('hands over the same items in batches as one at a time, whatever the chunk size', async () => {
    const multi = ROW.replace('32 / B / 30', '"32 / B\r\n/ 30"');
    const text = `${ORDER_HEADER_LINE}\r\n${ROW}\r\n\r\n${multi}\r\n${ROW}\r\n` + `${ROW}\r\n`.repeat(300);
    const expected = await items(text, 7);
    for (const chunkSize of [3, 100, 1 << 16]) {
      const bytes = Buffer.from(text);
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
      const batches: OrderCsvItem[][] = [];
      for await (const batch of readOrderCsvBatches(Readable.from(chunks))) batches.push(batch);
      expect(batches.flat()).toEqual(expected);
      if (chunkSize === 1 << 16) expect(batches.length).toBeLessThan(5);
    }
    expect(expected.filter((i) => i.type === 'row')).toHaveLength(303);
  });

  it('stops reading the input when the consumer stops early', async () => {
    const input = Readable.from((function* () {
      yield Buffer.from(`${ORDER_HEADER_LINE}\n`);
      for (let i = 0; i < 10_000; i += 1) yield Buffer.from(`${ROW}\n`);
    })());
    let seen = 0;
    reading: for await (const batch of readOrderCsvBatches(input)) {
      for (const item of batch) {
        if (item.type === 'row') seen += 1;
        if (seen === 3) break reading;
      }
    }
    expect(seen).toBe(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(input.destroyed).toBe(true);
  });
});
