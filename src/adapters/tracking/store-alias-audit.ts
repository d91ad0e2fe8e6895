import { z } from 'zod';
import { assertAlias, assertModelName } from '../../domain/tracking/names.js';
import type { AliasAuditEntry, AliasChange } from '../../ports/model-registry.js';
import { TrackingError } from '../../ports/experiment-tracker.js';
import type { ObjectStore } from '../../ports/object-store.js';

export const REGISTRY_PREFIX = '_registry/';

const entrySchema = z.object({
  seq: z.number().int().positive(),
  name: z.string(),
  alias: z.string(),
  version: z.number().int().positive(),
  previousVersion: z.number().int().positive().optional(),
  actor: z.string(),
  reason: z.string(),
  at: z.string(),
});

/** How many times an append retries when other writers take the next positions first. */
const MAX_APPEND_TRIES = 50;

/**
 * The alias audit log of one model, kept in the store whichever registry is used: one JSON line
 * per entry, each in its own object `_registry/NAME/audit/000001.jsonl`, created with
 * putIfAbsent. An object store cannot append to an object, and rewriting one shared file would
 * lose an entry when two writers race; create-only objects make the log append-only for real.
 */
export class StoreAliasAudit {
  constructor(private readonly store: ObjectStore) {}

  async append(change: AliasChange): Promise<AliasAuditEntry> {
    const prefix = auditPrefix(assertModelName(change.name));
    assertAlias(change.alias);
    let seq = (await this.lastSeq(prefix)) + 1;
    for (let tries = 0; tries < MAX_APPEND_TRIES; tries++, seq++) {
      const entry: AliasAuditEntry = {
        seq,
        name: change.name,
        alias: change.alias,
        version: change.version,
        ...(change.previousVersion !== undefined ? { previousVersion: change.previousVersion } : {}),
        actor: change.actor,
        reason: change.reason,
        at: change.at,
      };
      if (await this.store.putIfAbsent(`${prefix}${seqName(seq)}`, `${JSON.stringify(entry)}\n`)) return entry;
    }
    throw new TrackingError(`could not append to the alias audit log ${this.store.uriOf(prefix)}: ${MAX_APPEND_TRIES} concurrent writers won`);
  }

  async read(name: string): Promise<AliasAuditEntry[]> {
    const prefix = auditPrefix(assertModelName(name));
    const entries: AliasAuditEntry[] = [];
    for (const o of await this.store.list(prefix)) {
      if (!o.key.endsWith('.jsonl')) continue;
      const text = (await this.store.get(o.key)).toString('utf8').trim();
      let parsed;
      try {
        parsed = entrySchema.safeParse(JSON.parse(text));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) throw new TrackingError(`alias audit entry ${this.store.uriOf(o.key)} is not a valid entry`);
      entries.push(parsed.data);
    }
    return entries.sort((a, b) => a.seq - b.seq);
  }

  private async lastSeq(prefix: string): Promise<number> {
    const objects = await this.store.list(prefix);
    const last = objects[objects.length - 1];
    if (last === undefined) return 0;
    const n = Number(last.key.slice(prefix.length).replace(/\.jsonl$/, ''));
    return Number.isInteger(n) ? n : objects.length;
  }
}

function auditPrefix(name: string): string {
  return `${REGISTRY_PREFIX}${name}/audit/`;
}

/** Zero-padded so that key order is log order. */
function seqName(seq: number): string {
  return `${String(seq).padStart(6, '0')}.jsonl`;
}
