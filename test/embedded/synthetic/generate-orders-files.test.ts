import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateOrdersToFiles } from '../../../src/adapters/source/synthetic-files.js';
import { generateOrdersCsv, TRUTH_HEADER } from '../../../src/application/generate-orders.js';
import { isPurchaseLine, parsePlainCsv } from '../../unit/synthetic/helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'returns-generate-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function streamText(options: Parameters<typeof generateOrdersCsv>[0]): Promise<string> {
  let out = '';
  for await (const chunk of generateOrdersCsv(options)) out += (chunk as Buffer).toString('utf8');
  return out;
}

describe('generateOrdersToFiles', () => {
  it('writes the same CSV as the stream, and a truth file whose row numbers point at the purchase lines', async () => {
    const out = path.join(dir, 'orders.csv');
    const truthOut = path.join(dir, 'truth.csv');
    const progress: number[] = [];
    const summary = await generateOrdersToFiles({ rows: 4_000, seed: 12, out, truthOut, onProgress: (p) => progress.push(p.purchaseLines) });

    const csv = await readFile(out, 'utf8');
    expect(csv).toBe(await streamText({ rows: 4_000, seed: 12 }));
    const { rows } = parsePlainCsv(csv);
    expect(summary.totalRows).toBe(rows.length);
    expect(summary.purchaseLines).toBe(4_000);
    expect(summary.returnRows).toBe(rows.filter((r) => r['Final Quantity'] === '-1').length);
    expect(summary.sameRowReturns).toBe(rows.filter((r) => r['Final Quantity'] === '0').length);
    expect(summary.nonProductRows).toBe(rows.filter((r) => r.Category === 'DPR').length);
    expect(progress[progress.length - 1]).toBe(4_000);

    const truthLines = (await readFile(truthOut, 'utf8')).split('\n').filter((l) => l.length > 0);
    expect(truthLines[0] + '\n').toBe(TRUTH_HEADER);
    const truth = truthLines.slice(1).map((l) => l.split(','));
    expect(truth).toHaveLength(4_000);
    for (const [rowNumber, buyer, transaction, itemCode, date, probability] of truth) {
      const row = rows[Number(rowNumber) - 1];
      expect(row !== undefined && isPurchaseLine(row)).toBe(true);
      expect([row?.['Buyer ID'], row?.['Transaction ID'], row?.['Item Code'], row?.Date]).toEqual([buyer, transaction, itemCode, date]);
      expect(Number(probability)).toBeGreaterThan(0);
      expect(Number(probability)).toBeLessThan(1);
    }
    // Every purchase line has exactly one truth row.
    expect(new Set(truth.map((t) => t[0])).size).toBe(rows.filter(isPurchaseLine).length);
    expect(await readdir(dir)).toEqual(['orders.csv', 'truth.csv']);
  });

  it('writes only the CSV when no truth file is asked for', async () => {
    await generateOrdersToFiles({ rows: 100, seed: 1, out: path.join(dir, 'only.csv') });
    expect(await readdir(dir)).toEqual(['only.csv']);
  });

  it('fails before writing when the folder does not exist, leaving nothing behind', async () => {
    const out = path.join(dir, 'missing', 'orders.csv');
    await expect(generateOrdersToFiles({ rows: 100, seed: 1, out, truthOut: path.join(dir, 'truth.csv') })).rejects.toThrow(/ENOENT/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects bad options without creating files', async () => {
    await expect(generateOrdersToFiles({ rows: 0, seed: 1, out: path.join(dir, 'x.csv') })).rejects.toThrow(/rows must be/);
    expect(await readdir(dir)).toEqual([]);
  });
});
