/**
 * ValidateOrders on generated data: rows per second, CPU time and peak memory.
 *
 *   npx tsx bench/validate-orders.ts [--rows 1000000] [--seed 1]
 *
 * Generates N purchase lines to an order CSV first (not timed), then, in a child process so the
 * figures are its own, validates the file into the order-lines Parquet as ValidateOrders does
 * (quarantine written, DuckDB's CSV -> Parquet job included). Figures go to
 * bench/results/validate-orders.json.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateOrdersToFiles } from '../src/adapters/source/synthetic-files.js';
import { processFigures, round, runSelfAsChild, validateIntoParquet } from './prepare-data.js';
import { writeBenchResult } from './results.js';

interface ValidateFigures {
  readonly seconds: number;
  readonly cpu_seconds: number;
  readonly peak_rss_mb: number;
  readonly rows_accepted: number;
  readonly rows_quarantined: number;
}

async function child(csv: string, dir: string): Promise<ValidateFigures> {
  const validated = await validateIntoParquet(createReadStream(csv), `file://${csv}`, dir);
  const usage = processFigures();
  return { seconds: validated.seconds, cpu_seconds: usage.cpuSeconds, peak_rss_mb: usage.peakRssMB, rows_accepted: validated.rowsAccepted, rows_quarantined: validated.rowsQuarantined };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, seed: { type: 'string', default: '1' }, child: { type: 'string' }, dir: { type: 'string' } } });
  if (values.child !== undefined) {
    if (values.dir === undefined) throw new Error('--child needs --dir');
    process.stdout.write(`${JSON.stringify(await child(values.child, values.dir))}\n`);
    return;
  }
  const rows = Number(values.rows.replace(/_/g, ''));
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'returns-bench-validate-'));
  try {
    const csv = path.join(dir, 'orders.csv');
    console.log(`generating ${rows.toLocaleString('en')} purchase lines (seed ${seed}) ...`);
    const generated = await generateOrdersToFiles({ rows, seed, out: csv });
    console.log(`validating ${generated.totalRows.toLocaleString('en')} rows in a child process ...`);
    const f = (await runSelfAsChild(fileURLToPath(import.meta.url), ['--child', csv, '--dir', dir])) as ValidateFigures;
    const total = f.rows_accepted + f.rows_quarantined;
    console.log(
      `  ${total.toLocaleString('en')} rows (${f.rows_quarantined.toLocaleString('en')} quarantined) in ${round(f.seconds)} s wall, ${round(f.cpu_seconds)} s CPU, ` +
        `${Math.round(total / f.seconds).toLocaleString('en')} rows/s, peak RSS ${Math.round(f.peak_rss_mb)} MB`,
    );
    await writeBenchResult('validate-orders', {
      options: { rows, seed },
      rows: total,
      rows_quarantined: f.rows_quarantined,
      seconds: round(f.seconds),
      cpu_seconds: round(f.cpu_seconds),
      rows_per_second: Math.round(total / f.seconds),
      rows_per_cpu_second: Math.round(total / f.cpu_seconds),
      peak_rss_mb: Math.round(f.peak_rss_mb),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
