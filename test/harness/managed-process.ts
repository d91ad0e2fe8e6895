/**
 * One long-running server process for integration tests (moto/MinIO, MLflow, Spark daemons): it
 * is spawned in its own process group, waited for with a readiness probe and a deadline, keeps
 * a bounded tail of what it prints for error messages, and is killed with its whole group.
 *
 * No test run leaves it behind: stop()/kill() end it, a process 'exit' hook kills every process
 * still alive, and a watchdog shell kills its group when our end of the watchdog's stdin pipe
 * closes, which the kernel does even when the test worker itself is killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcessSpec {
  /** For messages, e.g. `moto server on http://127.0.0.1:41234`. */
  readonly name: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface Readiness {
  /** True once the process serves; called every `intervalMs` until `timeoutMs` has passed. */
  readonly probe: () => Promise<boolean>;
  readonly timeoutMs: number;
  /** Default 200 ms. */
  readonly intervalMs?: number;
  /** What the probe waits for, for the timeout message (default: `answer`). */
  readonly what?: string;
  /**
   * A failed start whose output matches this is tried again (up to `tries` in all, waiting
   * `backoffMs` times the attempt in between): a restart can race the kernel releasing the port
   * of the process it replaces.
   */
  readonly retryIfOutput?: RegExp;
  readonly tries?: number;
  readonly backoffMs?: number;
}

/** Lines kept for logTail(). */
const LOG_LINES = 40;
/** How long stop() lets the process shut down after SIGTERM before it sends SIGKILL. */
const DEFAULT_GRACE_MS = 5_000;

/** Every process still alive in this test process, for the exit hook. */
const live = new Set<ManagedProcess>();
const killAllOnExit = (): void => killAllManagedProcesses();

/** Kills every managed process still alive, synchronously (usable in a process 'exit' hook). */
export function killAllManagedProcesses(): void {
  for (const managed of [...live]) managed.killNow();
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private exitInfo: string | undefined;
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly spec: ManagedProcessSpec) {}

  get name(): string {
    return this.spec.name;
  }

  /** Spawned and not exited yet. */
  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  /**
   * Spawns the process and resolves once `ready.probe` says it serves. When it exits first or the
   * deadline passes, it is killed and start() rejects with the last lines it printed.
   * Does nothing while the process runs.
   */
  async start(ready: Readiness): Promise<void> {
    if (this.running) return;
    // It died on its own: end its watchdog and any children left in its group first.
    await this.kill();
    const tries = ready.retryIfOutput ? (ready.tries ?? 4) : 1;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.spawnAndWait(ready);
      if (failure === undefined) return;
      await this.kill();
      if (attempt >= tries || !ready.retryIfOutput?.test(this.logTail())) {
        throw new Error(`${failure}; last output: ${this.logTail() || '(none)'}`);
      }
      await sleep((ready.backoffMs ?? 300) * attempt);
    }
  }

  /** Sends a signal to the process group (e.g. SIGSTOP/SIGCONT for a wedged server). */
  signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) throw new Error(`${this.spec.name} is not running`);
    process.kill(-pid, signal);
  }

  /** SIGKILL to the group, like a crash; resolves once the process has exited. Safe to call twice. */
  async kill(): Promise<void> {
    if (!this.child) return;
    await this.waitForExit(() => this.killNow());
  }

  /**
   * SIGTERM to the group (and SIGCONT, so that a paused process gets to handle it), SIGKILL to the
   * group after `graceMs` or once the leader has gone (for children that ignored the TERM).
   * Safe to call twice.
   */
  async stop(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    if (!this.child) return;
    await this.waitForExit(async () => {
      if (this.running) {
        this.signalGroup('SIGTERM');
        this.signalGroup('SIGCONT');
        await Promise.race([this.exited, sleep(graceMs)]);
      }
      this.killNow();
    });
  }

  /** SIGKILL to the group, synchronously, so that it can run in a process 'exit' hook. */
  killNow(): void {
    // The watchdog first: once the process is dead its pid may be reused by an unrelated process.
    this.watchdog?.kill('SIGKILL');
    this.watchdog = undefined;
    this.signalGroup('SIGKILL');
    live.delete(this);
    if (live.size === 0) process.removeListener('exit', killAllOnExit);
  }

  /** The last lines the process printed (stdout and stderr), joined with ` | `. */
  logTail(): string {
    const lines = this.partial.trim() ? [...this.lines, this.partial.trim()] : this.lines;
    return lines.slice(-LOG_LINES).join(' | ');
  }

  private async waitForExit(end: () => void | Promise<void>): Promise<void> {
    // The child is unref'd so that a forgotten server never holds the test process open; while
    // we wait for it to die it must hold the event loop, or a script would exit mid-await.
    this.child?.ref();
    await end();
    await this.exited;
    this.child = undefined;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is gone already.
    }
  }

  /** Spawns the process; resolves to undefined when it is ready, or to why it is not. */
  private async spawnAndWait(ready: Readiness): Promise<string | undefined> {
    this.lines = [];
    this.partial = '';
    this.exitInfo = undefined;
    // Own process group (detached): the servers start children of their own (uvicorn, the JVM's
    // executors), and a signal to the group reaches them all.
    const child = spawn(this.spec.file, [...this.spec.args], {
      env: this.spec.env ?? process.env,
      ...(this.spec.cwd !== undefined ? { cwd: this.spec.cwd } : {}),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${signal ?? `code ${code}`}`;
        resolve();
      });
      child.once('error', (err) => {
        this.exitInfo = `could not start (${err.message})`;
        resolve();
      });
    });
    // The pipes must be drained or a chatty server blocks; keep the tail for error messages.
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => this.record(chunk));
      (stream as unknown as { unref?: () => void } | null)?.unref?.();
    }
    child.unref();
    if (child.pid === undefined) {
      await this.exited;
      this.child = undefined;
      return `${this.spec.name} ${this.exitInfo ?? 'could not start'}`;
    }
    this.startWatchdog(child.pid);
    live.add(this);
    if (live.size === 1) process.on('exit', killAllOnExit);

    const deadline = Date.now() + ready.timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitInfo !== undefined) return `${this.spec.name} ${this.exitInfo} before it was ready`;
      if (await ready.probe()) return undefined;
      await sleep(ready.intervalMs ?? 200);
    }
    return `${this.spec.name} did not ${ready.what ?? 'answer'} within ${ready.timeoutMs} ms`;
  }

  /** A shell that kills the process group when its stdin (our pipe) reaches EOF. */
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

  private record(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) this.lines.push(line.trim());
    if (this.lines.length > 4 * LOG_LINES) this.lines = this.lines.slice(-LOG_LINES);
  }
}

/** Status and body of a GET, or undefined when nothing answers (refused, reset, 2 s timeout). */
export function httpGet(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
  });
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
