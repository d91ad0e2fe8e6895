/**
 * Registering a trained model and deciding whether it becomes the champion: both models are
 * scored on the same, most recent mature test window (the new feature table's test split), and
 * the promotion rule decides. Every change of champion goes through moveAlias, which logs who,
 * when and why.
 */
import { loadModelArtifact, type LoadedModel } from '../domain/artifact/model-artifact.js';
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

export interface TestWindow {
  readonly x: FeatureMatrix;
  readonly y: Uint8Array;
}

export function testWindowOf(table: { x: FeatureMatrix; y: Uint8Array; split: readonly string[] }): TestWindow {
  const rows: number[] = [];
  table.split.forEach((s, i) => s === 'test' && rows.push(i));
  return { x: subsetRows(table.x, rows), y: Uint8Array.from(rows, (i) => table.y[i]!) };
}

export function scoreOnWindow(model: LoadedModel, window: TestWindow): WindowScore {
  const p = model.model.predictProba(window.x);
  return { logLoss: logLoss(p, window.y), auc: rocAuc(p, window.y) };
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
  readonly challenger: WindowScore;
  readonly champion: WindowScore | null;
  readonly windowRows: number;
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
  window: TestWindow;
  rules: PromotionRules;
}): Promise<RegistrationResult> {
  const { registry, store, modelName } = input;
  const version = await registry.registerVersion({ name: modelName, runId: input.runId, artifactUri: input.artifactUri, tags: { [MODEL_KEY_TAG]: input.modelKey, 'returns.as_of': input.asOf } });
  const challengerModel = await loadVersionModel(store, version);
  const challenger = scoreOnWindow(challengerModel, input.window);
  const current = await registry.getAlias(modelName, CHAMPION);
  let champion: WindowScore | undefined;
  if (current && current.version !== version.version) champion = scoreOnWindow(await loadVersionModel(store, current), input.window);
  const decision =
    current?.version === version.version ? { promote: false, reason: 'this version is already the champion' } : decidePromotion(challenger, champion, input.rules);
  if (decision.promote) {
    await moveAlias(registry, { name: modelName, alias: CHAMPION, version: version.version, actor: 'returns RegisterModel', reason: decision.reason, at: input.clock.now() });
  }
  return {
    version: version.version,
    championBefore: current?.version ?? null,
    championAfter: decision.promote ? version.version : current!.version,
    decision,
    challenger,
    champion: champion ?? null,
    windowRows: input.window.x.rows,
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
