/**
 * Benchmark of `returns serve`: the server runs as the CLI runs it, in a child process, over a
 * store built by the real use cases (generated orders, a default gradient-boosted model, the
 * history snapshot); autocannon drives it over loopback from this process (one core each on a
 * 2-core machine).
 *
 *   single line   POST one line (top 5 contributions) at a steady 1,000 requests/s: one request
 *                 every millisecond, sent on schedule whatever the answers (open loop), latency
 *                 from the scheduled time (the target: p99 < 5 ms). autocannon's own rate limit
 *                 is not used for this: it sends each connection's quota for the second in one
 *                 burst, then idles, which measures bursts of 1,000, not a steady rate.
 *   max           one line as fast as autocannon gets answers (10 connections)
 *   batch         POST batches of 100 and 1,000 lines, as fast as the server answers: rows/s,
 *                 with and without contributions
 *   healthz       GET /healthz at the same steady rate: the floor the HTTP stack and the machine set
 *   in-process    the scoring use case alone (no HTTP, no JSON): rows/s
 *
 * Run: npx tsx bench/serve.ts [--rows 30000] [--seconds 30]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
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

async function startServer(storeUri: string, cwd: string, accessLog: string): Promise<{ url: string; child: ChildProcess }> {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('MLFLOW_') || k === 'RETURNS_API_TOKEN') delete env[k];
  const child = spawn(
    process.execPath,
    ['--import', pathToFileURL(path.join(repoRoot, 'node_modules/tsx/dist/loader.mjs')).href, path.join(repoRoot, 'src/cli/main.ts'), 'serve', '--port', '0', '--store', storeUri, '--poll-seconds', '0', '--body-limit', String(16 * 1024 * 1024)],
    // Access log lines go to a file, as in production; they give the server-side durations.
    { cwd, env, stdio: ['ignore', openSync(accessLog, 'w'), 'pipe'] },
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
  /** POSTed to /v1/predictions; without a body, GET /healthz (the HTTP stack alone). */
  readonly body?: string;
  readonly connections: number;
  readonly seconds: number;
  readonly query?: string;
}

async function drive(url: string, load: Load) {
  const times: number[] = [];
  const instance = autocannon({
    ...(load.body === undefined
      ? { url: new URL('/healthz', url).toString(), method: 'GET' }
      : { url: new URL(`/v1/predictions${load.query ?? ''}`, url).toString(), method: 'POST', headers: { 'content-type': 'application/json' }, body: load.body }),
    connections: load.connections,
    duration: load.seconds,
    timeout: 30,
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
    // autocannon's own p99 (whole ms).
    autocannon_p99_ms: result.latency.p99,
  };
}

/**
 * An open-loop load: request i is due at start + i / rate and is sent then (a 1 ms timer sends
 * whatever is due), over a pool of keep-alive connections, whether or not earlier answers came.
 * Latency runs from the due time, so a stall of the client or the server counts for every
 * request it delays (no coordinated omission); `sent_latency_ms` runs from the actual send.
 */
async function paced(url: string, load: { body?: string; rate: number; seconds: number }) {
  const target = load.body === undefined ? new URL('/healthz', url) : new URL('/v1/predictions', url);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(load.rate * load.seconds);
  const fromDue: number[] = [];
  const fromSent: number[] = [];
  let failed = 0;
  let next = 0;
  let answered = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const send = (due: number): void => {
      const sent = performance.now();
      const req = request(
        target,
        { method: load.body === undefined ? 'GET' : 'POST', agent, headers: load.body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(load.body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            const now = performance.now();
            if (res.statusCode === 200) {
              fromDue.push(now - due);
              fromSent.push(now - sent);
            } else failed += 1;
            if (++answered === total) resolve();
          });
        },
      );
      req.on('error', () => {
        failed += 1;
        if (++answered === total) resolve();
      });
      req.end(load.body);
    };
    const timer = setInterval(() => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / load.rate <= now) send(start + (next++ * 1000) / load.rate);
      if (next >= total) clearInterval(timer);
    }, 1);
  });
  agent.destroy();
  const seconds = (performance.now() - start) / 1000;
  const summary = (times: number[]) => {
    times.sort((a, b) => a - b);
    return { p50: ms(percentile(times, 0.5)), p90: ms(percentile(times, 0.9)), p99: ms(percentile(times, 0.99)), p99_9: ms(percentile(times, 0.999)), max: ms(times[times.length - 1] ?? Number.NaN) };
  };
  return { requests: total, requests_per_second: Math.round((total / seconds) * 10) / 10, failed, latency_ms: summary(fromDue), sent_latency_ms: summary(fromSent) };
}

/**
 * The server's own view of the requests logged after line `from` of the access log: the time
 * from receiving a request to answering it, so queueing on a busy machine (before the server
 * reads a request) is told apart from the work of answering it.
 */
function serverSide(accessLog: string, from: number): { entries: number; duration_ms: { p50: number; p99: number; max: number } } {
  const lines = readFileSync(accessLog, 'utf8').trim().split('\n').slice(from);
  const durations = lines.map((l) => (JSON.parse(l) as { duration_ms: number }).duration_ms).sort((a, b) => a - b);
  return { entries: durations.length, duration_ms: { p50: ms(percentile(durations, 0.5)), p99: ms(percentile(durations, 0.99)), max: ms(durations[durations.length - 1] ?? Number.NaN) } };
}
const logLines = (accessLog: string): number => readFileSync(accessLog, 'utf8').split('\n').length - 1;

async function main(): Promise<void> {
  const started = Date.now();
  // Other work on the machine shows in the tail latencies: the load average is recorded with them.
  const loadAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
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

    const accessLog = path.join(fx.dir, 'access.log');
    const { url, child } = await startServer(fx.store.rootUri, fx.dir, accessLog);
    try {
      console.log(`server at ${url}; warming up`);
      await paced(url, { body: single, rate: RATE, seconds: 5 });
      const before = logLines(accessLog);
      const singleLine = { ...(await paced(url, { body: single, rate: RATE, seconds: SECONDS })), server_side: serverSide(accessLog, before) };
      console.log('single line at 1000 req/s', singleLine);
      // The floor: the same load on a route that does nothing (HTTP stack, loopback, machine).
      const beforeHealthz = logLines(accessLog);
      const healthz = { ...(await paced(url, { rate: RATE, seconds: Math.min(SECONDS, 15) })), server_side: serverSide(accessLog, beforeHealthz) };
      console.log('GET /healthz at 1000 req/s', healthz);
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
        load_average_at_start: loadAtStart,
        load_average_at_end: loadavg().map((x) => Math.round(x * 100) / 100),
        target: 'single-line p99 < 5 ms at 1000 requests/s (loopback; one request every millisecond, open loop; server and load generator one process each)',
        single_line_at_1000_rps: { seconds: SECONDS, ...singleLine, meets_target: singleLine.latency_ms.p99 < 5 && singleLine.failed === 0 },
        healthz_at_1000_rps: healthz,
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
