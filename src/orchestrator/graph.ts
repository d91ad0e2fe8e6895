import { flattenRequirements, type AnyTask } from './task.js';

export class CycleError extends Error {
  constructor(readonly path: readonly string[]) {
    super(`dependency cycle: ${path.join(' -> ')}`);
    this.name = 'CycleError';
  }
}

/** The DAG reachable from the requested tasks, deduplicated by task id. */
export interface TaskGraph {
  /** Every task, dependencies before dependents. */
  readonly order: readonly AnyTask[];
  readonly byId: ReadonlyMap<string, AnyTask>;
  /** task id -> ids of the tasks it requires. */
  readonly deps: ReadonlyMap<string, readonly string[]>;
  /** task id -> ids of the tasks that require it. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  readonly roots: readonly string[];
}

/**
 * Walks requires() depth-first from the roots. Iterative, so a 10,000-deep chain does not blow
 * the stack; a back edge to a task still on the path is a cycle, reported with its path.
 */
export function buildGraph(roots: readonly AnyTask[]): TaskGraph {
  const byId = new Map<string, AnyTask>();
  const deps = new Map<string, string[]>();
  const order: AnyTask[] = [];
  const state = new Map<string, 'visiting' | 'done'>();

  for (const root of roots) {
    if (state.get(root.id) === 'done') continue;
    const stack: { task: AnyTask; children: AnyTask[]; next: number }[] = [];
    const enter = (task: AnyTask): void => {
      const children = flattenRequirements(task.requires());
      byId.set(task.id, task);
      deps.set(task.id, [...new Set(children.map((c) => c.id))]);
      state.set(task.id, 'visiting');
      stack.push({ task, children, next: 0 });
    };
    enter(root);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      if (frame.next < frame.children.length) {
        const child = frame.children[frame.next++]!;
        const s = state.get(child.id);
        if (s === 'visiting') {
          const from = stack.findIndex((f) => f.task.id === child.id);
          throw new CycleError([...stack.slice(from).map((f) => f.task.id), child.id]);
        }
        if (s === undefined) enter(child);
      } else {
        stack.pop();
        state.set(frame.task.id, 'done');
        order.push(frame.task);
      }
    }
  }

  const dependents = new Map<string, string[]>();
  for (const id of byId.keys()) dependents.set(id, []);
  for (const [id, ds] of deps) for (const d of ds) dependents.get(d)!.push(id);
  return { order, byId, deps, dependents, roots: [...new Set(roots.map((r) => r.id))] };
}

/** The given tasks and everything downstream of them (that transitively requires them). */
export function downstreamOf(graph: TaskGraph, ids: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const queue = [...ids];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (out.has(id)) continue;
    out.add(id);
    queue.push(...(graph.dependents.get(id) ?? []));
  }
  return out;
}

/** Tasks matching a --force selector: a family name (all its tasks) or an exact task id. */
export function selectTasks(graph: TaskGraph, selector: string): string[] {
  return graph.order.filter((t) => t.id === selector || t.family === selector).map((t) => t.id);
}
