/**
 * Experiment tracking: where each training's parameters, metrics, tags and artifacts are
 * recorded for people to compare runs (MLflow, or files in the store by default).
 *
 * The pipeline never depends on the tracker being up: training writes a tracking record to the
 * object store first (src/application/tracking-record.ts) and pushes it here as a second step,
 * which `logRun` makes safe to repeat.
 */

/** One value of a metric; boosting rounds and other curves use `step`. */
export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
}

/** A file to attach to a run; read lazily so that a tracker that is down costs no reads. */
export interface ArtifactToLog {
  /** Relative '/'-separated path inside the run's artifacts, e.g. `model.json` or `reports/quality.json`. */
  readonly path: string;
  read(): Promise<Buffer>;
}

export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunToLog {
  readonly experiment: string;
  /**
   * The idempotency key: logging the same record id twice updates one run instead of creating a
   * second (the tracker stores it as the `returns.record_id` tag and looks it up first).
   */
  readonly recordId: string;
  /** The pipeline run that trained (stored as the `returns.pipeline_run_id` tag). */
  readonly pipelineRunId: string;
  readonly runName: string;
  /** Milliseconds since the epoch. */
  readonly startTime: number;
  readonly endTime: number;
  readonly status: Exclude<RunStatus, 'RUNNING'>;
  readonly params: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricPoint[];
  readonly tags: Readonly<Record<string, string>>;
  readonly artifacts: readonly ArtifactToLog[];
}

export interface LoggedRun {
  readonly runId: string;
  /** Where the run's artifacts live, as the tracker names it (the source of a registered model version). */
  readonly artifactUri: string;
  /** False when an earlier (possibly partial) push had created the run already. */
  readonly created: boolean;
}

export interface RunSummary {
  readonly runId: string;
  readonly experiment: string;
  readonly runName: string;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | undefined;
  readonly recordId: string | undefined;
  readonly pipelineRunId: string | undefined;
  readonly artifactUri: string;
}

export interface RunDetail extends RunSummary {
  readonly params: Readonly<Record<string, string>>;
  /** Every logged point of every metric (full histories, not just the latest value), by key then step. */
  readonly metrics: readonly MetricPoint[];
  /** Every tag, the tracker's own (e.g. `mlflow.runName`) included. */
  readonly tags: Readonly<Record<string, string>>;
  readonly artifacts: readonly { readonly path: string; readonly size: number }[];
}

export interface ExperimentTracker {
  readonly kind: 'local' | 'mlflow';
  /** Where runs go, for messages and for marking records as synced; never contains a secret. */
  readonly location: string;
  /**
   * Creates the run, or completes the one an earlier push of the same record id left behind,
   * then logs params, metrics, tags, artifacts and the final status. Safe to repeat.
   */
  logRun(run: RunToLog): Promise<LoggedRun>;
  /** The run logged for a record id, if any. */
  findRun(experiment: string, recordId: string): Promise<RunSummary | undefined>;
  /** Runs of an experiment, newest first (an unknown experiment has none). */
  listRuns(experiment: string, options?: { readonly limit?: number }): Promise<RunSummary[]>;
  /** Undefined when there is no such run. */
  getRun(runId: string): Promise<RunDetail | undefined>;
  /** The bytes of one artifact; throws when absent. */
  readArtifact(runId: string, path: string): Promise<Buffer>;
}

/** A tracker call that failed; the message is one line naming the endpoint (never a credential). */
export class TrackingError extends Error {
  constructor(
    message: string,
    /** HTTP status, when the server answered. */
    readonly status?: number,
    /** The server's error code (e.g. `RESOURCE_DOES_NOT_EXIST`), when it sent one. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TrackingError';
  }
}

/** Tags every tracker sets on a run, so that a replay finds the run an earlier push created. */
export const TRACKING_TAGS = {
  recordId: 'returns.record_id',
  pipelineRunId: 'returns.pipeline_run_id',
} as const;
