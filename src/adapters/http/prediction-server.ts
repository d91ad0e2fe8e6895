/**
 * `returns serve`: the prediction REST API. Routes parse with the zod schemas of
 * prediction-schemas.ts, score through the ModelHolder's current model and snapshot (read once
 * per request, so a model swap never splits a request), and answer every error as JSON.
 *
 *   POST /v1/predictions   one line or {"lines": [...]} -> probabilities and contributions
 *   GET  /v1/model         the served model: version, as-of date, metrics, features, snapshot
 *   GET  /healthz          liveness (open even when a token is required)
 *   GET  /readyz           200 once a model is loaded, else 503
 *   GET  /openapi.json     the OpenAPI document;  GET /docs  the same as an HTML page
 *   GET  /metrics          Prometheus metrics (prediction-metrics.ts)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ModelHolder } from '../../application/model-holder.js';
import { ScoreBatcher } from '../../application/score-lines.js';
import type { Logger } from '../../ports/logger.js';
import { createPredictionMetrics, UNMATCHED_ROUTE } from './prediction-metrics.js';
import { openApiDocument, renderDocsPage } from './prediction-openapi.js';
import { DEFAULT_MAX_BATCH_LINES, fieldOf, parsePredictionBody, predictionQuerySchema } from './prediction-schemas.js';

export const DEFAULT_PREDICTION_PORT = 8080;
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** One access log line (the CLI writes each as a JSON line). */
export interface AccessLogEntry {
  readonly time: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly duration_ms: number;
  readonly request_id: string;
  readonly remote: string;
  /** Predictions only: lines scored and the model that scored them. */
  readonly lines?: number;
  readonly model_version?: string;
}

export interface PredictionServerOptions {
  readonly holder: Pick<ModelHolder, 'state' | 'problem' | 'swaps'>;
  readonly logger: Logger;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>`. Never logged. */
  readonly token?: string;
  /** Most lines one request may hold (default 1000). */
  readonly maxBatchLines?: number;
  /** Largest request body in bytes (default 1 MiB); larger bodies get 413. */
  readonly bodyLimitBytes?: number;
  /** Receives one entry per answered request. */
  readonly accessLog?: (entry: AccessLogEntry) => void;
  /** Shown in the OpenAPI document. */
  readonly version?: string;
}

export interface RunningPredictionServer {
  readonly url: string;
  readonly app: FastifyInstance;
  /** Stops accepting connections and resolves once in-flight requests are answered. */
  close(): Promise<void>;
}

const OPEN_ROUTES = new Set(['/healthz']);

/** Compares digests, so the time taken says nothing about how much of the token matched. */
function tokenChecker(token: string): (header: string | undefined) => boolean {
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return false;
    return timingSafeEqual(createHash('sha256').update(m[1] as string).digest(), expected);
  };
}

interface RequestNotes {
  lines?: number;
  modelVersion?: string;
}

const notes = new WeakMap<FastifyRequest, RequestNotes>();

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The routes, without listening. */
export function buildPredictionServer(options: PredictionServerOptions): FastifyInstance {
  const { holder, logger } = options;
  const maxBatchLines = options.maxBatchLines ?? DEFAULT_MAX_BATCH_LINES;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const app = Fastify({ logger: false, bodyLimit, return503OnClosing: true });
  const doc = openApiDocument({ version: options.version ?? '0.0.0', maxBatchLines, bodyLimitBytes: bodyLimit, authRequired: options.token !== undefined });
  const docsPage = renderDocsPage(doc);
  // Bodies are JSON only: without Fastify's text/plain parser, anything else is answered 415.
  app.removeContentTypeParser('text/plain');
  // While closing, answers tell clients to drop their keep-alive connection, so a close ends
  // once the requests in flight are answered instead of waiting for idle clients to leave.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  // Small requests read in the same event-loop turn are scored in one model call.
  const batcher = new ScoreBatcher((flush) => void setImmediate(flush));
  const token = options.token;
  const redact = (text: string): string => (token ? text.split(token).join('***') : text);

  if (token !== undefined) {
    if (token.length === 0) throw new Error('the API token is empty; unset RETURNS_API_TOKEN or give it a value');
    const allowed = tokenChecker(token);
    app.addHook('onRequest', async (request, reply) => {
      if (OPEN_ROUTES.has(pathOf(request.url))) return;
      if (!allowed(request.headers.authorization)) {
        await reply.code(401).header('www-authenticate', 'Bearer realm="returns"').send({ error: 'missing or wrong bearer token (send Authorization: Bearer <RETURNS_API_TOKEN>)' });
      }
    });
  }

  const metrics = createPredictionMetrics(holder);
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(request.method, request.routeOptions.url ?? UNMATCHED_ROUTE, reply.statusCode, reply.elapsedTime / 1000);
  });

  if (options.accessLog) {
    const write = options.accessLog;
    app.addHook('onResponse', async (request, reply) => {
      const n = notes.get(request);
      write({
        time: new Date().toISOString(),
        method: request.method,
        url: redact(request.url),
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 1000) / 1000,
        request_id: String(request.id),
        remote: request.ip,
        ...(n?.lines !== undefined ? { lines: n.lines } : {}),
        ...(n?.modelVersion !== undefined ? { model_version: n.modelVersion } : {}),
      });
    });
  }

  app.setErrorHandler(async (err: Error & { statusCode?: number; code?: string }, request, reply: FastifyReply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || status === 413) {
      return reply.code(413).send({ error: `the request body is larger than ${bodyLimit} bytes; send fewer lines per request` });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) {
      return reply.code(415).send({ error: 'send the body as application/json' });
    }
    if (status === 400) {
      const message = err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? `the body is not valid JSON: ${err.message}` : err.message;
      return reply.code(400).send({ error: 'invalid request', problems: [{ path: [], field: '(body)', message }] });
    }
    if (status >= 500) {
      logger.error(`${request.method} ${redact(pathOf(request.url))} failed: ${err.message}`);
      return reply.code(500).send({ error: 'internal error (see the server log)' });
    }
    return reply.code(status).send({ error: err.message });
  });

  app.setNotFoundHandler(async (request, reply) => reply.code(404).send({ error: `no route ${request.method} ${redact(pathOf(request.url))} (see /docs)` }));

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const state = holder.state;
    if (state) return { status: 'ready', model_version: state.model.label };
    return reply.code(503).send({ status: 'not ready', model_version: null, reason: holder.problem ?? 'no model loaded yet' });
  });

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  app.get('/openapi.json', async () => doc);
  app.get('/docs', async (_request, reply) =>
    reply.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'").type('text/html; charset=utf-8').send(docsPage),
  );

  app.get('/v1/model', async (_request, reply) => {
    const state = holder.state;
    if (!state) return reply.code(503).send({ error: `no model loaded: ${holder.problem ?? 'not yet'}` });
    const a = state.artifact;
    const s = state.snapshot;
    return {
      model_version: state.model.label,
      name: state.model.name,
      version: state.model.version,
      as_of: a.as_of,
      created_at: a.created_at,
      horizon_days: a.horizon_days,
      code_version: a.code_version,
      estimator: a.estimator,
      calibrator: a.calibrator,
      metrics: { out_of_time: a.metrics.out_of_time, folds: a.metrics.folds, refit: a.metrics.refit },
      features: a.features,
      snapshot:
        state.snapshotId === null
          ? null
          : { id: state.snapshotId, as_of: s.asOf, global_return_rate: s.globalRate, keys: Object.fromEntries(Object.entries(s.keys).map(([k, m]) => [k, m.size])) },
      loaded_at: state.loadedAt,
    };
  });

  app.post('/v1/predictions', async (request, reply) => {
    const state = holder.state;
    if (!state) return reply.code(503).send({ error: `no model loaded: ${holder.problem ?? 'not yet'}` });
    const query = predictionQuerySchema.safeParse(request.query ?? {});
    const body = parsePredictionBody(request.body, maxBatchLines);
    const problems = [
      ...(query.success ? [] : query.error.issues.map((i) => ({ path: ['query', ...i.path] as PropertyKey[], message: i.message }))),
      ...(body.success ? [] : body.issues),
    ].map((p) => {
      const path = p.path.map((x) => (typeof x === 'number' ? x : String(x)));
      return { path, field: fieldOf(path), message: p.message };
    });
    if (!query.success || !body.success) {
      return reply.code(400).send({ error: `invalid request: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems });
    }
    const scores = await batcher.score(state.scorer, state.snapshot, { lines: body.lines, topContributions: query.data.contributions });
    notes.set(request, { lines: body.lines.length, modelVersion: state.model.label });
    metrics.predictionsServed(body.lines.length, state.model.label);
    return {
      model_version: state.model.label,
      model_as_of: state.artifact.as_of,
      snapshot_as_of: state.snapshot.asOf,
      predictions: scores.map((s) => ({ return_probability: s.returnProbability, contributions: s.contributions, unseen_history: s.unseen })),
    };
  });

  return app;
}

/** Builds the server and listens on host:port (port 0 picks a free one). */
export async function startPredictionServer(options: PredictionServerOptions & { readonly host?: string; readonly port?: number }): Promise<RunningPredictionServer> {
  const host = options.host ?? '127.0.0.1';
  const app = buildPredictionServer(options);
  await app.listen({ host, port: options.port ?? DEFAULT_PREDICTION_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PREDICTION_PORT);
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shown}:${port}/`, app, close: () => app.close() };
}
