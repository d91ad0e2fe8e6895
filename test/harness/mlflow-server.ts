/**
 * Starts a real MLflow tracking server (`mlflow server` from the project venv, `make venv`) on a
 * free loopback port, with a SQLite backend store and a local artifacts folder that it serves
 * through its artifact proxy. Starting takes seconds (the first start of a fresh venv over a
 * minute: Python compiles MLflow and migrates the database), so share one server per test file.
 *
 * kill() and start() (or restart()) simulate an outage: the process dies, the port, database and
 * artifacts stay, and the new process serves the same data on the same URI.
 *
 * The process itself (spawn, readiness, log tail, and killing it whatever happens to the test
 * process) is a ManagedProcess (managed-process.ts).
 */
import { accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeLoopbackPort, httpGet, ManagedProcess, type Readiness } from './managed-process.js';
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
  /** Ends the process for good (SIGTERM, SIGKILL after a grace period) and removes the folder if the harness created it. Safe to call twice. */
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
  const server = new ManagedProcess({
    name: `mlflow server on ${uri}`,
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
  });
  const readiness: Readiness = {
    probe: async () => (await httpGet(`${uri}/health`))?.status === 200,
    what: 'answer /health',
    timeoutMs: options.readyTimeoutMs ?? 180_000,
    retryIfOutput: /address already in use|errno 98/i,
    tries: 4,
    backoffMs: 500,
  };
  try {
    await server.start(readiness);
  } catch (err) {
    // start() has killed the process already.
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    uri,
    port,
    dir,
    kill: () => server.kill(),
    start: () => server.start(readiness),
    restart: async () => {
      await server.kill();
      await server.start(readiness);
    },
    stop: async () => {
      await server.stop();
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
    logTail: () => server.logTail(),
  };
}

export interface MlflowModelServer {
  /** e.g. `http://127.0.0.1:41235`: POST /invocations, GET /ping. */
  readonly uri: string;
  stop(): Promise<void>;
  logTail(): string;
}

/**
 * `mlflow models serve -m MODEL_URI` against a tracking server, in the venv's own environment
 * (`--env-manager local`: building a conda or virtualenv environment needs the internet).
 */
export async function startMlflowModelServer(modelUri: string, trackingUri: string): Promise<MlflowModelServer> {
  const port = await freeLoopbackPort();
  const uri = `http://127.0.0.1:${port}`;
  const server = new ManagedProcess({
    name: `mlflow models serve ${modelUri} on ${uri}`,
    file: mlflowExecutable(),
    args: ['models', 'serve', '-m', modelUri, '--env-manager', 'local', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'],
    // The scoring server is a uvicorn of the venv, which mlflow starts by name: the venv first on PATH, as once activated.
    env: { ...process.env, PATH: `${path.dirname(mlflowExecutable())}${path.delimiter}${process.env.PATH ?? ''}`, PYTHONUNBUFFERED: '1', MLFLOW_TRACKING_URI: trackingUri },
  });
  await server.start({ probe: async () => (await httpGet(`${uri}/ping`))?.status === 200, what: 'answer /ping', timeoutMs: 180_000 });
  return { uri, stop: () => server.stop(), logTail: () => server.logTail() };
}
