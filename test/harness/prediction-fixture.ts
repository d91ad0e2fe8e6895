/**
 * A store with what `returns serve` reads, built by the real use cases on a small generated
 * dataset: two trained model versions registered in the local registry (champion: version 1),
 * the history snapshot as of 2019-04-30 at BuildFeatures' key, and the raw purchase lines of the
 * generated file as the API receives them (Kaggle column names).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { text } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import { DuckDbEngine } from '../../src/adapters/engine/duckdb-engine.js';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { LocalModelRegistry } from '../../src/adapters/tracking/local-registry.js';
import { buildFeatures } from '../../src/application/build-features.js';
import { buildSnapshot, snapshotKey } from '../../src/application/build-snapshot.js';
import { CHAMPION, MODEL_KEY_TAG } from '../../src/application/champion.js';
import { generateOrdersCsv } from '../../src/application/generate-orders.js';
import { moveAlias } from '../../src/application/model-versions.js';
import { trainModel } from '../../src/application/train-model.js';
import { validateOrders } from '../../src/application/validate-orders.js';
import { serializeArtifact, type ModelArtifact } from '../../src/domain/artifact/model-artifact.js';
import type { ModelConfigInput } from '../../src/domain/model/selection.js';
import { FakeClock } from './fake-clock.js';

export const MODEL_NAME = 'product-returns';
/** The models are trained as of this date; the snapshot holds the history before SNAPSHOT_DATE. */
export const TRAIN_DATE = '2019-05-01';
export const SNAPSHOT_DATE = '2019-04-30';

/** Fast training: two small families, no grid, no permutation importance. */
export const FAST_TRAINING: ModelConfigInput = {
  families: ['logistic', 'gbdt'],
  search: { gbdt: { base: { maxRounds: 30 }, grid: {} }, logistic: { base: {}, grid: {} } },
  importance: { repeats: 0 },
};

export type KaggleRecord = Record<string, string>;

export interface PredictionFixture {
  readonly dir: string;
  readonly store: LocalObjectStore;
  readonly registry: LocalModelRegistry;
  readonly clock: FakeClock;
  readonly ordersParquet: string;
  readonly featuresParquet: string;
  /** model.json keys of version 1 and version 2. */
  readonly modelKeys: readonly [string, string];
  readonly artifacts: readonly [ModelArtifact, ModelArtifact];
  /** Every row of the generated order file, keyed by its header. */
  readonly records: readonly KaggleRecord[];
  /** Moves the champion alias (with its audit entry). */
  promote(version: number): Promise<void>;
  remove(): Promise<void>;
}

/** A record as a JSON request line: numbers where the file has numbers. */
export function requestLine(record: KaggleRecord): Record<string, unknown> {
  return {
    'Item Name': record['Item Name'],
    Category: record['Category'],
    Version: record['Version'],
    'Item Code': record['Item Code'],
    'Item ID': record['Item ID'],
    'Buyer ID': record['Buyer ID'],
    'Transaction ID': record['Transaction ID'],
    Date: record['Date'],
    'Total Revenue': Number(record['Total Revenue']),
    'Price Reductions': Number(record['Price Reductions']),
    'Purchased Item Count': Number(record['Purchased Item Count']),
  };
}

/** d/m/yyyy -> YYYY-MM-DD. */
export function isoOf(dayMonthYear: string): string {
  const [d, m, y] = dayMonthYear.split('/');
  return `${y}-${m!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
}

export interface FixtureOptions {
  /** Purchase lines generated (default 3000). */
  readonly rows?: number;
  /** Training of version 1 (default FAST_TRAINING); version 2 is a logistic model. */
  readonly training?: ModelConfigInput;
}

export async function createPredictionFixture(options: FixtureOptions = {}): Promise<PredictionFixture> {
  const rows = options.rows ?? 3000;
  const dir = await mkdtemp(path.join(tmpdir(), 'returns-serve-'));
  const engine = new DuckDbEngine();
  const work = path.join(dir, 'work');
  const csv = path.join(work, 'orders.csv');
  await mkdir(work, { recursive: true });
  await writeFile(csv, await text(generateOrdersCsv({ rows, seed: 1 })));
  const ordersParquet = path.join(work, 'orders.parquet');
  const staging = path.join(work, 'staging.csv');
  await validateOrders({
    input: createReadStream(csv),
    asOf: TRAIN_DATE,
    quarantine: createWriteStream(path.join(work, 'quarantine.csv')),
    staging: { stream: createWriteStream(staging), location: staging },
    acceptedLocation: ordersParquet,
    engine,
  });
  const featuresParquet = path.join(work, 'features.parquet');
  await buildFeatures({ engine, ordersParquet, outputParquet: featuresParquet, asOf: TRAIN_DATE });

  const store = new LocalObjectStore(path.join(dir, 'store'));
  const clock = new FakeClock();
  const registry = new LocalModelRegistry(store, clock);
  const reader = new DuckDbTableReader();
  const fingerprint = { source_uri: `synthetic://?rows=${rows}&seed=1`, raw_sha256: 'x', features_sha256: 'y', rows: { refit: 0, out_of_time: 0 }, date_range: { first: null, last: null } };
  const train = async (modelConfig: ModelConfigInput) =>
    (await trainModel({ reader, featuresParquet, asOf: TRAIN_DATE, horizonDays: 35, modelConfig, fingerprint, codeVersion: 'test' })).artifact;
  // Two different models, so responses tell the versions apart by more than their label.
  const artifacts = [await train(options.training ?? FAST_TRAINING), await train({ ...FAST_TRAINING, families: ['logistic'] })] as const;
  const modelKeys = ['TrainModel/date=2019-04-30/model.json', `TrainModel/date=${TRAIN_DATE}/model.json`] as const;
  for (let i = 0; i < 2; i++) {
    await store.put(modelKeys[i]!, serializeArtifact(artifacts[i]!));
    await registry.registerVersion({ name: MODEL_NAME, runId: `run-${i + 1}`, artifactUri: store.uriOf(modelKeys[i]!), tags: { [MODEL_KEY_TAG]: modelKeys[i]! } });
  }
  const promote = async (version: number): Promise<void> => {
    await moveAlias(registry, { name: MODEL_NAME, alias: CHAMPION, version, actor: 'test', reason: 'test', at: clock.now() });
  };
  await promote(1);

  const snapshotFile = store.localPathOf(snapshotKey(SNAPSHOT_DATE))!;
  await buildSnapshot({ engine, ordersParquet, outputParquet: snapshotFile, asOf: SNAPSHOT_DATE });

  const records = parse(await readFile(csv, 'utf8'), { columns: true, skip_empty_lines: true }) as KaggleRecord[];
  return {
    dir,
    store,
    registry,
    clock,
    ordersParquet,
    featuresParquet,
    modelKeys,
    artifacts,
    records,
    promote,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
