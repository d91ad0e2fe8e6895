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
import type { MlflowClient } from './mlflow-client.js';
import {
  createExperimentResponse,
  emptyResponse,
  getExperimentResponse,
  listArtifactsResponse,
  metricHistoryResponse,
  recordToTags,
  runResponse,
  searchRunsResponse,
  tagsToRecord,
  type MlflowRun,
  type MlflowRunInfo,
} from './mlflow-schemas.js';

const API = '/api/2.0/mlflow';
const ARTIFACTS_API = '/api/2.0/mlflow-artifacts/artifacts';
/** Set last, so that a run without it is known to be a partial push that a replay completes. */
const COMPLETE_TAG = 'returns.logged';
/** MLflow's log-batch limits: 1000 entities per request, at most 100 params and 100 tags. */
const BATCH_METRICS = 1000;
const BATCH_PARAMS = 100;
const BATCH_TAGS = 100;

/**
 * ExperimentTracker over MLflow's REST API. Artifacts go through the tracking server's artifact
 * proxy (`mlflow server` serves artifacts by default), so the client needs no access to the
 * server's artifact storage.
 */
export class MlflowExperimentTracker implements ExperimentTracker {
  readonly kind = 'mlflow' as const;
  readonly location: string;
  private readonly experimentIds = new Map<string, string>();

  constructor(private readonly client: MlflowClient) {
    this.location = `mlflow:${client.settings.trackingUri}`;
  }

  async logRun(run: RunToLog): Promise<LoggedRun> {
    assertRecordId(run.recordId);
    for (const artifact of run.artifacts) assertArtifactPath(artifact.path);
    const experimentId = await this.experimentId(run.experiment, true);
    const existing = await this.searchByRecord(experimentId as string, run.recordId);
    if (existing && tagsToRecord(existing.data.tags)[COMPLETE_TAG] === 'true') {
      return { runId: existing.info.run_id, artifactUri: existing.info.artifact_uri, created: false };
    }
    const info = existing?.info ?? (await this.createRun(experimentId as string, run));
    const runId = info.run_id;

    const tags = { ...run.tags, [TRACKING_TAGS.recordId]: run.recordId, [TRACKING_TAGS.pipelineRunId]: run.pipelineRunId };
    await this.logBatches(runId, Object.entries(run.params), Object.entries(tags), run.metrics);
    for (const artifact of run.artifacts) {
      await this.client.putBytes(artifactEndpoint(info.artifact_uri, artifact.path), await artifact.read());
    }
    await this.client.postJson(`${API}/runs/update`, { run_id: runId, status: run.status, end_time: run.endTime }, emptyResponse, {
      idempotent: true,
    });
    await this.logBatches(runId, [], [[COMPLETE_TAG, 'true']], []);
    return { runId, artifactUri: info.artifact_uri, created: existing === undefined };
  }

  async findRun(experiment: string, recordId: string): Promise<RunSummary | undefined> {
    assertRecordId(recordId);
    const experimentId = await this.experimentId(experiment, false);
    if (experimentId === undefined) return undefined;
    const run = await this.searchByRecord(experimentId, recordId);
    return run ? summaryOf(run, experiment) : undefined;
  }

  async listRuns(experiment: string, options: { limit?: number } = {}): Promise<RunSummary[]> {
    const experimentId = await this.experimentId(experiment, false);
    if (experimentId === undefined) return [];
    const limit = options.limit ?? 50;
    const runs: RunSummary[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.postJson(
        `${API}/runs/search`,
        {
          experiment_ids: [experimentId],
          max_results: Math.min(limit - runs.length, 1000),
          order_by: ['attributes.start_time DESC'],
          ...(pageToken ? { page_token: pageToken } : {}),
        },
        searchRunsResponse,
        { idempotent: true },
      );
      runs.push(...page.runs.map((r) => summaryOf(r, experiment)));
      pageToken = page.next_page_token;
    } while (pageToken && runs.length < limit);
    return runs.slice(0, limit);
  }

  async getRun(runId: string): Promise<RunDetail | undefined> {
    assertRunId(runId);
    const run = await this.fetchRun(runId);
    if (run === undefined) return undefined;
    const experiment = await this.experimentName(run.info.experiment_id);
    const metrics: MetricPoint[] = [];
    const keys = [...new Set(run.data.metrics.map((m) => m.key))].sort();
    for (const key of keys) metrics.push(...(await this.metricHistory(runId, key)));
    return {
      ...summaryOf(run, experiment),
      params: tagsToRecord(run.data.params),
      metrics,
      tags: tagsToRecord(run.data.tags),
      artifacts: await this.listArtifacts(runId, undefined),
    };
  }

  async readArtifact(runId: string, path: string): Promise<Buffer> {
    assertRunId(runId);
    assertArtifactPath(path);
    const run = await this.fetchRun(runId);
    if (run === undefined) throw new TrackingError(`MLflow run ${runId} not found at ${this.client.settings.trackingUri}`, 404);
    return this.client.getBytes(artifactEndpoint(run.info.artifact_uri, path));
  }

  /** The experiment's id; created when `create` is set and it does not exist yet. */
  private async experimentId(name: string, create: boolean): Promise<string | undefined> {
    assertModelName(name);
    const cached = this.experimentIds.get(name);
    if (cached !== undefined) return cached;
    let id = await this.lookUpExperiment(name);
    if (id === undefined && create) {
      try {
        id = (await this.client.postJson(`${API}/experiments/create`, { name }, createExperimentResponse, { idempotent: false })).experiment_id;
      } catch (err) {
        // Another process created it between our look-up and our create.
        if (!(err instanceof TrackingError && err.code === 'RESOURCE_ALREADY_EXISTS')) throw err;
        id = await this.lookUpExperiment(name);
      }
    }
    if (id !== undefined) this.experimentIds.set(name, id);
    return id;
  }

  private async lookUpExperiment(name: string): Promise<string | undefined> {
    try {
      const { experiment } = await this.client.getJson(`${API}/experiments/get-by-name`, { experiment_name: name }, getExperimentResponse);
      if (experiment.lifecycle_stage === 'deleted') {
        throw new TrackingError(
          `MLflow experiment "${name}" is deleted on ${this.client.settings.trackingUri}; restore it (mlflow experiments restore) or choose another experiment name`,
        );
      }
      return experiment.experiment_id;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async experimentName(experimentId: string): Promise<string> {
    for (const [name, id] of this.experimentIds) if (id === experimentId) return name;
    const { experiment } = await this.client.getJson(`${API}/experiments/get`, { experiment_id: experimentId }, getExperimentResponse);
    this.experimentIds.set(experiment.name, experimentId);
    return experiment.name;
  }

  private async searchByRecord(experimentId: string, recordId: string): Promise<MlflowRun | undefined> {
    // Names with dots are back-quoted in MLflow's filter grammar; the record id is plain (no quotes to escape).
    const page = await this.client.postJson(
      `${API}/runs/search`,
      {
        experiment_ids: [experimentId],
        filter: `tags.\`${TRACKING_TAGS.recordId}\` = '${recordId}'`,
        max_results: 10,
        order_by: ['attributes.start_time ASC'],
      },
      searchRunsResponse,
      { idempotent: true },
    );
    // Should two runs exist (two processes raced past the search), the oldest is the one we use.
    return page.runs[0];
  }

  private async createRun(experimentId: string, run: RunToLog): Promise<MlflowRunInfo> {
    const created = await this.client.postJson(
      `${API}/runs/create`,
      {
        experiment_id: experimentId,
        run_name: run.runName,
        start_time: run.startTime,
        tags: recordToTags({ [TRACKING_TAGS.recordId]: run.recordId, [TRACKING_TAGS.pipelineRunId]: run.pipelineRunId }),
      },
      runResponse,
      { idempotent: false },
    );
    return created.run.info;
  }

  /** log-batch in chunks within MLflow's limits. Re-logging an identical param or metric point is a no-op. */
  private async logBatches(
    runId: string,
    params: readonly [string, string][],
    tags: readonly [string, string][],
    metrics: readonly MetricPoint[],
  ): Promise<void> {
    const batches: { params: [string, string][]; tags: [string, string][]; metrics: MetricPoint[] }[] = [];
    for (let i = 0; i < params.length; i += BATCH_PARAMS) batches.push({ params: params.slice(i, i + BATCH_PARAMS), tags: [], metrics: [] });
    for (let i = 0; i < tags.length; i += BATCH_TAGS) batches.push({ params: [], tags: tags.slice(i, i + BATCH_TAGS), metrics: [] });
    for (let i = 0; i < metrics.length; i += BATCH_METRICS) batches.push({ params: [], tags: [], metrics: metrics.slice(i, i + BATCH_METRICS) });
    for (const batch of batches) {
      await this.client.postJson(
        `${API}/runs/log-batch`,
        {
          run_id: runId,
          params: batch.params.map(([key, value]) => ({ key, value })),
          tags: batch.tags.map(([key, value]) => ({ key, value })),
          metrics: batch.metrics.map((m) => ({ key: m.key, value: metricValue(m.value), timestamp: m.timestamp, step: m.step })),
        },
        emptyResponse,
        { idempotent: true },
      );
    }
  }

  private async fetchRun(runId: string): Promise<MlflowRun | undefined> {
    try {
      return (await this.client.getJson(`${API}/runs/get`, { run_id: runId }, runResponse)).run;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.getJson(
        `${API}/metrics/get-history`,
        { run_id: runId, metric_key: key, max_results: 25_000, page_token: pageToken },
        metricHistoryResponse,
      );
      points.push(...page.metrics.map((m) => ({ key: m.key, value: m.value, step: m.step, timestamp: m.timestamp })));
      pageToken = page.next_page_token;
    } while (pageToken);
    return points.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  private async listArtifacts(runId: string, path: string | undefined): Promise<{ path: string; size: number }[]> {
    const files: { path: string; size: number }[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.client.getJson(`${API}/artifacts/list`, { run_id: runId, path, page_token: pageToken }, listArtifactsResponse);
      for (const f of page.files) {
        if (f.is_dir) files.push(...(await this.listArtifacts(runId, f.path)));
        else files.push({ path: f.path, size: f.file_size ?? 0 });
      }
      pageToken = page.next_page_token;
    } while (pageToken);
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

function summaryOf(run: MlflowRun, experiment: string): RunSummary {
  const tags = tagsToRecord(run.data.tags);
  return {
    runId: run.info.run_id,
    experiment,
    runName: run.info.run_name ?? tags['mlflow.runName'] ?? '',
    status: run.info.status === 'SCHEDULED' ? 'RUNNING' : run.info.status,
    startTime: run.info.start_time ?? 0,
    endTime: run.info.end_time ?? undefined,
    recordId: tags[TRACKING_TAGS.recordId],
    pipelineRunId: tags[TRACKING_TAGS.pipelineRunId],
    artifactUri: run.info.artifact_uri,
  };
}

/**
 * The proxied-artifact endpoint of a path in a run whose artifact URI is `mlflow-artifacts:/...`
 * (what `mlflow server` gives runs when it serves artifacts). Other URIs (s3://, file:) mean the
 * server expects clients to reach the storage directly, which this client does not do.
 */
export function artifactEndpoint(artifactUri: string, path: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!match) {
    throw new TrackingError(
      `MLflow run artifacts live at ${artifactUri.split(':')[0]}: storage the client cannot reach; start the server with artifact serving (the default, not --no-serve-artifacts)`,
    );
  }
  const root = (match[1] ?? '').replace(/\/+$/, '');
  const segments = [...root.split('/'), ...path.split('/')].filter((s) => s !== '');
  return `${ARTIFACTS_API}/${segments.map(encodeURIComponent).join('/')}`;
}

/** JSON has no NaN or infinity; MLflow's protobuf JSON accepts them as strings. */
function metricValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function isNotFound(err: unknown): boolean {
  return err instanceof TrackingError && (err.status === 404 || err.code === 'RESOURCE_DOES_NOT_EXIST');
}
