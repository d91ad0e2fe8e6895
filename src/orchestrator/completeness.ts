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

/**
 * Which tasks of the graph are complete, checked in batch: Luigi calls exists() once per target,
 * which makes large DAGs slow to start on object stores. Here the keys are grouped by task family
 * and each group is answered by one listing of its narrowest common prefix, groups concurrently.
 * Wrapper tasks (no outputs) are complete when all they require is.
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
  const jobs = [...groups.values()].map((tasks) => async () => {
    const keys = tasks.flatMap(requiredKeys);
    if (tasks.length === 1) {
      // A single task: one listing of its own folder.
      for (const o of await store.list(`${tasks[0]!.dir}/`)) present.add(o.key);
      for (const k of keys) if (!k.startsWith(`${tasks[0]!.dir}/`) && (await store.exists(k))) present.add(k);
      return;
    }
    for (const o of await store.list(commonPrefix(keys))) present.add(o.key);
  });
  await runConcurrently(jobs, concurrency);

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
