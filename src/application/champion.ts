/**
 * Registering a trained model and deciding whether it becomes the champion. Both are scored only
 * on rows that neither was fitted on: the challenger's out-of-time rows (each scored by a fold
 * model that never saw it) dated after the champion's last mature date (so the champion, trained
 * as of an earlier date, never saw them either). The challenger's score is its configuration's
 * out-of-time score; the champion's is the shipped champion's. Every change of champion goes
 * through moveAlias, which logs who, when and why.
 */
import { loadModelArtifact, type LoadedModel } from '../domain/artifact/model-artifact.js';
import { addDays } from '../domain/dates.js';
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import { subsetRows, type FeatureMatrix } from '../domain/model/feature-matrix.js';
import { logLoss, rocAuc } from '../domain/model/metrics.js';
import { decidePromotion, type PromotionDecision, type PromotionRules, type WindowScore } from '../domain/registry/promotion.js';
import type { Clock } from '../ports/clock.js';
import type { ModelRegistry, ModelVersion } from '../ports/model-registry.js';
import type { ObjectStore } from '../ports/object-store.js';
import { moveAlias } from './model-versions.js';

export const CHAMPION = 'champion';
/** Tag on every version registered by the pipeline: the store key of its model.json. */
export const MODEL_KEY_TAG = 'returns.model_key';

/** The challenger's out-of-time rows: their features, labels, dates and out-of-time probabilities. */
export interface OutOfTimeWindow {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
  readonly dates: readonly string[];
  readonly challengerP: Float64Array;
}

/** Joins the out-of-time predictions to the feature table's rows by line number. */
export function outOfTimeWindowOf(
  table: { x: FeatureMatrix; y: Uint8Array; dates: readonly string[]; lineNumber: Float64Array },
  outOfTime: readonly { line_number: number; return_probability: number }[],
): OutOfTimeWindow {
  const rowOf = new Map<number, number>();
  table.lineNumber.forEach((line, i) => rowOf.set(line, i));
  const rows: number[] = [];
  const p: number[] = [];
  for (const r of outOfTime) {
    const row = rowOf.get(r.line_number);
    if (row === undefined) throw new Error(`out-of-time prediction for line ${r.line_number} has no mature row in the feature table`);
    rows.push(row);
    p.push(r.return_probability);
  }
  return { x: subsetRows(table.x, rows), y: Uint8Array.from(rows, (i) => table.y[i]!), dates: rows.map((i) => table.dates[i]!), challengerP: Float64Array.from(p) };
}

/** The rows of the window dated after `lastSeenDate` (null: every row). */
function rowsAfter(window: OutOfTimeWindow, lastSeenDate: string | null): number[] {
  const rows: number[] = [];
  window.dates.forEach((d, i) => (lastSeenDate === null || d > lastSeenDate) && rows.push(i));
  return rows;
}

function score(p: Float64Array, y: Uint8Array): WindowScore {
  return { logLoss: logLoss(p, y), auc: rocAuc(p, y) };
}

/** Loads the model.json a registered version points at. */
export async function loadVersionModel(store: ObjectStore, version: ModelVersion): Promise<LoadedModel> {
  const key = version.tags[MODEL_KEY_TAG];
  if (!key) throw new Error(`${version.name} version ${version.version} has no ${MODEL_KEY_TAG} tag: it was not registered by returns, so it cannot be scored`);
  return loadModelArtifact(JSON.parse((await store.get(key)).toString('utf8')), store.uriOf(key), FEATURE_CATALOGUE);
}

export interface RegistrationResult {
  readonly version: number;
  readonly championBefore: number | null;
  readonly championAfter: number;
  readonly decision: PromotionDecision;
  readonly challenger: WindowScore | null;
  readonly champion: WindowScore | null;
  /** The rows both were scored on: dated after `windowAfter`, the champion's last mature date. */
  readonly windowRows: number;
  readonly windowAfter: string | null;
}

export async function registerAndDecide(input: {
  registry: ModelRegistry;
  store: ObjectStore;
  clock: Clock;
  modelName: string;
  runId: string;
  artifactUri: string;
  modelKey: string;
  asOf: string;
  window: OutOfTimeWindow;
  rules: PromotionRules;
}): Promise<RegistrationResult> {
  const { registry, store, modelName } = input;
  const version = await registry.registerVersion({ name: modelName, runId: input.runId, artifactUri: input.artifactUri, tags: { [MODEL_KEY_TAG]: input.modelKey, 'returns.as_of': input.asOf } });
  const current = await registry.getAlias(modelName, CHAMPION);
  const window = input.window;
  let champion: WindowScore | undefined;
  let challenger: WindowScore | null = null;
  let windowAfter: string | null = null;
  let rows: number[] = [];
  let decision: PromotionDecision;
  if (current?.version === version.version) decision = { promote: false, reason: 'this version is already the champion' };
  else if (!current) decision = decidePromotion(score(window.challengerP, window.y), undefined, input.rules);
  else {
    const championModel = await loadVersionModel(store, current);
    windowAfter = addDays(championModel.artifact.as_of, -championModel.artifact.horizon_days - 1);
    rows = rowsAfter(window, windowAfter);
    if (rows.length === 0) {
      decision = { promote: false, reason: `no out-of-time rows dated after ${windowAfter}, the champion's last mature date: nothing both models are unseen on` };
    } else {
      const y = Uint8Array.from(rows, (i) => window.y[i]!);
      challenger = score(Float64Array.from(rows, (i) => window.challengerP[i]!), y);
      champion = score(championModel.model.predictProba(subsetRows(window.x, rows)), y);
      decision = decidePromotion(challenger, champion, input.rules);
    }
  }
  if (decision.promote) {
    await moveAlias(registry, { name: modelName, alias: CHAMPION, version: version.version, actor: 'returns RegisterModel', reason: decision.reason, at: input.clock.now() });
  }
  return {
    version: version.version,
    championBefore: current?.version ?? null,
    championAfter: decision.promote ? version.version : current!.version,
    decision,
    challenger: challenger ?? (current ? null : score(window.challengerP, window.y)),
    champion: champion ?? null,
    windowRows: current ? rows.length : window.y.length,
    windowAfter,
  };
}

/** `returns model rollback`: the champion goes back to the version it replaced most recently. */
export async function rollbackChampion(registry: ModelRegistry, modelName: string, actor: string, reason: string, at: Date): Promise<{ from: number; to: number }> {
  const current = await registry.getAlias(modelName, CHAMPION);
  if (!current) throw new Error(`${modelName} has no champion to roll back`);
  const audit = (await registry.aliasAudit(modelName)).filter((e) => e.alias === CHAMPION);
  const last = [...audit].reverse().find((e) => e.version === current.version && e.previousVersion !== undefined && e.previousVersion !== current.version);
  if (!last || last.previousVersion === undefined) throw new Error(`${modelName} version ${current.version} did not replace an earlier champion; nothing to roll back to`);
  await moveAlias(registry, { name: modelName, alias: CHAMPION, version: last.previousVersion, actor, reason, at });
  return { from: current.version, to: last.previousVersion };
}
