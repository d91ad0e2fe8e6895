/**
 * A separate process that runs a small DAG on a given store, for the crash and concurrency tests.
 * Every run() appends a line to <workDir>/runs.log (O_APPEND, so lines from several processes
 * never interleave), and the slow task streams its target in chunks so it can be killed mid-write.
 *
 *   node --import tsx test/harness/orchestrator-child.ts <storeUri> <workDir> <scenario>
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { createWinstonLogger } from '../../src/adapters/logging/winston-logger.js';
import { systemClock } from '../../src/adapters/clock/system-clock.js';
import { openStore } from '../../src/adapters/storage/open-store.js';
import { s3SettingsFromEnv } from '../../src/adapters/storage/s3-settings.js';
import { param } from '../../src/orchestrator/parameter.js';
import { Scheduler } from '../../src/orchestrator/scheduler.js';
import { Task, type TaskContext } from '../../src/orchestrator/task.js';

const [storeUri, workDir, scenario] = process.argv.slice(2) as [string, string, string];
const record = (id: string): void => appendFileSync(path.join(workDir, 'runs.log'), `${id}\t${process.pid}\n`);

const slowParams = { name: param.string(), chunks: param.int({ default: 40 }) };
class SlowWrite extends Task<typeof slowParams> {
  static override readonly family = 'SlowWrite';
  static override readonly params = slowParams;
  override output() {
    return this.file('big.bin');
  }
  async run(ctx: TaskContext): Promise<void> {
    record(this.id);
    const chunks = this.p.chunks;
    const started = path.join(workDir, `writing-${process.pid}`);
    async function* body(): AsyncGenerator<Buffer> {
      for (let i = 0; i < chunks; i++) {
        if (i === 1) writeFileSync(started, 'x'); // the parent kills us once the write is under way
        yield Buffer.alloc(256 * 1024, i % 251);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    await this.outputsIn(ctx).write(Readable.from(body()));
  }
}

/** The DAG: final <- b, c <- a. */
const STEP_DEPS: Record<string, string[]> = { final: ['b', 'c'], b: ['a'], c: ['a'], a: [] };
const stepParams = { name: param.string() };
class Step extends Task<typeof stepParams> {
  static override readonly family = 'Step';
  static override readonly params = stepParams;
  override requires() {
    return (STEP_DEPS[this.p.name] ?? []).map((n) => new Step({ name: n }));
  }
  override output() {
    return this.file('step.txt');
  }
  async run(ctx: TaskContext): Promise<void> {
    record(this.id);
    await new Promise((r) => setTimeout(r, 150));
    await this.outputsIn(ctx).write(`${this.id}\n`);
  }
}

const store = openStore(storeUri, { s3: s3SettingsFromEnv(process.env) });
const logger = createWinstonLogger({ json: true, level: 'warn' });
const runId = `child-${process.pid}`;
const scheduler = new Scheduler(
  { store, logger, clock: systemClock, resources: undefined, runId },
  { workers: 2, retries: 0, retryDelayMs: 0, lock: { leaseMs: 10_000, heartbeatMs: 2_000, pollMs: 100 } },
);
const roots =
  scenario === 'crash'
    ? [new SlowWrite({ name: 'x' })]
    : [new Step({ name: 'final' })];
const summary = await scheduler.run(roots);
await store.close();
process.stdout.write(`${JSON.stringify({ status: summary.status, ran: summary.ran, complete: summary.complete })}\n`);
process.exitCode = summary.status === 'success' ? 0 : 1;
