import { setTimeout as sleep } from 'node:timers/promises';
import { assertAlias, assertModelName, assertRunId } from '../../domain/tracking/names.js';
import { TrackingError } from '../../ports/experiment-tracker.js';
import type { AliasAuditEntry, AliasChange, ModelRegistry, ModelVersion, VersionToRegister } from '../../ports/model-registry.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { MlflowClient } from './mlflow-client.js';
import {
  emptyResponse,
  modelVersionResponse,
  recordToTags,
  registeredModelResponse,
  searchModelVersionsResponse,
  tagsToRecord,
  type MlflowModelVersion,
} from './mlflow-schemas.js';
import { StoreAliasAudit } from './store-alias-audit.js';

const API = '/api/2.0/mlflow';
/** A new version is PENDING_REGISTRATION until the server has copied what it needs; SQL stores are READY at once. */
const READY_POLLS = 30;
const READY_POLL_MS = 500;
const MAX_TAG_VALUE = 5000;

/**
 * ModelRegistry over MLflow's model registry REST API. The alias audit log lives in the object
 * store (the same log as the local registry, so history survives a change of registry), and each
 * entry is also set as a tag on the model version it points at, where MLflow's UI shows it.
 */
export class MlflowModelRegistry implements ModelRegistry {
  readonly kind = 'mlflow' as const;
  readonly location: string;
  private readonly audit: StoreAliasAudit;

  constructor(
    private readonly client: MlflowClient,
    auditStore: ObjectStore,
  ) {
    this.location = `mlflow:${client.settings.trackingUri}`;
    this.audit = new StoreAliasAudit(auditStore);
  }

  async registerVersion(input: VersionToRegister): Promise<ModelVersion> {
    const name = assertModelName(input.name);
    assertRunId(input.runId);
    await this.ensureRegisteredModel(name);
    const existing = await this.searchVersions(`name='${name}' and run_id='${input.runId}'`);
    const earliest = existing.sort((a, b) => a.version - b.version)[0];
    if (earliest) return this.getVersion(name, earliest.version) as Promise<ModelVersion>;
    const { model_version: created } = await this.client.postJson(
      `${API}/model-versions/create`,
      { name, source: input.artifactUri, run_id: input.runId, tags: recordToTags(input.tags ?? {}) },
      modelVersionResponse,
      { idempotent: false },
    );
    return toModelVersion(await this.waitUntilReady(created));
  }

  async getVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    assertModelName(name);
    if (!Number.isInteger(version) || version < 1) return undefined;
    try {
      const { model_version } = await this.client.getJson(`${API}/model-versions/get`, { name, version }, modelVersionResponse);
      return toModelVersion(model_version);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async listVersions(name: string): Promise<ModelVersion[]> {
    assertModelName(name);
    const aliases = await this.aliasesOf(name);
    if (aliases === undefined) return [];
    const versions = await this.searchVersions(`name='${name}'`);
    return versions
      .sort((a, b) => a.version - b.version)
      .map((v) => toModelVersion({ ...v, aliases: [...aliases].filter(([, n]) => n === v.version).map(([a]) => a).sort() }));
  }

  async getAlias(name: string, alias: string): Promise<ModelVersion | undefined> {
    assertModelName(name);
    assertAlias(alias);
    // The model's alias list rather than GET .../alias: a missing alias is an HTTP 400 there,
    // indistinguishable from a bad request.
    const version = (await this.aliasesOf(name))?.get(alias);
    return version === undefined ? undefined : this.getVersion(name, version);
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    assertModelName(name);
    assertAlias(alias);
    await this.client.postJson(`${API}/registered-models/alias`, { name, alias, version: String(version) }, emptyResponse, { idempotent: true });
  }

  async appendAliasAudit(change: AliasChange): Promise<AliasAuditEntry> {
    const entry = await this.audit.append(change);
    const text = JSON.stringify(entry);
    await this.client.postJson(
      `${API}/model-versions/set-tag`,
      {
        name: change.name,
        version: String(change.version),
        key: `returns.alias_audit.${String(entry.seq).padStart(6, '0')}`,
        value: text.length > MAX_TAG_VALUE ? `${text.slice(0, MAX_TAG_VALUE - 3)}...` : text,
      },
      emptyResponse,
      { idempotent: true },
    );
    return entry;
  }

  aliasAudit(name: string): Promise<AliasAuditEntry[]> {
    return this.audit.read(name);
  }

  private async ensureRegisteredModel(name: string): Promise<void> {
    if ((await this.aliasesOf(name)) !== undefined) return;
    try {
      await this.client.postJson(`${API}/registered-models/create`, { name }, emptyResponse, { idempotent: false });
    } catch (err) {
      if (!(err instanceof TrackingError && err.code === 'RESOURCE_ALREADY_EXISTS')) throw err;
    }
  }

  /** alias → version of a registered model; undefined when the model does not exist. */
  private async aliasesOf(name: string): Promise<Map<string, number> | undefined> {
    try {
      const { registered_model } = await this.client.getJson(`${API}/registered-models/get`, { name }, registeredModelResponse);
      return new Map(registered_model.aliases.map((a) => [a.alias, a.version]));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async searchVersions(filter: string): Promise<MlflowModelVersion[]> {
    const versions: MlflowModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.getJson(
        `${API}/model-versions/search`,
        { filter, max_results: 1000, page_token: pageToken },
        searchModelVersionsResponse,
      );
      versions.push(...page.model_versions);
      pageToken = page.next_page_token;
    } while (pageToken);
    return versions;
  }

  private async waitUntilReady(version: MlflowModelVersion): Promise<MlflowModelVersion> {
    let current = version;
    for (let i = 0; current.status === 'PENDING_REGISTRATION' && i < READY_POLLS; i++) {
      await sleep(READY_POLL_MS);
      current = (await this.client.getJson(`${API}/model-versions/get`, { name: version.name, version: version.version }, modelVersionResponse))
        .model_version;
    }
    if (current.status === 'FAILED_REGISTRATION') {
      throw new TrackingError(`MLflow could not register ${version.name} version ${version.version} (FAILED_REGISTRATION)`);
    }
    return current;
  }
}

function toModelVersion(v: MlflowModelVersion): ModelVersion {
  return {
    name: v.name,
    version: v.version,
    runId: v.run_id,
    source: v.source,
    tags: tagsToRecord(v.tags),
    createdAt: v.creation_timestamp ?? 0,
    aliases: [...v.aliases].sort(),
  };
}

function isNotFound(err: unknown): boolean {
  return err instanceof TrackingError && (err.status === 404 || err.code === 'RESOURCE_DOES_NOT_EXIST');
}
