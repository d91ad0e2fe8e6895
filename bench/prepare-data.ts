/**
 * What the data benchmarks share: the as-of date of a generated dataset, validating order CSV
 * bytes into the order-lines Parquet as IngestOrders + ValidateOrders do, and running a step in a
 * child process so its wall time, CPU time and peak memory are its own (reported by the child, or
 * measured from the outside for a command that does not report them, such as the CLI).
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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

interface EchoedRun {
  readonly code: number | null;
  /** The last stdout line that starts with `{`, if any. */
  readonly figures: string | undefined;
}

/** Runs a command, echoing its stdout lines except the JSON ones (`{...}`) with `indent`; stderr passes through. */
async function runEchoing(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; indent: string; cwd?: string }): Promise<EchoedRun> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], env: options.env, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  let figures: string | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('{')) figures = line;
    else console.log(`${options.indent}${line}`);
  }
  return { code: await exited, figures };
}

/**
 * Runs a command that prints its figures as one JSON line (starting with `{`) on stdout; every
 * other line is progress, echoed as it comes with `indent`. stderr passes through. Resolves with
 * the last JSON line; rejects when the command fails.
 */
export async function runReportingChild(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env, indent = '  '): Promise<unknown> {
  const { code, figures } = await runEchoing(command, args, { env, indent });
  const what = [path.basename(command), ...args].join(' ');
  if (code !== 0) throw new Error(`${what} exited with code ${code}`);
  if (figures === undefined) throw new Error(`${what} printed no figures`);
  return JSON.parse(figures) as unknown;
}

/** GNU time reports a child's own CPU time and peak RSS, which Node cannot read (it has no wait4). */
export const GNU_TIME = '/usr/bin/time';

export interface MeasuredRun extends ProcessFigures {
  /** Wall time from spawn to exit. */
  readonly seconds: number;
  /** The last JSON line the command printed on stdout, parsed; undefined when it printed none. */
  readonly figures: unknown;
}

/**
 * Runs a command as runReportingChild does, under GNU time, and measures the whole process from
 * the outside: wall time, CPU time (user + system, every thread) and peak RSS (native memory
 * included). Rejects when the command fails.
 */
export async function runMeasuredChild(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; indent?: string } = {}): Promise<MeasuredRun> {
  const dir = await mkdtemp(path.join(tmpdir(), 'returns-bench-time-'));
  const report = path.join(dir, 'time.txt');
  try {
    const started = process.hrtime.bigint();
    const { code, figures } = await runEchoing(GNU_TIME, ['--quiet', '--format', '%U %S %M', '--output', report, command, ...args], {
      env: options.env ?? process.env,
      indent: options.indent ?? '  ',
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const seconds = secondsSince(started);
    if (code !== 0) throw new Error(`${[path.basename(command), ...args].join(' ')} exited with code ${code}`);
    const [user, system, maxRssKB] = (await readFile(report, 'utf8')).trim().split(/\s+/).map(Number);
    if (user === undefined || system === undefined || maxRssKB === undefined || [user, system, maxRssKB].some(Number.isNaN)) throw new Error(`${GNU_TIME} wrote no figures to ${report}`);
    return { seconds, cpuSeconds: user + system, peakRssMB: maxRssKB / 1024, figures: figures === undefined ? undefined : (JSON.parse(figures) as unknown) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs this very script again (same Node flags, e.g. tsx's loader) with `args`, as a reporting child. */
export async function runSelfAsChild(script: string, args: readonly string[]): Promise<unknown> {
  return runReportingChild(process.execPath, [...process.execArgv, script, ...args]);
}
