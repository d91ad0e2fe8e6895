import type { Command } from 'commander';
import { pipelineTasks } from '../../../tasks/index.js';
import { DEFAULT_UI_PORT, startUiServer, type RunningUiServer } from '../../adapters/http/ui-server.js';
import { isIsoDate, toIsoDate } from '../../domain/dates.js';
import type { AnyTask } from '../../orchestrator/task.js';
import { buildTask, createLogger, findTaskClass, openConfiguredStore } from '../compose.js';
import { loadConfig } from '../config-loader.js';
import type { CliIo } from '../io.js';
import { ExitCode, UsageError } from '../usage-error.js';

interface UiOpts {
  port: string;
  host: string;
  task: string;
  date?: string;
  store?: string;
  config?: string;
}

/** The DAG of a pipeline task for a date, as the visualiser asks for it. */
export function pipelineRoots(task: string, date: string): readonly AnyTask[] {
  const cls = findTaskClass(task);
  return [buildTask(cls, 'date' in cls.params ? { date } : {}, date)];
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    // Without a signal (an embedding that never stops) the server runs for the life of the process.
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `returns ui`: a local web page with the DAG of a task, each task's status, the run history, the latest model and report. */
export function registerUi(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('ui')
    .description('serve a local web page showing the DAG of a task with live statuses, the run history, the latest model metrics and report')
    .option('--port <N>', 'port to listen on (0: any free port)', String(DEFAULT_UI_PORT))
    .option('--host <ADDRESS>', 'address to listen on; keep the loopback default unless you mean to share it', '127.0.0.1')
    .option('--task <TASK>', 'task whose DAG the page shows first', 'Report')
    .option('--date <YYYY-MM-DD>', 'as-of date the page shows first (default: today, UTC)')
    .option('--store <URI>', 'checkpoint store: file://PATH or s3://BUCKET/PREFIX (default file://./data)')
    .option('--config <FILE>', 'JSON configuration file')
    .action(async (opts: UiOpts) => {
      if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535) throw new UsageError(`--port ${JSON.stringify(opts.port)}: expected a port number 0-65535`);
      if (opts.date !== undefined && !isIsoDate(opts.date)) throw new UsageError(`--date ${JSON.stringify(opts.date)}: expected a date YYYY-MM-DD`);
      const defaultTask = findTaskClass(opts.task).family;
      const config = await loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env, cwd: io.cwd, overrides: opts.store ? { store: opts.store } : {} });
      const store = openConfiguredStore(io, config);
      const logger = createLogger(io, config).child({ component: 'ui' });
      let server: RunningUiServer;
      try {
        server = await startUiServer({
          store,
          clock: io.clock,
          logger,
          resolveRoots: pipelineRoots,
          tasks: pipelineTasks.map((t) => t.family),
          defaultTask,
          ...(opts.date ? { defaultDate: opts.date } : {}),
          host: opts.host,
          port: Number(opts.port),
        });
      } catch (err) {
        await store.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`${opts.host}:${opts.port} is already in use; pass another --port (0 picks a free one)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${opts.host}: not an address of this machine`);
        throw err;
      }
      try {
        if (!/^(127\.|localhost$|::1$)/.test(opts.host)) {
          logger.warn(`listening on ${opts.host}: anyone who can reach this address can read the pipeline's status, history and reports`);
        }
        io.stdout.write(`returns ui: ${server.url}?task=${encodeURIComponent(defaultTask)}&date=${opts.date ?? toIsoDate(io.clock.now())} (store ${store.rootUri}); Ctrl-C stops it\n`);
        await untilAborted(io.signal);
        io.stderr.write('returns ui: stopping\n');
      } finally {
        await server.close();
        await store.close();
      }
      setExit(ExitCode.success);
    });
}
