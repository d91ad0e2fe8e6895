import { hostname } from 'node:os';
import { toIsoDate } from '../domain/dates.js';
import { assertSafeSegment, joinKey } from '../domain/store-key.js';
import { StoreLocks, type LockOptions } from '../orchestrator/lock.js';
import { LOCK_NAME } from '../orchestrator/marker.js';
import { errorMessage, type RunSummary } from '../orchestrator/scheduler.js';
import type { AnyTask } from '../orchestrator/task.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { Runtime } from './compose.js';

/** Store folder of the schedulers' own locks, next to `_runs/`. */
export const SCHEDULER_LOCK_PREFIX = '_scheduler';

/** The lease lock a scheduler holds in the store for the whole of one triggered run of a task family. */
export function schedulerLockKey(family: string): string {
  return joinKey(SCHEDULER_LOCK_PREFIX, assertSafeSegment(family), LOCK_NAME);
}

export type TriggerOutcome =
  | { readonly kind: 'ran'; readonly date: string; readonly summary: RunSummary }
  | { readonly kind: 'skipped'; readonly date: string; readonly reason: string };

export interface ScheduledRunsDeps {
  /** The task family the schedule runs (names the scheduler lock). */
  readonly family: string;
  /** The task to make complete for a trigger's date. */
  readonly taskFor: (date: string) => AnyTask;
  /** A fresh runtime per trigger, so each run has its own run id and run log; closed after the run. */
  readonly openRuntime: () => Promise<Runtime>;
  readonly clock: Clock;
  /** For what happens outside a run (skips in this process). */
  readonly logger: Logger;
  readonly host?: string;
  readonly pid?: number;
}

/**
 * What one trigger of `returns schedule` does: run the task for the trigger's date (UTC) through
 * the same Scheduler as `returns run`, holding a scheduler-level lease lock in the store
 * (`_scheduler/<Family>/_LOCK`) for the whole run. A trigger that finds the previous run still
 * going, in this process or in another scheduler on the same store, is skipped and logged: a slow
 * night never piles runs up, and two schedulers started by mistake never run the DAG twice. The
 * per-task locks of the orchestrator still guard against a manual `returns run` at the same time.
 */
export class ScheduledRuns {
  private current: Promise<TriggerOutcome> | undefined;

  constructor(private readonly deps: ScheduledRunsDeps) {}

  /** True while a triggered run of this process is going. */
  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Resolves once no triggered run of this process is going. */
  async idle(): Promise<void> {
    while (this.current) await this.current.catch(() => undefined);
  }

  fire(at: Date): Promise<TriggerOutcome> {
    const date = toIsoDate(at);
    this.deps.logger.info('schedule triggered', { task: this.deps.family, date, trigger: at.toISOString() });
    if (this.current) {
      const reason = 'the previous run in this process is still going';
      this.deps.logger.warn(`schedule trigger skipped: ${reason}`, { task: this.deps.family, date, trigger: at.toISOString() });
      return Promise.resolve({ kind: 'skipped', date, reason });
    }
    const run = this.runFor(date, at).finally(() => {
      this.current = undefined;
    });
    this.current = run;
    return run;
  }

  private async runFor(date: string, at: Date): Promise<TriggerOutcome> {
    const { family, clock } = this.deps;
    const task = this.deps.taskFor(date);
    const rt = await this.deps.openRuntime();
    try {
      const key = schedulerLockKey(family);
      const locks = new StoreLocks(rt.store, clock, { runId: rt.runId, host: this.deps.host ?? hostname(), pid: this.deps.pid ?? process.pid }, lockOptions(rt), rt.logger);
      rt.logger.info('scheduled run starting', { task: task.id, date, trigger: at.toISOString(), lock: rt.store.uriOf(key) });
      const lease = await locks.acquire(key, { isDone: async () => false, noWait: true });
      if (lease === 'held' || lease === 'done') {
        const holder = (await locks.holder(key)) ?? 'another scheduler';
        const reason = `the previous run is still going: ${holder}`;
        rt.logger.warn(`schedule trigger skipped: ${reason}`, { task: task.id, date });
        return { kind: 'skipped', date, reason };
      }
      try {
        const summary = await rt.scheduler({ workers: rt.config.workers }).run([task]);
        if (lease.lost()) rt.logger.warn('the scheduler lock was taken over during the run (were heartbeats blocked?)', { lock: key });
        rt.logger.info('scheduled run finished', { task: task.id, date, status: summary.status, ran: summary.ran.length, failed: summary.failed.length });
        return { kind: 'ran', date, summary };
      } finally {
        await lease.release().catch((err: unknown) => rt.logger.warn('could not release the scheduler lock', { lock: key, error: errorMessage(err) }));
      }
    } finally {
      await rt.store.close();
    }
  }
}

function lockOptions(rt: Runtime): LockOptions {
  const l = rt.config.lock;
  return { leaseMs: l.leaseSeconds * 1000, heartbeatMs: l.heartbeatSeconds * 1000, pollMs: l.pollSeconds * 1000 };
}
