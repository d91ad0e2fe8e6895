/**
 * Starts a real S3 server process on a free loopback port for integration tests:
 * `minio server` when a `minio` binary is on PATH, otherwise moto's standalone server from the
 * project venv (`make venv`), falling back to a `moto_server` on PATH.
 *
 * State across restarts: MinIO keeps its objects (they live in a temporary data folder that is
 * removed by stop()); moto keeps everything in memory, so after crash()/restart() its buckets
 * and objects are GONE. Tests of outages must not expect data written before the outage to be
 * there afterwards on moto (S3ObjectStore re-creates a vanished bucket on the next write).
 *
 * The server is killed whatever happens to the test process: by stop(), by a process 'exit' hook,
 * and by a watchdog shell that kills the server when our end of its stdin pipe closes — which the
 * kernel does even when the test worker is killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseS3Settings, type S3Settings } from '../../src/adapters/storage/s3-settings.js';

export type S3ServerKind = 'minio' | 'moto';

export interface S3TestServer {
  readonly kind: S3ServerKind;
  /** e.g. `http://127.0.0.1:41234`; the same across restarts. */
  readonly endpoint: string;
  readonly port: number;
  /** Settings that reach this server (path-style, throwaway credentials, default retries). */
  readonly settings: S3Settings;
  /** Kills the process (SIGKILL, like a crash); the port stays ours for start()/restart(). */
  crash(): Promise<void>;
  /** Starts the process again on the same port and waits until it answers. */
  start(): Promise<void>;
  /** crash(), wait `downtimeMs`, start(): an outage of roughly that length. */
  restart(downtimeMs?: number): Promise<void>;
  /** SIGSTOP: the port still accepts connections but nothing answers (a wedged server). */
  pause(): Promise<void>;
  /** SIGCONT after pause(). */
  resume(): Promise<void>;
  /** Kills the process for good and removes its data. Safe to call twice. */
  stop(): Promise<void>;
  /** The last lines the server printed, for failure messages. */
  logTail(): string;
}

export interface StartS3ServerOptions {
  /** Overrides the settings' attempts per request (e.g. 1 for a test that expects a fast failure). */
  readonly maxAttempts?: number;
  /** How long to wait for the server to answer (default 30 s: moto imports lazily on slow machines). */
  readonly readyTimeoutMs?: number;
  /** Forces one kind (default: minio if on PATH, else moto). */
  readonly kind?: S3ServerKind;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOG_LINES = 40;
/** A restart can race the kernel releasing the port of the process it replaces. */
const START_TRIES = 5;

export async function startS3Server(options: StartS3ServerOptions = {}): Promise<S3TestServer> {
  const command = resolveServerCommand(options.kind);
  const port = await freeLoopbackPort();
  const consolePort = command.kind === 'minio' ? await freeLoopbackPort() : 0;
  const endpoint = `http://127.0.0.1:${port}`;
  // Throwaway credentials made up per run (moto accepts any; MinIO uses them as its root user).
  const accessKeyId = `test${randomBytes(6).toString('hex')}`;
  const secretAccessKey = randomBytes(16).toString('hex');
  const dataDir = command.kind === 'minio' ? await mkdtemp(path.join(os.tmpdir(), 'returns-minio-')) : undefined;
  const settings = parseS3Settings({
    endpoint,
    region: 'us-east-1',
    accessKeyId,
    secretAccessKey,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
  });
  const server = new ServerProcess({
    kind: command.kind,
    file: command.file,
    args:
      command.kind === 'minio'
        ? ['server', dataDir as string, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet']
        : ['-H', '127.0.0.1', '-p', String(port)],
    env:
      command.kind === 'minio'
        ? { ...process.env, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off' }
        : { ...process.env, PYTHONUNBUFFERED: '1' },
    endpoint,
    readyPath: command.kind === 'minio' ? '/minio/health/live' : '/',
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    dataDir,
  });
  await server.start();
  return {
    kind: command.kind,
    endpoint,
    port,
    settings,
    crash: () => server.crash(),
    start: () => server.start(),
    restart: async (downtimeMs = 0) => {
      await server.crash();
      if (downtimeMs > 0) await sleep(downtimeMs);
      await server.start();
    },
    pause: async () => server.signal('SIGSTOP'),
    resume: async () => server.signal('SIGCONT'),
    stop: () => server.stop(),
    logTail: () => server.logTail(),
  };
}

interface ServerSpec {
  readonly kind: S3ServerKind;
  readonly file: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
  readonly endpoint: string;
  readonly readyPath: string;
  readonly readyTimeoutMs: number;
  readonly dataDir: string | undefined;
}

/** Every server process still alive in this test process, for the exit hook. */
const live = new Set<ServerProcess>();
const killAllOnExit = (): void => {
  for (const server of live) server.killNow();
};

class ServerProcess {
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private lines: string[] = [];
  private stopped = false;

  constructor(private readonly spec: ServerSpec) {}

  async start(): Promise<void> {
    if (this.stopped) throw new Error(`${this.spec.kind} server on ${this.spec.endpoint} was stopped for good; start a new one`);
    if (this.child) return;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.spawnAndWait();
      if (failure === undefined) return;
      await this.crash();
      if (attempt >= START_TRIES || !/address already in use|bind/i.test(this.logTail())) {
        throw new Error(`${failure}; last output: ${this.logTail() || '(none)'}`);
      }
      await sleep(300 * attempt);
    }
  }

  /** Starts the process; resolves to undefined when it answers, or to why it did not. */
  private async spawnAndWait(): Promise<string | undefined> {
    this.lines = [];
    // Own process group (detached), so that signals reach the server and any children it has.
    const child = spawn(this.spec.file, this.spec.args, {
      env: this.spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
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
    // The pipes must be drained or a chatty server blocks; keep the tail for error messages.
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => this.record(chunk));
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    child.unref();
    if (child.pid === undefined) {
      await this.exited;
      this.child = undefined;
      return `${this.spec.kind} server ${exitInfo ?? 'could not start'}`;
    }
    this.startWatchdog(child.pid);
    live.add(this);
    if (live.size === 1) process.on('exit', killAllOnExit);

    const deadline = Date.now() + this.spec.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitInfo !== undefined) return `${this.spec.kind} server on ${this.spec.endpoint} ${exitInfo} before answering`;
      if (await this.answers()) return undefined;
      await sleep(100);
    }
    return `${this.spec.kind} server did not answer on ${this.spec.endpoint} within ${this.spec.readyTimeoutMs} ms`;
  }

  /** A shell that kills the server's process group when its stdin (our pipe) reaches EOF. */
  private startWatchdog(pid: number): void {
    const watchdog = spawn('sh', ['-c', 'read _line; kill -9 -"$1" 2>/dev/null', 'watchdog', String(pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    watchdog.unref();
    this.watchdog = watchdog;
  }

  private answers(): Promise<boolean> {
    const wantOk = this.spec.kind === 'minio';
    return new Promise((resolve) => {
      const req = http.get(`${this.spec.endpoint}${this.spec.readyPath}`, { timeout: 2_000 }, (res) => {
        res.resume();
        resolve(!wantOk || res.statusCode === 200);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  }

  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error(`${this.spec.kind} server is not running`);
    process.kill(-pid, signal);
  }

  async crash(): Promise<void> {
    if (!this.child) return;
    this.killNow();
    await this.exited;
    this.child = undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.crash();
    if (this.spec.dataDir) await rm(this.spec.dataDir, { recursive: true, force: true });
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
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) this.lines.push(line.trim());
    }
    if (this.lines.length > 4 * LOG_LINES) this.lines = this.lines.slice(-LOG_LINES);
  }
}

function resolveServerCommand(kind?: S3ServerKind): { kind: S3ServerKind; file: string } {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (kind !== 'moto') {
    const minio = findExecutable('minio', pathDirs);
    if (minio) return { kind: 'minio', file: minio };
    if (kind === 'minio') throw new Error('no `minio` binary on PATH');
  }
  const moto = findExecutable('moto_server', [path.join(REPO_ROOT, '.venv', 'bin')]) ?? findExecutable('moto_server', pathDirs);
  if (moto) return { kind: 'moto', file: moto };
  throw new Error('no S3 server to test against: run `make venv` (installs moto[server] into .venv) or put `minio` on PATH');
}

function findExecutable(name: string, dirs: string[]): string | undefined {
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      accessSync(file, fsConstants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/** A port the kernel just handed out on loopback; the server binds it a moment later. */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
