import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';

export interface LockOwner {
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
}

export interface LockOptions {
  /** How long a lock stays valid without a heartbeat. */
  readonly leaseMs: number;
  /** How often the holder renews its lease. */
  readonly heartbeatMs: number;
  /** How often a waiter looks again. */
  readonly pollMs: number;
}

export const defaultLockOptions: LockOptions = { leaseMs: 60_000, heartbeatMs: 15_000, pollMs: 1_000 };

const lockBodySchema = z.object({
  token: z.string(),
  run_id: z.string(),
  host: z.string(),
  pid: z.number(),
  expires_at: z.number(),
});
type LockBody = z.infer<typeof lockBodySchema>;

export class LockHeldError extends Error {
  constructor(readonly key: string, readonly holder: string) {
    super(`lock ${key} is held by ${holder}`);
    this.name = 'LockHeldError';
  }
}

/** A held lock; release() is idempotent. */
export interface Lease {
  readonly key: string;
  readonly token: string;
  /** True when another process took the lock over (our heartbeats stopped long enough). */
  lost(): boolean;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Asked while waiting: when it turns true the caller no longer needs the lock. */
  readonly isDone: () => Promise<boolean>;
  readonly signal?: AbortSignal;
  /** Return 'held' at once instead of waiting for a live holder. */
  readonly noWait?: boolean;
}

/**
 * A lease lock stored next to a task's outputs, so processes on one machine or on many sharing
 * an S3 store never run the same task at once. It is created with a create-only write (link(2)
 * locally, `If-None-Match: *` on S3). The holder renews the lease by heartbeat; a lock whose lease
 * ran out, or whose holder is a dead process on this host, is stale. Taking over a stale lock goes
 * through a second create-only object named after the stale lock's token, so of several waiters
 * exactly one wins the takeover.
 */
export class StoreLocks {
  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
    private readonly owner: LockOwner,
    private readonly options: LockOptions,
    private readonly logger: Logger,
    private readonly isProcessAlive: (pid: number) => boolean = defaultIsProcessAlive,
  ) {}

  async acquire(key: string, opts: AcquireOptions): Promise<Lease | 'done' | 'held'> {
    for (;;) {
      if (opts.signal?.aborted) throw new Error(`stopped while waiting for lock ${key}`);
      const body = this.newBody();
      if (await this.store.putIfAbsent(key, JSON.stringify(body))) return this.startLease(key, body);

      const current = await this.readLock(key);
      if (current === undefined) continue; // released between our two calls: try again at once
      if (this.isStale(current)) {
        if (await this.store.putIfAbsent(`${key}.takeover.${current.token}`, JSON.stringify(body))) {
          this.logger.warn('took over a stale lock', { lock: key, stale_holder: describe(current) });
          await this.store.put(key, JSON.stringify(body));
          return this.startLease(key, body);
        }
      }
      if (await opts.isDone()) return 'done';
      if (opts.noWait) return 'held';
      await this.clock.sleep(this.options.pollMs);
    }
  }

  async holder(key: string): Promise<string | undefined> {
    const body = await this.readLock(key);
    return body && !this.isStale(body) ? describe(body) : undefined;
  }

  private newBody(): LockBody {
    return {
      token: randomUUID(),
      run_id: this.owner.runId,
      host: this.owner.host,
      pid: this.owner.pid,
      expires_at: this.clock.now().getTime() + this.options.leaseMs,
    };
  }

  private isStale(body: LockBody): boolean {
    if (body.expires_at < this.clock.now().getTime()) return true;
    return body.host === this.owner.host && body.pid !== this.owner.pid && !this.isProcessAlive(body.pid);
  }

  private async readLock(key: string): Promise<LockBody | undefined> {
    let text: string;
    try {
      text = (await this.store.get(key)).toString('utf8');
    } catch (err) {
      if ((err as Error).name === 'ObjectNotFoundError') return undefined;
      throw err;
    }
    let parsed: ReturnType<typeof lockBodySchema.safeParse> | undefined;
    try {
      parsed = lockBodySchema.safeParse(JSON.parse(text));
    } catch {
      parsed = undefined;
    }
    // An unreadable lock object is treated as expired rather than blocking forever.
    return parsed?.success ? parsed.data : { token: `corrupt-${hashText(text)}`, run_id: '?', host: '?', pid: -1, expires_at: 0 };
  }

  private startLease(key: string, body: LockBody): Lease {
    let lost = false;
    let released = false;
    let renewing: Promise<void> = Promise.resolve();
    const renew = async (): Promise<void> => {
      const current = await this.readLock(key);
      if (current?.token !== body.token) {
        lost = true;
        this.logger.warn('lost a lock to another process', { lock: key });
        clearInterval(timer);
        return;
      }
      await this.store.put(key, JSON.stringify({ ...body, expires_at: this.clock.now().getTime() + this.options.leaseMs }));
    };
    const timer = setInterval(() => {
      renewing = renewing.then(renew).catch((err: Error) => this.logger.warn('lock heartbeat failed', { lock: key, error: err.message }));
    }, this.options.heartbeatMs);
    timer.unref();
    return {
      key,
      token: body.token,
      lost: () => lost,
      release: async () => {
        if (released) return;
        released = true;
        clearInterval(timer);
        await renewing;
        const current = await this.readLock(key);
        if (current?.token === body.token) await this.store.delete(key);
      },
    };
  }
}

function describe(body: LockBody): string {
  return `run ${body.run_id} (pid ${body.pid} on ${body.host})`;
}

function defaultIsProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
