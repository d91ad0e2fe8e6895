/**
 * The REST API computes features in TypeScript (online-features.ts) and reads history from the
 * serving snapshot (snapshot-sql.ts). Both must give exactly what BuildFeatures writes: every
 * line and calendar feature of every purchase line (a generated dataset and the real sample),
 * and every feature, history and basket included, of the purchase lines of chosen dates D
 * scored with the snapshot of D (their transaction's lines forming the request).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { DuckDbTableReader } from '../../../src/adapters/engine/duckdb-table-reader.js';
import { buildSnapshot, readSnapshot } from '../../../src/application/build-snapshot.js';
import { generateOrdersCsv } from '../../../src/application/generate-orders.js';
import { FEATURE_CATALOGUE } from '../../../src/domain/features/catalogue.js';
import { featureExpression } from '../../../src/domain/features/feature-sql.js';
import { calendarFeatures, EMPTY_SNAPSHOT, lineFeatures, onlineFeatures, versionPart, type ScoringLine } from '../../../src/domain/features/online-features.js';
import { SAMPLE, build, parquetRows, validatedParquet } from './helpers.js';

const engine = new DuckDbEngine();
const reader = new DuckDbTableReader();
let work: string;

const LINE_SCOPES = new Set(['line', 'calendar']);

/** Purchase lines of the validated orders with their feature rows, by line number. */
async function purchaseLines(orders: string, features: string): Promise<{ line: ScoringLine; row: Record<string, unknown> }[]> {
  const lines = await engine.query(
    `SELECT line_number, item_name, category, version, item_code, item_id, buyer_id, transaction_id, CAST(date AS VARCHAR) AS date,
       total_revenue, price_reductions, purchased_item_count
     FROM o WHERE kind IN ('purchase', 'purchase_and_return') ORDER BY line_number`,
    [{ name: 'o', location: orders, format: 'parquet' }],
  );
  const rows = new Map((await parquetRows(engine, features)).map((r) => [r['line_number'] as number, r]));
  return lines.map((l) => ({ line: l as unknown as ScoringLine, row: rows.get(l['line_number'] as number)! }));
}

function expectSameFeatures(actual: Readonly<Record<string, unknown>>, expected: Readonly<Record<string, unknown>>, names: readonly string[], where: string): void {
  const got = Object.fromEntries(names.map((n) => [n, actual[n] ?? null]));
  const want = Object.fromEntries(names.map((n) => [n, expected[n] ?? null]));
  if (JSON.stringify(got) !== JSON.stringify(want)) expect({ where, ...got }).toEqual({ where, ...want });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'online-parity-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('online features equal BuildFeatures', () => {
  const lineNames = FEATURE_CATALOGUE.filter((f) => LINE_SCOPES.has(f.scope)).map((f) => f.name);
  const allNames = FEATURE_CATALOGUE.map((f) => f.name);

  it('computes every catalogue feature, none more', () => {
    const line: ScoringLine = {
      item_name: 'QID', category: 'Product H', version: '34 / B / FtO', item_code: 'X1', item_id: '1', buyer_id: '2', transaction_id: '3',
      date: '2019-01-02', total_revenue: 10, price_reductions: -1, purchased_item_count: 1,
    };
    expect(Object.keys(onlineFeatures([line], EMPTY_SNAPSHOT)[0]!.values).sort()).toEqual([...allNames].sort());
  });

  it('splits odd Version texts as the SQL does', async () => {
    const versions = ['34 / B / FtO', 'M / Sl / Re', 'XL', '32 /  B / 30', ' / B / ', '34 / / 30', '34/B/30', 'M / Sl / Re / extra', '\tM / Sl', 'M  / Sl', '10 / B / 30\t'];
    const values = versions.map((v) => `('${v.replaceAll("'", "''")}')`).join(', ');
    const rows = await engine.query(
      `SELECT p.version, ${featureExpression('version_size')} AS version_size, ${featureExpression('version_fit')} AS version_fit, ${featureExpression('version_length')} AS version_length
       FROM (VALUES ${values}) p(version)`,
    );
    expect(rows.map((r) => r['version'])).toEqual(versions);
    const online = versions.map((v) => ({ version: v, version_size: versionPart(v, 1), version_fit: versionPart(v, 2), version_length: versionPart(v, 3) }));
    expect(online).toEqual(rows);
  });

  it('line and calendar features of the real sample', async () => {
    const orders = await validatedParquet(engine, SAMPLE, path.join(work, 'sample'));
    const built = await build(engine, orders, path.join(work, 'sample', 'features.parquet'));
    const pairs = await purchaseLines(orders, built.parquet);
    expect(pairs.length).toBe(105);
    for (const { line, row } of pairs) expectSameFeatures({ ...lineFeatures(line), ...calendarFeatures(line.date) }, row, lineNames, `sample line ${JSON.stringify(line)}`);
  });

  describe('a generated dataset', () => {
    let orders: string;
    let pairs: { line: ScoringLine; row: Record<string, unknown> }[];

    beforeAll(async () => {
      orders = await validatedParquet(engine, generateOrdersCsv({ rows: 3000, seed: 1 }), path.join(work, 'synthetic'));
      const built = await build(engine, orders, path.join(work, 'synthetic', 'features.parquet'));
      pairs = await purchaseLines(orders, built.parquet);
    });

    it('line and calendar features of every purchase line', () => {
      expect(pairs.length).toBeGreaterThan(2900);
      for (const { line, row } of pairs) expectSameFeatures({ ...lineFeatures(line), ...calendarFeatures(line.date) }, row, lineNames, `line ${JSON.stringify(line)}`);
    });

    it('every feature of the lines dated D, with the snapshot of D and each day as one request', async () => {
      const dates = [...new Set(pairs.map((p) => p.line.date))].sort();
      // The first day (no history, no global rate), the second, Black Friday 2018, and later days.
      const chosen = [dates[0]!, dates[1]!, '2018-11-23', dates[Math.floor(dates.length / 2)]!, dates[dates.length - 1]!];
      let compared = 0;
      let knownBuyers = 0;
      for (const d of chosen) {
        const file = path.join(work, 'synthetic', `snapshot-${d}.parquet`);
        await buildSnapshot({ engine, ordersParquet: orders, outputParquet: file, asOf: d });
        const snapshot = await readSnapshot(reader, file);
        expect(snapshot.asOf).toBe(d);
        const day = pairs.filter((p) => p.line.date === d);
        expect(day.length).toBeGreaterThan(0);
        const online = onlineFeatures(
          day.map((p) => p.line),
          snapshot,
        );
        day.forEach((p, i) => {
          expectSameFeatures(online[i]!.values, p.row, allNames, `${d} line ${JSON.stringify(p.line)}`);
          if (!online[i]!.unseen.includes('buyer')) knownBuyers += 1;
        });
        compared += day.length;
      }
      expect(compared).toBeGreaterThan(20);
      // Some lines did look their buyer up (not only the fallback was compared).
      expect(knownBuyers).toBeGreaterThan(0);
    });
  });
});
