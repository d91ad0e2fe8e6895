/**
 * A real Spark standalone cluster on loopback for integration tests: one Master and one Worker
 * (1 core, 1 GB for executors), started with `spark-class` from the pyspark in the project venv
 * (`make venv`), on free ports. startSparkCluster() resolves once the worker has registered
 * with the master (polled on the master's JSON page, /json/).
 *
 * The daemons run in their own process groups and are killed by stop(), by a process 'exit' hook,
 * and by a watchdog shell per daemon that kills it when our end of its stdin pipe closes (which
 * the kernel does even when the test worker is killed with SIGKILL).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort } from './s3-server.js';

export interface SparkTestCluster {
  /** `spark://127.0.0.1:PORT`, for SparkEngineOptions.master. */
  readonly masterUrl: string;
  /** The master's web UI (its JSON state is at `${webUiUrl}/json/`). */
  readonly webUiUrl: string;
  /** Kills everything and removes the scratch folders. Safe to call twice. */
  stop(): Promise<void>;
  /** Kills the worker (SIGKILL, like a lost machine). */
  killWorker(): Promise<void>;
  /** Starts a worker again and waits until it has registered. */
  startWorker(): Promise<void>;
  /** The master's view: applications still running (e.g. after a killed driver). */
  activeApps(): Promise<number>;
  /** The last lines the daemons printed, for failure messages. */
  logTail(): string;
}

export interface StartSparkClusterOptions {
  /** Memory the worker offers to executors (default 1g: executors should ask for 512m or less). */
  readonly workerMemory?: string;
  /** How long to wait for the master and the worker (default 90 s: two JVMs on a busy machine). */
  readonly readyTimeoutMs?: number;
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LOG_LINES = 40;

/** The pyspark package folder of the project venv: the SPARK_HOME of a pip-installed Spark. */
export function venvSparkHome(): string {
  const python = path.join(REPO_ROOT, '.venv', 'bin', 'python');
  if (!existsSync(python)) throw new Error('no .venv: run `make venv` (installs pyspark)');
  const found = spawnSync(python, ['-c', 'import os, pyspark; print(os.path.dirname(pyspark.__file__))'], { encoding: 'utf8' });
  const home = found.stdout.trim();
  if (found.status !== 0 || home === '' || !existsSync(path.join(home, 'bin', 'spark-class'))) {
    throw new Error(`pyspark is not installed in .venv (run \`make venv\`): ${found.stderr.trim().split('\n').pop() ?? ''}`);
  }
  return home;
}

export async function startSparkCluster(options: StartSparkClusterOptions = {}): Promise<SparkTestCluster> {
  const sparkHome = venvSparkHome();
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'returns-spark-cluster-'));
  scratchFolders.add(scratch);
  if (scratchFolders.size === 1) process.on('exit', removeScratchOnExit);
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SPARK_HOME: sparkHome,
    SPARK_LOCAL_IP: '127.0.0.1',
    SPARK_LOG_DIR: path.join(scratch, 'logs'),
    SPARK_PID_DIR: scratch,
    // Executors' scratch (block manager, shuffle files) inside ours, so stop() removes it.
    SPARK_LOCAL_DIRS: path.join(scratch, 'local'),
    // The daemons' own heaps (Spark's default is 1g each); executors get the worker's --memory.
    SPARK_DAEMON_MEMORY: '256m',
  };
  const spawnDaemon = (name: string, args: string[]): Daemon => new Daemon(name, path.join(sparkHome, 'bin', 'spark-class'), args, env);

  const masterPort = await freeLoopbackPort();
  const webUiPort = await freeLoopbackPort();
  const masterUrl = `spark://127.0.0.1:${masterPort}`;
  const webUiUrl = `http://127.0.0.1:${webUiPort}`;
  const master = spawnDaemon('master', [
    'org.apache.spark.deploy.master.Master',
    '--host',
    '127.0.0.1',
    '--port',
    String(masterPort),
    '--webui-port',
    String(webUiPort),
  ]);
  let worker: Daemon | undefined;
  let workerCount = 0;
  const daemons = (): Daemon[] => [master, ...(worker ? [worker] : [])];
  const logTail = (): string => daemons().map((d) => `${d.name}: ${d.logTail()}`).join(' || ');

  const state = async (): Promise<MasterState | undefined> => getJson(`${webUiUrl}/json/`);

  const startWorker = async (): Promise<void> => {
    if (worker?.running) return;
    workerCount += 1;
    const port = await freeLoopbackPort();
    const workerUi = await freeLoopbackPort();
    worker = spawnDaemon(`worker${workerCount}`, [
      'org.apache.spark.deploy.worker.Worker',
      masterUrl,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--webui-port',
      String(workerUi),
      '--cores',
      '1',
      '--memory',
      options.workerMemory ?? '1g',
      '--work-dir',
      path.join(scratch, `work${workerCount}`),
    ]);
    const started = worker;
    await waitUntil(
      async () => (await state())?.workers?.some((w) => w.state === 'ALIVE' && w.port === port) === true,
      () => (started.running ? undefined : `worker exited: ${logTail()}`),
      readyTimeoutMs,
      `the worker on port ${port} to register with ${masterUrl}`,
    );
  };

  const stop = async (): Promise<void> => {
    await Promise.all(daemons().map((d) => d.kill()));
    // An executor may still be writing its last log lines while the group dies.
    await rm(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    scratchFolders.delete(scratch);
  };

  try {
    await waitUntil(
      async () => (await state())?.status === 'ALIVE',
      () => (master.running ? undefined : `master exited: ${logTail()}`),
      readyTimeoutMs,
      `the Spark master on ${webUiUrl}`,
    );
    await startWorker();
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    masterUrl,
    webUiUrl,
    stop,
    killWorker: async () => {
      await worker?.kill();
    },
    startWorker,
    activeApps: async () => (await state())?.activeapps?.length ?? 0,
    logTail,
  };
}

interface MasterState {
  readonly status?: string;
  readonly workers?: readonly { readonly state?: string; readonly port?: number }[];
  readonly activeapps?: readonly unknown[];
}

function getJson(url: string): Promise<MasterState | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? (JSON.parse(body) as MasterState) : undefined);
        } catch {
          resolve(undefined);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
}

async function waitUntil(
  check: () => Promise<boolean>,
  failed: () => string | undefined,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = failed();
    if (why !== undefined) throw new Error(`gave up waiting for ${what}: ${why}`);
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Scratch folders of clusters not stopped yet, removed when the test process exits. */
const scratchFolders = new Set<string>();
const removeScratchOnExit = (): void => {
  for (const daemon of live) daemon.killNow();
  for (const folder of scratchFolders) rmSync(folder, { recursive: true, force: true });
};

/** Every daemon still alive in this test process, for the exit hook. */
const live = new Set<Daemon>();
const killAllOnExit = (): void => {
  for (const daemon of live) daemon.killNow();
};

class Daemon {
  private readonly child: ChildProcess;
  private watchdog: ChildProcess | undefined;
  private readonly exited: Promise<void>;
  private lines: string[] = [];
  running = true;

  constructor(
    readonly name: string,
    file: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    // Own process group: spark-class execs the JVM, and a signal to the group reaches it all.
    this.child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.once('error', (err) => {
        this.lines.push(`could not start: ${err.message}`);
        resolve();
      });
    });
    void this.exited.then(() => {
      this.running = false;
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.on('data', (chunk: Buffer) => this.record(chunk));
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    this.child.unref();
    const pid = this.child.pid;
    if (pid !== undefined) {
      const watchdog = spawn('sh', ['-c', 'read _line; kill -9 -"$1" 2>/dev/null', 'watchdog', String(pid)], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      watchdog.on('error', () => undefined);
      watchdog.stdin?.on('error', () => undefined);
      (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      watchdog.unref();
      this.watchdog = watchdog;
      live.add(this);
      if (live.size === 1) process.on('exit', killAllOnExit);
    }
  }

  async kill(): Promise<void> {
    // The child is unref'd so that a forgotten cluster never holds the test process open; while
    // we wait for it to die it must hold the event loop, or a script would exit mid-await.
    this.child.ref();
    this.killNow();
    await this.exited;
  }

  /** Synchronous, so that it can run in a process 'exit' hook. */
  killNow(): void {
    // The watchdog first: once the daemon is dead its pid may be reused by an unrelated process.
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    const pid = this.child.pid;
    if (pid !== undefined && this.running) {
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
