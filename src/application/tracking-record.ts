/**
 * The tracking record: everything one training wants in the experiment tracker (params, metrics,
 * tags, artifacts), written to the object store BEFORE anything is sent to a tracker. The store
 * is the pipeline's source of truth, so a tracker that is down loses nothing: the record says
 * which trackers have it (`syncs`, by tracker location) and `syncTracking` pushes the rest.
 *
 *   _tracking/records/RECORD_ID.json                 the record
 *   _tracking/record-artifacts/RECORD_ID/PATH        artifacts given as bytes
 */
import { z } from 'zod';
import { assertArtifactPath, assertRecordId } from '../domain/tracking/names.js';
import type { ArtifactToLog, RunToLog } from '../ports/experiment-tracker.js';
import { ObjectNotFoundError, type ObjectStore } from '../ports/object-store.js';

export const DEFAULT_EXPERIMENT = 'product-returns';
export const DEFAULT_MODEL_NAME = 'product-returns';
export const TRACKING_RECORDS_PREFIX = '_tracking/records/';
export const TRACKING_RECORD_ARTIFACTS_PREFIX = '_tracking/record-artifacts/';

const syncSchema = z.object({ runId: z.string(), artifactUri: z.string(), at: z.string() });

export const trackingRecordSchema = z.object({
  format: z.literal(1),
  recordId: z.string(),
  experiment: z.string(),
  pipelineRunId: z.string(),
  runName: z.string(),
  /** ISO-8601. */
  startTime: z.string(),
  endTime: z.string(),
  status: z.enum(['FINISHED', 'FAILED', 'KILLED']),
  params: z.record(z.string(), z.string()),
  // JSON has no NaN: non-finite metric values are stored as null.
  metrics: z.array(z.object({ key: z.string(), value: z.number().nullable(), step: z.number().int(), timestamp: z.number() })),
  tags: z.record(z.string(), z.string()),
  artifacts: z.array(z.object({ path: z.string(), key: z.string(), size: z.number() })),
  /** Tracker location (e.g. `mlflow:http://host:5000`) → the run that holds this record there. */
  syncs: z.record(z.string(), syncSchema),
  lastFailure: z.object({ location: z.string(), at: z.string(), error: z.string() }).optional(),
});
export type TrackingRecord = z.infer<typeof trackingRecordSchema>;
export type TrackingSync = z.infer<typeof syncSchema>;

export function trackingRecordKey(recordId: string): string {
  return `${TRACKING_RECORDS_PREFIX}${assertRecordId(recordId)}.json`;
}

export function recordArtifactKey(recordId: string, path: string): string {
  return `${TRACKING_RECORD_ARTIFACTS_PREFIX}${assertRecordId(recordId)}/${assertArtifactPath(path)}`;
}

export async function writeTrackingRecord(store: ObjectStore, record: TrackingRecord): Promise<string> {
  const key = trackingRecordKey(record.recordId);
  await store.put(key, `${JSON.stringify(trackingRecordSchema.parse(record), null, 2)}\n`);
  return key;
}

/** Undefined when there is no such record. */
export async function readTrackingRecord(store: ObjectStore, recordId: string): Promise<TrackingRecord | undefined> {
  const key = trackingRecordKey(recordId);
  try {
    return parseTrackingRecord(key, await store.get(key));
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return undefined;
    throw err;
  }
}

/** Every record, oldest record id first (record ids start with the pipeline run id, a UTC timestamp). */
export async function listTrackingRecords(store: ObjectStore): Promise<TrackingRecord[]> {
  const records: TrackingRecord[] = [];
  for (const o of await store.list(TRACKING_RECORDS_PREFIX)) {
    if (o.key.endsWith('.json')) records.push(parseTrackingRecord(o.key, await store.get(o.key)));
  }
  return records;
}

export class BadTrackingRecordError extends Error {
  constructor(key: string, detail: string) {
    super(`tracking record ${key} is not valid (${detail}); fix or delete it`);
    this.name = 'BadTrackingRecordError';
  }
}

function parseTrackingRecord(key: string, body: Buffer): TrackingRecord {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadTrackingRecordError(key, 'not JSON');
  }
  const parsed = trackingRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadTrackingRecordError(key, issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unexpected shape');
  }
  return parsed.data;
}

/** What a tracker's logRun needs, with artifacts read from the store only when pushed. */
export function runToLog(store: ObjectStore, record: TrackingRecord): RunToLog {
  const artifacts: ArtifactToLog[] = record.artifacts.map((a) => ({
    path: a.path,
    read: async () => {
      try {
        return await store.get(a.key);
      } catch (err) {
        if (err instanceof ObjectNotFoundError) {
          throw new Error(`artifact ${a.path} of tracking record ${record.recordId} is missing from the store (${store.uriOf(a.key)})`, { cause: err });
        }
        throw err;
      }
    },
  }));
  return {
    experiment: record.experiment,
    recordId: record.recordId,
    pipelineRunId: record.pipelineRunId,
    runName: record.runName,
    startTime: Date.parse(record.startTime),
    endTime: Date.parse(record.endTime),
    status: record.status,
    params: record.params,
    metrics: record.metrics.map((m) => ({ ...m, value: m.value ?? Number.NaN })),
    tags: record.tags,
    artifacts,
  };
}
