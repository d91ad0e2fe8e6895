/**
 * Benchmark of `returns serve`: the server runs as the CLI runs it, in a child process, over a
 * store built by the real use cases (generated orders, a default gradient-boosted model, the
 * history snapshot); autocannon drives it over loopback from this process (one core each on a
 * 2-core machine).
 *
 *   single line   POST one line (top 5 contributions) at a fixed 1,000 requests/s: latency
 *                 percentiles from autocannon's exact per-response times (the target: p99 < 5 ms)
 *   batch         POST batches of 100 and 1,000 lines, as fast as the server answers: rows/s,
 *                 with and without contributions
 *   in-process    the scoring use case alone (no HTTP, no JSON): rows/s
 *
 * Run: npx tsx bench/serve.ts [--rows 30000] [--seconds 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { DuckDbTableReader } from '../src/adapters/engine/duckdb-table-reader.js';
import { parsePredictionBody } from '../src/adapters/http/prediction-schemas.js';
import { readSnapshot, snapshotKey } from '../src/application/build-snapshot.js';
import { LineScorer } from '../src/application/score-lines.js';
import { loadModelArtifact } from '../src/domain/artifact/model-artifact.js';
import { FEATURE_CATALOGUE } from '../src/domain/features/catalogue.js';
import { createPredictionFixture, isoOf, requestLine, SNAPSHOT_DATE } from '../test/harness/prediction-fixture.js';
import { writeBenchResult } from './results.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROWS = arg('rows', 30_000);
const SECONDS = arg('seconds', 30);
const RATE = 1000;

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}
const ms = (x: number): number => Math.round(x * 1000) / 1000;

async function startServer(storeUri: string, cwd: string): Promise<{ url: string; child: ChildProcess }> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MLFLOW_') || k === 'RETURNS_API_TOKEN') delete env[k];
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, path.join(repoRoot, 'src/cli/main.ts'), 'serve', '--port', '0', '--store', storeUri, '--poll-seconds', '0', '--body-limit', String(16 * 1024 * 1024)],
    // Access log lines go to /dev/null: written, as in production, but not kept.
    { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const url = /listening on (http:\/\/\S+\/)/.exec(err)?.[1];
      if (url) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)));
  });
}

interface Load {
  readonly body: string;
  readonly connections: number;
  readonly seconds: number;
  readonly rate?: number;
  readonly query?: string;
}

async function drive(url: string, load: Load) {
  const times: number[] = [];
  const instance = autocannon({
    url: new URL(`/v1/predictions${load.query ?? ''}`, url).toString(),
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: load.body,
    connections: load.connections,
    duration: load.seconds,
    timeout: 30,
    ...(load.rate ? { overallRate: load.rate } : {}),
  });
  instance.on('response', (_client, status, _bytes, responseTime) => {
    if (status === 200) times.push(responseTime);
  });
  const result = await instance;
  times.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    requests_per_second: Math.round((result.requests.total / result.duration) * 10) / 10,
    non_2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latency_ms: { p50: ms(percentile(times, 0.5)), p90: ms(percentile(times, 0.9)), p99: ms(percentile(times, 0.99)), p99_9: ms(percentile(times, 0.999)), max: ms(times[times.length - 1] ?? Number.NaN) },
    // autocannon's own p99 (whole ms, corrected for coordinated omission at a fixed rate).
    autocannon_p99_ms: result.latency.p99,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`building the store: ${ROWS} generated purchase lines, a default gbdt model, the snapshot of ${SNAPSHOT_DATE}`);
  const fx = await createPredictionFixture({ rows: ROWS, training: { families: ['gbdt'], search: { gbdt: { base: {}, grid: {} } }, importance: { repeats: 0 } } });
  const setupSeconds = (Date.now() - started) / 1000;
  try {
    const artifact = fx.artifacts[0];
    const purchases = fx.records.filter((r) => Number(r['Purchased Item Count']) >= 1 && r['Category'] !== 'DPR');
    const late = purchases.filter((r) => isoOf(r['Date']!) >= '2019-04-01');
    const single = JSON.stringify(requestLine(late[late.length - 1]!));
    const batch = (n: number): string => JSON.stringify({ lines: late.slice(0, n).map(requestLine) });

    // The scoring use case alone.
    const model = loadModelArtifact(artifact, 'bench', FEATURE_CATALOGUE).model;
    const scorer = new LineScorer(model);
    const snapshot = await readSnapshot(new DuckDbTableReader(), fx.store.localPathOf(snapshotKey(SNAPSHOT_DATE))!);
    const lines1000 = (() => {
      const parsed = parsePredictionBody(JSON.parse(batch(1000)), 1000);
      if (!parsed.success) throw new Error('bench lines do not parse');
      return parsed.lines;
    })();
    const inProcess = (top: number): number => {
      scorer.score(lines1000, snapshot, { topContributions: top });
      const t0 = process.hrtime.bigint();
      let rows = 0;
      while (Number(process.hrtime.bigint() - t0) < 3e9) rows += scorer.score(lines1000, snapshot, { topContributions: top }).length;
      return Math.round(rows / (Number(process.hrtime.bigint() - t0) / 1e9));
    };
    const inProcessRows = { with_contributions: inProcess(5), without_contributions: inProcess(0) };
    console.log('in-process rows/s', inProcessRows);

    const { url, child } = await startServer(fx.store.rootUri, fx.dir);
    try {
      console.log(`server at ${url}; warming up`);
      await drive(url, { body: single, connections: 10, seconds: 5, rate: RATE });
      const singleLine = await drive(url, { body: single, connections: 10, seconds: SECONDS, rate: RATE });
      console.log('single line at 1000 req/s', singleLine);
      const singleMax = await drive(url, { body: single, connections: 10, seconds: 10 });
      console.log('single line, as fast as possible', singleMax);
      const batches: Record<string, unknown>[] = [];
      for (const [lines, query] of [
        [100, ''],
        [1000, ''],
        [1000, '?contributions=0'],
      ] as const) {
        const r = await drive(url, { body: batch(lines), connections: 2, seconds: 10, query });
        const entry = { lines_per_request: lines, contributions: query === '' ? 5 : 0, rows_per_second: Math.round(r.requests_per_second * lines), ...r };
        console.log('batch', entry);
        batches.push(entry);
      }
      await writeBenchResult('serve', {
        setup: { purchase_lines_generated: ROWS, setup_seconds: Math.round(setupSeconds), model: { family: artifact.estimator.family, rounds: (artifact.model as { classifier?: { rounds?: number } }).classifier?.rounds ?? null, features: artifact.features.length }, snapshot_keys: Object.fromEntries(Object.entries(snapshot.keys).map(([k, m]) => [k, m.size])) },
        load_average_at_start: loadavg().map((x) => Math.round(x * 100) / 100),
        target: 'single-line p99 < 5 ms at 1000 requests/s (loopback, 10 connections, server and load generator one process each)',
        single_line_at_1000_rps: { seconds: SECONDS, ...singleLine, meets_target: singleLine.latency_ms.p99 < 5 && singleLine.non_2xx === 0 && singleLine.errors === 0 },
        single_line_max: singleMax,
        batches,
        in_process_rows_per_second: inProcessRows,
      });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  } finally {
    await fx.remove();
  }
}

await main();
