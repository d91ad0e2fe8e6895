import { z } from 'zod';
import { assertAlias, assertModelName } from '../../domain/tracking/names.js';
import type { Clock } from '../../ports/clock.js';
import { TrackingError } from '../../ports/experiment-tracker.js';
import type { AliasAuditEntry, AliasChange, ModelRegistry, ModelVersion, VersionToRegister } from '../../ports/model-registry.js';
import { ObjectNotFoundError, type ObjectStore } from '../../ports/object-store.js';
import { REGISTRY_PREFIX, StoreAliasAudit } from './store-alias-audit.js';

const versionSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  runId: z.string(),
  source: z.string(),
  tags: z.record(z.string(), z.string()),
  createdAt: z.number(),
});
type StoredVersion = z.infer<typeof versionSchema>;
const aliasSchema = z.object({ alias: z.string(), version: z.number().int().positive() });

const MAX_REGISTER_TRIES = 50;

/**
 * The embedded model registry, in the store:
 *   _registry/NAME/versions/000001.json   one object per version, created with putIfAbsent
 *   _registry/NAME/aliases/ALIAS.json     {alias, version}
 *   _registry/NAME/audit/000001.jsonl     the alias audit log (StoreAliasAudit)
 */
export class LocalModelRegistry implements ModelRegistry {
  readonly kind = 'local' as const;
  readonly location: string;
  private readonly audit: StoreAliasAudit;

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {
    this.location = `local:${store.rootUri}`;
    this.audit = new StoreAliasAudit(store);
  }

  async registerVersion(input: VersionToRegister): Promise<ModelVersion> {
    const name = assertModelName(input.name);
    const versions = await this.readVersions(name);
    const existing = versions.find((v) => v.runId === input.runId);
    if (existing) return this.withAliases(existing);
    let version = (versions[versions.length - 1]?.version ?? 0) + 1;
    for (let tries = 0; tries < MAX_REGISTER_TRIES; tries++, version++) {
      const stored: StoredVersion = {
        name,
        version,
        runId: input.runId,
        source: input.artifactUri,
        tags: { ...(input.tags ?? {}) },
        createdAt: this.clock.now().getTime(),
      };
      if (await this.store.putIfAbsent(versionKey(name, version), `${JSON.stringify(stored, null, 2)}\n`)) return { ...stored, aliases: [] };
    }
    throw new TrackingError(`could not register a version of ${name} in ${this.store.rootUri}: ${MAX_REGISTER_TRIES} concurrent registrations won`);
  }

  async getVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const stored = await this.readVersion(assertModelName(name), version);
    return stored ? this.withAliases(stored) : undefined;
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    const versions = await this.readVersions(assertModelName(name));
    const aliases = await this.readAliases(name);
    return versions.map((v) => ({ ...v, aliases: aliasesOf(aliases, v.version) }));
  }

  async getAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    const key = aliasKey(assertModelName(name), assertAlias(alias));
    const target = await this.readJson(key, aliasSchema);
    return target ? this.getVersion(name, target.version) : undefined;
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    assertAlias(alias);
    if ((await this.readVersion(assertModelName(name), version)) === undefined) {
      throw new TrackingError(`cannot set alias ${alias}: ${name} has no version ${version} in ${this.store.rootUri}`, 404);
    }
    await this.store.put(aliasKey(name, alias), `${JSON.stringify({ alias, version })}\n`);
  }

  appendAliasAudit(change: AliasChange): Promise<AliasAuditEntry> {
    return this.audit.append(change);
  }

  aliasAudit(name: string): Promise<AliasAuditEntry[]> {
    return this.audit.read(name);
  }

  private async withAliases(stored: StoredVersion): Promise<ModelVersion> {
    return { ...stored, aliases: aliasesOf(await this.readAliases(stored.name), stored.version) };
  }

  private async readVersions(name: string): Promise<StoredVersion[]> {
    const prefix = `${REGISTRY_PREFIX}${name}/versions/`;
    const versions: StoredVersion[] = [];
    for (const o of await this.store.list(prefix)) {
      if (!o.key.endsWith('.json')) continue;
      const v = await this.readJson(o.key, versionSchema);
      if (v) versions.push(v);
    }
    return versions.sort((a, b) => a.version - b.version);
  }

  private readVersion(name: string, version: number): Promise<StoredVersion | undefined> {
    if (!Number.isInteger(version) || version < 1) return Promise.resolve(undefined);
    return this.readJson(versionKey(name, version), versionSchema);
  }

  private async readAliases(name: string): Promise<Map<string, number>> {
    const prefix = `${REGISTRY_PREFIX}${name}/aliases/`;
    const aliases = new Map<string, number>();
    for (const o of await this.store.list(prefix)) {
      const a = await this.readJson(o.key, aliasSchema);
      if (a) aliases.set(a.alias, a.version);
    }
    return aliases;
  }

  private async readJson<T>(key: string, schema: z.ZodType<T>): Promise<T | undefined> {
    let body: Buffer;
    try {
      body = await this.store.get(key);
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
    let parsed;
    try {
      parsed = schema.safeParse(JSON.parse(body.toString('utf8')));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) throw new TrackingError(`registry object ${this.store.uriOf(key)} is not valid; fix or delete it`);
    return parsed.data;
  }
}

function versionKey(name: string, version: number): string {
  return `${REGISTRY_PREFIX}${name}/versions/${String(version).padStart(6, '0')}.json`;
}

function aliasKey(name: string, alias: string): string {
  return `${REGISTRY_PREFIX}${name}/aliases/${alias}.json`;
}

function aliasesOf(aliases: Map<string, number>, version: number): string[] {
  return [...aliases].filter(([, v]) => v === version).map(([a]) => a).sort();
}
