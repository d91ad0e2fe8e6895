/**
 * Starts a real MLflow tracking server (`mlflow server` from the project venv, `make venv`) on a
 * free loopback port, with a SQLite backend store and a local artifacts folder that it serves
 * through its artifact proxy. Starting takes seconds (the first start of a fresh venv over a
 * minute: Python compiles MLflow and migrates the database), so share one server per test file.
 *
 * kill() and start() (or restart()) simulate an outage: the process dies, the port, database and
 * artifacts stay, and the new process serves the same data on the same URI.
 *
 * The server is killed whatever happens to the test process: by stop(), by a process 'exit'
 * hook, and by a watchdog shell that kills the server's process group when our end of its stdin
 * pipe closes, which the kernel does even when the test worker is killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freeLoopbackPort } from './s3-server.js';
import { repoRoot } from './spawn.js';

export interface MlflowTestServer {
  /** e.g. `http://127.0.0.1:41234`; the same across restarts. */
  readonly uri: string;
  readonly port: number;
  /** Holds mlflow.db and artifacts/. */
  readonly dir: string;
  /** Kills the process (SIGKILL, like a crash); data and port stay for start(). */
  kill(): Promise<void>;
  /** Starts the process again on the same port and database, and waits for /health. */
  start(): Promise<void>;
  /** kill() then start(). */
  restart(): Promise<void>;
  /** Kills the process for good and removes the folder if the harness created it. Safe to call twice. */
  stop(): Promise<void>;
  /** The last lines the server printed, for failure messages. */
  logTail(): string;
}

export interface StartMlflowServerOptions {
  /** Folder for the database and artifacts (kept by stop()); default: a new temporary folder (removed by stop()). */
  readonly dir?: string;
  /** Default 180 s: a fresh venv's first start compiles MLflow and creates the database. */
  readonly readyTimeoutMs?: number;
}

const LOG_LINES = 40;
const START_TRIES = 4;

export function mlflowExecutable(): string {
  const file = path.join(repoRoot, '.venv', 'bin', 'mlflow');
  try {
    accessSync(file, fsConstants.X_OK);
    return file;
  } catch {
    throw new Error(`no MLflow server at ${file}: run \`make venv\` (requirements.txt pins mlflow)`);
  }
}

export async function startMlflowServer(options: StartMlflowServerOptions = {}): Promise<MlflowTestServer> {
  const executable = mlflowExecutable();
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'returns-mlflow-')));
  await mkdir(path.join(dir, 'artifacts'), { recursive: true });
  const port = await freeLoopbackPort();
  const uri = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false' };
  // The server must not act as a client of some other tracking server the developer has configured.
  for (const name of Object.keys(env)) if (name.startsWith('MLFLOW_TRACKING_')) delete env[name];
  const server = new MlflowProcess({
    file: executable,
    args: [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      `sqlite:///${path.join(dir, 'mlflow.db')}`,
      '--artifacts-destination',
      path.join(dir, 'artifacts'),
    ],
    cwd: dir,
    env,
    uri,
    readyTimeoutMs: options.readyTimeoutMs ?? 180_000,
  });
  try {
    await server.start();
  } catch (err) {
    await server.kill();
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    uri,
    port,
    dir,
    kill: () => server.kill(),
    start: () => server.start(),
    restart: async () => {
      await server.kill();
      await server.start();
    },
    stop: async () => {
      await server.kill();
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
    logTail: () => server.logTail(),
  };
}

interface ProcessSpec {
  readonly file: string;
  readonly args: string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uri: string;
  readonly readyTimeoutMs: number;
}

const live = new Set<MlflowProcess>();
const killAllOnExit = (): void => {
  for (const p of live) p.killNow();
};

class MlflowProcess {
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private lines: string[] = [];

  constructor(private readonly spec: ProcessSpec) {}

  async start(): Promise<void> {
    if (this.child) return;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.spawnAndWait();
      if (failure === undefined) return;
      await this.kill();
      // A restart can race the kernel releasing the port of the process it replaces.
      if (attempt >= START_TRIES || !/address already in use|errno 98/i.test(this.logTail())) {
        throw new Error(`${failure}; last output: ${this.logTail() || '(none)'}`);
      }
      await sleep(500 * attempt);
    }
  }

  private async spawnAndWait(): Promise<string | undefined> {
    this.lines = [];
    // Own process group (detached): mlflow starts uvicorn as a child, and a group kill reaches both.
    const child = spawn(this.spec.file, this.spec.args, { cwd: this.spec.cwd, env: this.spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let exitInfo: string | undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = `exited with ${signal ?? `code ${code}`}`;
        resolve();
      });
      child.once('error', (err) => {
        exitInfo = `could not start (${err.message})`;
        resolve();
      });
    });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => this.record(chunk));
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    child.unref();
    if (child.pid === undefined) {
      await this.exited;
      this.child = undefined;
      return `mlflow server ${exitInfo ?? 'could not start'}`;
    }
    this.startWatchdog(child.pid);
    live.add(this);
    if (live.size === 1) process.on('exit', killAllOnExit);
    const deadline = Date.now() + this.spec.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitInfo !== undefined) return `mlflow server on ${this.spec.uri} ${exitInfo} before answering`;
      if (await this.healthy()) return undefined;
      await sleep(200);
    }
    return `mlflow server did not answer ${this.spec.uri}/health within ${this.spec.readyTimeoutMs} ms`;
  }

  private startWatchdog(pid: number): void {
    const watchdog = spawn('sh', ['-c', 'read _line; kill -9 -"$1" 2>/dev/null', 'watchdog', String(pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog.unref();
    this.watchdog = watchdog;
  }

  private healthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = http.get(`${this.spec.uri}/health`, { timeout: 2_000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    this.killNow();
    await this.exited;
    this.child = undefined;
  }

  /** Synchronous, so that it can run in a process 'exit' hook. */
  killNow(): void {
    // The watchdog first: once the server is dead its pid may be reused by an unrelated process.
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    const pid = this.child?.pid;
    if (pid !== undefined) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    live.delete(this);
    if (live.size === 0) process.removeListener('exit', killAllOnExit);
  }

  logTail(): string {
    return this.lines.slice(-LOG_LINES).join(' | ');
  }

  private record(chunk: Buffer): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line.trim());
    if (this.lines.length > 4 * LOG_LINES) this.lines = this.lines.slice(-LOG_LINES);
  }
}
