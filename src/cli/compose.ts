import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ReturnsConfig } from '../../config/schema.js';
import { pipelineTasks } from '../../tasks/index.js';
import type { PipelineResources } from '../../tasks/resources.js';
import { DuckDbEngine } from '../adapters/engine/duckdb-engine.js';
import { SparkEngine } from '../adapters/engine/spark-engine.js';
import { DuckDbTableReader } from '../adapters/engine/duckdb-table-reader.js';
import { VegaSvgRenderer } from '../adapters/charts/vega-svg.js';
import { openTracking } from '../adapters/tracking/open-tracking.js';
import { createWinstonLogger } from '../adapters/logging/winston-logger.js';
import { createByteProgress } from '../adapters/progress/byte-progress.js';
import { openDatasetSource } from '../adapters/source/open-source.js';
import { resolveSourceUri } from '../adapters/source/resolve-source-uri.js';
import { openStore } from '../adapters/storage/open-store.js';
import { parseS3Settings, s3SettingsFromEnv, type S3Settings } from '../adapters/storage/s3-settings.js';
import { addDays } from '../domain/dates.js';
import { redactor } from '../domain/redact.js';
import { parseParams } from '../orchestrator/parameter.js';
import { Scheduler } from '../orchestrator/scheduler.js';
import type { AnyTask, TaskClass } from '../orchestrator/task.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { CliIo } from './io.js';
import { UsageError } from './usage-error.js';

/** Environment variables whose values must never reach a log line. */
export const SECRET_ENV_VARS = ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'KAGGLE_KEY', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_TRACKING_PASSWORD', 'RETURNS_API_TOKEN'];

export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return SECRET_ENV_VARS.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

export function createLogger(io: CliIo, config: ReturnsConfig): Logger {
  return createWinstonLogger({ json: !io.stderr.isTTY, level: config.log.level, stream: io.stderr, redact: secretValues(io.env) });
}

/** S3 settings: the environment first, then the config file's non-secret overrides. */
export function s3Settings(io: CliIo, config: ReturnsConfig): S3Settings {
  const fromEnv = s3SettingsFromEnv(io.env);
  return parseS3Settings({
    ...fromEnv,
    ...(config.s3.endpoint ? { endpoint: config.s3.endpoint } : {}),
    ...(config.s3.region ? { region: config.s3.region } : {}),
    ...(config.s3.forcePathStyle !== undefined ? { forcePathStyle: config.s3.forcePathStyle } : {}),
  });
}

export function openConfiguredStore(io: CliIo, config: ReturnsConfig): ObjectStore {
  try {
    return openStore(config.store, { s3: s3Settings(io, config), cwd: io.cwd });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * A synthetic source that names no period gets the 182 days before the as-of date, so the
 * default run on any date has mature history to learn from (the generator's own default period
 * is the real file's, Nov 2018 to Apr 2019).
 */
export function datedSynthetic(uri: string, asOf: string): string {
  if (!uri.startsWith('synthetic:')) return uri;
  const url = new URL(uri);
  if (url.searchParams.has('start') || url.searchParams.has('end')) return uri;
  url.searchParams.set('start', addDays(asOf, -182));
  url.searchParams.set('end', addDays(asOf, -1));
  return url.toString();
}

export function newRunId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
}

export function findTaskClass(name: string): TaskClass {
  const cls = pipelineTasks.find((t) => t.family === name || t.family.toLowerCase() === name.toLowerCase());
  if (!cls) throw new UsageError(`unknown task '${name}' (tasks: ${pipelineTasks.map((t) => t.family).join(', ')})`);
  return cls;
}

export interface TaskArgs {
  readonly date?: string;
  readonly source?: string;
  readonly engine?: string;
  readonly param?: readonly string[];
}

/** Builds a task from CLI arguments; every mistake is a UsageError naming the bad value. */
export function buildTask(cls: TaskClass, args: TaskArgs, today: string): AnyTask {
  const raw: Record<string, string> = {};
  for (const kv of args.param ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(kv)}: expected NAME=VALUE`);
    raw[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  if ('date' in cls.params) raw.date = args.date ?? raw.date ?? today;
  else if (args.date !== undefined) throw new UsageError(`${cls.family} takes no --date`);
  if (args.source !== undefined) {
    if (!('source' in cls.params)) throw new UsageError(`${cls.family} takes no --source`);
    raw.source = args.source;
  }
  if (args.engine !== undefined) {
    if (!('engine' in cls.params)) throw new UsageError(`${cls.family} takes no --engine`);
    raw.engine = args.engine;
  }
  try {
    return new cls(parseParams(cls.family, cls.params, raw) as never);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export interface Runtime {
  readonly config: ReturnsConfig;
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly runId: string;
  readonly resources: PipelineResources;
  scheduler(options: { workers: number; force?: readonly string[]; lockWait?: boolean }): Scheduler<PipelineResources>;
}

/** The composition root: the only place adapters are built from configuration. */
export function composeRuntime(io: CliIo, config: ReturnsConfig, codeVersion: string): Runtime {
  const store = openConfiguredStore(io, config);
  const runId = newRunId(io.clock.now());
  const logger = createLogger(io, config).child({ run_id: runId });
  const s3 = s3Settings(io, config);
  const resources: PipelineResources = {
    config,
    openSource: (uri, asOf, log) =>
      openDatasetSource(datedSynthetic(resolveSourceUri({ flag: uri, env: io.env, configValue: config.source, home: io.home }), asOf), {
        env: io.env,
        home: io.home,
        logger: log,
        s3Settings: s3,
      }),
    byteProgress: (label, log) => createByteProgress({ output: io.stderr, logger: log, label }),
    createEngine: async (kind, log) =>
      kind === 'spark'
        ? new SparkEngine({
            master: config.spark.master ?? 'local[*]',
            s3,
            logger: log,
            driverMemory: config.spark.driverMemory,
            timeoutMs: config.spark.timeoutSeconds * 1000,
            conf: config.spark.conf,
            jarsOnEveryNode: config.spark.jarsOnEveryNode,
          })
        : new DuckDbEngine({ threads: config.duckdb.threads, memoryLimit: config.duckdb.memoryLimit }),
    tableReader: new DuckDbTableReader(),
    chartRenderer: new VegaSvgRenderer(),
    ...openTracking({ env: io.env, store, clock: io.clock }),
    codeVersion,
    scratchDir: async (prefix) => {
      const dir = await mkdtemp(path.join(tmpdir(), `returns-${prefix}-`));
      return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
    },
  };
  return {
    config,
    store,
    logger,
    runId,
    resources,
    scheduler: (o) =>
      new Scheduler<PipelineResources>(
        { store, logger, clock: io.clock, resources, runId, owner: { runId, host: hostname(), pid: process.pid } },
        {
          workers: o.workers,
          retries: config.retries,
          retryDelayMs: config.retryDelaySeconds * 1000,
          lock: { leaseMs: config.lock.leaseSeconds * 1000, heartbeatMs: config.lock.heartbeatSeconds * 1000, pollMs: config.lock.pollSeconds * 1000 },
          codeVersion,
          redact: redactor(secretValues(io.env)),
          ...(o.force ? { force: o.force } : {}),
          ...(o.lockWait !== undefined ? { lockWait: o.lockWait } : {}),
          ...(io.signal ? { signal: io.signal } : {}),
        },
      ),
  };
}
