import type { Command } from 'commander';
import { Cron } from 'croner';
import { toIsoDate } from '../../domain/dates.js';
import { summaryJson, formatSummary } from '../../orchestrator/summary.js';
import { errorMessage } from '../../orchestrator/scheduler.js';
import { buildTask, composeRuntime, createLogger, findTaskClass, openConfiguredStore } from '../compose.js';
import { loadConfig } from '../config-loader.js';
import type { CliIo } from '../io.js';
import { ScheduledRuns, type TriggerOutcome } from '../scheduled-runs.js';
import { ExitCode, UsageError } from '../usage-error.js';

interface ScheduleOpts {
  cron: string;
  timezone: string;
  once?: boolean;
  source?: string;
  engine?: string;
  param?: string[];
  store?: string;
  config?: string;
  workers?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

/** Checks the pattern and time zone; a bad one is a usage error naming it. */
function checkCron(pattern: string, timezone: string): void {
  try {
    const probe = new Cron(pattern, { timezone, paused: true });
    probe.nextRun(); // an unknown time zone only shows when a date is computed
    probe.stop();
  } catch (err) {
    throw new UsageError(`--cron ${JSON.stringify(pattern)} --timezone ${timezone}: ${errorMessage(err)}`);
  }
}

/** The exit code of one trigger, as `returns run` would give it. */
function exitCodeOf(outcome: TriggerOutcome): number {
  if (outcome.kind === 'skipped') return ExitCode.lockHeld;
  const s = outcome.summary;
  if (s.status === 'success') return ExitCode.success;
  return s.lockHeld.length > 0 && s.failed.length === 0 ? ExitCode.lockHeld : ExitCode.taskFailed;
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * `returns schedule --cron PATTERN <task>`: the long-running alternative to a crontab line. Each
 * trigger runs the task for the trigger's date (UTC) through the same Scheduler as `returns run`;
 * a trigger that finds the previous run still going (here or in another scheduler on the same
 * store) is skipped and logged. `--once` fires immediately once and exits with the run's code.
 */
export function registerSchedule(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('schedule')
    .argument('<task>', "task to make complete at each trigger, for the trigger's date (UTC)")
    .description('run a task on a cron schedule; never overlaps with itself or with another scheduler on the same store')
    .requiredOption('--cron <PATTERN>', 'cron pattern, e.g. "0 2 * * *" (5 fields; a 6th leading field is seconds)')
    .option('--timezone <ZONE>', 'IANA time zone the pattern is read in', 'UTC')
    .option('--once', 'fire once now and exit: 0 done, 1 task failed, 3 another run holds the schedule')
    .option('--source <URI>', 'where order lines come from (file://, s3://, kaggle://, hdfs://, synthetic://)')
    .option('--engine <ENGINE>', 'SQL engine for features and batch scoring: duckdb, spark or auto')
    .option('--param <NAME=VALUE>', 'another task parameter (repeatable)', collect)
    .option('--store <URI>', 'checkpoint store: file://PATH or s3://BUCKET/PREFIX (default file://./data)')
    .option('--config <FILE>', 'JSON configuration file')
    .option('--workers <N>', 'tasks to run in parallel')
    .option('--json', 'print each result as one JSON object on a line of stdout')
    .action(async (name: string, opts: ScheduleOpts) => {
      const cls = findTaskClass(name);
      if (opts.param?.some((kv) => kv.startsWith('date='))) throw new UsageError("schedule sets each run's date from its trigger; --param date=... is not allowed");
      checkCron(opts.cron, opts.timezone);
      if (opts.workers !== undefined && (!/^\d+$/.test(opts.workers) || Number(opts.workers) < 1)) {
        throw new UsageError(`--workers ${JSON.stringify(opts.workers)}: expected a whole number >= 1`);
      }
      const taskFor = (date: string) =>
        buildTask(
          cls,
          {
            date,
            ...(opts.source !== undefined ? { source: opts.source } : {}),
            ...(opts.engine !== undefined ? { engine: opts.engine } : {}),
            ...(opts.param ? { param: opts.param } : {}),
          },
          date,
        );
      // Mistakes show now, not at 2 a.m.: the task's parameters, the configuration and the store URI.
      taskFor(toIsoDate(io.clock.now()));
      const config = await loadConfig({
        ...(opts.config ? { file: opts.config } : {}),
        env: io.env,
        cwd: io.cwd,
        overrides: { ...(opts.store ? { store: opts.store } : {}), ...(opts.workers ? { workers: Number(opts.workers) } : {}) },
      });
      await openConfiguredStore(io, config).close();

      const codeVersion = program.version() ?? '0';
      const logger = createLogger(io, config).child({ schedule: cls.family });
      const runs = new ScheduledRuns({ family: cls.family, taskFor, openRuntime: async () => composeRuntime(io, config, codeVersion), clock: io.clock, logger });
      const show = (o: TriggerOutcome): void => {
        if (o.kind === 'ran') {
          if (opts.json) io.stderr.write(`${formatSummary(o.summary)}\n`);
          io.stdout.write(`${opts.json ? JSON.stringify({ date: o.date, ...summaryJson(o.summary) }) : formatSummary(o.summary)}\n`);
        } else {
          io.stdout.write(`${opts.json ? JSON.stringify({ status: 'skipped', task: cls.family, date: o.date, reason: o.reason }) : `skipped ${cls.family} for ${o.date}: ${o.reason}`}\n`);
        }
      };

      if (opts.once) {
        const outcome = await runs.fire(io.clock.now());
        show(outcome);
        setExit(exitCodeOf(outcome));
        return;
      }

      if (!io.signal) throw new UsageError('schedule without --once runs until stopped, and this caller gave no way to stop it');
      const signal = io.signal;
      const job: Cron = new Cron(opts.cron, { timezone: opts.timezone }, async () => {
        if (signal.aborted) return;
        try {
          show(await runs.fire(io.clock.now()));
        } catch (err) {
          // A failed trigger (the store unreachable...) is logged; the schedule goes on.
          logger.error(`scheduled run could not start: ${errorMessage(err)}`);
        }
        logger.info('next trigger', { next: job.nextRun()?.toISOString() });
      });
      logger.info('scheduler started', { task: cls.family, cron: opts.cron, timezone: opts.timezone, next: job.nextRun()?.toISOString() });
      await untilAborted(signal);
      job.stop();
      if (runs.busy) logger.info('stopping: waiting for the running tasks to finish');
      await runs.idle();
      logger.info('scheduler stopped');
      setExit(ExitCode.success);
    });
}
