import { Command, CommanderError, Option } from 'commander';
import { toIsoDate, dateRange, isIsoDate } from '../domain/dates.js';
import { checkCompleteness } from '../orchestrator/completeness.js';
import { buildGraph, CycleError } from '../orchestrator/graph.js';
import { formatGraph, graphFormats, type GraphFormat } from '../orchestrator/graph-format.js';
import { readHistory } from '../orchestrator/run-log.js';
import type { RunSummary } from '../orchestrator/scheduler.js';
import { formatSummary, summaryJson } from '../orchestrator/summary.js';
import type { AnyTask } from '../orchestrator/task.js';
import { registerGenerate } from './commands/generate.js';
import { checkSourcesUnchanged } from './source-guard.js';
import { registerServe } from './commands/serve.js';
import { registerModelCommands } from './commands/models.js';
import { registerPredict } from './commands/predict.js';
import { registerUi } from './commands/ui.js';
import { registerSchedule } from './commands/schedule.js';
import { loadConfig } from './config-loader.js';
import { redactor } from '../domain/redact.js';
import { buildTask, composeRuntime, findTaskClass, openConfiguredStore, secretValues, type Runtime } from './compose.js';
import type { CliIo } from './io.js';
import { ExitCode, UsageError } from './usage-error.js';

export const VERSION = '0.1.0';

interface CommonOpts {
  store?: string;
  config?: string;
  source?: string;
  engine?: string;
  date?: string;
  param?: string[];
  workers?: string;
  json?: boolean;
}

function intOption(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) throw new UsageError(`${name} ${JSON.stringify(value)}: expected a whole number >= ${min}`);
  return Number(value);
}

function dateOption(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && !isIsoDate(value)) throw new UsageError(`${name} ${JSON.stringify(value)}: expected a date YYYY-MM-DD`);
  return value;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

function withCommon(cmd: Command, extra: { date?: boolean; source?: boolean } = {}): Command {
  if (extra.date !== false) cmd.option('--date <YYYY-MM-DD>', 'as-of date (default: today, UTC)');
  if (extra.source !== false) cmd.option('--source <URI>', 'where order lines come from (file://, s3://, kaggle://, hdfs://, synthetic://)');
  cmd.option('--engine <ENGINE>', 'SQL engine for features and batch scoring: duckdb, spark or auto');
  return cmd
    .option('--param <NAME=VALUE>', 'another task parameter (repeatable)', collect)
    .option('--store <URI>', 'checkpoint store: file://PATH or s3://BUCKET/PREFIX (default file://./data)')
    .option('--config <FILE>', 'JSON configuration file');
}

/** Builds the `returns` program. Every action returns its exit code through `setExit`. */
export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('returns');
  const write = (s: string): void => void io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  program
    .description('Product-return prediction pipeline: a DAG of checkpointed tasks, run from cron.')
    .version(VERSION)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });

  const runtime = async (opts: CommonOpts): Promise<Runtime> => {
    const workers = intOption('--workers', opts.workers, 1);
    const config = await loadConfig({
      ...(opts.config ? { file: opts.config } : {}),
      env: io.env,
      cwd: io.cwd,
      overrides: { ...(opts.store ? { store: opts.store } : {}), ...(workers ? { workers } : {}) },
    });
    return composeRuntime(io, config, VERSION);
  };
  const today = (): string => toIsoDate(io.clock.now());
  const taskFrom = (name: string, opts: CommonOpts, date?: string): AnyTask =>
    buildTask(findTaskClass(name), { ...(date ?? opts.date ? { date: date ?? dateOption('--date', opts.date)! } : {}), ...(opts.source !== undefined ? { source: opts.source } : {}), ...(opts.engine !== undefined ? { engine: opts.engine } : {}), ...(opts.param ? { param: opts.param } : {}) }, today());

  const report = (summary: RunSummary, json: boolean | undefined): void => {
    if (json) {
      io.stderr.write(`${formatSummary(summary)}\n`);
      write(JSON.stringify(summaryJson(summary)));
    } else {
      write(formatSummary(summary));
    }
    setExit(summary.status === 'success' ? ExitCode.success : summary.lockHeld.length > 0 && summary.failed.length === 0 ? ExitCode.lockHeld : ExitCode.taskFailed);
  };

  withCommon(program.command('run').argument('<task>', 'task to make complete, with everything it requires').description('run a task and whatever it requires that is not complete'))
    .option('--workers <N>', 'tasks to run in parallel')
    .option('--force <TASK>', 'run this task (family name or task id) and everything downstream again (repeatable)', collect)
    .option('--no-wait', 'fail with exit code 3 instead of waiting when another process holds a task lock')
    .option('--json', 'print the result as one JSON object on the last line of stdout')
    .action(async (name: string, opts: CommonOpts & { force?: string[]; wait: boolean }) => {
      const task = taskFrom(name, opts);
      const rt = await runtime(opts);
      try {
        await checkSourcesUnchanged(rt, [task], opts.force ?? []);
        const summary = await rt.scheduler({ workers: rt.config.workers, ...(opts.force ? { force: opts.force } : {}), lockWait: opts.wait }).run([task]);
        report(summary, opts.json);
      } finally {
        await rt.store.close();
      }
    });

  withCommon(program.command('backfill').argument('<task>').description('run a task for every date of a range in one scheduler run, sharing upstream work'))
    .requiredOption('--from <YYYY-MM-DD>', 'first date')
    .requiredOption('--to <YYYY-MM-DD>', 'last date (included)')
    .option('--workers <N>', 'tasks to run in parallel')
    .option('--json', 'print the result as one JSON object on the last line of stdout')
    .action(async (name: string, opts: CommonOpts & { from: string; to: string }) => {
      const from = dateOption('--from', opts.from)!;
      const to = dateOption('--to', opts.to)!;
      if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
      if (opts.date) throw new UsageError('backfill takes --from and --to, not --date');
      const tasks = dateRange(from, to).map((d) => taskFrom(name, opts, d));
      const rt = await runtime(opts);
      try {
        await checkSourcesUnchanged(rt, tasks, []);
        report(await rt.scheduler({ workers: rt.config.workers }).run(tasks), opts.json);
      } finally {
        await rt.store.close();
      }
    });

  withCommon(program.command('status').argument('<task>').description('show each task of the DAG as complete or incomplete'))
    .option('--json', 'print JSON')
    .action(async (name: string, opts: CommonOpts) => {
      const task = taskFrom(name, opts);
      const rt = await runtime(opts);
      try {
        const graph = buildGraph([task]);
        const complete = await checkCompleteness(rt.store, graph);
        if (opts.json) {
          write(JSON.stringify({ tasks: graph.order.map((t) => ({ id: t.id, complete: complete.has(t.id) })) }));
        } else {
          for (const t of graph.order) write(`${complete.has(t.id) ? 'complete  ' : 'incomplete'}  ${t.id}`);
        }
        setExit(complete.has(task.id) ? ExitCode.success : ExitCode.taskFailed);
      } finally {
        await rt.store.close();
      }
    });

  withCommon(program.command('graph').argument('<task>').description('print the DAG of a task'))
    .addOption(new Option('--format <FORMAT>', 'output format').choices(graphFormats as string[]).default('text'))
    .action(async (name: string, opts: CommonOpts & { format: GraphFormat }) => {
      write(formatGraph(buildGraph([taskFrom(name, opts)]), opts.format));
      setExit(ExitCode.success);
    });

  program
    .command('history')
    .description('show recent runs from the run log in the store')
    .option('--limit <N>', 'number of runs', '10')
    .option('--store <URI>', 'checkpoint store')
    .option('--config <FILE>', 'JSON configuration file')
    .option('--json', 'print JSON lines of events')
    .action(async (opts: CommonOpts & { limit: string }) => {
      const limit = intOption('--limit', opts.limit, 1)!;
      const config = await loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env, cwd: io.cwd, overrides: opts.store ? { store: opts.store } : {} });
      const store = openConfiguredStore(io, config);
      try {
        const runs = await readHistory(store, limit);
        if (opts.json) {
          for (const r of runs) for (const e of r.events) write(JSON.stringify(e));
        } else if (runs.length === 0) {
          write(`no runs recorded in ${store.rootUri}`);
        } else {
          for (const r of runs) {
            const first = r.events[0];
            const last = r.events.find((e) => e.event === 'run_finished');
            const status = last ? String(last.detail?.status ?? '?') : 'unfinished (running, or killed)';
            const counts = last?.detail ? `ran ${last.detail.ran}, complete ${last.detail.complete}, failed ${last.detail.failed}, blocked ${last.detail.blocked}` : '';
            write(`${r.runId}  ${first?.ts ?? ''}  ${status}  ${counts}`);
            for (const e of r.events.filter((x) => x.event === 'task_failed')) write(`    failed ${e.task_id}: ${e.error}`);
          }
        }
        setExit(ExitCode.success);
      } finally {
        await store.close();
      }
    });

  registerGenerate(program, io, setExit);
  registerServe(program, io, setExit);
  registerModelCommands(program, io, setExit);
  registerPredict(program, io, setExit);
  registerUi(program, io, setExit);
  registerSchedule(program, io, setExit);
  return program;
}

/** Runs the CLI; returns the exit code. Errors become one line on stderr. */
export async function runCli(io: CliIo): Promise<number> {
  let code: number = ExitCode.success;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...io.argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.success;
      // commander has already printed its one-line message.
      return ExitCode.usage;
    }
    if (err instanceof UsageError || err instanceof CycleError) {
      io.stderr.write(`returns: error: ${redactor(secretValues(io.env))(err.message)}\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`returns: error: ${redactor(secretValues(io.env))((err as Error).message ?? String(err))}\n`);
    if (io.env.RETURNS_DEBUG) io.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return ExitCode.taskFailed;
  }
}
