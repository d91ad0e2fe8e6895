/**
 * The model registry: numbered versions of a named model, each pointing at a tracked run's
 * artifacts, and aliases (`champion`, ...) that name one version. Which version deserves an alias
 * is decided elsewhere; this port only records versions, aliases, and an append-only audit of
 * alias changes.
 */

export interface ModelVersion {
  readonly name: string;
  /** 1, 2, 3... in registration order. */
  readonly version: number;
  readonly runId: string;
  /** The run's artifact location (an MLflow `mlflow-artifacts:/...` URI, or a store URI). */
  readonly source: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  /** Aliases currently naming this version. */
  readonly aliases: readonly string[];
}

export interface VersionToRegister {
  readonly name: string;
  readonly runId: string;
  readonly artifactUri: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** One alias change, as the caller describes it. */
export interface AliasChange {
  readonly name: string;
  readonly alias: string;
  readonly version: number;
  /** The version the alias named before, if any. */
  readonly previousVersion?: number | undefined;
  /** Who decided (a user name, or `returns` for an automatic promotion). */
  readonly actor: string;
  /** Why, in words (e.g. `AUC 0.71 > 0.69 + margin 0.01`). */
  readonly reason: string;
  /** ISO-8601 time of the change. */
  readonly at: string;
}

export interface AliasAuditEntry extends AliasChange {
  /** Position in the model's audit log: 1, 2, 3... */
  readonly seq: number;
}

export interface ModelRegistry {
  readonly kind: 'local' | 'mlflow';
  /** Where the registry lives, for messages; never contains a secret. */
  readonly location: string;
  /**
   * Registers a run's artifacts as the next version (creating the registered model if missing).
   * Registering a run that already has a version returns that version instead of a duplicate.
   */
  registerVersion(input: VersionToRegister): Promise<ModelVersion>;
  getVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  /** Every version, oldest first; none for an unknown model. */
  listVersions(name: string): Promise<ModelVersion[]>;
  /** The version an alias names, if the alias is set. */
  getAlias(name: string, alias: string): Promise<ModelVersion | undefined>;
  /** Points the alias at the version (moving it if it named another). The version must exist. */
  setAlias(name: string, alias: string, version: number): Promise<void>;
  /** Appends to the model's alias audit log (never rewrites an entry); returns the entry with its position. */
  appendAliasAudit(change: AliasChange): Promise<AliasAuditEntry>;
  /** The audit log, oldest first. */
  aliasAudit(name: string): Promise<AliasAuditEntry[]>;
}

/** Registry calls fail with the tracker's error type (one line naming the endpoint, never a credential). */
export { TrackingError } from './experiment-tracker.js';
