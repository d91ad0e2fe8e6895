import { setImmediate as nextTurn } from 'node:timers/promises';
import { generateOrdersCsv, KAGGLE_HEADER } from '../../../src/application/generate-orders.js';

describe('generateOrdersCsv', () => {
  it('streams 300k purchase lines chunk by chunk, never holding the file', async () => {
    const stream = generateOrdersCsv({ rows: 300_000, seed: 5 });
    let purchaseLines = 0;
    let totalLines = 0;
    let bytes = 0;
    let biggestChunk = 0;
    let header = '';
    const NEWLINE = 0x0a;
    // ",1\n" ends a purchase line: Purchased Item Count is the last column. Counted on the bytes,
    // across chunk boundaries, so the test holds no more than the generator hands over.
    let tail = Buffer.alloc(0);
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      biggestChunk = Math.max(biggestChunk, buffer.length);
      if (header === '') header = buffer.subarray(0, buffer.indexOf(NEWLINE) + 1).toString('utf8');
      const view = Buffer.concat([tail, buffer]);
      for (let i = view.indexOf(NEWLINE, tail.length); i !== -1; i = view.indexOf(NEWLINE, i + 1)) {
        totalLines++;
        if (i >= 2 && view[i - 1] === 0x31 && view[i - 2] === 0x2c) purchaseLines++;
      }
      tail = view.subarray(view.length - 2);
    }
    totalLines--; // the header
    expect(header).toBe(KAGGLE_HEADER);
    expect(purchaseLines).toBe(300_000);
    expect(totalLines).toBeGreaterThan(360_000);
    expect(bytes).toBeGreaterThan(40_000_000);
    // Chunks are small pieces of a large file, so nothing held the whole of it at once.
    expect(biggestChunk).toBeLessThan(256 * 1024);
  }, 120_000);

  it('stops generating while nobody reads (backpressure)', async () => {
    const stream = generateOrdersCsv({ rows: 200_000, seed: 6 });
    let chunks = 0;
    stream.on('data', () => {
      chunks++;
      stream.pause(); // a slow consumer: one chunk, then nothing
    });
    for (let i = 0; i < 20; i++) await nextTurn();
    // Only what fills the buffer up to its high-water mark was made ahead of the reader; the
    // whole file would be about 30 MB.
    expect(chunks).toBe(1);
    expect(stream.readableLength).toBeGreaterThan(0);
    expect(stream.readableLength).toBeLessThanOrEqual(stream.readableHighWaterMark + 128 * 1024);
    stream.destroy();
  });
});
