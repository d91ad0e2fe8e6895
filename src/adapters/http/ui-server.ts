/**
 * `returns ui`: the visualiser's HTTP server. It serialises what src/application computes (task
 * statuses, run history, the latest model and report) and serves the page; it decides nothing.
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { computePipelineStatus, DEFAULT_STATUS_RUNS, readRunViews } from '../../orchestrator/pipeline-status.js';
import { findLatestModel, findLatestReport, reportKey } from '../../application/latest-outputs.js';
import { isIsoDate, toIsoDate } from '../../domain/dates.js';
import type { AnyTask } from '../../orchestrator/task.js';
import type { Clock } from '../../ports/clock.js';
import type { Logger } from '../../ports/logger.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { renderUiPage } from './ui-page.js';

export interface UiServerOptions {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * The root tasks of the DAG to show for a task name and date. Throwing means the name or date
   * is not acceptable (answered 400 with the message). The CLI builds it from the pipeline
   * registry; tests pass a toy DAG.
   */
  readonly resolveRoots: (task: string, date: string) => readonly AnyTask[];
  /** Task names offered in the page's picker. */
  readonly tasks: readonly string[];
  /** Shown when the URL names no task. */
  readonly defaultTask: string;
  /** Shown when the URL names no date; default: today (UTC) by the clock. */
  readonly defaultDate?: string;
  /** How many of the newest runs are read to find each task's status. */
  readonly statusRuns?: number;
  /** Page refresh periods; defaults 2 s while a task is running and 10 s otherwise. */
  readonly pollRunningMs?: number;
  readonly pollIdleMs?: number;
  /**
   * Answer only requests whose Host header names this machine (localhost, 127.0.0.1, [::1]):
   * on a loopback-bound server this stops a web page the user visits from reading the API
   * through DNS rebinding. Default true.
   */
  readonly localHostsOnly?: boolean;
}

export interface RunningUiServer {
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_UI_PORT = 8082;

const isoDate = z.string().refine(isIsoDate, { message: 'expected a date YYYY-MM-DD' });
const graphQuery = z.object({ task: z.string().min(1).max(200).optional(), date: isoDate.optional() });
const historyQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(20) });
const asOfQuery = z.object({ date: isoDate.optional() });
const reportParams = z.object({ date: isoDate });

/** A request the route cannot answer as asked: 400 with the reason. */
class BadRequest extends Error {
  readonly statusCode = 400;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadRequest(`bad ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || what} ${i.message}`).join('; ')}`);
  return r.data;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  return hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.split(':')[0]!;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The routes, without listening: tests call `inject()` on it. */
export function buildUiServer(options: UiServerOptions): FastifyInstance {
  const { store, clock, logger } = options;
  const app = Fastify({ logger: false });
  const today = (): string => options.defaultDate ?? toIsoDate(clock.now());

  if (options.localHostsOnly !== false) {
    app.addHook('onRequest', async (request, reply) => {
      if (!LOCAL_HOSTS.has(hostnameOf(request.headers.host).toLowerCase())) {
        await reply.code(403).send({ error: 'this server answers only requests addressed to localhost or 127.0.0.1' });
      }
    });
  }

  app.setErrorHandler(async (err: Error & { statusCode?: number }, request, reply: FastifyReply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) logger.error(`ui: ${request.method} ${request.url} failed: ${err.message}`);
    await reply.code(status).send({ error: err.message });
  });

  app.get('/', async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    const page = renderUiPage(
      {
        task: options.defaultTask,
        date: today(),
        tasks: options.tasks,
        pollRunningMs: options.pollRunningMs ?? 2000,
        pollIdleMs: options.pollIdleMs ?? 10_000,
        store: store.rootUri,
      },
      nonce,
    );
    return reply.header('content-security-policy', pageCsp(nonce)).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page);
  });

  // Browsers ask for it on their own; an empty answer keeps a 404 out of their console.
  app.get('/favicon.ico', async (_request, reply) => reply.code(204).send());

  app.get('/api/graph', async (request) => {
    const q = parse(graphQuery, request.query, 'query');
    const task = q.task ?? options.defaultTask;
    const date = q.date ?? today();
    let roots: readonly AnyTask[];
    try {
      roots = options.resolveRoots(task, date);
    } catch (err) {
      throw new BadRequest((err as Error).message);
    }
    const now = clock.now();
    const status = await computePipelineStatus(store, roots, { now, runs: options.statusRuns ?? DEFAULT_STATUS_RUNS });
    return { task, date, store: store.rootUri, generatedAt: now.toISOString(), ...status };
  });

  app.get('/api/history', async (request) => {
    const q = parse(historyQuery, request.query, 'query');
    return { runs: await readRunViews(store, q.limit) };
  });

  app.get('/api/model', async (request) => {
    const q = parse(asOfQuery, request.query, 'query');
    return { model: (await findLatestModel(store, q.date)) ?? null };
  });

  app.get('/api/report', async (request) => {
    const q = parse(asOfQuery, request.query, 'query');
    const report = await findLatestReport(store, q.date);
    return { report: report ? { date: report.date, href: `report/${report.date}` } : null };
  });

  app.get('/report/:date', async (request, reply) => {
    const { date } = parse(reportParams, request.params, 'report date');
    const key = reportKey(date);
    if (!(await store.exists(key))) return reply.code(404).send({ error: `no report for ${date} in ${store.rootUri}` });
    // The report is the pipeline's own HTML; it may carry inline styles and scripts, but it
    // may load nothing from another origin.
    return reply
      .header('content-security-policy', "default-src 'self' 'unsafe-inline' data:; frame-ancestors 'self'")
      .header('x-content-type-options', 'nosniff')
      .type('text/html; charset=utf-8')
      .send(await store.getStream(key));
  });

  return app;
}

/**
 * Builds the server and listens on host:port (default 127.0.0.1:8082; port 0 picks a free one).
 * The Host-header check is on whenever the server is bound to a loopback address.
 */
export async function startUiServer(options: UiServerOptions & { readonly host?: string; readonly port?: number }): Promise<RunningUiServer> {
  const host = options.host ?? DEFAULT_HOST;
  const app = buildUiServer({ ...options, localHostsOnly: options.localHostsOnly ?? isLoopback(host) });
  await app.listen({ host, port: options.port ?? DEFAULT_UI_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port ?? DEFAULT_UI_PORT;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return { url: `http://${shown}:${port}/`, app, close: () => app.close() };
}
