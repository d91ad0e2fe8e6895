/**
 * Use case: push tracking records from the store to the experiment tracker. Training calls
 * `pushTrackingRecord` right after writing its record; `returns sync-tracking` calls
 * `syncTracking` to replay whatever a down or refusing tracker missed. Both are idempotent: the
 * tracker finds the run an earlier push created by its record id, so a replay never duplicates.
 */
import type { Clock } from '../ports/clock.js';
import { TrackingError, type ExperimentTracker } from '../ports/experiment-tracker.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';
import { listTrackingRecords, runToLog, writeTrackingRecord, type TrackingRecord, type TrackingSync } from './tracking-record.js';

export interface TrackingDeps {
  readonly store: ObjectStore;
  readonly tracker: ExperimentTracker;
  readonly clock: Clock;
  readonly logger?: Logger;
}

export type PushResult =
  | { readonly ok: true; readonly sync: TrackingSync; readonly created: boolean }
  | { readonly ok: false; readonly error: string; readonly unreachable: boolean };

/**
 * Logs one record to the tracker and writes the outcome back into the record: its run under
 * `syncs[tracker.location]`, or the failure under `lastFailure`. Never throws for a tracker
 * failure (the caller reports it); a store failure does throw.
 */
export async function pushTrackingRecord(deps: TrackingDeps, record: TrackingRecord): Promise<PushResult> {
  const { store, tracker, clock } = deps;
  let result: PushResult;
  try {
    const logged = await tracker.logRun(runToLog(store, record));
    result = { ok: true, sync: { runId: logged.runId, artifactUri: logged.artifactUri, at: clock.now().toISOString() }, created: logged.created };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    // No HTTP status: the server never answered (down, refused, timed out).
    result = { ok: false, error, unreachable: err instanceof TrackingError && err.status === undefined };
  }
  const updated: TrackingRecord = result.ok
    ? { ...withoutFailure(record), syncs: { ...record.syncs, [tracker.location]: result.sync } }
    : { ...record, lastFailure: { location: tracker.location, at: clock.now().toISOString(), error: result.error } };
  await writeTrackingRecord(store, updated);
  return result;
}

export interface SyncSummary {
  /** Where the records went. */
  readonly tracker: string;
  /** Records that already had a run in this tracker. */
  readonly upToDate: number;
  readonly pushed: readonly { readonly recordId: string; readonly runId: string; readonly created: boolean }[];
  readonly failed: readonly { readonly recordId: string; readonly error: string }[];
  /** Records not tried because the tracker stopped answering. */
  readonly skipped: readonly string[];
}

/**
 * Pushes every record the tracker does not have yet, oldest first. When the tracker stops
 * answering, the remaining records are left for the next sync instead of each waiting for its own
 * time-out.
 */
export async function syncTracking(deps: TrackingDeps): Promise<SyncSummary> {
  const records = await listTrackingRecords(deps.store);
  const pending = records.filter((r) => r.syncs[deps.tracker.location] === undefined);
  const pushed: { recordId: string; runId: string; created: boolean }[] = [];
  const failed: { recordId: string; error: string }[] = [];
  const skipped: string[] = [];
  let unreachable = false;
  for (const record of pending) {
    if (unreachable) {
      skipped.push(record.recordId);
      continue;
    }
    const result = await pushTrackingRecord(deps, record);
    if (result.ok) {
      pushed.push({ recordId: record.recordId, runId: result.sync.runId, created: result.created });
      deps.logger?.info('tracking record synced', { record: record.recordId, run: result.sync.runId, tracker: deps.tracker.location });
    } else {
      failed.push({ recordId: record.recordId, error: result.error });
      deps.logger?.warn('tracking record not synced', { record: record.recordId, tracker: deps.tracker.location, error: result.error });
      unreachable = result.unreachable;
    }
  }
  return { tracker: deps.tracker.location, upToDate: records.length - pending.length, pushed, failed, skipped };
}

/** One paragraph for `returns sync-tracking`. */
export function formatSyncSummary(summary: SyncSummary): string {
  const lines = [
    `tracker: ${summary.tracker}`,
    `already synced: ${summary.upToDate}, pushed now: ${summary.pushed.length}, failed: ${summary.failed.length}, not tried: ${summary.skipped.length}`,
  ];
  for (const p of summary.pushed) lines.push(`  synced ${p.recordId} -> run ${p.runId}${p.created ? '' : ' (completed an earlier partial push)'}`);
  for (const f of summary.failed) lines.push(`  FAILED ${f.recordId}: ${f.error}`);
  if (summary.skipped.length > 0) lines.push(`  ${summary.skipped.length} record(s) left for the next sync: the tracker stopped answering`);
  return lines.join('\n');
}

function withoutFailure(record: TrackingRecord): TrackingRecord {
  const copy: TrackingRecord = { ...record };
  delete copy.lastFailure;
  return copy;
}
