/**
 * Use case: record one training for experiment tracking. The record (and the artifacts given as
 * bytes) go to the store first, then to the tracker. A tracker that is down or refuses does not
 * fail the training: the outcome says tracking failed and why, and `syncTracking` replays it.
 */
import { assertArtifactPath, assertModelName, assertRecordId } from '../domain/tracking/names.js';
import type { Logger } from '../ports/logger.js';
import { pushTrackingRecord, type TrackingDeps } from './sync-tracking.js';
import { DEFAULT_EXPERIMENT, recordArtifactKey, writeTrackingRecord, type TrackingRecord } from './tracking-record.js';

export interface MetricInput {
  readonly key: string;
  readonly value: number;
  /** Boosting round, epoch...; 0 for a single value. */
  readonly step?: number;
  /** Milliseconds since the epoch; default: the training's end time. */
  readonly timestamp?: number;
}

/** An artifact as bytes (copied under the record), or as a key already in the store (not copied: it must not change). */
export type ArtifactInput = { readonly path: string; readonly body: Buffer | string } | { readonly path: string; readonly key: string };

export interface TrainingToTrack {
  /** Unique per training: use `trackingRecordId(pipelineRunId, taskId)` from src/domain/tracking/names.ts. */
  readonly recordId: string;
  readonly pipelineRunId: string;
  /** Default `product-returns`. */
  readonly experiment?: string;
  /** What people see in the tracker's run list, e.g. `TrainModel 2019-03-01`. */
  readonly runName: string;
  readonly startTime: Date;
  readonly endTime: Date;
  /** Default FINISHED. */
  readonly status?: 'FINISHED' | 'FAILED';
  /** Hyperparameters, as-of date, horizon, engine, data fingerprint... (see flattenParams for nested values). */
  readonly params: Readonly<Record<string, string | number | boolean>>;
  readonly metrics: readonly MetricInput[];
  readonly tags?: Readonly<Record<string, string>>;
  /** e.g. model.json, model.sql, quality-report.json, training-report.json. */
  readonly artifacts: readonly ArtifactInput[];
}

export interface TrackingOutcome {
  readonly recordId: string;
  /** Where the record is in the store. */
  readonly recordKey: string;
  /** The tracker's location (no secrets). */
  readonly tracker: string;
  readonly synced: boolean;
  /** The tracker's run, when synced: the registry's `runId`/`artifactUri`. */
  readonly runId?: string;
  readonly artifactUri?: string;
  /** Why tracking failed, in one line, when not synced. */
  readonly error?: string;
}

export async function trackTraining(deps: TrackingDeps, training: TrainingToTrack): Promise<TrackingOutcome> {
  const recordId = assertRecordId(training.recordId);
  const experiment = assertModelName(training.experiment ?? DEFAULT_EXPERIMENT);
  const endMs = training.endTime.getTime();
  const artifacts: TrackingRecord['artifacts'] = [];
  for (const artifact of training.artifacts) {
    assertArtifactPath(artifact.path);
    if ('body' in artifact) {
      const key = recordArtifactKey(recordId, artifact.path);
      await deps.store.put(key, artifact.body);
      artifacts.push({ path: artifact.path, key, size: Buffer.byteLength(artifact.body) });
    } else {
      const size = (await deps.store.get(artifact.key)).length;
      artifacts.push({ path: artifact.path, key: artifact.key, size });
    }
  }
  const record: TrackingRecord = {
    format: 1,
    recordId,
    experiment,
    pipelineRunId: training.pipelineRunId,
    runName: training.runName,
    startTime: training.startTime.toISOString(),
    endTime: training.endTime.toISOString(),
    status: training.status ?? 'FINISHED',
    params: Object.fromEntries(Object.entries(training.params).map(([k, v]) => [k, String(v)])),
    metrics: training.metrics.map((m) => ({
      key: m.key,
      value: Number.isFinite(m.value) ? m.value : null,
      step: m.step ?? 0,
      timestamp: m.timestamp ?? endMs,
    })),
    tags: { ...(training.tags ?? {}) },
    artifacts,
    syncs: {},
  };
  const recordKey = await writeTrackingRecord(deps.store, record);
  const result = await pushTrackingRecord(deps, record);
  if (result.ok) {
    return { recordId, recordKey, tracker: deps.tracker.location, synced: true, runId: result.sync.runId, artifactUri: result.sync.artifactUri };
  }
  warn(deps.logger, recordId, deps.tracker.location, result.error);
  return { recordId, recordKey, tracker: deps.tracker.location, synced: false, error: result.error };
}

function warn(logger: Logger | undefined, recordId: string, tracker: string, error: string): void {
  logger?.warn('experiment tracking failed; the record is kept in the store, run `returns sync-tracking` once the tracker is back', {
    record: recordId,
    tracker,
    error,
  });
}

/**
 * Nested hyperparameters as flat tracker params: `{ gbm: { depth: 3 } }` → `{ 'gbm.depth': '3' }`.
 * Arrays become JSON text; null and undefined are left out.
 */
export function flattenParams(value: Readonly<Record<string, unknown>>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v === null || v === undefined) continue;
    if (typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenParams(v as Record<string, unknown>, key));
    else out[key] = Array.isArray(v) ? JSON.stringify(v) : String(v);
  }
  return out;
}
