/**
 * Registry use cases the model commands call: moving an alias with its audit entry, and the
 * registry as text. Deciding WHICH version gets an alias is not here (that is the model code's
 * champion/challenger rule); this records the decision.
 */
import type { AliasAuditEntry, ModelRegistry, ModelVersion } from '../ports/model-registry.js';
import { DEFAULT_MODEL_NAME } from './tracking-record.js';

export interface AliasMove {
  readonly name?: string;
  readonly alias: string;
  readonly version: number;
  readonly actor: string;
  readonly reason: string;
  /** When the decision was made. */
  readonly at: Date;
}

/**
 * Points the alias at the version and appends the change to the audit log (with the version it
 * named before). Moving an alias to the version it already names still logs the decision.
 */
export async function moveAlias(registry: ModelRegistry, move: AliasMove): Promise<AliasAuditEntry> {
  const name = move.name ?? DEFAULT_MODEL_NAME;
  const previous = await registry.getAlias(name, move.alias);
  await registry.setAlias(name, move.alias, move.version);
  return registry.appendAliasAudit({
    name,
    alias: move.alias,
    version: move.version,
    previousVersion: previous?.version,
    actor: move.actor,
    reason: move.reason,
    at: move.at.toISOString(),
  });
}

export async function formatModelVersions(registry: ModelRegistry, name: string = DEFAULT_MODEL_NAME): Promise<string> {
  const versions = await registry.listVersions(name);
  const lines = [`model ${name} in ${registry.location}`];
  if (versions.length === 0) return [...lines, 'no versions yet'].join('\n');
  const rows = versions.map((v) => [String(v.version), v.aliases.join(',') || '-', iso(v.createdAt), v.runId, v.source]);
  const header = ['VERSION', 'ALIASES', 'CREATED (UTC)', 'RUN ID', 'SOURCE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [...lines, line(header), ...rows.map(line)].join('\n');
}

export function formatModelVersion(version: ModelVersion): string {
  const tags = Object.keys(version.tags).sort();
  return [
    `model ${version.name} version ${version.version}`,
    `  aliases: ${version.aliases.join(', ') || '-'}`,
    `  created: ${iso(version.createdAt)}`,
    `  run:     ${version.runId}`,
    `  source:  ${version.source}`,
    'tags',
    ...(tags.length === 0 ? ['  (none)'] : tags.map((k) => `  ${k} = ${version.tags[k]}`)),
  ].join('\n');
}

export async function formatAliasAudit(registry: ModelRegistry, name: string = DEFAULT_MODEL_NAME): Promise<string> {
  const entries = await registry.aliasAudit(name);
  if (entries.length === 0) return `no alias changes recorded for ${name}`;
  return entries
    .map((e) => `${e.seq}. ${e.at} ${e.alias}: ${e.previousVersion !== undefined ? `v${e.previousVersion}` : '(unset)'} -> v${e.version} by ${e.actor}: ${e.reason}`)
    .join('\n');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
