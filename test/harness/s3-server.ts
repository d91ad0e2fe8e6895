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
 * The process itself (spawn, readiness, log tail, and killing it whatever happens to the test
 * process) is a ManagedProcess (managed-process.ts).
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseS3Settings, type S3Settings } from '../../src/adapters/storage/s3-settings.js';
import { freeLoopbackPort, httpGet, ManagedProcess, type Readiness } from './managed-process.js';
import { repoRoot } from './spawn.js';

/** Kept here too: tests import it from this module. */
export { freeLoopbackPort };

export type S3ServerKind = 'minio' | 'moto';

export interface S3TestServer {
  readonly kind: S3ServerKind;
  /** e.g. `http://127.0.0.1:41234`; the same across restarts. */
  readonly endpoint: string;
  readonly port: number;
  /** Settings that reach this server (path-style, throwaway credentials, default retries). */
  readonly settings: S3Settings;
  /** The environment that points a `returns` process at this server (endpoint and credentials). */
  readonly cliEnv: NodeJS.ProcessEnv;
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
  /** Ends the process for good (SIGTERM, SIGKILL after a grace period) and removes its data. Safe to call twice. */
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
  const server = new ManagedProcess({
    name: `${command.kind} server on ${endpoint}`,
    file: command.file,
    args:
      command.kind === 'minio'
        ? ['server', dataDir as string, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet']
        : ['-H', '127.0.0.1', '-p', String(port)],
    env:
      command.kind === 'minio'
        ? { ...process.env, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off' }
        : { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  // moto answers anything on / once it serves; MinIO has a health endpoint that says 200 when live.
  const readyUrl = command.kind === 'minio' ? `${endpoint}/minio/health/live` : `${endpoint}/`;
  const readiness: Readiness = {
    probe: async () => {
      const answer = await httpGet(readyUrl);
      return answer !== undefined && (command.kind !== 'minio' || answer.status === 200);
    },
    timeoutMs: options.readyTimeoutMs ?? 30_000,
    intervalMs: 100,
    retryIfOutput: /address already in use|bind/i,
    tries: 5,
    backoffMs: 300,
  };
  let stopped = false;
  const start = async (): Promise<void> => {
    if (stopped) throw new Error(`${command.kind} server on ${endpoint} was stopped for good; start a new one`);
    await server.start(readiness);
  };
  const stop = async (): Promise<void> => {
    stopped = true;
    await server.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    kind: command.kind,
    endpoint,
    port,
    settings,
    cliEnv: { RETURNS_S3_ENDPOINT: endpoint, AWS_ACCESS_KEY_ID: settings.accessKeyId, AWS_SECRET_ACCESS_KEY: settings.secretAccessKey, AWS_REGION: settings.region },
    crash: () => server.kill(),
    start,
    restart: async (downtimeMs = 0) => {
      await server.kill();
      if (downtimeMs > 0) await sleep(downtimeMs);
      await start();
    },
    pause: async () => server.signal('SIGSTOP'),
    resume: async () => server.signal('SIGCONT'),
    stop,
    logTail: () => server.logTail(),
  };
}

function resolveServerCommand(kind?: S3ServerKind): { kind: S3ServerKind; file: string } {
  const pathDirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  if (kind !== 'moto') {
    const minio = findExecutable('minio', pathDirs);
    if (minio) return { kind: 'minio', file: minio };
    if (kind === 'minio') throw new Error('no `minio` binary on PATH');
  }
  const moto = findExecutable('moto_server', [path.join(repoRoot, '.venv', 'bin')]) ?? findExecutable('moto_server', pathDirs);
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
