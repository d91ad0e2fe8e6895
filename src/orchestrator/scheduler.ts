import { hostname } from 'node:os';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';
import { checkCompleteness, isTaskComplete, requiredKeys } from './completeness.js';
import { buildGraph, downstreamOf, selectTasks, type TaskGraph } from './graph.js';
import { defaultLockOptions, LockHeldError, StoreLocks, type LockOptions, type LockOwner } from './lock.js';
import { markerKey, lockKey, type CompletionMarker } from './marker.js';
import { RunLog } from './run-log.js';
import { flattenOutputs } from './target.js';
import type { AnyTask, TaskContext } from './task.js';

export interface SchedulerOptions {
  /** Tasks run at the same time. */
  readonly workers: number;
  /** Extra attempts after a failure. */
  readonly retries: number;
  /** Backoff before retry k is retryDelayMs * 2^(k-1). */
  readonly retryDelayMs: number;
  /** --force selectors (family name or task id): invalidated with everything downstream. */
  readonly force?: readonly string[];
  readonly lock?: LockOptions;
  /** When another process holds a task's lock: wait for it (default) or fail with LockHeldError. */
  readonly lockWait?: boolean;
  /** Version of the code, recorded in completion markers with the task's own version. */
  readonly codeVersion?: string;
  readonly signal?: AbortSignal;
  /** Masks secrets in error text before it reaches the run log or the summary. */
  readonly redact?: (text: string) => string;
}

export interface SchedulerDeps<R> {
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly resources: R;
  readonly runId: string;
  readonly owner?: LockOwner;
}

export interface TaskFailure {
  readonly id: string;
  readonly error: string;
  readonly attempts: number;
}

export interface RunSummary {
  readonly runId: string;
  readonly status: 'success' | 'failed';
  /** Every task of the DAG, dependencies first. */
  readonly scheduled: string[];
  /** Ran in this run. */
  readonly ran: string[];
  /** Complete without running here: already at the start, or finished by another process. */
  readonly complete: string[];
  readonly failed: TaskFailure[];
  /** Not run because something upstream failed. */
  readonly blocked: string[];
  /** Tasks whose lock another process held, when not waiting for locks. */
  readonly lockHeld: string[];
  /** Output URIs of every task of the DAG. */
  readonly outputs: Record<string, string[]>;
  readonly durationsMs: Record<string, number>;
}

/** Whether the error is one a retry cannot fix (a bug in the input, not a hiccup). */
export function isPermanentError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { permanent?: unknown }).permanent === true;
}

/**
 * Runs the DAG of the requested tasks: skips what is complete, runs the rest in dependency order
 * on a pool of workers, retries failures with exponential backoff, and blocks (but does not
 * cancel) what is downstream of a failure while independent branches finish.
 */
export class Scheduler<R> {
  private readonly locks: StoreLocks;

  constructor(
    private readonly deps: SchedulerDeps<R>,
    private readonly options: SchedulerOptions,
  ) {
    const owner = deps.owner ?? { runId: deps.runId, host: hostname(), pid: process.pid };
    this.locks = new StoreLocks(deps.store, deps.clock, owner, options.lock ?? defaultLockOptions, deps.logger);
  }

  private redact(text: string): string {
    return this.options.redact ? this.options.redact(text) : text;
  }

  async run(roots: readonly AnyTask[]): Promise<RunSummary> {
    const { store, logger, clock, runId } = this.deps;
    const runLog = new RunLog(store, clock, runId, logger);
    const graph = buildGraph(roots);
    runLog.append({ event: 'run_started', detail: { roots: [...graph.roots], tasks: graph.order.length } });

    if (this.options.force && this.options.force.length > 0) await this.invalidate(graph, this.options.force);

    const complete = await checkCompleteness(store, graph);
    logger.info(`${graph.order.length} tasks in the DAG, ${complete.size} already complete`, { roots: graph.roots });

    const done = new Set<string>(complete);
    const ran: string[] = [];
    const completeNow: string[] = graph.order.filter((t) => complete.has(t.id)).map((t) => t.id);
    const failed: TaskFailure[] = [];
    const blocked = new Set<string>();
    const lockHeld: string[] = [];
    const durations: Record<string, number> = {};
    for (const id of completeNow) runLog.append({ event: 'task_skipped', task_id: id, detail: { reason: 'complete' } });

    const pending = new Set(graph.order.filter((t) => !done.has(t.id)).map((t) => t.id));
    const running = new Map<string, Promise<void>>();
    const workers = Math.max(1, this.options.workers);

    const isReady = (id: string): boolean => (graph.deps.get(id) ?? []).every((d) => done.has(d));
    const block = (id: string): void => {
      for (const down of downstreamOf(graph, [id])) {
        if (down !== id && pending.delete(down)) {
          blocked.add(down);
          runLog.append({ event: 'task_blocked', task_id: down, detail: { upstream: id } });
        }
      }
    };

    const launch = (task: AnyTask): void => {
      pending.delete(task.id);
      const started = clock.now().getTime();
      const p = this.execute(task, runLog)
        .then((outcome) => {
          durations[task.id] = clock.now().getTime() - started;
          done.add(task.id);
          (outcome === 'ran' ? ran : completeNow).push(task.id);
        })
        .catch((err: unknown) => {
          durations[task.id] = clock.now().getTime() - started;
          if (err instanceof LockHeldError) {
            lockHeld.push(task.id);
          } else {
            failed.push({ id: task.id, error: this.redact(errorMessage(err)), attempts: (err as { attempts?: number }).attempts ?? 1 });
          }
          block(task.id);
        })
        .finally(() => running.delete(task.id));
      running.set(task.id, p);
    };

    for (;;) {
      if (!this.options.signal?.aborted) {
        for (const id of [...pending]) {
          if (running.size >= workers) break;
          if (!isReady(id)) continue;
          const task = graph.byId.get(id)!;
          if (requiredKeys(task).length === 0) {
            // A wrapper task: nothing to run, done once its requirements are.
            pending.delete(id);
            done.add(id);
            completeNow.push(id);
            continue;
          }
          launch(task);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }

    const rootsDone = graph.roots.every((id) => done.has(id));
    const outputs: Record<string, string[]> = {};
    for (const task of graph.order) outputs[task.id] = flattenOutputs(task.output()).map((t) => store.uriOf(t.key));
    const summary: RunSummary = {
      runId,
      status: rootsDone ? 'success' : 'failed',
      scheduled: graph.order.map((t) => t.id),
      ran,
      complete: completeNow,
      failed,
      blocked: graph.order.filter((t) => blocked.has(t.id) || pending.has(t.id)).map((t) => t.id),
      lockHeld,
      outputs,
      durationsMs: durations,
    };
    runLog.append({
      event: 'run_finished',
      detail: { status: summary.status, ran: ran.length, complete: completeNow.length, failed: failed.length, blocked: summary.blocked.length },
    });
    await runLog.flush();
    return summary;
  }

  /** Deletes the completion markers of the selected tasks and everything downstream. */
  private async invalidate(graph: TaskGraph, selectors: readonly string[]): Promise<void> {
    const selected: string[] = [];
    for (const s of selectors) {
      const ids = selectTasks(graph, s);
      if (ids.length === 0) throw new UnknownForceTargetError(s, graph);
      selected.push(...ids);
    }
    const ids = downstreamOf(graph, selected);
    await Promise.all([...ids].map((id) => this.deps.store.delete(markerKey(graph.byId.get(id)!))));
    this.deps.logger.info(`forced ${ids.size} tasks to run again`, { forced: [...ids] });
  }

  private async execute(task: AnyTask, runLog: RunLog): Promise<'ran' | 'complete'> {
    const { store, clock, runId, resources } = this.deps;
    const logger = this.deps.logger.child({ task_id: task.id });
    const lease = await this.locks.acquire(lockKey(task), {
      isDone: () => isTaskComplete(store, task),
      noWait: this.options.lockWait === false,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    if (lease === 'done') {
      logger.info('completed by another process');
      runLog.append({ event: 'task_skipped', task_id: task.id, detail: { reason: 'completed by another process' } });
      return 'complete';
    }
    if (lease === 'held') throw new LockHeldError(lockKey(task), (await this.locks.holder(lockKey(task))) ?? 'another process');

    try {
      if (await isTaskComplete(store, task)) {
        runLog.append({ event: 'task_skipped', task_id: task.id, detail: { reason: 'completed by another process' } });
        return 'complete';
      }
      // An old marker next to a partial re-run would make mixed outputs look complete.
      await store.delete(markerKey(task));
      const maxAttempts = 1 + Math.max(0, this.options.retries);
      for (let attempt = 1; ; attempt++) {
        const startedAt = clock.now();
        logger.info(attempt === 1 ? 'task started' : `task started (attempt ${attempt} of ${maxAttempts})`);
        runLog.append({ event: 'task_started', task_id: task.id, attempt });
        try {
          const controller = new AbortController();
          const onAbort = (): void => controller.abort();
          this.options.signal?.addEventListener('abort', onAbort, { once: true });
          const ctx: TaskContext<R> = { runId, taskId: task.id, attempt, store, logger, clock, resources, signal: controller.signal };
          try {
            await task.run(ctx);
          } finally {
            this.options.signal?.removeEventListener('abort', onAbort);
          }
          await this.verifyOutputs(task);
          if (lease.lost()) throw new Error('lost the task lock to another process during the run; not marking complete');
          await this.writeMarker(task, startedAt);
          const ms = clock.now().getTime() - startedAt.getTime();
          logger.info('task finished', { duration_ms: ms });
          runLog.append({ event: 'task_finished', task_id: task.id, attempt, duration_ms: ms });
          return 'ran';
        } catch (err) {
          const message = this.redact(errorMessage(err));
          if (attempt >= maxAttempts || isPermanentError(err) || this.options.signal?.aborted) {
            logger.error(`task failed: ${message}`, { attempt });
            runLog.append({ event: 'task_failed', task_id: task.id, attempt, error: message });
            throw Object.assign(err instanceof Error ? err : new Error(message), { attempts: attempt });
          }
          const delay = this.options.retryDelayMs * 2 ** (attempt - 1);
          logger.warn(`task failed, retrying in ${delay} ms: ${message}`, { attempt });
          runLog.append({ event: 'task_retried', task_id: task.id, attempt, error: message });
          await clock.sleep(delay);
        }
      }
    } finally {
      await lease.release().catch((err: Error) => logger.warn('could not release lock', { error: err.message }));
    }
  }

  private async verifyOutputs(task: AnyTask): Promise<void> {
    const refs = flattenOutputs(task.output());
    const present = await Promise.all(refs.map((r) => this.deps.store.exists(r.key)));
    const missing = refs.filter((_, i) => !present[i]).map((r) => this.deps.store.uriOf(r.key));
    if (missing.length > 0) throw new Error(`run() finished without writing ${missing.join(', ')}`);
  }

  private async writeMarker(task: AnyTask, startedAt: Date): Promise<void> {
    const marker: CompletionMarker = {
      task_id: task.id,
      family: task.family,
      params: task.paramStrings,
      run_id: this.deps.runId,
      started_at: startedAt.toISOString(),
      finished_at: this.deps.clock.now().toISOString(),
      code_version: `${this.options.codeVersion ?? '0'}+${task.family}.${task.version}`,
      outputs: flattenOutputs(task.output()).map((t) => t.key),
    };
    await this.deps.store.put(markerKey(task), `${JSON.stringify(marker, null, 2)}\n`);
  }
}

export class UnknownForceTargetError extends Error {
  constructor(selector: string, graph: TaskGraph) {
    const families = [...new Set(graph.order.map((t) => t.family))];
    super(`--force ${selector}: no such task in this DAG (families: ${families.join(', ')})`);
    this.name = 'UnknownForceTargetError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? err.name;
  return String(err);
}
