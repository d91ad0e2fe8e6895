/**
 * What the REST API serves with: one model and one history snapshot, held behind a single
 * reference. A refresh asks where the model and snapshot are now (the registry's champion
 * alias, the newest snapshot in the store), loads whatever changed completely, and only then
 * swaps the reference: a request reads the reference once, so it is scored by one whole
 * model/snapshot pair, never by a half-loaded one. A refresh that fails keeps serving what was
 * there.
 */
import { CHAMPION, loadVersionModel } from './champion.js';
import { EMPTY_SNAPSHOT, type HistorySnapshot } from '../domain/features/online-features.js';
import { isIsoDate } from '../domain/dates.js';
import { loadModelArtifact, type LoadedModel } from '../domain/artifact/model-artifact.js';
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ModelRegistry } from '../ports/model-registry.js';
import type { ObjectStore } from '../ports/object-store.js';
import { SNAPSHOT_FILE, snapshotKey } from './build-snapshot.js';
import { LineScorer } from './score-lines.js';

/** A model to load, as located now. */
export interface ModelRef {
  /** Identity: the same id means the same model (no reload). */
  readonly id: string;
  /** What responses call it: `NAME/VERSION` for a registered version, the URI for a fixed file. */
  readonly label: string;
  readonly name: string | null;
  readonly version: number | null;
  load(): Promise<LoadedModel>;
}

export interface SnapshotRef {
  readonly id: string;
  load(): Promise<HistorySnapshot>;
}

/** Where the model is now; undefined when there is none yet (no champion). */
export type ModelLocator = () => Promise<ModelRef | undefined>;
/** Where the newest snapshot is now; undefined when there is none (history features then use the empty snapshot). */
export type SnapshotLocator = () => Promise<SnapshotRef | undefined>;

export interface ServingState {
  readonly model: ModelRef;
  readonly artifact: LoadedModel['artifact'];
  readonly scorer: LineScorer;
  readonly snapshot: HistorySnapshot;
  /** The snapshot's id (its store key), or null when serving with the empty snapshot. */
  readonly snapshotId: string | null;
  /** ISO time the pair was swapped in. */
  readonly loadedAt: string;
}

export interface ModelHolderOptions {
  readonly locateModel: ModelLocator;
  readonly locateSnapshot?: SnapshotLocator;
  readonly logger: Logger;
  readonly clock: Clock;
}

export class ModelHolder {
  private current: ServingState | undefined;
  private lastProblem: string | undefined = 'no model loaded yet';
  private queue: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private swapCount = 0;

  constructor(private readonly options: ModelHolderOptions) {}

  /** What requests are served with now (one read per request). */
  get state(): ServingState | undefined {
    return this.current;
  }

  /** How many times the served pair was replaced by another since the first load (hot swaps). */
  get swaps(): number {
    return this.swapCount;
  }

  /** Why the last refresh failed (or why nothing is loaded yet); undefined after a good refresh. */
  get problem(): string | undefined {
    return this.lastProblem;
  }

  /**
   * Locates the model and the snapshot and swaps in whatever changed. Refreshes run one at a
   * time, in call order; true when the served pair changed.
   */
  refresh(reason: string): Promise<boolean> {
    const next = this.queue.then(() => this.refreshNow(reason));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Refreshes every `intervalMs` until stop(); the timer never keeps the process alive. */
  startPolling(intervalMs: number): void {
    if (!(intervalMs > 0)) throw new RangeError(`poll interval must be positive, got ${intervalMs}`);
    const tick = (): void => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        void this.refresh('poll').finally(tick);
      }, intervalMs);
      this.timer.unref?.();
    };
    tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async refreshNow(reason: string): Promise<boolean> {
    const { logger } = this.options;
    try {
      const [modelRef, snapshotRef] = await Promise.all([this.options.locateModel(), this.options.locateSnapshot?.() ?? Promise.resolve(undefined)]);
      if (!modelRef) {
        this.lastProblem = this.current ? undefined : 'no model to serve yet (the registry has no champion)';
        if (!this.current) logger.warn(`refresh (${reason}): ${this.lastProblem}`);
        return false;
      }
      const before = this.current;
      const snapshotId = snapshotRef?.id ?? null;
      if (before && before.model.id === modelRef.id && before.snapshotId === snapshotId) {
        this.lastProblem = undefined;
        return false;
      }
      // Load everything that changed before touching the served reference.
      const loaded = before?.model.id === modelRef.id ? { artifact: before.artifact, model: before.scorer.model } : await modelRef.load();
      const snapshot = before && before.snapshotId === snapshotId ? before.snapshot : snapshotRef ? await snapshotRef.load() : EMPTY_SNAPSHOT;
      const scorer = before?.model.id === modelRef.id ? before.scorer : new LineScorer(loaded.model);
      this.current = { model: modelRef, artifact: loaded.artifact, scorer, snapshot, snapshotId, loadedAt: this.options.clock.now().toISOString() };
      if (before) this.swapCount += 1;
      this.lastProblem = undefined;
      logger.info(`serving ${modelRef.label} (as of ${loaded.artifact.as_of}) with ${snapshotId ? `snapshot ${snapshotId} (as of ${snapshot.asOf ?? '-'})` : 'no history snapshot: history features use the empty-history fallback'}`, {
        reason,
        model: modelRef.label,
        previous_model: before?.model.label ?? null,
        snapshot: snapshotId,
      });
      return true;
    } catch (err) {
      this.lastProblem = `refresh failed: ${(err as Error).message}`;
      logger.error(`refresh (${reason}) failed; ${this.current ? `still serving ${this.current.model.label}` : 'nothing to serve yet'}: ${(err as Error).message}`);
      return false;
    }
  }
}

/** The model the registry's champion alias names, re-read at every refresh. */
export function championLocator(registry: ModelRegistry, store: ObjectStore, modelName: string): ModelLocator {
  return async () => {
    const version = await registry.getAlias(modelName, CHAMPION);
    if (!version) return undefined;
    return {
      id: `${modelName}/${version.version}`,
      label: `${modelName}/${version.version}`,
      name: modelName,
      version: version.version,
      load: () => loadVersionModel(store, version),
    };
  };
}

/** One model.json, never reloaded: `where` names it (a URI or path), `read` fetches its bytes. */
export function fixedModelLocator(where: string, read: () => Promise<Buffer>): ModelLocator {
  const ref: ModelRef = {
    id: where,
    label: where,
    name: null,
    version: null,
    load: async () => loadModelArtifact(JSON.parse((await read()).toString('utf8')), where, FEATURE_CATALOGUE),
  };
  return async () => ref;
}

/**
 * The newest BuildFeatures snapshot in the store (`BuildFeatures/date=D/snapshot.parquet`, the
 * largest D). `read` turns a key into the in-memory snapshot.
 */
export function latestSnapshotLocator(store: ObjectStore, read: (key: string) => Promise<HistorySnapshot>): SnapshotLocator {
  const pattern = new RegExp(`^BuildFeatures/date=(\\d{4}-\\d{2}-\\d{2})/${SNAPSHOT_FILE.replace('.', '\\.')}$`);
  return async () => {
    let newest: string | undefined;
    for (const o of await store.list('BuildFeatures/date=')) {
      const date = pattern.exec(o.key)?.[1];
      if (date && isIsoDate(date) && (newest === undefined || date > newest)) newest = date;
    }
    if (newest === undefined) return undefined;
    const key = snapshotKey(newest);
    return { id: key, load: () => read(key) };
  };
}

/** One snapshot file, never reloaded. */
export function fixedSnapshotLocator(where: string, read: () => Promise<HistorySnapshot>): SnapshotLocator {
  const ref: SnapshotRef = { id: where, load: read };
  return async () => ref;
}
