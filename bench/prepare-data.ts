/**
 * What the data benchmarks share: the as-of date of a generated dataset, validating order CSV
 * bytes into the order-lines Parquet as IngestOrders + ValidateOrders do, and running a step in a
 * child process so its wall time, CPU time and peak memory are its own.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { DuckDbEngine } from '../src/adapters/engine/duckdb-engine.js';
import { validateOrders } from '../src/application/validate-orders.js';
import { addDays } from '../src/domain/dates.js';
import { SYNTHETIC_DEFAULTS } from '../src/domain/synthetic/options.js';

/** The day after the generator's default period: every generated purchase is before it. */
export const AS_OF = addDays(SYNTHETIC_DEFAULTS.end, 1);

export const MB = 1024 * 1024;

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export const secondsSince = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

export interface ValidatedOrders {
  /** The order-lines Parquet. */
  readonly orders: string;
  readonly seconds: number;
  readonly rowsAccepted: number;
  readonly rowsQuarantined: number;
  /** Of this process, so far. */
  readonly peakRssMB: number;
}

/**
 * Validates order CSV bytes into `<dir>/orders.parquet` (quarantine in `<dir>/quarantine.csv`),
 * with the default quality limits and DuckDB on two threads.
 */
export async function validateIntoParquet(input: Readable, source: string, dir: string): Promise<ValidatedOrders> {
  const orders = path.join(dir, 'orders.parquet');
  const staging = path.join(dir, 'accepted.staging.csv');
  const started = process.hrtime.bigint();
  try {
    const report = await validateOrders({
      input,
      source,
      asOf: AS_OF,
      quarantine: createWriteStream(path.join(dir, 'quarantine.csv')),
      staging: { stream: createWriteStream(staging), location: staging },
      acceptedLocation: orders,
      engine: new DuckDbEngine({ threads: 2 }),
    });
    return { orders, seconds: secondsSince(started), rowsAccepted: report.rows_accepted, rowsQuarantined: report.rows_quarantined, peakRssMB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await rm(staging, { force: true });
  }
}

export interface ProcessFigures {
  readonly cpuSeconds: number;
  readonly peakRssMB: number;
}

/** CPU time and peak resident memory of this process so far. */
export function processFigures(): ProcessFigures {
  const usage = process.resourceUsage();
  return { cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, peakRssMB: usage.maxRSS / 1024 };
}

/**
 * Runs a command that prints its figures as one JSON line (starting with `{`) on stdout; every
 * other line is progress, echoed as it comes with `indent`. stderr passes through. Resolves with
 * the last JSON line; rejects when the command fails.
 */
export async function runReportingChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, indent = '  '): Promise<unknown> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  let figures: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('{')) figures = line;
    else console.log(`${indent}${line}`);
  }
  const code = await exited;
  const what = [path.basename(command), ...args].join(' ');
  if (code !== 0) throw new Error(`${what} exited with code ${code}`);
  if (figures === undefined) throw new Error(`${what} printed no figures`);
  return JSON.parse(figures) as unknown;
}

/** Runs this very script again (same Node flags, e.g. tsx's loader) with `args`, as a reporting child. */
export async function runSelfAsChild(script: string, args: readonly string[]): Promise<unknown> {
  return runReportingChild(process.execPath, [...process.execArgv, script, ...args]);
}
