import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/program.js';
import type { Clock } from '../../src/ports/clock.js';
import { FakeClock } from './fake-clock.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A small synthetic source, so pipeline runs in tests take seconds (the default is 200,000 lines). */
export const SMALL_SOURCE = 'synthetic://?rows=2000&seed=1';

/** Two streams to hand runCli, and the text written to each so far (not a TTY: logs are JSON lines). */
export function capturedOutput(): { stdout: PassThrough; stderr: PassThrough; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { stdout, stderr, out: () => out, err: () => err };
}

/** Runs the CLI in-process with captured output (not a TTY, so logs are JSON lines). */
export async function cli(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; clock?: Clock }): Promise<CliResult> {
  const { stdout, stderr, out, err } = capturedOutput();
  const code = await runCli({ argv: args, env: opts.env ?? { RETURNS_SOURCE: SMALL_SOURCE }, cwd: opts.cwd, home: opts.cwd, stdout, stderr, clock: opts.clock ?? new FakeClock() });
  return { code, stdout: out(), stderr: err() };
}
