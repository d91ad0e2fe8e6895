import { z } from 'zod';
import { MlflowClient } from '../../../src/adapters/tracking/mlflow-client.js';
import { parseMlflowSettings, type MlflowAuth } from '../../../src/adapters/tracking/mlflow-settings.js';
import { artifactEndpoint } from '../../../src/adapters/tracking/mlflow-tracker.js';
import { TrackingError } from '../../../src/ports/experiment-tracker.js';

const SECRET = 's3cr3t-token-value';

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(...answers: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  const impl: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init });
    const next = answers.shift();
    if (next === undefined) throw new Error('no scripted answer left');
    if (next instanceof Error) throw next;
    return next;
  };
  return { impl, calls };
}

const json = (status: number, body: unknown): Response => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refused = (): Error => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });

function client(fetchImpl: typeof fetch, options: { maxAttempts?: number; auth?: MlflowAuth } = {}): MlflowClient {
  return new MlflowClient(parseMlflowSettings({ trackingUri: 'http://127.0.0.1:5000/', maxAttempts: options.maxAttempts ?? 3, auth: options.auth ?? { kind: 'bearer', token: SECRET } }), fetchImpl);
}

const ok = z.object({ value: z.number() });

async function failure(p: Promise<unknown>): Promise<TrackingError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrackingError);
  return err as TrackingError;
}

describe('MlflowClient', () => {
  it('turns an MLflow error body into one line naming the endpoint, the status and the code, without the token', async () => {
    const { impl } = scriptedFetch(json(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=x not found\n[SQL: SELECT ...]' }));
    const err = await failure(client(impl).getJson('/api/2.0/mlflow/runs/get', { run_id: 'x' }, ok));
    expect(err.message).toBe('MLflow GET /api/2.0/mlflow/runs/get: HTTP 404 RESOURCE_DOES_NOT_EXIST: Run with id=x not found');
    expect(err.status).toBe(404);
    expect(err.code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(err.message).not.toContain(SECRET);
  });

  it('summarises a non-JSON error page in one line', async () => {
    const { impl } = scriptedFetch(new Response('<html><body><h1>401 Authorization Required</h1></body></html>', { status: 401 }));
    const err = await failure(client(impl).getJson('/api/2.0/mlflow/runs/get', {}, ok));
    expect(err.message).toBe('MLflow GET /api/2.0/mlflow/runs/get: HTTP 401 401 Authorization Required');
  });

  it('sends the bearer token or basic credentials as the authorization header', async () => {
    const bearer = scriptedFetch(json(200, { value: 1 }));
    await client(bearer.impl).getJson('/x', {}, ok);
    expect(new Headers(bearer.calls[0]?.init?.headers).get('authorization')).toBe(`Bearer ${SECRET}`);
    const basic = scriptedFetch(json(200, { value: 1 }));
    await client(basic.impl, { auth: { kind: 'basic', username: 'u', password: 'p' } }).getJson('/x', {}, ok);
    expect(new Headers(basic.calls[0]?.init?.headers).get('authorization')).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('retries an idempotent call on 503 and on a refused connection', async () => {
    const { impl, calls } = scriptedFetch(json(503, {}), refused(), json(200, { value: 7 }));
    expect(await client(impl).getJson('/api/2.0/mlflow/runs/get', { run_id: 'r' }, ok)).toEqual({ value: 7 });
    expect(calls).toHaveLength(3);
    expect(calls[0]?.url).toBe('http://127.0.0.1:5000/api/2.0/mlflow/runs/get?run_id=r');
  });

  it('retries a create only when the connection was refused (a lost answer could mean a duplicate)', async () => {
    const refusedThenOk = scriptedFetch(refused(), json(200, { value: 1 }));
    await client(refusedThenOk.impl).postJson('/api/2.0/mlflow/runs/create', {}, ok, { idempotent: false });
    expect(refusedThenOk.calls).toHaveLength(2);

    const unavailable = scriptedFetch(json(503, { error_code: 'TEMPORARILY_UNAVAILABLE' }), json(200, { value: 1 }));
    const err = await failure(client(unavailable.impl).postJson('/api/2.0/mlflow/runs/create', {}, ok, { idempotent: false }));
    expect(err.message).toBe('MLflow POST /api/2.0/mlflow/runs/create: HTTP 503 TEMPORARILY_UNAVAILABLE');
    expect(unavailable.calls).toHaveLength(1);
  });

  it('gives up after maxAttempts with the reason the server could not be reached', async () => {
    const { impl, calls } = scriptedFetch(refused(), refused());
    const err = await failure(client(impl, { maxAttempts: 2 }).getJson('/api/2.0/mlflow/runs/get', {}, ok));
    expect(err.message).toBe('MLflow GET /api/2.0/mlflow/runs/get at http://127.0.0.1:5000: cannot connect (ECONNREFUSED)');
    expect(err.status).toBeUndefined();
    expect(calls).toHaveLength(2);
  });

  it('rejects a response of the wrong shape, naming the field', async () => {
    const { impl } = scriptedFetch(json(200, { value: 'seven' }));
    const err = await failure(client(impl).getJson('/api/2.0/mlflow/runs/get', {}, ok));
    expect(err.message).toMatch(/^MLflow GET \/api\/2\.0\/mlflow\/runs\/get: unexpected response \(value: /);
  });
});

describe('artifactEndpoint', () => {
  it('maps a proxied artifact URI and a path to the artifact proxy endpoint, encoding each segment', () => {
    expect(artifactEndpoint('mlflow-artifacts:/1/abc/artifacts', 'reports/quality report.json')).toBe(
      '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/reports/quality%20report.json',
    );
    expect(artifactEndpoint('mlflow-artifacts://host:5000/1/abc/artifacts/', 'model.json')).toBe('/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model.json');
  });

  it('refuses an artifact location the client cannot reach through the server', () => {
    expect(() => artifactEndpoint('s3://bucket/1/abc/artifacts', 'model.json')).toThrow(/not --no-serve-artifacts/);
  });
});
