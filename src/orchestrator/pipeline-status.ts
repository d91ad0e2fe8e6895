/**
 * What the visualiser shows: each task of a DAG as complete, running, failed or pending, with
 * durations, computed from the store (completion markers, locks) and the run log. The HTTP
 * server only serialises these views.
 */
import type { ObjectStore } from '../ports/object-store.js';
import { checkCompleteness } from './completeness.js';
import { buildGraph, type TaskGraph } from './graph.js';
import { lockKey } from './marker.js';
import { readHistory, type RunEvent } from './run-log.js';
import type { AnyTask } from './task.js';

export type NodeStatus = 'complete' | 'running' | 'failed' | 'pending';

export interface NodeView {
  readonly id: string;
  readonly family: string;
  readonly params: Record<string, string>;
  readonly status: NodeStatus;
  /**
   * Running: time since it started. Failed: from its first attempt's start to the failure.
   * Otherwise: how long its newest successful run in the run log took (absent when none is there).
   */
  readonly durationMs?: number;
  /** The run this status comes from (the newest run in the log that touched the task). */
  readonly runId?: string;
  /** The task's last event in that run, e.g. `task_blocked` for a pending task whose upstream failed. */
  readonly lastEvent?: RunEvent['event'];
  readonly attempt?: number;
  readonly error?: string;
}

export interface EdgeView {
  /** The required task. */
  readonly from: string;
  /** The task that requires it. */
  readonly to: string;
}

export interface PipelineStatus {
  readonly roots: readonly string[];
  /** Dependencies before dependents. */
  readonly nodes: readonly NodeView[];
  readonly edges: readonly EdgeView[];
  /** True while any node is running: the page then refreshes faster. */
  readonly running: boolean;
}

export interface RunView {
  readonly runId: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  /** `unfinished`: no run_finished event; the run is in progress, or its process was killed. */
  readonly status: 'success' | 'failed' | 'unfinished';
  readonly roots: readonly string[];
  readonly tasks?: number;
  readonly counts?: { readonly ran: number; readonly complete: number; readonly failed: number; readonly blocked: number };
  readonly durationMs?: number;
  readonly failures: readonly { readonly taskId: string; readonly error: string }[];
}

type Run = { runId: string; events: RunEvent[] };

/** How many of the newest runs are read to find each task's latest events. */
export const DEFAULT_STATUS_RUNS = 50;

const TERMINAL_TASK_EVENTS = new Set<RunEvent['event']>(['task_finished', 'task_failed', 'task_skipped', 'task_blocked']);

function elapsed(from: string, to: string): number | undefined {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, ms) : undefined;
}

/**
 * The status of every task of the DAG of `roots`, in this order of precedence:
 * - complete: its outputs and completion marker are in the store;
 * - running: its last event in the newest run that touched it is a start (or a retry), that run
 *   has not finished, and the task's lock is in the store with an unexpired lease (a killed run
 *   leaves its events unfinished forever, but its lock lapses);
 * - failed: its last event in that run is task_failed;
 * - pending: anything else (never run, blocked by an upstream failure, or outputs removed).
 */
export async function computePipelineStatus(
  store: ObjectStore,
  roots: readonly AnyTask[],
  options: { readonly now: Date; readonly runs?: number },
): Promise<PipelineStatus> {
  const graph = buildGraph(roots);
  const [complete, history] = await Promise.all([checkCompleteness(store, graph), readHistory(store, options.runs ?? DEFAULT_STATUS_RUNS)]);
  return statusFromHistory(store, graph, complete, history, options.now);
}

/** Exported for tests that want to feed a hand-written run log. */
export async function statusFromHistory(store: ObjectStore, graph: TaskGraph, complete: ReadonlySet<string>, history: readonly Run[], now: Date): Promise<PipelineStatus> {
  const nowIso = now.toISOString();
  const nodes = await Promise.all(
    graph.order.map(async (task): Promise<NodeView> => {
      const base = { id: task.id, family: task.family, params: task.paramStrings };
      const lastFinished = newestFinished(history, task.id);
      const latest = latestTouch(history, task.id);
      if (complete.has(task.id)) {
        return { ...base, status: 'complete', ...(lastFinished ? { durationMs: lastFinished.duration_ms, runId: lastFinished.run_id } : {}) };
      }
      if (latest) {
        const { run, events } = latest;
        const last = events[events.length - 1]!;
        const firstStart = events.find((e) => e.event === 'task_started');
        const common = { runId: run.runId, lastEvent: last.event, ...(last.attempt !== undefined ? { attempt: last.attempt } : {}) };
        const runFinished = run.events.some((e) => e.event === 'run_finished');
        // task_retried: between attempts, waiting for the backoff; still this run's business.
        if (!TERMINAL_TASK_EVENTS.has(last.event) && !runFinished && (await lockIsLive(store, task, now))) {
          const lastStart = [...events].reverse().find((e) => e.event === 'task_started');
          const since = lastStart ? elapsed(lastStart.ts, nowIso) : undefined;
          return { ...base, status: 'running', ...common, ...(since !== undefined ? { durationMs: since } : {}) };
        }
        if (last.event === 'task_failed') {
          const took = firstStart ? elapsed(firstStart.ts, last.ts) : undefined;
          return { ...base, status: 'failed', ...common, ...(last.error !== undefined ? { error: last.error } : {}), ...(took !== undefined ? { durationMs: took } : {}) };
        }
        return { ...base, status: 'pending', ...common, ...(lastFinished ? { durationMs: lastFinished.duration_ms } : {}) };
      }
      return { ...base, status: 'pending' };
    }),
  );
  const edges = graph.order.flatMap((t) => (graph.deps.get(t.id) ?? []).map((d) => ({ from: d, to: t.id })));
  return { roots: graph.roots, nodes, edges, running: nodes.some((n) => n.status === 'running') };
}

/**
 * Whether the task's lock is held: present, and its lease (when readable) not expired. The lock
 * body is the orchestrator's; it is read defensively, and an unreadable one counts as held.
 */
async function lockIsLive(store: ObjectStore, task: AnyTask, now: Date): Promise<boolean> {
  let text: string;
  try {
    text = (await store.get(lockKey(task))).toString('utf8');
  } catch (err) {
    if ((err as Error).name === 'ObjectNotFoundError') return false;
    throw err;
  }
  try {
    const expires = (JSON.parse(text) as { expires_at?: unknown }).expires_at;
    return typeof expires !== 'number' || expires >= now.getTime();
  } catch {
    return true;
  }
}

/** The newest run (history is newest first) with an event about the task, and those events in order. */
function latestTouch(history: readonly Run[], taskId: string): { run: Run; events: RunEvent[] } | undefined {
  for (const run of history) {
    const events = run.events.filter((e) => e.task_id === taskId && e.event !== 'warning');
    if (events.length > 0) return { run, events };
  }
  return undefined;
}

function newestFinished(history: readonly Run[], taskId: string): (RunEvent & { duration_ms: number }) | undefined {
  for (const run of history) {
    const finished = run.events.filter((e): e is RunEvent & { duration_ms: number } => e.event === 'task_finished' && e.task_id === taskId && e.duration_ms !== undefined);
    if (finished.length > 0) return finished[finished.length - 1];
  }
  return undefined;
}

function count(detail: Record<string, unknown> | undefined, name: string): number {
  const v = detail?.[name];
  return typeof v === 'number' ? v : 0;
}

/** One line of the history table per run, newest first. */
export function summariseRuns(history: readonly Run[]): RunView[] {
  return history.map((run) => {
    const started = run.events.find((e) => e.event === 'run_started');
    const finished = run.events.find((e) => e.event === 'run_finished');
    const roots = started?.detail?.roots;
    const tasks = started?.detail?.tasks;
    const status = finished ? (finished.detail?.status === 'success' ? 'success' : 'failed') : 'unfinished';
    const duration = started && finished ? elapsed(started.ts, finished.ts) : undefined;
    const startedAt = started?.ts ?? run.events[0]?.ts;
    return {
      runId: run.runId,
      ...(startedAt !== undefined ? { startedAt } : {}),
      ...(finished ? { finishedAt: finished.ts } : {}),
      status,
      roots: Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string') : [],
      ...(typeof tasks === 'number' ? { tasks } : {}),
      ...(finished
        ? { counts: { ran: count(finished.detail, 'ran'), complete: count(finished.detail, 'complete'), failed: count(finished.detail, 'failed'), blocked: count(finished.detail, 'blocked') } }
        : {}),
      ...(duration !== undefined ? { durationMs: duration } : {}),
      failures: run.events.filter((e) => e.event === 'task_failed').map((e) => ({ taskId: e.task_id ?? '?', error: e.error ?? '' })),
    };
  });
}

/** The newest runs of the run log, summarised. */
export async function readRunViews(store: ObjectStore, limit: number): Promise<RunView[]> {
  return summariseRuns(await readHistory(store, limit));
}
