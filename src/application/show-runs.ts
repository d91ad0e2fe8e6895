/**
 * Use cases behind `returns runs` and `returns runs show ID`: the tracker's runs as text, plus
 * (when given the store) the training records the tracker does not have yet.
 */
import { InvalidTrackingNameError } from '../domain/tracking/names.js';
import type { ExperimentTracker, MetricPoint, RunDetail, RunSummary } from '../ports/experiment-tracker.js';
import type { ObjectStore } from '../ports/object-store.js';
import { DEFAULT_EXPERIMENT, listTrackingRecords } from './tracking-record.js';

export interface ListRunsOptions {
  readonly experiment?: string;
  /** Default 20. */
  readonly limit?: number;
  /** The pipeline's store: adds a line about records not yet in this tracker. */
  readonly store?: ObjectStore;
}

export class RunNotFoundError extends Error {
  constructor(id: string, location: string) {
    super(`no run ${JSON.stringify(id)} in ${location}; \`returns runs\` lists the runs`);
    this.name = 'RunNotFoundError';
  }
}

export async function listRuns(tracker: ExperimentTracker, options: ListRunsOptions = {}): Promise<string> {
  const experiment = options.experiment ?? DEFAULT_EXPERIMENT;
  const runs = await tracker.listRuns(experiment, { limit: options.limit ?? 20 });
  const lines = [`experiment ${experiment} in ${tracker.location}`];
  if (runs.length === 0) lines.push('no runs yet');
  else lines.push(...table(['RUN ID', 'STARTED (UTC)', 'STATUS', 'NAME', 'PIPELINE RUN'], runs.map(runRow)));
  if (options.store) {
    const pending = (await listTrackingRecords(options.store)).filter((r) => r.experiment === experiment && r.syncs[tracker.location] === undefined);
    if (pending.length > 0) {
      lines.push('', `${pending.length} training record(s) in the store are not in this tracker yet; \`returns sync-tracking\` sends them:`);
      for (const r of pending) lines.push(`  ${r.recordId}${r.lastFailure ? ` (last try ${r.lastFailure.at}: ${r.lastFailure.error})` : ''}`);
    }
  }
  return lines.join('\n');
}

/** One run in full. `id` is a run id, or a tracking record id (what TrainModel's log names). */
export async function showRun(tracker: ExperimentTracker, id: string, options: { readonly experiment?: string } = {}): Promise<string> {
  const run = await findRunDetail(tracker, id, options.experiment ?? DEFAULT_EXPERIMENT);
  if (run === undefined) throw new RunNotFoundError(id, tracker.location);
  return formatRun(run);
}

async function findRunDetail(tracker: ExperimentTracker, id: string, experiment: string): Promise<RunDetail | undefined> {
  let byRunId: RunDetail | undefined;
  try {
    byRunId = await tracker.getRun(id);
  } catch (err) {
    // An id the tracker's naming rules reject may still be a record id.
    if (!(err instanceof InvalidTrackingNameError)) throw err;
  }
  if (byRunId) return byRunId;
  const byRecord = await tracker.findRun(experiment, id).catch((err: unknown) => {
    if (err instanceof InvalidTrackingNameError) return undefined;
    throw err;
  });
  return byRecord ? tracker.getRun(byRecord.runId) : undefined;
}

export function formatRun(run: RunDetail): string {
  const lines = [
    `run ${run.runId}  ${run.runName}`,
    `  experiment:   ${run.experiment}`,
    `  status:       ${run.status}`,
    `  started:      ${iso(run.startTime)}`,
    `  ended:        ${run.endTime !== undefined ? iso(run.endTime) : '-'}`,
    `  pipeline run: ${run.pipelineRunId ?? '-'}`,
    `  record:       ${run.recordId ?? '-'}`,
    `  artifacts at: ${run.artifactUri}`,
    '',
    'params',
    ...keyValues(run.params),
    '',
    'metrics (last value; steps logged)',
    ...metricLines(run.metrics),
    '',
    'tags',
    ...keyValues(run.tags),
    '',
    'artifacts',
    ...(run.artifacts.length === 0 ? ['  (none)'] : run.artifacts.map((a) => `  ${a.path}  ${a.size} bytes`)),
  ];
  return lines.join('\n');
}

function runRow(r: RunSummary): string[] {
  return [r.runId, iso(r.startTime), r.status, r.runName, r.pipelineRunId ?? '-'];
}

function metricLines(points: readonly MetricPoint[]): string[] {
  const byKey = new Map<string, MetricPoint[]>();
  for (const p of points) byKey.set(p.key, [...(byKey.get(p.key) ?? []), p]);
  if (byKey.size === 0) return ['  (none)'];
  return [...byKey.keys()].sort().map((key) => {
    const series = (byKey.get(key) ?? []).slice().sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    const last = series[series.length - 1] as MetricPoint;
    const steps = series.length > 1 ? `  (${series.length} points, steps ${series[0]?.step}..${last.step})` : '';
    return `  ${key} = ${formatNumber(last.value)}${steps}`;
  });
}

function keyValues(record: Readonly<Record<string, string>>): string[] {
  const keys = Object.keys(record).sort();
  return keys.length === 0 ? ['  (none)'] : keys.map((k) => `  ${k} = ${record[k]}`);
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : Number(n.toPrecision(6)).toString();
}
