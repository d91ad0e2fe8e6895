/**
 * Contract tests of the prediction API over real loopback connections (Fastify's inject() does
 * load under Jest): every route, every error answer, auth, the body limit, the
 * access log, a graceful close, and a champion swap under load with no failed request.
 */
import { request as httpRequest } from 'node:http';
import { z } from 'zod';
import { createMemoryLogger } from '../../src/adapters/logging/winston-logger.js';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { startPredictionServer, type AccessLogEntry, type RunningPredictionServer } from '../../src/adapters/http/prediction-server.js';
import {
  errorResponseSchema,
  healthResponseSchema,
  modelResponseSchema,
  predictionResponseSchema,
  readyResponseSchema,
} from '../../src/adapters/http/prediction-schemas.js';
import { readSnapshot } from '../../src/application/build-snapshot.js';
import { championLocator, latestSnapshotLocator, ModelHolder } from '../../src/application/model-holder.js';
import { FEATURE_CATALOGUE, FEATURE_NAMES } from '../../src/domain/features/catalogue.js';
import { matrixFromRows } from '../../src/domain/model/feature-matrix.js';
import { loadModelArtifact } from '../../src/domain/artifact/model-artifact.js';
import { DuckDbEngine } from '../../src/adapters/engine/duckdb-engine.js';
import { createPredictionFixture, isoOf, MODEL_NAME, requestLine, SNAPSHOT_DATE, type PredictionFixture } from '../harness/prediction-fixture.js';

const TOKEN = 'test-token-7f3a9c2e';
const MAX_BATCH = 200;
const BODY_LIMIT = 256 * 1024;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

async function call(base: string, method: string, url: string, options: { body?: unknown; raw?: string; token?: string | null; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    body = options.raw ?? JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const res = await fetch(new URL(url, base), { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function expectShape<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`response does not match its schema: ${JSON.stringify(parsed.error.issues)}\n${JSON.stringify(value).slice(0, 500)}`);
  return parsed.data;
}

/** One series of a Prometheus text exposition: its value, or undefined when absent. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(base: string): Promise<string> {
  const r = await call(base, 'GET', '/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return r.text;
}

let fx: PredictionFixture;
const purchases = (): Record<string, string>[] => fx.records.filter((r) => Number(r['Purchased Item Count']) >= 1 && r['Category'] !== 'DPR');

beforeAll(async () => {
  fx = await createPredictionFixture();
}, 300_000);
afterAll(async () => {
  await fx?.remove();
});

function holderFor(logger = createMemoryLogger()): ModelHolder {
  const reader = new DuckDbTableReader();
  return new ModelHolder({
    locateModel: championLocator(fx.registry, fx.store, MODEL_NAME),
    locateSnapshot: latestSnapshotLocator(fx.store, (key) => readSnapshot(reader, fx.store.localPathOf(key)!)),
    logger,
    clock: fx.clock,
  });
}

describe('prediction API contract', () => {
  let server: RunningPredictionServer;
  let holder: ModelHolder;
  const access: AccessLogEntry[] = [];
  const logger = createMemoryLogger();
  const base = () => server.url;

  beforeAll(async () => {
    holder = holderFor(logger);
    expect(await holder.refresh('start')).toBe(true);
    server = await startPredictionServer({ holder, logger, token: TOKEN, maxBatchLines: MAX_BATCH, bodyLimitBytes: BODY_LIMIT, accessLog: (e) => access.push(e), port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('GET /healthz answers without a token', async () => {
    const r = await call(base(), 'GET', '/healthz', { token: null });
    expect(r.status).toBe(200);
    expect(expectShape(healthResponseSchema, r.json)).toEqual({ status: 'ok' });
  });

  it('GET /readyz is ready with the champion', async () => {
    const r = await call(base(), 'GET', '/readyz');
    expect(r.status).toBe(200);
    expect(expectShape(readyResponseSchema, r.json)).toEqual({ status: 'ready', model_version: `${MODEL_NAME}/1` });
  });

  it('GET /v1/model describes the champion and the snapshot', async () => {
    const r = await call(base(), 'GET', '/v1/model');
    expect(r.status).toBe(200);
    const m = expectShape(modelResponseSchema, r.json);
    expect(m).toMatchObject({ model_version: `${MODEL_NAME}/1`, name: MODEL_NAME, version: 1, as_of: fx.artifacts[0].as_of, estimator: fx.artifacts[0].estimator });
    expect(m.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(Object.keys(m.metrics).sort()).toEqual(['folds', 'out_of_time', 'refit']);
    expect(m.snapshot).toMatchObject({ id: `BuildFeatures/date=${SNAPSHOT_DATE}/snapshot.parquet`, as_of: SNAPSHOT_DATE });
    expect(m.snapshot!.keys.buyer).toBeGreaterThan(100);
  });

  it('POST /v1/predictions scores one line: probability, version, top 5 contributions', async () => {
    const r = await call(base(), 'POST', '/v1/predictions', { body: requestLine(purchases()[10]!) });
    expect(r.status).toBe(200);
    const body = expectShape(predictionResponseSchema, r.json);
    expect(body.model_version).toBe(`${MODEL_NAME}/1`);
    expect(body.snapshot_as_of).toBe(SNAPSHOT_DATE);
    expect(body.predictions).toHaveLength(1);
    const [p] = body.predictions;
    expect(p!.return_probability).toBeGreaterThan(0);
    expect(p!.return_probability).toBeLessThan(1);
    expect(p!.contributions.length).toBeGreaterThan(0);
    expect(p!.contributions.length).toBeLessThanOrEqual(5);
    const sizes = p!.contributions.map((c) => Math.abs(c.contribution));
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    for (const c of p!.contributions) expect(FEATURE_NAMES).toContain(c.feature);
  });

  it('scores a day of lines exactly as the model scores BuildFeatures rows of that day', async () => {
    const day = purchases().filter((r) => isoOf(r['Date']!) === SNAPSHOT_DATE);
    expect(day.length).toBeGreaterThan(3);
    const r = await call(base(), 'POST', '/v1/predictions?contributions=0', { body: { lines: day.map(requestLine) } });
    expect(r.status).toBe(200);
    const body = expectShape(predictionResponseSchema, r.json);
    expect(body.predictions.every((p) => p.contributions.length === 0)).toBe(true);
    // The same lines' rows in the features table, scored by the model directly.
    const engine = new DuckDbEngine();
    const rows = await engine.query(
      `SELECT f.* FROM f JOIN o ON o.line_number = f.line_number WHERE f.date = DATE '${SNAPSHOT_DATE}' ORDER BY f.line_number`,
      [
        { name: 'f', location: fx.featuresParquet, format: 'parquet' },
        { name: 'o', location: fx.ordersParquet, format: 'parquet' },
      ],
    );
    expect(rows).toHaveLength(day.length);
    const model = loadModelArtifact(fx.artifacts[0], 'v1', FEATURE_CATALOGUE).model;
    const expected = model.predictProba(matrixFromRows(rows, model.features));
    // The file lists lines in line order, as the features table does.
    expect(body.predictions.map((p) => p.return_probability)).toEqual(Array.from(expected));
  });

  it('scores a CSV row sent with every value as a string, outcome columns included, as the typed line', async () => {
    const record = purchases()[12]!;
    expect(Object.keys(record)).toHaveLength(17);
    expect(Object.values(record).every((v) => typeof v === 'string')).toBe(true);
    const asText = await call(base(), 'POST', '/v1/predictions', { body: record });
    expect({ status: asText.status, problems: asText.json.problems }).toEqual({ status: 200, problems: undefined });
    const typed = await call(base(), 'POST', '/v1/predictions', { body: requestLine(record) });
    expect(asText.json.predictions).toEqual(typed.json.predictions);
  });

  it('falls back for an unseen buyer and model, and still answers', async () => {
    const line = { ...requestLine(purchases()[0]!), 'Buyer ID': '999999999', 'Item ID': '88888888', 'Refunds': -12, 'Final Quantity': 1 };
    const r = await call(base(), 'POST', '/v1/predictions?contributions=3', { body: line });
    expect(r.status).toBe(200);
    const body = expectShape(predictionResponseSchema, r.json);
    expect(body.predictions[0]!.unseen_history).toEqual(expect.arrayContaining(['buyer', 'model']));
    expect(body.predictions[0]!.contributions.length).toBeLessThanOrEqual(3);
  });

  it('400 lists every problem of a bad batch with its field path', async () => {
    const good = requestLine(purchases()[0]!);
    const { Date: _date, ...noDate } = good;
    const r = await call(base(), 'POST', '/v1/predictions', {
      body: { lines: [good, { ...noDate, 'Total Revenue': -5 }, { ...good, 'Buyer ID': 'abc', Colour: 'red' }, { ...good, Date: '31/2/2019', 'Purchased Item Count': 0 }] },
    });
    expect(r.status).toBe(400);
    const body = expectShape(errorResponseSchema, r.json);
    const fields = body.problems!.map((p) => p.field).sort();
    expect(fields).toEqual(['lines[1].Date', 'lines[1].Total Revenue', 'lines[2]', 'lines[2].Buyer ID', 'lines[3].Date', 'lines[3].Purchased Item Count'].sort());
    expect(body.problems!.find((p) => p.field === 'lines[1].Date')).toMatchObject({ path: ['lines', 1, 'Date'], message: 'is required' });
    expect(body.problems!.find((p) => p.field === 'lines[2]')!.message).toMatch(/Colour/);
    expect(body.problems!.find((p) => p.field === 'lines[3].Date')!.message).toMatch(/calendar date/);
  });

  it('400 for a batch over the limit, bad JSON, a non-object body and a bad query', async () => {
    const line = requestLine(purchases()[0]!);
    const tooMany = await call(base(), 'POST', '/v1/predictions', { body: { lines: Array.from({ length: MAX_BATCH + 1 }, () => line) } });
    expect(tooMany.status).toBe(400);
    expect(expectShape(errorResponseSchema, tooMany.json).problems![0]).toMatchObject({ field: 'lines', message: expect.stringMatching(/more than 200 lines/) });
    const badJson = await call(base(), 'POST', '/v1/predictions', { raw: '{"Item Name": "QID",' });
    expect(badJson.status).toBe(400);
    expect(expectShape(errorResponseSchema, badJson.json).problems![0]!.message).toMatch(/not valid JSON/);
    const array = await call(base(), 'POST', '/v1/predictions', { body: [line] });
    expect(array.status).toBe(400);
    expect(array.json.problems[0].message).toMatch(/one purchase line, or \{"lines"/);
    const query = await call(base(), 'POST', '/v1/predictions?contributions=many&x=1', { body: line });
    expect(query.status).toBe(400);
    expect(query.json.problems.map((p: { field: string }) => p.field).sort()).toEqual(['query', 'query.contributions']);
  });

  it('413 for a body over the size limit, 415 for a body that is not JSON', async () => {
    const line = requestLine(purchases()[0]!);
    const big = await call(base(), 'POST', '/v1/predictions', { body: { lines: Array.from({ length: 2000 }, () => line) } });
    expect(big.status).toBe(413);
    expect(expectShape(errorResponseSchema, big.json).error).toMatch(/larger than 262144 bytes/);
    const plain = await call(base(), 'POST', '/v1/predictions', { raw: 'hello', contentType: 'text/plain' });
    expect(plain.status).toBe(415);
    expectShape(errorResponseSchema, plain.json);
  });

  it('404 in JSON for unknown routes', async () => {
    for (const [method, url] of [
      ['GET', '/v2/predictions'],
      ['GET', '/v1/predictions'],
      ['DELETE', '/v1/model'],
    ] as const) {
      const r = await call(base(), method, url);
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expect(expectShape(errorResponseSchema, r.json).error).toMatch(/no route/);
    }
  });

  it('401 without the token, or with a wrong one, on every route but /healthz', async () => {
    const line = requestLine(purchases()[0]!);
    for (const token of [null, 'wrong-token-123', `${TOKEN}x`]) {
      for (const [method, url] of [
        ['POST', '/v1/predictions'],
        ['GET', '/v1/model'],
        ['GET', '/readyz'],
        ['GET', '/openapi.json'],
        ['GET', '/docs'],
        ['GET', '/metrics'],
        ['GET', '/nowhere'],
      ] as const) {
        const r = await call(base(), method, url, { token, ...(method === 'POST' ? { body: line } : {}) });
        expect({ url, token, status: r.status }).toEqual({ url, token, status: 401 });
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expectShape(errorResponseSchema, r.json);
      }
    }
  });

  it('GET /openapi.json documents every route; /docs renders it without loading anything', async () => {
    const r = await call(base(), 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    const routes = ['/v1/predictions', '/v1/model', '/healthz', '/readyz', '/openapi.json', '/docs', '/metrics'];
    expect(Object.keys(r.json.paths).sort()).toEqual([...routes].sort());
    expect(Object.keys(r.json.paths['/v1/predictions'].post.responses).sort()).toEqual(['200', '400', '401', '413', '415', '503']);
    const schema = r.json.paths['/v1/predictions'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(r.json)).toContain('Purchased Item Count');
    // Every reference points into the document itself.
    const refs = [...r.text.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], r.json);
      expect({ ref, found: target !== undefined }).toEqual({ ref, found: true });
    }
    expect(JSON.stringify(schema)).toContain('#/components/schemas/PurchaseLine');
    const docs = await call(base(), 'GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/text\/html/);
    for (const route of routes) expect(docs.text).toContain(`<code>${route}</code>`);
    expect(docs.text).toContain('<h2>Schema <code>PurchaseLine</code></h2>');
    expect(docs.text).not.toMatch(/<script|<link|src=|https?:\/\//);
  });

  it('GET /metrics counts requests by route and status, errors, predictions, and names the served model', async () => {
    const route = { route: '/v1/predictions', status_code: '200' };
    const before = await scrape(base());
    const line = requestLine(purchases()[3]!);
    expect((await call(base(), 'POST', '/v1/predictions', { body: { lines: [line, line, line] } })).status).toBe(200);
    expect((await call(base(), 'POST', '/v1/predictions', { body: { lines: [{}] } })).status).toBe(400);
    expect((await call(base(), 'GET', '/no/such/route/42')).status).toBe(404);
    const after = await scrape(base());
    const delta = (name: string, labels: Record<string, string>): number => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('returns_http_request_duration_seconds_count', { method: 'POST', ...route })).toBe(1);
    expect(delta('returns_http_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(1);
    expect(delta('returns_http_request_errors_total', { route: '/v1/predictions', status_code: '400' })).toBe(1);
    // An unknown URL adds no series of its own.
    expect(delta('returns_http_request_errors_total', { route: 'unmatched', status_code: '404' })).toBe(1);
    expect(after).not.toContain('/no/such/route');
    expect(delta('returns_predictions_total', { model_version: `${MODEL_NAME}/1` })).toBe(3);
    expect(sample(after, 'returns_model_info', { model_version: `${MODEL_NAME}/1`, model_as_of: fx.artifacts[0].as_of })).toBe(1);
    expect(sample(after, 'returns_model_swaps_total')).toBe(0);
    expect(sample(after, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sample(after, 'nodejs_eventloop_lag_seconds')).toBeDefined();
  });

  it('writes an access log entry per request, and never the token', async () => {
    await call(base(), 'GET', `/v1/model?token=${TOKEN}`);
    const entry = access.find((e) => e.url.startsWith('/v1/model?token='));
    expect(entry).toMatchObject({ method: 'GET', status: 200, url: '/v1/model?token=***' });
    const scored = access.find((e) => e.url.startsWith('/v1/predictions') && e.status === 200);
    expect(scored).toMatchObject({ method: 'POST', lines: expect.any(Number), model_version: `${MODEL_NAME}/1` });
    expect(typeof scored!.duration_ms).toBe('number');
    expect(access.some((e) => e.status === 401) && access.some((e) => e.status === 413)).toBe(true);
    const everything = JSON.stringify(access) + JSON.stringify(logger.lines);
    expect(everything).not.toContain(TOKEN);
  });
});

describe('serving lifecycle', () => {
  it('answers 503 until a model is loaded', async () => {
    const holder = new ModelHolder({ locateModel: async () => undefined, logger: createMemoryLogger(), clock: fx.clock });
    await holder.refresh('start');
    const server = await startPredictionServer({ holder, logger: createMemoryLogger(), port: 0 });
    try {
      const ready = await call(server.url, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(expectShape(readyResponseSchema, ready.json)).toMatchObject({ status: 'not ready', model_version: null, reason: expect.stringMatching(/no champion/) });
      expect((await call(server.url, 'GET', '/v1/model')).status).toBe(503);
      const scored = await call(server.url, 'POST', '/v1/predictions', { body: requestLine(purchases()[0]!) });
      expect(scored.status).toBe(503);
      expect((await call(server.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('a close finishes the request in flight', async () => {
    const holder = holderFor();
    await holder.refresh('start');
    const server = await startPredictionServer({ holder, logger: createMemoryLogger(), port: 0 });
    const body = JSON.stringify(requestLine(purchases()[0]!));
    const half = Math.floor(body.length / 2);
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(new URL('/v1/predictions', server.url), { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // Once the server has the request (headers and half the body), it starts closing; then the
      // rest of the body arrives.
      server.app.server.once('request', () => {
        closed = server.close();
        setTimeout(() => req.end(body.slice(half)), 100);
      });
      req.write(body.slice(0, half));
    });
    let closed: Promise<void> | undefined;
    const r = await answer;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text).predictions).toHaveLength(1);
    await closed;
    await expect(fetch(new URL('/healthz', server.url))).rejects.toThrow();
  });

  it('swaps to a new champion under load without a failed request', async () => {
    const holder = holderFor();
    await holder.refresh('start');
    holder.startPolling(50);
    const server = await startPredictionServer({ holder, logger: createMemoryLogger(), port: 0 });
    const line = requestLine(purchases()[5]!);
    const seen: string[][] = [[], [], [], []];
    const failures: string[] = [];
    let metrics: string | undefined;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      while (!stop) {
        const r = await call(server.url, 'POST', '/v1/predictions', { body: { lines: [line, line] } });
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
        else seen[w]!.push(r.json.model_version as string);
      }
    };
    try {
      const workers = seen.map((_, w) => worker(w));
      await new Promise((r) => setTimeout(r, 300));
      await fx.promote(2);
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !seen.every((s) => s[s.length - 1] === `${MODEL_NAME}/2`)) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await Promise.all(workers);
      metrics = await scrape(server.url);
    } finally {
      stop = true;
      holder.stop();
      await server.close();
      await fx.promote(1);
    }
    expect(failures).toEqual([]);
    expect(sample(metrics!, 'returns_model_swaps_total')).toBe(1);
    expect(sample(metrics!, 'returns_model_info', { model_version: `${MODEL_NAME}/2` })).toBe(1);
    expect(sample(metrics!, 'returns_model_info', { model_version: `${MODEL_NAME}/1` })).toBeUndefined();
    for (const versions of seen) {
      expect(versions[0]).toBe(`${MODEL_NAME}/1`);
      expect(versions[versions.length - 1]).toBe(`${MODEL_NAME}/2`);
      // Each worker's requests are sequential: once it saw version 2 it never sees version 1 again.
      const firstNew = versions.indexOf(`${MODEL_NAME}/2`);
      expect(versions.slice(firstNew).every((v) => v === `${MODEL_NAME}/2`)).toBe(true);
    }
  });
});
