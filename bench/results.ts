import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, found from this file whether it runs from source or from dist/. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

/** A row count as results files name it: 200000 -> 200k, 2000000 -> 2m, 12345 -> 12345. */
export function rowsLabel(rows: number): string {
  if (rows % 1_000_000 === 0) return `${rows / 1_000_000}m`;
  if (rows % 1_000 === 0) return `${rows / 1_000}k`;
  return String(rows);
}


/** Set by `bench/run-all.ts --quick` for the benchmarks it runs at their small sizes. */
export const QUICK_ENV = 'RETURNS_BENCH_QUICK';

/**
 * bench/results/, or bench/results/quick/ (git-ignored) for a --quick run, so checking that every
 * benchmark still works never replaces the full-size figures the README cites.
 */
export function resultsDir(): string {
  const dir = path.join(repoRoot(), 'bench', 'results');
  return process.env[QUICK_ENV] === '1' ? path.join(dir, 'quick') : dir;
}

/** Writes a benchmark's figures to <resultsDir()>/<name>.json with the machine they came from. */
export async function writeBenchResult(name: string, figures: Record<string, unknown>): Promise<string> {
  const dir = resultsDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version };
  await writeFile(file, `${JSON.stringify({ name, measured_at: new Date().toISOString(), machine, ...figures }, null, 2)}\n`);
  console.log(`figures written to ${path.relative(process.cwd(), file)}`);
  return file;
}
