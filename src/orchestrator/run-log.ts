import { z } from 'zod';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';

export const RUN_LOG_PREFIX = '_runs/';

export const runEventSchema = z.object({
  ts: z.string(),
  run_id: z.string(),
  event: z.enum(['run_started', 'task_started', 'task_finished', 'task_failed', 'task_retried', 'task_skipped', 'task_blocked', 'run_finished', 'warning']),
  task_id: z.string().optional(),
  attempt: z.number().optional(),
  duration_ms: z.number().optional(),
  error: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type RunEvent = z.infer<typeof runEventSchema>;
export type RunEventInput = Omit<RunEvent, 'ts' | 'run_id'>;

/**
 * The run log: every event of a run, as JSON lines in one object per run under `_runs/`.
 * Object stores cannot append, so the object is rewritten with all events so far; writes are
 * coalesced (at most one in flight, one queued) and flushed at the end of the run.
 */
export class RunLog {
  private readonly events: RunEvent[] = [];
  private writing: Promise<void> | undefined;
  private dirty = false;
  readonly key: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    readonly runId: string,
    private readonly logger: Logger,
  ) {
    this.key = `${RUN_LOG_PREFIX}${runId}.jsonl`;
  }

  append(event: RunEventInput): void {
    this.events.push({ ts: this.clock.now().toISOString(), run_id: this.runId, ...event });
    this.dirty = true;
    if (!this.writing) this.writing = this.drain();
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.dirty) {
      this.writing = this.drain();
      await this.writing;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        const body = this.events.map((e) => JSON.stringify(e)).join('\n') + '\n';
        try {
          await this.store.put(this.key, body);
        } catch (err) {
          // The run goes on without its log rather than failing: the log is for people.
          this.logger.warn('could not write the run log', { key: this.key, error: (err as Error).message });
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}

/** The events of the most recent runs, newest run first. */
export async function readHistory(store: ObjectStore, limit: number): Promise<{ runId: string; events: RunEvent[] }[]> {
  const objects = await store.list(RUN_LOG_PREFIX);
  // Run ids start with a UTC timestamp, so key order is time order.
  const newest = objects.filter((o) => o.key.endsWith('.jsonl')).reverse().slice(0, limit);
  return Promise.all(
    newest.map(async (o) => {
      const text = (await store.get(o.key)).toString('utf8');
      const events = text
        .split('\n')
        .filter((l) => l.trim().length > 0)
        .flatMap((l) => {
          const parsed = runEventSchema.safeParse(JSON.parse(l));
          return parsed.success ? [parsed.data] : [];
        });
      return { runId: o.key.slice(RUN_LOG_PREFIX.length, -'.jsonl'.length), events };
    }),
  );
}
