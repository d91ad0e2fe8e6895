import { z } from 'zod';
import { assertArtifactPath, assertModelName, assertRecordId, assertRunId } from '../../domain/tracking/names.js';
import {
  TRACKING_TAGS,
  TrackingError,
  type ExperimentTracker,
  type LoggedRun,
  type MetricPoint,
  type RunDetail,
  type RunSummary,
  type RunToLog,
} from '../../ports/experiment-tracker.js';
import { ObjectNotFoundError, type ObjectStore } from '../../ports/object-store.js';

/** Keys of the local tracker: one JSON per run, and the run's artifacts beside it. */
export const LOCAL_RUNS_PREFIX = '_tracking/runs/';
export const LOCAL_RUN_ARTIFACTS_PREFIX = '_tracking/run-artifacts/';

const metricSchema = z.object({ key: z.string(), value: z.number().nullable(), step: z.number(), timestamp: z.number() });
const localRunSchema = z.object({
  format: z.literal(1),
  runId: z.string(),
  experiment: z.string(),
  runName: z.string(),
  status: z.enum(['RUNNING', 'FINISHED', 'FAILED', 'KILLED']),
  startTime: z.number(),
  endTime: z.number().optional(),
  params: z.record(z.string(), z.string()),
  // JSON has no NaN: a non-finite value is stored as null and read back as NaN.
  metrics: z.array(metricSchema),
  tags: z.record(z.string(), z.string()),
  artifacts: z.array(z.object({ path: z.string(), size: z.number() })),
});
type LocalRun = z.infer<typeof localRunSchema>;

/**
 * The embedded tracker: runs as JSON files in the object store, so `returns runs` works with no
 * server. A run's id is its record id, which makes a replay land on the same run by construction.
 * The run JSON is written after the artifacts, so its presence means the run is complete.
 */
export class LocalExperimentTracker implements ExperimentTracker {
  readonly kind = 'local' as const;
  readonly location: string;

  constructor(private readonly store: ObjectStore) {
    this.location = `local:${store.rootUri}`;
  }

  async logRun(run: RunToLog): Promise<LoggedRun> {
    assertModelName(run.experiment);
    const runId = assertRecordId(run.recordId);
    const artifactPaths = run.artifacts.map((a) => assertArtifactPath(a.path));
    const created = !(await this.store.exists(runKey(runId)));
    const artifacts: { path: string; size: number }[] = [];
    for (const [i, artifact] of run.artifacts.entries()) {
      const body = await artifact.read();
      await this.store.put(artifactKey(runId, artifactPaths[i] as string), body);
      artifacts.push({ path: artifact.path, size: body.length });
    }
    const record: LocalRun = {
      format: 1,
      runId,
      experiment: run.experiment,
      runName: run.runName,
      status: run.status,
      startTime: run.startTime,
      endTime: run.endTime,
      params: { ...run.params },
      metrics: run.metrics.map((m) => ({ ...m, value: Number.isFinite(m.value) ? m.value : null })),
      tags: { ...run.tags, [TRACKING_TAGS.recordId]: run.recordId, [TRACKING_TAGS.pipelineRunId]: run.pipelineRunId },
      artifacts: artifacts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    };
    await this.store.put(runKey(runId), `${JSON.stringify(record, null, 2)}\n`);
    return { runId, artifactUri: this.artifactUri(runId), created };
  }

  async findRun(experiment: string, recordId: string): Promise<RunSummary | undefined> {
    const run = await this.readRun(assertRecordId(recordId));
    return run && run.experiment === experiment ? this.summaryOf(run) : undefined;
  }

  async listRuns(experiment: string, options: { limit?: number } = {}): Promise<RunSummary[]> {
    const objects = await this.store.list(LOCAL_RUNS_PREFIX);
    const runs: LocalRun[] = [];
    for (const o of objects) {
      if (!o.key.endsWith('.json')) continue;
      const run = parseRun(o.key, await this.store.get(o.key));
      if (run.experiment === experiment) runs.push(run);
    }
    runs.sort((a, b) => b.startTime - a.startTime || (a.runId < b.runId ? 1 : -1));
    return runs.slice(0, options.limit ?? 50).map((r) => this.summaryOf(r));
  }

  async getRun(runId: string): Promise<RunDetail | undefined> {
    const run = await this.readRun(assertRunId(runId));
    if (run === undefined) return undefined;
    const metrics: MetricPoint[] = run.metrics
      .map((m) => ({ ...m, value: m.value ?? Number.NaN }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.step - b.step || a.timestamp - b.timestamp));
    return { ...this.summaryOf(run), params: run.params, metrics, tags: run.tags, artifacts: run.artifacts };
  }

  async readArtifact(runId: string, path: string): Promise<Buffer> {
    assertRunId(runId);
    assertArtifactPath(path);
    try {
      return await this.store.get(artifactKey(runId, path));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) throw new TrackingError(`no artifact ${path} in local run ${runId} (${this.store.uriOf(artifactKey(runId, path))})`, 404);
      throw err;
    }
  }

  private artifactUri(runId: string): string {
    return this.store.uriOf(`${LOCAL_RUN_ARTIFACTS_PREFIX}${runId}`);
  }

  private async readRun(runId: string): Promise<LocalRun | undefined> {
    const key = runKey(runId);
    try {
      return parseRun(key, await this.store.get(key));
    } catch (err) {
      if (err instanceof ObjectNotFoundError) return undefined;
      throw err;
    }
  }

  private summaryOf(run: LocalRun): RunSummary {
    return {
      runId: run.runId,
      experiment: run.experiment,
      runName: run.runName,
      status: run.status,
      startTime: run.startTime,
      endTime: run.endTime,
      recordId: run.tags[TRACKING_TAGS.recordId],
      pipelineRunId: run.tags[TRACKING_TAGS.pipelineRunId],
      artifactUri: this.artifactUri(run.runId),
    };
  }
}

function runKey(runId: string): string {
  return `${LOCAL_RUNS_PREFIX}${runId}.json`;
}

function artifactKey(runId: string, path: string): string {
  return `${LOCAL_RUN_ARTIFACTS_PREFIX}${runId}/${path}`;
}

function parseRun(key: string, body: Buffer): LocalRun {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new TrackingError(`local tracking run ${key} is not valid JSON; delete it and run \`returns sync-tracking\``);
  }
  const parsed = localRunSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrackingError(`local tracking run ${key} has an unexpected shape (${issue ? `${issue.path.join('.')}: ${issue.message}` : '?'})`);
  }
  return parsed.data;
}
