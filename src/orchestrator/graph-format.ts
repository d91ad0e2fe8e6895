import type { TaskGraph } from './graph.js';

export type GraphFormat = 'text' | 'dot' | 'mermaid' | 'json';
export const graphFormats: readonly GraphFormat[] = ['text', 'dot', 'mermaid', 'json'];

/** Renders the DAG; `status` (task id -> word) is shown when given. */
export function formatGraph(graph: TaskGraph, format: GraphFormat, status?: ReadonlyMap<string, string>): string {
  const label = (id: string): string => (status?.has(id) ? `${id} [${status.get(id)}]` : id);
  switch (format) {
    case 'json':
      return JSON.stringify({
        nodes: graph.order.map((t) => ({ id: t.id, family: t.family, params: t.paramStrings, ...(status ? { status: status.get(t.id) } : {}) })),
        edges: graph.order.flatMap((t) => (graph.deps.get(t.id) ?? []).map((d) => ({ from: d, to: t.id }))),
      });
    case 'dot': {
      const lines = ['digraph returns {', '  rankdir=LR;', '  node [shape=box];'];
      for (const t of graph.order) lines.push(`  ${JSON.stringify(t.id)} [label=${JSON.stringify(label(t.id))}];`);
      for (const t of graph.order) for (const d of graph.deps.get(t.id) ?? []) lines.push(`  ${JSON.stringify(d)} -> ${JSON.stringify(t.id)};`);
      lines.push('}');
      return lines.join('\n');
    }
    case 'mermaid': {
      const ids = new Map(graph.order.map((t, i) => [t.id, `t${i}`]));
      const lines = ['graph LR'];
      for (const t of graph.order) lines.push(`  ${ids.get(t.id)}["${label(t.id).replace(/"/g, '#quot;')}"]`);
      for (const t of graph.order) for (const d of graph.deps.get(t.id) ?? []) lines.push(`  ${ids.get(d)} --> ${ids.get(t.id)}`);
      return lines.join('\n');
    }
    case 'text': {
      // An indented tree from each root; a task already shown is marked instead of repeated.
      const lines: string[] = [];
      const shown = new Set<string>();
      const walk = (id: string, depth: number): void => {
        const seen = shown.has(id);
        lines.push(`${'  '.repeat(depth)}${depth > 0 ? '└─ ' : ''}${label(id)}${seen && (graph.deps.get(id) ?? []).length > 0 ? ' (see above)' : ''}`);
        if (seen) return;
        shown.add(id);
        for (const d of graph.deps.get(id) ?? []) walk(d, depth + 1);
      };
      for (const r of graph.roots) walk(r, 0);
      return lines.join('\n');
    }
  }
}
