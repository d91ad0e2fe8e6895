/**
 * The cluster SqlEngine: each job is one `spark-submit` of the PySpark driver (spark/driver.py)
 * on a JSON plan, against the configured master (`local[*]`, `spark://host:port`...). Spark reads
 * and writes `s3a://` and local paths itself; each output ends up as ONE file at its location
 * (the driver writes a single sorted part file and moves it there), like DuckDbEngine writes it.
 *
 * Settings given to every job, so that Spark SQL answers like DuckDB on the portable subset:
 *   - spark.sql.session.timeZone=UTC (and the JVMs' and driver's TZ): dates and timestamps do not
 *     depend on the machine's zone.
 *   - spark.sql.ansi.enabled=true (Spark 4's default, pinned): a bad CAST or an integer overflow
 *     fails the job as in DuckDB instead of becoming NULL. Division by zero still differs (Spark
 *     fails, DuckDB gives ±Infinity): the portable SQL guards divisors with NULLIF.
 *   - spark.sql.parquet.compression.codec=snappy, spark.sql.parquet.outputTimestampType=
 *     TIMESTAMP_MICROS: the Parquet DuckDB writes.
 * CSV inputs get the declared column types (no inference) and CSV outputs a header row.
 *
 * Spark's log goes line by line to the Logger (debug; its warnings at info); a failed job throws
 * a SparkEngineError whose message is one line: Spark's exception class and message. A job that
 * outlives timeoutMs has its whole process group killed (spark-submit's JVM and the Python
 * driver).
 *
 * S3 credentials travel in the environment of spark-submit only: never in its arguments, never
 * in the plan file, never in a log line (they are masked if Spark ever prints them).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { LogFields, Logger } from '../../ports/logger.js';
import type { SqlEngine, SqlInput, SqlJob, SqlJobResult } from '../../ports/sql-engine.js';
import { usesPathStyle, type S3Settings } from '../storage/s3-settings.js';
import { jobPlan, queryPlan, SparkPlanError, type SparkPlan, type SparkPlanS3 } from './spark-job-plan.js';
import { classifySparkLogLine, redactSecrets } from './spark-log.js';
import { BadDriverResultError, parseDriverResult, queryRows, type DriverFailure } from './spark-result.js';

export interface SparkEngineOptions {
  /** The spark-submit to run. Default: the repo's `.venv/bin/spark-submit` when present, else `spark-submit` on PATH. */
  readonly sparkSubmit?: string;
  /** `local[*]` (default), `local[2]`, `spark://host:7077`... */
  readonly master?: string;
  /**
   * Jars for the driver and executors (`--jars`), e.g. hadoop-aws and the AWS SDK bundle for
   * s3a://; passed to every job. Default: the jars in the repo's `.cache/spark-jars` (what
   * `make spark-jars` fetches), passed to the jobs that touch s3:// only (the AWS SDK bundle
   * alone is ~650 MB that each executor would otherwise copy for nothing).
   */
  readonly jars?: readonly string[];
  /**
   * The jars already sit at the same paths on every node (a shared install, or a cluster on this
   * machine): they are passed as `local:` URIs and executors load them in place, instead of
   * fetching a copy from the driver into their work folder for every application. Default false.
   */
  readonly jarsOnEveryNode?: boolean;
  /** How to reach S3 for s3:// locations (endpoint, path style, credentials). */
  readonly s3?: S3Settings;
  /** A job running longer is killed (default 1 hour). */
  readonly timeoutMs?: number;
  /** Where Spark's log goes (default: nowhere). */
  readonly logger?: Logger;
  /** `--driver-memory`, e.g. '1g' (Spark's default otherwise). */
  readonly driverMemory?: string;
  /** More `--conf key=value` settings (executor memory, driver host...); they override the defaults above. */
  readonly conf?: Readonly<Record<string, string>>;
  /** The PySpark driver script (default: the repo's spark/driver.py). */
  readonly driverScript?: string;
  /** Parent folder of each run's plan, result and scratch files (default: the OS temp folder). */
  readonly workDir?: string;
  /** Environment for spark-submit (default: process.env); JAVA_HOME, SPARK_HOME... come from here. */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder relative local locations are resolved against (default: process.cwd()). */
  readonly cwd?: string;
  /** The Spark application name (shows in the master's UI). */
  readonly appName?: string;
}

export class SparkEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SparkEngineError';
  }
}

const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
/** After SIGTERM on timeout, how long the JVM gets for its shutdown hooks before SIGKILL. */
const KILL_GRACE_MS = 5_000;
const STDERR_TAIL = 30;

/** The settings that make Spark SQL answer like DuckDB (see the header comment). */
export const PARITY_CONF: Readonly<Record<string, string>> = {
  'spark.sql.session.timeZone': 'UTC',
  'spark.sql.ansi.enabled': 'true',
  'spark.sql.parquet.compression.codec': 'snappy',
  'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS',
  'spark.driver.extraJavaOptions': '-Duser.timezone=UTC',
  'spark.executor.extraJavaOptions': '-Duser.timezone=UTC',
  // A batch job: no progress bar in the log, no web UI port to find.
  'spark.ui.showConsoleProgress': 'false',
  'spark.ui.enabled': 'false',
};

const JAVA_OPTION_KEYS = ['spark.driver.extraJavaOptions', 'spark.executor.extraJavaOptions'] as const;

/** The folder holding spark/driver.py, found upwards from this module (src/ or dist/src/). */
export function findRepoRoot(start = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'spark', 'driver.py'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The jars in a folder (e.g. `.cache/spark-jars`), sorted; none when the folder is missing. */
export async function findSparkJars(folder: string): Promise<string[]> {
  try {
    const names = await readdir(folder);
    return names
      .filter((n) => n.endsWith('.jar'))
      .sort()
      .map((n) => path.join(folder, n));
  } catch {
    return [];
  }
}

/** Every spark-submit process group still running, killed if this process exits first. */
const liveGroups = new Set<number>();
const killLiveGroups = (): void => {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
};

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function s3Plan(settings: S3Settings): SparkPlanS3 {
  return {
    ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
    region: settings.region,
    pathStyle: usesPathStyle(settings),
    maxAttempts: settings.maxAttempts,
  };
}

function usesS3a(plan: SparkPlan): boolean {
  const uris = [...plan.inputs.map((i) => i.uri), ...(plan.kind === 'job' ? plan.outputs.map((o) => o.uri) : [])];
  return uris.some((uri) => uri.startsWith('s3a://'));
}

function failureMessage(failure: DriverFailure): string {
  const where = failure.step !== undefined && failure.step !== '' ? ` (while ${failure.step})` : '';
  return `Spark failed: ${failure.errorClass}: ${failure.message}${where}`;
}

let runCounter = 0;

export class SparkEngine implements SqlEngine {
  readonly name = 'spark' as const;
  private readonly repoRoot: string | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private jars: Promise<string[]> | undefined;
  private closed = false;
  /** Process groups of this engine's running spark-submits, for close(). */
  private readonly ownGroups = new Set<number>();

  constructor(private readonly options: SparkEngineOptions = {}) {
    this.repoRoot = findRepoRoot();
    this.env = options.env ?? process.env;
  }

  async runJob(job: SqlJob): Promise<SqlJobResult> {
    const result = await this.submit((context) => jobPlan(job, context));
    if (result.kind !== 'job') throw new SparkEngineError('the Spark driver answered a job with query rows');
    return { rowCounts: result.rowCounts };
  }

  async query(sql: string, inputs: readonly SqlInput[] = []): Promise<Record<string, unknown>[]> {
    const result = await this.submit((context) => queryPlan(sql, inputs, context));
    if (result.kind !== 'query') throw new SparkEngineError('the Spark driver answered a query with row counts');
    return result.rows;
  }

  /** Kills any job still running; the engine takes no new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pid of [...this.ownGroups]) killGroup(pid, 'SIGKILL');
  }

  private get master(): string {
    return this.options.master ?? 'local[*]';
  }

  private get logger(): Logger | undefined {
    return this.options.logger;
  }

  private async submit(
    build: (context: { appName: string; resultPath: string; cwd: string; s3?: SparkPlanS3 }) => SparkPlan,
  ): Promise<{ kind: 'job'; rowCounts: Record<string, number> } | { kind: 'query'; rows: Record<string, unknown>[] }> {
    if (this.closed) throw new SparkEngineError('the Spark engine is closed');
    runCounter += 1;
    const run = runCounter;
    const parent = this.options.workDir ?? os.tmpdir();
    await mkdir(parent, { recursive: true });
    const runDir = await mkdtemp(path.join(parent, 'returns-spark-'));
    try {
      const resultPath = path.join(runDir, 'result.json');
      let plan: SparkPlan;
      try {
        plan = build({
          appName: this.options.appName ?? 'returns-sql',
          resultPath,
          cwd: this.options.cwd ?? process.cwd(),
          ...(this.options.s3 !== undefined ? { s3: s3Plan(this.options.s3) } : {}),
        });
      } catch (err) {
        if (err instanceof SparkPlanError) throw new SparkEngineError(err.message, { cause: err });
        throw err;
      }
      const jars = await this.resolveJars(usesS3a(plan));
      if (usesS3a(plan) && !jars.some((jar) => /hadoop-aws-[^/]*\.jar$/.test(jar))) {
        throw new SparkEngineError(
          's3:// locations need the hadoop-aws and AWS SDK jars: run `make spark-jars` (fills .cache/spark-jars) or pass them as jars',
        );
      }
      const planPath = path.join(runDir, 'plan.json');
      await writeFile(planPath, JSON.stringify(plan, null, 2));
      await this.spawnDriver(planPath, runDir, jars, plan, run);
      const text = await readFile(resultPath, 'utf8');
      try {
        if (plan.kind === 'job') {
          const result = parseDriverResult(text, 'job');
          if (!result.ok) throw new SparkEngineError(failureMessage(result));
          return { kind: 'job', rowCounts: result.rowCounts };
        }
        const result = parseDriverResult(text, 'query');
        if (!result.ok) throw new SparkEngineError(failureMessage(result));
        return { kind: 'query', rows: queryRows(result) };
      } catch (err) {
        if (err instanceof BadDriverResultError) throw new SparkEngineError(err.message, { cause: err });
        throw err;
      }
    } finally {
      await rm(runDir, { recursive: true, force: true, maxRetries: 3 });
    }
  }

  private async resolveJars(s3a: boolean): Promise<string[]> {
    if (this.options.jars !== undefined) return [...this.options.jars];
    if (!s3a) return [];
    this.jars ??= this.repoRoot === undefined ? Promise.resolve([]) : findSparkJars(path.join(this.repoRoot, '.cache', 'spark-jars'));
    return this.jars;
  }

  private sparkSubmit(): string {
    if (this.options.sparkSubmit !== undefined) return this.options.sparkSubmit;
    const venv = this.repoRoot === undefined ? undefined : path.join(this.repoRoot, '.venv', 'bin', 'spark-submit');
    return venv !== undefined && existsSync(venv) ? venv : 'spark-submit';
  }

  private driverScript(): string {
    if (this.options.driverScript !== undefined) return this.options.driverScript;
    if (this.repoRoot === undefined) throw new SparkEngineError('spark/driver.py not found above the engine module; set driverScript');
    return path.join(this.repoRoot, 'spark', 'driver.py');
  }

  /** spark-submit's arguments: no secret ever goes here (other users can read a command line). */
  submitArgs(planPath: string, runDir: string, jars: readonly string[]): string[] {
    const conf: Record<string, string> = {
      ...PARITY_CONF,
      // Statements that CREATE TABLE put the table here, not in the caller's folder; the driver's
      // scratch files (shuffle spills in local mode, Python temp files) live and die with the run.
      'spark.sql.warehouse.dir': `file://${path.join(runDir, 'warehouse')}`,
      'spark.local.dir': path.join(runDir, 'local'),
      ...this.options.conf,
    };
    // JVM options given in conf come on top of the UTC zone, not instead of it.
    for (const key of JAVA_OPTION_KEYS) {
      const extra = this.options.conf?.[key];
      if (extra !== undefined) conf[key] = `${PARITY_CONF[key] ?? ''} ${extra}`.trim();
    }
    return [
      '--master',
      this.master,
      '--deploy-mode',
      'client',
      '--name',
      this.options.appName ?? 'returns-sql',
      ...(this.options.driverMemory !== undefined ? ['--driver-memory', this.options.driverMemory] : []),
      ...(jars.length > 0 ? ['--jars', jars.map((jar) => this.jarUri(jar)).join(',')] : []),
      ...Object.entries(conf).flatMap(([key, value]) => ['--conf', `${key}=${value}`]),
      this.driverScript(),
      planPath,
    ];
  }

  private jarUri(jar: string): string {
    if (!this.options.jarsOnEveryNode || /^[a-z][a-z0-9+.-]*:/i.test(jar)) return jar;
    return `local:${path.resolve(jar)}`;
  }

  private submitEnv(sparkSubmit: string): { env: NodeJS.ProcessEnv; secrets: string[] } {
    const env: NodeJS.ProcessEnv = { ...this.env, TZ: 'UTC', PYTHONUNBUFFERED: '1', PYTHONHASHSEED: '0' };
    // A pip-installed spark-submit finds its SPARK_HOME (and runs the driver) with the Python
    // beside it, when there is one (a venv); otherwise with whatever `python3` is on PATH.
    const python = path.join(path.dirname(sparkSubmit), 'python3');
    if (env['PYSPARK_PYTHON'] === undefined && path.isAbsolute(sparkSubmit) && existsSync(python)) env['PYSPARK_PYTHON'] = python;
    const secrets: string[] = [];
    const s3 = this.options.s3;
    if (s3?.accessKeyId !== undefined && s3.secretAccessKey !== undefined) {
      env['AWS_ACCESS_KEY_ID'] = s3.accessKeyId;
      env['AWS_SECRET_ACCESS_KEY'] = s3.secretAccessKey;
      secrets.push(s3.accessKeyId, s3.secretAccessKey);
      if (s3.sessionToken !== undefined) {
        env['AWS_SESSION_TOKEN'] = s3.sessionToken;
        secrets.push(s3.sessionToken);
      } else {
        delete env['AWS_SESSION_TOKEN'];
      }
    }
    return { env, secrets };
  }

  private async spawnDriver(planPath: string, runDir: string, jars: readonly string[], plan: SparkPlan, run: number): Promise<void> {
    const sparkSubmit = this.sparkSubmit();
    const { env, secrets } = this.submitEnv(sparkSubmit);
    const fields: LogFields = { engine: 'spark', master: this.master, app: plan.appName, kind: plan.kind, run };
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger?.info('spark-submit started', { ...fields, jars: jars.length });
    const started = Date.now();

    const child = execa(sparkSubmit, this.submitArgs(planPath, runDir, jars), {
      cwd: runDir,
      env,
      extendEnv: false,
      // Its own process group, so that a timeout kills the JVM and the Python driver together.
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const pid = child.pid;
    if (pid !== undefined) {
      this.ownGroups.add(pid);
      liveGroups.add(pid);
      if (liveGroups.size === 1) process.on('exit', killLiveGroups);
    }

    const tail: string[] = [];
    const pump = (stream: NodeJS.ReadableStream | null, name: 'stdout' | 'stderr'): Promise<void> => {
      if (stream === null) return Promise.resolve();
      const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
      lines.on('line', (raw: string) => {
        const line = redactSecrets(raw, secrets);
        if (name === 'stderr') {
          tail.push(line);
          if (tail.length > STDERR_TAIL) tail.shift();
        }
        const entry = classifySparkLogLine(line);
        if (entry === undefined || this.logger === undefined) return;
        const extra = entry.sparkLevel !== undefined ? { ...fields, stream: name, sparkLevel: entry.sparkLevel } : { ...fields, stream: name };
        this.logger[entry.level](entry.message, extra);
      });
      return new Promise((resolve) => lines.once('close', () => resolve()));
    };
    const pumped = Promise.all([pump(child.stdout, 'stdout'), pump(child.stderr, 'stderr')]);

    let timedOut = false;
    let forceKill: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid === undefined) return;
      this.logger?.info('Spark job timed out; killing the driver', { ...fields, timeoutMs });
      killGroup(pid, 'SIGTERM');
      forceKill = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    }, timeoutMs);

    const outcome = await child;
    clearTimeout(timer);
    if (forceKill !== undefined) clearTimeout(forceKill);
    if (pid !== undefined) {
      // The JVM is gone; anything left in its group (a Python driver stuck on a dead gateway) goes too.
      if (timedOut || outcome.exitCode !== 0) killGroup(pid, 'SIGKILL');
      this.ownGroups.delete(pid);
      liveGroups.delete(pid);
      if (liveGroups.size === 0) process.removeListener('exit', killLiveGroups);
    }
    await pumped;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    this.logger?.info('spark-submit finished', { ...fields, exitCode: outcome.exitCode, signal: outcome.signal, seconds });

    if (timedOut) {
      throw new SparkEngineError(`Spark job timed out after ${timeoutMs} ms on ${this.master}; the driver was killed`);
    }
    if (outcome.failed && outcome.exitCode === undefined && outcome.signal === undefined) {
      throw new SparkEngineError(`could not start ${sparkSubmit}: ${outcome.shortMessage}; run \`make venv\` or set sparkSubmit`);
    }
    if (!existsSync(path.join(runDir, 'result.json'))) {
      const how = outcome.signal !== undefined ? `was killed by ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
      throw new SparkEngineError(`spark-submit ${how} before the driver reported: ${lastMeaningfulLine(tail)}`);
    }
  }
}

/** The line of a failed spark-submit's stderr most likely to say why (an Error or Exception line). */
export function lastMeaningfulLine(lines: readonly string[]): string {
  const meaningful = lines.map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('at ') && !/^\.\.\. \d+ more$/.test(l));
  const error = [...meaningful].reverse().find((l) => /(Error|Exception)\b/.test(l));
  const line = error ?? meaningful[meaningful.length - 1] ?? '(no output)';
  return line.length > 500 ? `${line.slice(0, 499)}…` : line;
}
