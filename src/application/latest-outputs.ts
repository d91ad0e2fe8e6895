/**
 * The newest model and report in the store, as the visualiser shows them. Both are read
 * defensively: the stages that write them may not have run yet, may be mid-run, or may write a
 * shape this code does not know.
 */
import { isIsoDate } from '../domain/dates.js';
import type { ObjectStore } from '../ports/object-store.js';

/** Where TrainModel(date=D) and Report(date=D) keep their outputs (their task folders). */
export const modelKey = (date: string): string => `TrainModel/date=${date}/model.json`;
export const reportKey = (date: string): string => `Report/date=${date}/report.html`;
const markerOf = (key: string): string => `${key.slice(0, key.lastIndexOf('/'))}/_SUCCESS`;

/** A metric as the page shows it: a dotted name (nested objects flattened) and a scalar. */
export interface MetricEntry {
  readonly name: string;
  readonly value: number | string | boolean;
}

export interface ModelView {
  readonly date: string;
  readonly key: string;
  /** False while TrainModel(date) has written model.json but not its completion marker. */
  readonly complete: boolean;
  readonly metrics: readonly MetricEntry[];
  /** Why the metrics could not be read, when they could not. */
  readonly problem?: string;
}

export interface ReportView {
  readonly date: string;
  readonly key: string;
}

/** At most this many metrics are shown: a model file is not a place to dump arrays into a page. */
const MAX_METRICS = 60;

/**
 * The dates D with an object at `keyOf(D)`, newest first, not after `asOf` when given. One
 * listing of the family's folder.
 */
async function datesWith(store: ObjectStore, family: string, keyOf: (d: string) => string, asOf?: string): Promise<string[]> {
  const pattern = new RegExp(`^${family}/date=(\\d{4}-\\d{2}-\\d{2})/`);
  const dates = new Set<string>();
  for (const o of await store.list(`${family}/date=`)) {
    const d = pattern.exec(o.key)?.[1];
    if (d && isIsoDate(d) && o.key === keyOf(d) && (asOf === undefined || d <= asOf)) dates.add(d);
  }
  return [...dates].sort().reverse();
}

/** Nested objects become dotted names; arrays and nulls are left out. */
export function flattenMetrics(value: unknown, prefix = '', out: MetricEntry[] = []): MetricEntry[] {
  if (out.length >= MAX_METRICS || value === null || value === undefined) return out;
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    out.push({ name: prefix || 'value', value });
  } else if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flattenMetrics(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out.slice(0, MAX_METRICS);
}

/** The newest model (not after `asOf` when given) and its `metrics` field; undefined when there is none. */
export async function findLatestModel(store: ObjectStore, asOf?: string): Promise<ModelView | undefined> {
  const [date] = await datesWith(store, 'TrainModel', modelKey, asOf);
  if (date === undefined) return undefined;
  const key = modelKey(date);
  const [complete, body] = await Promise.all([
    store.exists(markerOf(key)),
    store.get(key).then(
      (b) => b.toString('utf8'),
      (err: Error) => err,
    ),
  ]);
  const base = { date, key, complete };
  if (body instanceof Error) return { ...base, metrics: [], problem: `could not read ${key}: ${body.message}` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    return { ...base, metrics: [], problem: `${key} is not JSON: ${(err as Error).message}` };
  }
  const metrics = typeof parsed === 'object' && parsed !== null ? (parsed as { metrics?: unknown }).metrics : undefined;
  if (metrics === undefined) return { ...base, metrics: [], problem: `${key} has no metrics field` };
  return { ...base, metrics: flattenMetrics(metrics) };
}

/** The newest report (not after `asOf` when given); undefined when there is none. */
export async function findLatestReport(store: ObjectStore, asOf?: string): Promise<ReportView | undefined> {
  const [date] = await datesWith(store, 'Report', reportKey, asOf);
  return date === undefined ? undefined : { date, key: reportKey(date) };
}
