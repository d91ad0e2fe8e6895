/**
 * BuildFeatures on DuckDB at scale. Target: 10,000,000 purchase lines in under 2 minutes and
 * under 4 GB on the 2-core machine.
 *
 *   npx tsx bench/build-features.ts [--rows N] [--seed S] [--threads T] [--memory-limit 3GB]
 *                                   [--orders FILE] [--work DIR] [--keep] [--check-determinism]
 *
 * 1. Generates N synthetic purchase lines (default 10,000,000; streamed, never held in memory)
 *    and validates them into the order-lines Parquet, as IngestOrders + ValidateOrders do
 *    (skipped with --orders, which reuses a validated Parquet, e.g. one kept with --keep).
 * 2. Runs BuildFeatures as of the day after the period in a child process, so its wall time,
 *    CPU time and peak memory (DuckDB's native memory included) are its own.
 * 3. With --check-determinism, builds again with one thread and compares the bytes.
 * Prints the figures and records them in bench/results/build-features.json.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { DuckDbEngine } from '../src/adapters/engine/duckdb-engine.js';
import { buildFeatures } from '../src/application/build-features.js';
import { generateOrdersCsv } from '../src/application/generate-orders.js';
import { validateOrders } from '../src/application/validate-orders.js';
import type { FeatureSummary } from '../src/domain/features/feature-summary.js';
import { writeBenchResult } from './results.js';

const AS_OF = '2019-05-01'; // the day after the generator's default period
const MB = 1024 * 1024;

interface BuildFigures {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMB: number;
  readonly summary: FeatureSummary;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The child: one BuildFeatures run, its figures as the last line of stdout. */
async function child(orders: string, output: string, threads: number, memoryLimit: string, tempDirectory: string): Promise<void> {
  const engine = new DuckDbEngine({ threads, memoryLimit, tempDirectory });
  const started = process.hrtime.bigint();
  const summary = await buildFeatures({ engine, ordersParquet: orders, outputParquet: output, asOf: AS_OF });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usage = process.resourceUsage();
  const figures: BuildFigures = {
    seconds,
    cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    peakRssMB: usage.maxRSS / 1024,
    summary,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

async function buildInChild(orders: string, output: string, threads: number, memoryLimit: string, work: string): Promise<BuildFigures> {
  const self = fileURLToPath(import.meta.url);
  const args = [...process.execArgv, self, '--child', '--orders', orders, '--out', output, '--threads', String(threads), '--memory-limit', memoryLimit, '--work', work];
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * MB });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as BuildFigures;
}

async function generateAndValidate(rows: number, seed: number, dir: string): Promise<{ orders: string; seconds: number; rowsAccepted: number; peakRssMB: number }> {
  const orders = path.join(dir, 'orders.parquet');
  const staging = path.join(dir, 'accepted.staging.csv');
  const started = process.hrtime.bigint();
  const report = await validateOrders({
    input: generateOrdersCsv({ rows, seed }),
    source: `synthetic://?rows=${rows}&seed=${seed}`,
    asOf: AS_OF,
    quarantine: createWriteStream(path.join(dir, 'quarantine.csv')),
    staging: { stream: createWriteStream(staging), location: staging },
    acceptedLocation: orders,
    engine: new DuckDbEngine({ threads: 2 }),
  });
  await rm(staging, { force: true });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { orders, seconds, rowsAccepted: report.rows_accepted, peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '10000000' },
      seed: { type: 'string', default: '1' },
      threads: { type: 'string', default: '2' },
      'memory-limit': { type: 'string', default: '3GB' },
      orders: { type: 'string' },
      out: { type: 'string' },
      work: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'check-determinism': { type: 'boolean', default: false },
      child: { type: 'boolean', default: false },
    },
  });
  const threads = Number(values.threads);
  const memoryLimit = values['memory-limit'];
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got ${values.threads}`);

  if (values.child) {
    if (values.orders === undefined || values.out === undefined || values.work === undefined) throw new Error('--child needs --orders, --out and --work');
    await child(values.orders, values.out, threads, memoryLimit, path.join(values.work, 'duckdb-tmp'));
    return;
  }

  const rows = Number(values.rows.replace(/_/g, ''));
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
  const work = values.work ?? (await mkdtemp(path.join(tmpdir(), 'returns-bench-features-')));
  await mkdir(work, { recursive: true });
  try {
    let orders = values.orders;
    let prepare: Awaited<ReturnType<typeof generateAndValidate>> | undefined;
    if (orders === undefined) {
      console.log(`generating and validating ${rows.toLocaleString('en')} purchase lines (seed ${seed}) in ${work} ...`);
      prepare = await generateAndValidate(rows, seed, work);
      orders = prepare.orders;
      console.log(`  ${prepare.rowsAccepted.toLocaleString('en')} order lines accepted in ${round(prepare.seconds)} s`);
    }
    const ordersMB = (await stat(orders)).size / MB;

    console.log(`BuildFeatures on DuckDB, ${threads} thread(s), memory_limit ${memoryLimit} ...`);
    const output = path.join(work, 'features.parquet');
    const build = await buildInChild(orders, output, threads, memoryLimit, work);
    const featuresMB = (await stat(output)).size / MB;
    const outputSha256 = await sha256(output);
    const s = build.summary;
    console.log(
      `  ${s.purchase_lines.toLocaleString('en')} purchase lines in ${round(build.seconds)} s wall, ${round(build.cpuSeconds)} s CPU, ` +
        `peak RSS ${Math.round(build.peakRssMB)} MB; label rate ${round((s.label_rate ?? 0) * 100, 2)}%, ` +
        `links ${s.links.total.toLocaleString('en')} (${s.links.via_fallback} via fallback)`,
    );

    let determinism: { threads: number; sameBytes: boolean; seconds: number } | undefined;
    if (values['check-determinism']) {
      const again = path.join(work, 'features.1-thread.parquet');
      const single = await buildInChild(orders, again, 1, memoryLimit, work);
      determinism = { threads: 1, sameBytes: (await sha256(again)) === outputSha256, seconds: round(single.seconds) };
      console.log(`  1-thread rebuild: ${determinism.sameBytes ? 'same bytes' : 'DIFFERENT BYTES'} (${determinism.seconds} s)`);
    }

    await writeBenchResult('build-features', {
      options: { rows, seed, threads, memory_limit: memoryLimit, as_of: AS_OF, orders_given: values.orders !== undefined },
      target: { seconds: 120, peak_memory_mb: 4096, at_purchase_lines: 10_000_000 },
      generate_and_validate:
        prepare === undefined ? null : { seconds: round(prepare.seconds), order_lines: prepare.rowsAccepted, peak_rss_mb: Math.round(prepare.peakRssMB) },
      build_features: {
        seconds: round(build.seconds),
        cpu_seconds: round(build.cpuSeconds),
        peak_rss_mb: Math.round(build.peakRssMB),
        purchase_lines: s.purchase_lines,
        purchase_lines_per_second: Math.round(s.purchase_lines / build.seconds),
        orders_parquet_mb: round(ordersMB),
        features_parquet_mb: round(featuresMB),
        output_sha256: outputSha256,
      },
      determinism,
      summary: { ...s, features: s.features.length },
    });
  } finally {
    if (!values.keep && values.work === undefined) await rm(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
