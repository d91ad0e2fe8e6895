import type { ObjectStore } from '../ports/object-store.js';
import type { TaskGraph } from './graph.js';
import { markerKey } from './marker.js';
import { flattenOutputs } from './target.js';
import type { AnyTask } from './task.js';

/** The keys that must all exist for a task to be complete; empty for a wrapper task. */
export function requiredKeys(task: AnyTask): string[] {
  const outputs = flattenOutputs(task.output()).map((t) => t.key);
  return outputs.length === 0 ? [] : [...outputs, markerKey(task)];
}

export async function isTaskComplete(store: ObjectStore, task: AnyTask): Promise<boolean> {
  const keys = requiredKeys(task);
  if (keys.length === 0) return false;
  // The marker first: without it nothing else matters, and it is one request.
  if (!(await store.exists(markerKey(task)))) return false;
  const present = await Promise.all(keys.map((k) => store.exists(k)));
  return present.every(Boolean);
}

function commonPrefix(keys: readonly string[]): string {
  if (keys.length === 0) return '';
  let prefix = keys[0]!;
  for (const k of keys) {
    let i = 0;
    while (i < prefix.length && i < k.length && prefix[i] === k[i]) i++;
    prefix = prefix.slice(0, i);
    if (prefix === '') break;
  }
  return prefix;
}

/** S3 returns at most this many keys per listing request. */
export const LIST_PAGE_SIZE = 1000;

/**
 * The prefixes whose listings cover the given (sorted) keys. One prefix when the keys fit in one
 * listing page; otherwise the keys are split on the character after their common prefix, again
 * and again, so each listing is about a page and they can run concurrently instead of paging
 * through one long listing in sequence (which some servers answer slower per page as it grows).
 */
export function listingPrefixes(sortedKeys: readonly string[], pageSize = LIST_PAGE_SIZE): string[] {
  if (sortedKeys.length === 0) return [];
  const prefix = commonPrefix(sortedKeys);
  if (sortedKeys.length <= pageSize || sortedKeys.some((k) => k.length === prefix.length)) return [prefix];
  const out: string[] = [];
  let start = 0;
  for (let i = 1; i <= sortedKeys.length; i++) {
    if (i === sortedKeys.length || sortedKeys[i]![prefix.length] !== sortedKeys[start]![prefix.length]) {
      out.push(...listingPrefixes(sortedKeys.slice(start, i), pageSize));
      start = i;
    }
  }
  return out;
}

/**
 * Which tasks of the graph are complete, checked in batch: Luigi calls exists() once per target,
 * which makes large DAGs slow to start on object stores. Here the keys are grouped by task family,
 * each group is covered by a few listings of its common prefixes (about one page each), and the
 * listings run concurrently. Wrapper tasks (no outputs) are complete when all they require is.
 */
export async function checkCompleteness(store: ObjectStore, graph: TaskGraph, concurrency = 8): Promise<Set<string>> {
  const groups = new Map<string, AnyTask[]>();
  for (const task of graph.order) {
    if (requiredKeys(task).length === 0) continue;
    const list = groups.get(task.family) ?? [];
    list.push(task);
    groups.set(task.family, list);
  }

  const present = new Set<string>();
  const prefixes = [...groups.values()].flatMap((tasks) => listingPrefixes(tasks.flatMap(requiredKeys).sort()));
  await runConcurrently(
    prefixes.map((prefix) => async () => {
      for (const o of await store.list(prefix)) present.add(o.key);
    }),
    concurrency,
  );

  const complete = new Set<string>();
  for (const task of graph.order) {
    const keys = requiredKeys(task);
    if (keys.length === 0) {
      const deps = graph.deps.get(task.id) ?? [];
      if (deps.length > 0 && deps.every((d) => complete.has(d))) complete.add(task.id);
    } else if (keys.every((k) => present.has(k))) {
      complete.add(task.id);
    }
  }
  return complete;
}

export async function runConcurrently(jobs: readonly (() => Promise<void>)[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
}
