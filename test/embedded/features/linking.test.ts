/**
 * Linking returns to purchases, checked against a plain TypeScript statement of the rule on
 * random order lines with many collisions (few buyers, few SKUs, lossy and exact transaction
 * keys, returns before purchases, same-day returns). The SQL encodes first-in-first-out
 * matching with window functions; the reference below walks a queue.
 */
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { acceptedOrdersJob } from '../../../src/application/validate-orders.js';
import { featureSteps, ORDER_LINES_INPUT } from '../../../src/domain/features/feature-sql.js';
import { renderSteps } from '../../../src/domain/features/sql-steps.js';
import { orderLineCells, type OrderKind, type OrderLine } from '../../../src/domain/orders/order-line.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { parquetRows } from './helpers.js';

interface Link {
  purchase: number;
  return: number;
  method: 'key' | 'fallback';
}

function line(n: number, buyer: string, sku: string, txn: string, date: string, kind: OrderKind): OrderLine {
  const bought = kind !== 'return';
  const returned = kind !== 'purchase';
  return {
    line_number: n,
    item_name: 'BRD',
    category: 'Product P',
    version: '32 / B / FtO',
    item_code: sku,
    item_id: `M${sku}`,
    buyer_id: buyer,
    transaction_id: txn,
    date,
    final_quantity: (bought ? 1 : 0) - (returned ? 1 : 0),
    total_revenue: bought ? 50 : 0,
    price_reductions: 0,
    refunds: returned ? -50 : 0,
    final_revenue: bought && !returned ? 50 : returned && !bought ? -50 : 0,
    sales_tax: 0,
    overall_revenue: bought && !returned ? 50 : returned && !bought ? -50 : 0,
    refunded_item_count: returned ? -1 : 0,
    purchased_item_count: bought ? 1 : 0,
    item_id_lossy: false,
    buyer_id_lossy: false,
    transaction_id_lossy: txn.includes('E+'),
    kind,
  };
}

/** Random lines of `datasets` independent little worlds (buyer IDs are prefixed by the world). */
function randomLines(seed: number, datasets: number): OrderLine[] {
  const random = Rng.fromSeed(seed);
  const r = (): number => random.uniform();
  const pick = <T>(xs: readonly T[]): T => random.pick(xs);
  const out: OrderLine[] = [];
  for (let d = 0; d < datasets; d++) {
    const count = 5 + Math.floor(r() * 30);
    for (let i = 0; i < count; i++) {
      const day = 1 + Math.floor(r() * 20);
      const kind: OrderKind = r() < 0.45 ? 'return' : r() < 0.1 ? 'purchase_and_return' : 'purchase';
      out.push(
        line(
          out.length + 2,
          `${d}-${pick(['a', 'b'])}`,
          pick(['S1', 'S2', 'S3']),
          pick(['1001', '1002', '5.1E+13', '5.2E+13']),
          `2019-01-${String(day).padStart(2, '0')}`,
          kind,
        ),
      );
    }
  }
  return out;
}

/** FIFO in date order (purchases before returns on a day, then line order); unmatched returns are skipped. */
function fifo(events: readonly OrderLine[], method: Link['method']): Link[] {
  const sorted = [...events].sort(
    (x, y) => x.date.localeCompare(y.date) || Number(x.kind === 'return') - Number(y.kind === 'return') || x.line_number - y.line_number,
  );
  const waiting: number[] = [];
  const links: Link[] = [];
  for (const e of sorted) {
    if (e.kind === 'purchase') waiting.push(e.line_number);
    else if (waiting.length > 0) links.push({ purchase: waiting.shift() as number, return: e.line_number, method });
  }
  return links;
}

function groupBy(lines: readonly OrderLine[], key: (l: OrderLine) => string): Map<string, OrderLine[]> {
  const groups = new Map<string, OrderLine[]>();
  for (const l of lines) groups.set(key(l), [...(groups.get(key(l)) ?? []), l]);
  return groups;
}

/** Key links made in groups larger than one purchase and one return (the FIFO windows of pass 1). */
let keyLinksFromLargerGroups = 0;

/** The linking rule of src/domain/features/linking.ts, stated directly. */
function referenceLinks(lines: readonly OrderLine[]): Link[] {
  const candidates = lines.filter((l) => l.kind === 'purchase' || l.kind === 'return');
  const links: Link[] = [];
  keyLinksFromLargerGroups = 0;
  for (const group of groupBy(candidates, (l) => `${l.buyer_id}|${l.item_code}|${l.transaction_id}`).values()) {
    const purchases = group.filter((l) => l.kind === 'purchase').length;
    const returns = group.length - purchases;
    const lossy = group[0]?.transaction_id_lossy === true;
    if (purchases >= 1 && returns >= 1 && (!lossy || (purchases === 1 && returns === 1))) {
      const found = fifo(group, 'key');
      if (group.length > 2) keyLinksFromLargerGroups += found.length;
      links.push(...found);
    }
  }
  const linked = new Set(links.flatMap((l) => [l.purchase, l.return]));
  const left = candidates.filter((l) => !linked.has(l.line_number));
  for (const group of groupBy(left, (l) => `${l.buyer_id}|${l.item_code}`).values()) links.push(...fifo(group, 'fallback'));
  return links.sort((x, y) => x.return - y.return);
}

const engine = new DuckDbEngine();
let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'features-linking-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function sqlLinks(lines: readonly OrderLine[], name: string): Promise<Link[]> {
  const csv = path.join(work, `${name}.csv`);
  const parquet = path.join(work, `${name}.parquet`);
  const header = Object.keys(lines[0] as OrderLine).join(',');
  await writeFile(csv, [header, ...lines.map((l) => orderLineCells(l).join(','))].join('\n') + '\n');
  await engine.runJob(acceptedOrdersJob(csv, parquet));
  const linksFile = path.join(work, `${name}.links.parquet`);
  await engine.runJob({
    inputs: [{ name: ORDER_LINES_INPUT, location: parquet, format: 'parquet' }],
    statements: renderSteps(featureSteps({ asOf: '2019-02-01', horizonDays: 35, split: { testDays: 1, validationDays: 1 } })),
    outputs: [{ table: 'fx_links', location: linksFile, format: 'parquet', orderBy: 'return_line' }],
  });
  return (await parquetRows(engine, linksFile)).map((r) => ({
    purchase: r['purchase_line'] as number,
    return: r['return_line'] as number,
    method: r['method'] as Link['method'],
  }));
}

describe('linking returns to purchases', () => {
  it('matches a direct statement of the rule on random lines with many collisions', async () => {
    const lines = randomLines(20240607, 150);
    const expected = referenceLinks(lines);
    // The random worlds exercise every path.
    expect(expected.filter((l) => l.method === 'key').length).toBeGreaterThan(20);
    expect(expected.filter((l) => l.method === 'fallback').length).toBeGreaterThan(20);
    expect(keyLinksFromLargerGroups).toBeGreaterThan(10);
    expect(await sqlLinks(lines, 'random')).toEqual(expected);
  });

  it('links each return to at most one purchase and each purchase to at most one return', async () => {
    const links = await sqlLinks(randomLines(7, 100), 'unique');
    expect(new Set(links.map((l) => l.purchase)).size).toBe(links.length);
    expect(new Set(links.map((l) => l.return)).size).toBe(links.length);
  });

  it('skips a return that comes before any purchase, then links the next one in date order', async () => {
    const lines = [
      line(2, 'b', 'S1', '1001', '2019-01-02', 'return'), // nothing bought yet
      line(3, 'b', 'S1', '1001', '2019-01-03', 'purchase'),
      line(4, 'b', 'S1', '1001', '2019-01-04', 'purchase'),
      line(5, 'b', 'S1', '1001', '2019-01-05', 'return'), // oldest waiting: 3
      line(6, 'b', 'S1', '1001', '2019-01-05', 'return'), // then 4
      line(7, 'b', 'S1', '1001', '2019-01-05', 'return'), // none left
    ];
    expect(await sqlLinks(lines, 'order')).toEqual([
      { purchase: 3, return: 5, method: 'key' },
      { purchase: 4, return: 6, method: 'key' },
    ]);
  });

  it('trusts a lossy key for one pair only, and falls back to date order across transactions otherwise', async () => {
    const lines = [
      line(2, 'b', 'S1', '5.1E+13', '2019-01-02', 'purchase'),
      line(3, 'b', 'S1', '5.1E+13', '2019-01-03', 'return'), // one pair: by key
      line(4, 'c', 'S1', '5.2E+13', '2019-01-02', 'purchase'),
      line(5, 'c', 'S1', '5.2E+13', '2019-01-03', 'purchase'),
      line(6, 'c', 'S1', '5.2E+13', '2019-01-09', 'return'), // ambiguous lossy key: fallback to 4
      line(7, 'd', 'S1', '1001', '2019-01-02', 'purchase'),
      line(8, 'd', 'S1', '9999', '2019-01-04', 'return'), // key unknown: fallback to 7
      line(9, 'e', 'S1', '1001', '2019-01-05', 'purchase'),
      line(10, 'e', 'S1', '1001', '2019-01-04', 'return'), // before its purchase: not linked
    ];
    expect(await sqlLinks(lines, 'lossy')).toEqual([
      { purchase: 2, return: 3, method: 'key' },
      { purchase: 4, return: 6, method: 'fallback' },
      { purchase: 7, return: 8, method: 'fallback' },
    ]);
  });
});
