/**
 * Throughput and memory of the synthetic data generator.
 *
 *   npx tsx bench/generate.ts [--rows N] [--seed S] [--no-truth]
 *
 * Generates N purchase lines (default 10,000,000) to a temporary folder, as `returns generate`
 * does (order CSV plus the truth side file unless --no-truth), then prints and records in
 * bench/results/generate.json: purchase lines and total rows per second, bytes written, peak RSS,
 * and RSS/heap samples along the way (flat samples = memory does not grow with the row count).
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { generateOrdersToFiles } from '../src/adapters/source/synthetic-files.js';
import { SYNTHETIC_GENERATOR_VERSION } from '../src/domain/synthetic/story.js';
import { resultsDir } from './results.js';

const MB = 1024 * 1024;

interface Sample {
  readonly seconds: number;
  readonly purchaseLines: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000000' }, seed: { type: 'string', default: '1' }, 'no-truth': { type: 'boolean', default: false } } });
  const rows = Number(values.rows.replace(/_/g, ''));
  const seed = Number(values.seed);
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows must be a positive integer, got ${values.rows}`);
  const withTruth = !values['no-truth'];
  const dir = await mkdtemp(path.join(tmpdir(), 'returns-bench-generate-'));
  const out = path.join(dir, 'orders.csv');
  const truthOut = withTruth ? path.join(dir, 'truth.csv') : undefined;

  const samples: Sample[] = [];
  let purchaseLines = 0;
  const started = performance.now();
  const sample = (): void => {
    const m = process.memoryUsage();
    samples.push({ seconds: round((performance.now() - started) / 1000, 1), purchaseLines, rssMB: round(m.rss / MB, 1), heapUsedMB: round(m.heapUsed / MB, 1) });
  };
  const timer = setInterval(sample, 2_000);
  let summary;
  try {
    summary = await generateOrdersToFiles({ rows, seed, out, truthOut, onProgress: (p) => (purchaseLines = p.purchaseLines) });
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - started) / 1000;
  sample();
  const csvBytes = (await stat(out)).size;
  const truthBytes = truthOut === undefined ? 0 : (await stat(truthOut)).size;
  await rm(dir, { recursive: true, force: true });

  const result = {
    benchmark: 'generate',
    measuredAt: new Date().toISOString(),
    generatorVersion: SYNTHETIC_GENERATOR_VERSION,
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    options: { rows, seed, truthFile: withTruth },
    seconds: round(seconds, 2),
    purchaseLines: summary.purchaseLines,
    totalRows: summary.totalRows,
    returnRows: summary.returnRows,
    sameRowReturns: summary.sameRowReturns,
    censoredReturns: summary.censoredReturns,
    nonProductRows: summary.nonProductRows,
    purchaseLinesPerSecond: Math.round(summary.purchaseLines / seconds),
    totalRowsPerSecond: Math.round(summary.totalRows / seconds),
    csvMB: round(csvBytes / MB, 1),
    truthMB: round(truthBytes / MB, 1),
    csvMBPerSecond: round(csvBytes / MB / seconds, 1),
    peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1),
    samples,
  };
  const results = resultsDir();
  await mkdir(results, { recursive: true });
  await writeFile(path.join(results, 'generate.json'), JSON.stringify(result, null, 2) + '\n');
  const { samples: _samples, ...headline } = result;
  console.log(JSON.stringify(headline, null, 2));
  console.log(`memory along the way (RSS MB): ${samples.map((s) => s.rssMB).join(' ')}`);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
