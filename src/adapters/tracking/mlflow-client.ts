import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { TrackingError } from '../../ports/experiment-tracker.js';
import type { MlflowSettings } from './mlflow-settings.js';

/** MLflow's error body: `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "..."}`. */
const errorBodySchema = z.object({ error_code: z.string().optional(), message: z.string().optional() });

/** Statuses worth another attempt: the server is restarting, overloaded or behind a busy proxy. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const MAX_MESSAGE_CHARS = 200;

export type Query = Readonly<Record<string, string | number | undefined>>;

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Path from the server root, e.g. `/api/2.0/mlflow/runs/get`. */
  readonly path: string;
  readonly query?: Query;
  readonly body?: Buffer | string;
  readonly contentType?: string;
  /**
   * Whether a request that may have reached the server can be sent again. A create is not: a
   * lost response would make a second object, so it is retried only when the connection was refused.
   */
  readonly idempotent: boolean;
}

/**
 * A small client for MLflow's REST API over Node's fetch: JSON in, zod-validated JSON out, raw
 * bytes for artifacts. Every failure is a TrackingError with one line such as
 * `MLflow GET /api/2.0/mlflow/runs/get: HTTP 404 RESOURCE_DOES_NOT_EXIST: Run ... not found`;
 * credentials go in a header and never into a message.
 */
export class MlflowClient {
  constructor(
    readonly settings: MlflowSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async getJson<T>(path: string, query: Query, schema: z.ZodType<T>): Promise<T> {
    return this.parse(path, 'GET', await this.send({ method: 'GET', path, query, idempotent: true }), schema);
  }

  async postJson<T>(path: string, body: unknown, schema: z.ZodType<T>, options: { idempotent: boolean }): Promise<T> {
    const response = await this.send({
      method: 'POST',
      path,
      body: JSON.stringify(body),
      contentType: 'application/json',
      idempotent: options.idempotent,
    });
    return this.parse(path, 'POST', response, schema);
  }

  async putBytes(path: string, body: Buffer): Promise<void> {
    const response = await this.send({ method: 'PUT', path, body, contentType: 'application/octet-stream', idempotent: true });
    await response.arrayBuffer();
  }

  async getBytes(path: string): Promise<Buffer> {
    const response = await this.send({ method: 'GET', path, idempotent: true });
    return Buffer.from(await response.arrayBuffer());
  }

  /** Sends with retries; resolves only to a 2xx response, otherwise throws a TrackingError. */
  private async send(call: Call): Promise<Response> {
    const endpoint = `${call.method} ${call.path}`;
    for (let attempt = 1; ; attempt++) {
      const last = attempt >= this.settings.maxAttempts;
      let response: Response;
      try {
        response = await this.fetchImpl(this.url(call.path, call.query), {
          method: call.method,
          headers: this.headers(call.contentType),
          ...(call.body !== undefined ? { body: typeof call.body === 'string' ? call.body : new Uint8Array(call.body) } : {}),
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
      } catch (err) {
        const why = networkReason(err, this.settings.timeoutMs);
        const neverSent = why.includes('ECONNREFUSED');
        if (!last && (call.idempotent || neverSent)) {
          await sleep(backoffMs(attempt));
          continue;
        }
        throw new TrackingError(`MLflow ${endpoint} at ${this.settings.trackingUri}: ${why}`);
      }
      if (response.ok) return response;
      const text = await response.text().catch(() => '');
      if (!last && call.idempotent && RETRYABLE_STATUS.has(response.status)) {
        await sleep(backoffMs(attempt));
        continue;
      }
      const { code, message } = describeErrorBody(text);
      const detail = [code, message].filter((s) => s !== undefined && s !== '').join(': ');
      throw new TrackingError(`MLflow ${endpoint}: HTTP ${response.status}${detail ? ` ${detail}` : ''}`, response.status, code);
    }
  }

  private async parse<T>(path: string, method: string, response: Response, schema: z.ZodType<T>): Promise<T> {
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new TrackingError(`MLflow ${method} ${path}: HTTP ${response.status} with a body that is not JSON`, response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'unexpected shape';
      throw new TrackingError(`MLflow ${method} ${path}: unexpected response (${where})`, response.status);
    }
    return parsed.data;
  }

  private url(path: string, query?: Query): string {
    const url = new URL(this.settings.trackingUri + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.href;
  }

  private headers(contentType?: string): Record<string, string> {
    const headers: Record<string, string> = {};
    if (contentType) headers['content-type'] = contentType;
    const auth = this.settings.auth;
    if (auth.kind === 'bearer') headers.authorization = `Bearer ${auth.token}`;
    if (auth.kind === 'basic') headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return headers;
  }
}

function backoffMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 4_000);
}

/** One short phrase for a failed connection: the errno (ECONNREFUSED...) or a timeout. */
function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const code = e.cause?.code;
  if (code) return `cannot connect (${code})`;
  return `request failed (${firstLine(e.cause?.message ?? e.message ?? String(err))})`;
}

function describeErrorBody(text: string): { code: string | undefined; message: string | undefined } {
  try {
    const body = errorBodySchema.safeParse(JSON.parse(text));
    if (body.success) return { code: body.data.error_code, message: body.data.message !== undefined ? firstLine(body.data.message) : undefined };
  } catch {
    // Not JSON (a proxy's HTML page, say): a short first line of it is still a clue.
  }
  const line = firstLine(text.replace(/<[^>]*>/g, ' '));
  return { code: undefined, message: line === '' ? undefined : line };
}

function firstLine(text: string): string {
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().replace(/\s+/g, ' ');
  return line.length > MAX_MESSAGE_CHARS ? `${line.slice(0, MAX_MESSAGE_CHARS)}...` : line;
}
