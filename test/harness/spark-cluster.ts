/**
 * A real Spark standalone cluster on loopback for integration tests: one Master and one Worker
 * (1 core, 1 GB for executors), started with `spark-class` from the pyspark in the project venv
 * (`make venv`), on free ports. startSparkCluster() resolves once the worker has registered
 * with the master (polled on the master's JSON page, /json/).
 *
 * Each daemon is a ManagedProcess (managed-process.ts): its own process group (spark-class execs
 * the JVM, and the worker's executors are its children), killed whatever happens to the test process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { freeLoopbackPort, httpGet, killAllManagedProcesses, ManagedProcess, type Readiness } from './managed-process.js';
import { repoRoot } from './spawn.js';

export interface SparkTestCluster {
  /** `spark://127.0.0.1:PORT`, for SparkEngineOptions.master. */
  readonly masterUrl: string;
  /** The master's web UI (its JSON state is at `${webUiUrl}/json/`). */
  readonly webUiUrl: string;
  /** Ends both daemons (SIGTERM, SIGKILL after a grace period) and removes the scratch folders. Safe to call twice. */
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

/** The pyspark package folder of the project venv: the SPARK_HOME of a pip-installed Spark. */
export function venvSparkHome(): string {
  const python = path.join(repoRoot, '.venv', 'bin', 'python');
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
  const daemon = (name: string, args: string[]): ManagedProcess =>
    new ManagedProcess({ name: `spark ${name}`, file: path.join(sparkHome, 'bin', 'spark-class'), args, env });
  const readyWhen = (probe: () => Promise<boolean>, what: string): Readiness => ({ probe, what, timeoutMs: readyTimeoutMs, intervalMs: 250 });

  const masterPort = await freeLoopbackPort();
  const webUiPort = await freeLoopbackPort();
  const masterUrl = `spark://127.0.0.1:${masterPort}`;
  const webUiUrl = `http://127.0.0.1:${webUiPort}`;
  const master = daemon('master', [
    'org.apache.spark.deploy.master.Master',
    '--host',
    '127.0.0.1',
    '--port',
    String(masterPort),
    '--webui-port',
    String(webUiPort),
  ]);
  let worker: ManagedProcess | undefined;
  let workerCount = 0;
  const daemons = (): ManagedProcess[] => [master, ...(worker ? [worker] : [])];
  const logTail = (): string => daemons().map((d) => `${d.name}: ${d.logTail()}`).join(' || ');

  const state = async (): Promise<MasterState | undefined> => parseMasterState(await httpGet(`${webUiUrl}/json/`));

  const startWorker = async (): Promise<void> => {
    if (worker?.running) return;
    // A worker that died on its own still has a watchdog (and maybe executors) to end.
    await worker?.kill();
    workerCount += 1;
    const port = await freeLoopbackPort();
    const workerUi = await freeLoopbackPort();
    worker = daemon(`worker${workerCount}`, [
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
    try {
      await worker.start(
        readyWhen(async () => (await state())?.workers?.some((w) => w.state === 'ALIVE' && w.port === port) === true, `register with ${masterUrl}`),
      );
    } catch (err) {
      // Why a worker does not register is as often in the master's log as in its own.
      throw new Error(`${(err as Error).message} || spark master: ${master.logTail()}`, { cause: err });
    }
  };

  const stop = async (): Promise<void> => {
    await Promise.all(daemons().map((d) => d.stop()));
    // An executor may still be writing its last log lines while the group dies.
    await rm(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    scratchFolders.delete(scratch);
    if (scratchFolders.size === 0) process.removeListener('exit', removeScratchOnExit);
  };

  try {
    await master.start(readyWhen(async () => (await state())?.status === 'ALIVE', `answer as ALIVE on ${webUiUrl}/json/`));
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

function parseMasterState(answer: { status: number; body: string } | undefined): MasterState | undefined {
  if (answer?.status !== 200) return undefined;
  try {
    return JSON.parse(answer.body) as MasterState;
  } catch {
    return undefined;
  }
}

/** Scratch folders of clusters not stopped yet, removed when the test process exits. */
const scratchFolders = new Set<string>();
const removeScratchOnExit = (): void => {
  // The daemons first, so that nothing writes into a folder while it is removed.
  killAllManagedProcesses();
  for (const folder of scratchFolders) rmSync(folder, { recursive: true, force: true });
};
