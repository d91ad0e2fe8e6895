/**
 * The validation use case end to end on local disk with the real DuckDB engine: the real Kaggle
 * sample, the malformed corpus (test/fixtures/malformed/manifest.json), Parquet read back, and
 * byte-identical outputs across runs.
 */
import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { DuckDbEngine } from '../../src/adapters/engine/duckdb-engine.js';
import { generateOrdersCsv } from '../../src/application/generate-orders.js';
import { validateOrders } from '../../src/application/validate-orders.js';
import { generateSyntheticOrders } from '../../src/domain/synthetic/generator.js';
import {
  DataQualityError,
  OrderFileError,
  serializeQualityReport,
  type QualityReport,
  type ReasonCode,
} from '../../src/domain/orders/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const SAMPLE = path.resolve(repoRoot, '../shared/data/order_dataset.sample.csv');
const CORPUS = path.resolve(repoRoot, 'test/fixtures/malformed');

const engine = new DuckDbEngine();
let work: string;
let runs = 0;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'validate-orders-'));
});
afterAll(async () => {
  await engine.close();
  await rm(work, { recursive: true, force: true });
});

interface Run {
  readonly dir: string;
  readonly parquet: string;
  readonly quarantine: string;
  readonly report?: QualityReport;
  readonly error?: unknown;
}

/** Runs the use case the way a task does: files in a run folder, staging deleted afterwards. */
async function validate(
  input: string | Buffer | Readable,
  options: { asOf?: string; maxQuarantineShare?: number; source?: string } = {},
): Promise<Run> {
  runs += 1;
  const dir = path.join(work, `run-${runs}`);
  const files = { dir, parquet: path.join(dir, 'accepted.parquet'), quarantine: path.join(dir, 'quarantine.csv') };
  const staging = path.join(dir, 'accepted.staging.csv');
  await mkdir(dir, { recursive: true });
  try {
    const report = await validateOrders({
      input: typeof input === 'string' ? createReadStream(input) : Buffer.isBuffer(input) ? Readable.from([input]) : input,
      source: options.source,
      asOf: options.asOf ?? '2019-05-01',
      maxQuarantineShare: options.maxQuarantineShare,
      quarantine: createWriteStream(files.quarantine),
      staging: { stream: createWriteStream(staging), location: staging },
      acceptedLocation: files.parquet,
      engine,
    });
    return { ...files, report };
  } catch (error) {
    return { ...files, error };
  } finally {
    await rm(staging, { force: true });
  }
}

async function quarantined(run: Run): Promise<{ line_number: string; reasons: string; messages: string; raw_line: string }[]> {
  return parse(await readFile(run.quarantine), { columns: true }) as never;
}

async function acceptedLines(run: Run): Promise<number[]> {
  const rows = await engine.query(`SELECT line_number FROM read_parquet('${run.parquet}') ORDER BY line_number`);
  return rows.map((r) => r['line_number'] as number);
}

describe('the real Kaggle sample', () => {
  let run: Run;
  beforeAll(async () => {
    run = await validate(SAMPLE, { source: 'order_dataset.sample.csv' });
  });

  it('accepts all 126 rows: each one is consistent (checked by hand and by a script)', () => {
    expect(run.error).toBeUndefined();
    expect(run.report).toMatchObject({
      rows_in: 126,
      rows_accepted: 126,
      rows_quarantined: 0,
      blank_lines: 0,
      passed: true,
      date_range: { min: '2018-11-01', max: '2019-04-30' },
      kinds: { purchase: 104, return: 21, purchase_and_return: 1 },
      // No return of the sample has a purchase of the same item by the same buyer in the sample.
      return_link: { returns: 21, linked: 0, rate: 0 },
      // Every Transaction ID is rounded; Item IDs on lines 16 and 46, a Buyer ID on line 93.
      lossy_keys: { transaction_id: 126, item_id: 2, buyer_id: 1, rows_with_any: 126 },
      zero_tax_rows: 2,
    });
    expect(Object.values(run.report?.reasons ?? {}).every((n) => n === 0)).toBe(true);
  });

  it('writes an empty quarantine with its header', async () => {
    expect(await readFile(run.quarantine, 'utf8')).toBe('line_number,reasons,messages,raw_line\n');
  });

  it('writes typed Parquet, ordered by line number', async () => {
    const types = await engine.query(`DESCRIBE SELECT * FROM read_parquet('${run.parquet}')`);
    expect(Object.fromEntries(types.map((t) => [t['column_name'], t['column_type']]))).toEqual({
      line_number: 'BIGINT',
      item_name: 'VARCHAR',
      category: 'VARCHAR',
      version: 'VARCHAR',
      item_code: 'VARCHAR',
      item_id: 'VARCHAR',
      buyer_id: 'VARCHAR',
      transaction_id: 'VARCHAR',
      date: 'DATE',
      final_quantity: 'INTEGER',
      total_revenue: 'DOUBLE',
      price_reductions: 'DOUBLE',
      refunds: 'DOUBLE',
      final_revenue: 'DOUBLE',
      sales_tax: 'DOUBLE',
      overall_revenue: 'DOUBLE',
      refunded_item_count: 'INTEGER',
      purchased_item_count: 'INTEGER',
      item_id_lossy: 'BOOLEAN',
      buyer_id_lossy: 'BOOLEAN',
      transaction_id_lossy: 'BOOLEAN',
      kind: 'VARCHAR',
    });
    const lines = await acceptedLines(run);
    expect(lines).toHaveLength(126);
    expect(lines[0]).toBe(2);
    expect(lines[125]).toBe(127);
  });

  it('keeps rounded IDs as written and types specific lines correctly', async () => {
    const rows = await engine.query(
      `SELECT line_number, item_id, item_id_lossy, buyer_id, buyer_id_lossy, transaction_id, date, kind, sales_tax, final_quantity
       FROM read_parquet('${run.parquet}') WHERE line_number IN (2, 5, 16, 93) ORDER BY line_number`,
    );
    expect(rows).toEqual([
      { line_number: 2, item_id: '46567054', item_id_lossy: false, buyer_id: '3301861', buyer_id_lossy: false, transaction_id: '5.36356E+13', date: '2019-04-14', kind: 'purchase', sales_tax: 14.83, final_quantity: 1 },
      { line_number: 5, item_id: '42015157', item_id_lossy: false, buyer_id: '7251983', buyer_id_lossy: false, transaction_id: '5.98773E+13', date: '2019-03-03', kind: 'purchase', sales_tax: 15.83, final_quantity: 1 },
      { line_number: 16, item_id: '8.42221E+13', item_id_lossy: true, buyer_id: '5162704', buyer_id_lossy: false, transaction_id: '5.05625E+13', date: '2018-11-03', kind: 'purchase_and_return', sales_tax: 0, final_quantity: 0 },
      { line_number: 93, item_id: '88419828', item_id_lossy: false, buyer_id: '9.7805E+13', buyer_id_lossy: true, transaction_id: '2.14101E+13', date: '2019-03-22', kind: 'purchase', sales_tax: 5.83, final_quantity: 1 },
    ]);
    const sums = await engine.query(`SELECT sum(final_quantity) AS q, round(sum(overall_revenue), 2) AS revenue FROM read_parquet('${run.parquet}')`);
    expect(sums).toEqual([{ q: 84, revenue: 6451.72 }]);
  });
});

describe('the real sample with defects injected', () => {
  let run: Run;
  let lines: string[];
  beforeAll(async () => {
    lines = (await readFile(SAMPLE, 'utf8')).split('\n');
    const edited = [...lines];
    edited[10] = (edited[10] as string).replace('15/02/2019', '30/02/2019'); // line 11
    edited[43] = (edited[43] as string).replace(',-71.12,-71.12,', ',-71.12,-70,'); // line 44 (a return)
    edited.splice(edited.length - 1, 0, lines[4] as string); // line 128: a copy of line 5
    run = await validate(Buffer.from(edited.join('\n')), { maxQuarantineShare: 0.05 });
  });

  it('quarantines exactly the damaged rows, with the reasons a person would give', async () => {
    expect(run.report).toMatchObject({ rows_in: 127, rows_accepted: 124, rows_quarantined: 3, passed: true });
    const rows = await quarantined(run);
    expect(rows.map((r) => [r.line_number, r.reasons])).toEqual([
      ['11', 'bad_date'],
      ['44', 'arithmetic_final_revenue;arithmetic_overall_revenue'],
      ['128', 'duplicate_row'],
    ]);
    expect(rows[0]?.messages).toBe('bad_date: Date "30/02/2019" is not a calendar date (day/month/year)');
    expect(rows[2]?.messages).toBe('duplicate_row: same values as line 5');
    expect(rows[0]?.raw_line).toBe(lines[10]?.replace('15/02/2019', '30/02/2019'));
    expect(run.report?.reason_examples).toEqual({
      bad_date: [11],
      arithmetic_final_revenue: [44],
      arithmetic_overall_revenue: [44],
      duplicate_row: [128],
    });
  });

  it('writes every other row to Parquet', async () => {
    const accepted = await acceptedLines(run);
    expect(accepted).toHaveLength(124);
    expect(accepted).not.toContain(11);
    expect(accepted).not.toContain(44);
    expect(accepted).toContain(5);
  });
});

describe('a value holding a lone carriage return', () => {
  it('is accepted and read back from Parquet as written (the staging CSV quotes it)', async () => {
    // Such a value used to be written bare to the staging CSV, and DuckDB then refused the file.
    const lines = (await readFile(SAMPLE, 'utf8')).split('\n');
    const edited = [...lines];
    edited[1] = (edited[1] as string).replace('Product H', 'Product\rH'); // line 2
    const run = await validate(Buffer.from(edited.join('\n')));
    expect(run.error).toBeUndefined();
    expect(run.report).toMatchObject({ rows_in: 126, rows_accepted: 126 });
    const rows = await engine.query(`SELECT category FROM read_parquet('${run.parquet}') WHERE line_number = 2`);
    expect(rows).toEqual([{ category: 'Product\rH' }]);
  });
});

interface CorpusCase {
  readonly file: string;
  readonly defect: string;
  readonly as_of?: string;
  readonly max_quarantine_share?: number;
  readonly expect: {
    readonly file_error?: string;
    readonly quality_error?: boolean;
    readonly message_contains?: string;
    readonly rows_in?: number;
    readonly rows_accepted?: number;
    readonly rows_quarantined?: number;
    readonly blank_lines?: number;
    readonly reasons?: Readonly<Partial<Record<ReasonCode, number>>>;
    readonly quarantined_lines?: Readonly<Record<string, readonly string[]>>;
    readonly accepted_lines?: readonly number[];
  };
}

describe('the malformed corpus', () => {
  const manifest = JSON.parse(readFileSync(path.join(CORPUS, 'manifest.json'), 'utf8')) as { cases: CorpusCase[] };

  it('has at least 20 files, each listed once, and every file is listed', async () => {
    const listed = manifest.cases.map((c) => c.file);
    expect(listed.length).toBeGreaterThanOrEqual(20);
    expect(new Set(listed).size).toBe(listed.length);
    const onDisk = (await readdir(CORPUS)).filter((f) => f !== 'manifest.json');
    expect([...onDisk].sort()).toEqual([...listed].sort());
  });

  it.each(manifest.cases.map((c) => [c.file, c] as const))('%s', async (file, c) => {
    const run = await validate(path.join(CORPUS, file), {
      asOf: c.as_of,
      maxQuarantineShare: c.max_quarantine_share,
      source: file,
    });
    const expected = c.expect;
    if (expected.file_error !== undefined) {
      expect(run.error).toBeInstanceOf(OrderFileError);
      const err = run.error as OrderFileError;
      expect(err.code).toBe(expected.file_error);
      expect(err.message).toContain(expected.message_contains);
      expect(err.message.startsWith(`${file}: `)).toBe(true);
      expect(err.message).not.toMatch(/[\r\n]/);
      expect(existsSync(run.parquet)).toBe(false);
      return;
    }
    if (expected.quality_error === true) {
      expect(run.error).toBeInstanceOf(DataQualityError);
      const err = run.error as DataQualityError;
      expect(err.message).toContain(expected.message_contains);
      expect(err.withReportPath('run/quality.json').message).toContain('see run/quality.json');
      expect(err.report.rows_in).toBe(err.report.rows_accepted + err.report.rows_quarantined);
      // Nothing downstream may run on this data: no Parquet is written.
      expect(existsSync(run.parquet)).toBe(false);
      expect((await quarantined(run)).length).toBe(err.report.rows_quarantined);
      return;
    }
    expect(run.error).toBeUndefined();
    const report = run.report as QualityReport;
    expect(report.rows_in).toBe(expected.rows_in);
    expect(report.rows_accepted).toBe(expected.rows_accepted);
    expect(report.rows_quarantined).toBe(expected.rows_quarantined);
    expect(report.rows_in).toBe(report.rows_accepted + report.rows_quarantined);
    if (expected.blank_lines !== undefined) expect(report.blank_lines).toBe(expected.blank_lines);
    for (const [code, count] of Object.entries(expected.reasons ?? {})) expect([code, report.reasons[code as ReasonCode]]).toEqual([code, count]);
    const total = Object.values(expected.reasons ?? {}).reduce((a, b) => a + b, 0);
    expect(Object.values(report.reasons).reduce((a, b) => a + b, 0)).toBe(total);

    const rows = await quarantined(run);
    expect(Object.fromEntries(rows.map((r) => [r.line_number, r.reasons.split(';')]))).toEqual(expected.quarantined_lines);
    const accepted = await acceptedLines(run);
    expect(accepted).toHaveLength(report.rows_accepted);
    if (expected.accepted_lines !== undefined) expect(accepted).toEqual(expected.accepted_lines);
    // Nothing lost: every line number is either accepted or quarantined, never both.
    const quarantinedLines = rows.map((r) => Number(r.line_number));
    expect(quarantinedLines.filter((n) => accepted.includes(n))).toEqual([]);
  });
});

describe('generated data', () => {
  const options = { rows: 3000, seed: 11 };
  let run: Run;
  const truth = { purchase: 0, return: 0, nonProduct: 0 };
  beforeAll(async () => {
    for (const record of generateSyntheticOrders(options)) {
      if (record.kind === 'purchase') truth.purchase += 1;
      else if (record.kind === 'return') truth.return += 1;
      else truth.nonProduct += 1;
    }
    run = await validate(generateOrdersCsv(options), { source: 'synthetic:seed=11' });
  });

  it('accepts every product line and quarantines only the non-product (DPR) lines', async () => {
    expect(run.error).toBeUndefined();
    const report = run.report as QualityReport;
    expect(truth.nonProduct).toBeGreaterThan(0);
    expect(report.rows_in).toBe(truth.purchase + truth.return + truth.nonProduct);
    expect(report.rows_in).toBe(report.rows_accepted + report.rows_quarantined);
    expect(report.rows_quarantined).toBe(truth.nonProduct);
    expect(report.reasons.non_product_line).toBe(truth.nonProduct);
    const other = Object.entries(report.reasons).filter(([code, n]) => n > 0 && code !== 'non_product_line' && code !== 'missing_field');
    expect(other).toEqual([]);
    expect(report.kinds.purchase + report.kinds.purchase_and_return).toBe(truth.purchase);
    expect(report.kinds.return).toBe(truth.return);
    expect(report.passed).toBe(true);
  });

  it('links every generated return to its purchase', () => {
    expect(run.report?.return_link.returns).toBeGreaterThan(0);
    expect(run.report?.return_link.rate).toBe(1);
  });

  it('writes exactly the accepted rows to Parquet', async () => {
    const [count] = await engine.query(`SELECT count(*) AS n, count(DISTINCT line_number) AS lines FROM read_parquet('${run.parquet}')`);
    expect(count).toEqual({ n: run.report?.rows_accepted, lines: run.report?.rows_accepted });
    const rows = await quarantined(run);
    expect(rows).toHaveLength(truth.nonProduct);
    expect(rows.every((r) => r.reasons.split(';').includes('non_product_line'))).toBe(true);
  });
});

describe('property: nothing is lost', () => {
  /** A small deterministic PRNG (LCG), so a failing case can be replayed from its seed. */
  function lcg(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  const MUTATIONS: ((line: string, pick: (n: number) => number) => string[])[] = [
    (line) => [line, line], // duplicate the row
    (line, pick) => [line.slice(0, pick(line.length)) + line.slice(pick(line.length) + 1)], // drop a character
    (line, pick) => {
      const at = pick(line.length);
      return [line.slice(0, at) + ',' + line.slice(at)]; // extra comma
    },
    (line, pick) => [line.replace(/\d/g, (d) => (pick(8) === 0 ? String((Number(d) + 1) % 10) : d))], // change digits
    (line) => [line, ''], // blank line after the row
    (line, pick) => {
      const at = pick(line.length);
      return [line.slice(0, at) + '"' + line.slice(at)]; // a stray quote
    },
  ];

  it('rows_in = accepted + quarantined, and both files hold exactly those rows, for 15 damaged files', async () => {
    const sample = (await readFile(SAMPLE, 'utf8')).trimEnd().split('\n');
    let fileErrors = 0;
    for (let seed = 1; seed <= 15; seed += 1) {
      const random = lcg(seed);
      const pick = (n: number): number => Math.floor(random() * n);
      const out = [sample[0] as string];
      for (let i = 0; i < 20; i += 1) {
        const row = sample[1 + pick(sample.length - 1)] as string;
        const mutation = random() < 0.3 ? MUTATIONS[pick(MUTATIONS.length)] : undefined;
        out.push(...(mutation === undefined ? [row] : mutation(row, pick)));
      }
      const run = await validate(Buffer.from(`${out.join('\n')}\n`), { maxQuarantineShare: 1 });
      if (run.error !== undefined) {
        // A stray quote can make the rest of the file one value: that is a file error, never a loss.
        expect([seed, run.error instanceof OrderFileError]).toEqual([seed, true]);
        fileErrors += 1;
        continue;
      }
      const report = run.report as QualityReport;
      const accepted = await acceptedLines(run);
      const rows = await quarantined(run);
      expect([seed, report.rows_in]).toEqual([seed, report.rows_accepted + report.rows_quarantined]);
      expect([seed, accepted.length, rows.length]).toEqual([seed, report.rows_accepted, report.rows_quarantined]);
      const lineNumbers = [...accepted, ...rows.map((r) => Number(r.line_number))];
      expect([seed, new Set(lineNumbers).size]).toEqual([seed, report.rows_in]);
      expect(rows.every((r) => r.reasons.length > 0 && r.raw_line.length > 0)).toBe(true);
    }
    expect(fileErrors).toBeLessThanOrEqual(3);
  });
});

describe('determinism', () => {
  it('writes byte-identical Parquet, quarantine and report for the same input', async () => {
    const text = (await readFile(SAMPLE, 'utf8')).replace('3/3/2019', '3/3/2919');
    const first = await validate(Buffer.from(text), { source: 'sample' });
    const second = await validate(Buffer.from(text), { source: 'sample' });
    expect(first.report?.rows_quarantined).toBe(1);
    expect(await readFile(first.parquet)).toEqual(await readFile(second.parquet));
    expect(await readFile(first.quarantine)).toEqual(await readFile(second.quarantine));
    expect(serializeQualityReport(first.report as QualityReport)).toBe(serializeQualityReport(second.report as QualityReport));
  });
});

describe('arguments', () => {
  it('refuses a run date that is not YYYY-MM-DD', async () => {
    const run = await validate(SAMPLE, { asOf: '1/5/2019' });
    expect(run.error).toBeInstanceOf(RangeError);
    expect((run.error as Error).message).toContain('asOf must be a date YYYY-MM-DD');
  });
});
