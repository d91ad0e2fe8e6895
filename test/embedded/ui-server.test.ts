import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { startUiServer, type RunningUiServer } from '../../src/adapters/http/ui-server.js';
import { createMemoryLogger } from '../../src/adapters/logging/winston-logger.js';
import { LocalObjectStore } from '../../src/adapters/storage/local-store.js';
import { runCli } from '../../src/cli/program.js';
import { Scheduler } from '../../src/orchestrator/scheduler.js';
import { FakeClock } from '../harness/fake-clock.js';
import { Gates, Publish } from '../harness/gated-tasks.js';

const DATE = '2026-11-27';

interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json(): any;
}

/**
 * A GET over a real loopback connection. (Fastify's inject() would skip the socket, but its
 * light-my-request requires the ESM-only `cookie` 2, which Jest's CommonJS loader cannot load on
 * Node 20.)
 */
function get(base: string, url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url, base), { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ statusCode: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

function toyRoots(task: string, date: string) {
  if (task !== 'Publish') throw new Error(`unknown task '${task}' (tasks: Publish)`);
  return [new Publish({ date })];
}

describe('ui server routes', () => {
  let dir: string;
  let store: LocalObjectStore;
  let server: RunningUiServer;
  const call = (o: { method: 'GET'; url: string; headers?: Record<string, string> }) => get(server.url, o.url, o.headers);
  const clock = new FakeClock();
  const logger = createMemoryLogger();

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'returns-ui-'));
    store = new LocalObjectStore(dir);
    server = await startUiServer({ store, clock, logger, resolveRoots: toyRoots, tasks: ['Publish'], defaultTask: 'Publish', port: 0 });
  });
  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves one self-contained page whose scripts the CSP nonce allows', async () => {
    const res = await call({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeDefined();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.body).toContain(`<script nonce="${nonce}">`);
    expect(res.body).toContain(`<style nonce="${nonce}">`);
    // Nothing is loaded from elsewhere: no external scripts, stylesheets, fonts or images.
    expect(res.body).not.toMatch(/<link\b|\bsrc=|@import|url\(http/);
    const config = JSON.parse(/<script id="ui-config" type="application\/json">(.*?)<\/script>/s.exec(res.body)![1]!);
    expect(config).toMatchObject({ task: 'Publish', date: DATE, tasks: ['Publish'], pollRunningMs: 2000, pollIdleMs: 10_000, store: store.rootUri });
    // A fresh nonce each time.
    const again = await call({ method: 'GET', url: '/' });
    expect(again.headers['content-security-policy']).not.toBe(csp);
  });

  it('answers the graph with statuses before and after a run, and the run in the history', async () => {
    const before = (await call({ method: 'GET', url: `/api/graph?task=Publish&date=${DATE}` })).json();
    expect(before).toMatchObject({ task: 'Publish', date: DATE, running: false, store: store.rootUri, roots: ['Publish(date=2026-11-27)'] });
    expect(before.nodes.map((n: { status: string }) => n.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(before.edges).toHaveLength(3);
    expect((await call({ method: 'GET', url: '/api/history' })).json()).toEqual({ runs: [] });

    const summary = await new Scheduler<Gates>(
      { store, logger, clock, resources: new Gates(), runId: '20261127T020000Z-aaaaaa' },
      { workers: 2, retries: 0, retryDelayMs: 10 },
    ).run([new Publish({ date: DATE })]);
    expect(summary.status).toBe('success');

    // The default task and date (from the clock) are Publish and 2026-11-27.
    const after = (await call({ method: 'GET', url: '/api/graph' })).json();
    expect(after.nodes.map((n: { status: string }) => n.status)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(after.nodes[3]).toMatchObject({ id: 'Publish(date=2026-11-27)', family: 'Publish', runId: '20261127T020000Z-aaaaaa', durationMs: 0 });
    const history = (await call({ method: 'GET', url: '/api/history?limit=5' })).json();
    expect(history.runs).toEqual([
      expect.objectContaining({ runId: '20261127T020000Z-aaaaaa', status: 'success', roots: ['Publish(date=2026-11-27)'], counts: { ran: 4, complete: 0, failed: 0, blocked: 0 } }),
    ]);
  });

  it('rejects a bad task, date or limit with 400 and the reason', async () => {
    const unknown = await call({ method: 'GET', url: '/api/graph?task=Nope' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toBe("unknown task 'Nope' (tasks: Publish)");
    const badDate = await call({ method: 'GET', url: '/api/graph?task=Publish&date=2026-13-01' });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().error).toContain('expected a date YYYY-MM-DD');
    expect((await call({ method: 'GET', url: '/api/history?limit=0' })).statusCode).toBe(400);
    expect((await call({ method: 'GET', url: '/api/model?date=yesterday' })).statusCode).toBe(400);
  });

  it('shows the latest model metrics and serves the latest report', async () => {
    expect((await call({ method: 'GET', url: `/api/model?date=${DATE}` })).json()).toEqual({ model: null });
    expect((await call({ method: 'GET', url: `/api/report?date=${DATE}` })).json()).toEqual({ report: null });
    expect((await call({ method: 'GET', url: `/report/${DATE}` })).statusCode).toBe(404);

    await store.put(`TrainModel/date=${DATE}/model.json`, JSON.stringify({ metrics: { auc: 0.71, log_loss: 0.52 } }));
    await store.put(`Report/date=${DATE}/report.html`, '<!doctype html><h1>Returns report</h1>');

    expect((await call({ method: 'GET', url: `/api/model?date=${DATE}` })).json()).toEqual({
      model: { date: DATE, key: `TrainModel/date=${DATE}/model.json`, complete: false, metrics: [{ name: 'auc', value: 0.71 }, { name: 'log_loss', value: 0.52 }] },
    });
    expect((await call({ method: 'GET', url: '/api/report?date=2026-11-30' })).json()).toEqual({ report: { date: DATE, href: `report/${DATE}` } });
    const report = await call({ method: 'GET', url: `/report/${DATE}` });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(report.headers['content-security-policy']).toContain("default-src 'self'");
    expect(report.body).toBe('<!doctype html><h1>Returns report</h1>');
    expect((await call({ method: 'GET', url: '/report/..%2F..%2Fetc' })).statusCode).toBe(400);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    const res = await call({ method: 'GET', url: '/api/history', headers: { host: 'attacker.example:8082' } });
    expect(res.statusCode).toBe(403);
    expect((await call({ method: 'GET', url: '/api/history', headers: { host: 'localhost:8082' } })).statusCode).toBe(200);
  });

  it('listens on 127.0.0.1 by default', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const address = server.app.server.address();
    expect(typeof address === 'object' && address?.address).toBe('127.0.0.1');
  });
});

describe('returns ui', () => {
  it('serves the pipeline DAG of Report until stopped', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'returns-ui-cli-'));
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.resume();
    const controller = new AbortController();
    const io = { argv: ['ui', '--port', '0', '--store', pathToFileURL(dir).href], env: {}, cwd: dir, home: dir, stdout, stderr, clock: new FakeClock(), signal: controller.signal };
    const exit = runCli(io);
    try {
      for (let i = 0; i < 400 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 25));
      const url = /(http:\/\/127\.0\.0\.1:\d+\/)\?task=Report&date=2026-11-27 /.exec(out)?.[1];
      expect(url).toBeDefined();
      const graph = (await (await fetch(`${url}api/graph?date=2026-11-27`)).json()) as { task: string; nodes: { family: string; status: string }[] };
      expect(graph.task).toBe('Report');
      expect(graph.nodes.map((n) => n.family)).toEqual(expect.arrayContaining(['IngestOrders', 'TrainModel', 'Report']));
      expect(graph.nodes.every((n) => n.status === 'pending')).toBe(true);
      const bad = await fetch(`${url}api/graph?task=NoSuchTask`);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: string }).error).toContain("unknown task 'NoSuchTask'");
    } finally {
      controller.abort();
      expect(await exit).toBe(0);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad port as a usage error', async () => {
    const stderr = new PassThrough();
    let err = '';
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await runCli({ argv: ['ui', '--port', 'eighty'], env: {}, cwd: tmpdir(), home: tmpdir(), stdout: new PassThrough(), stderr, clock: new FakeClock() });
    expect(code).toBe(2);
    expect(err).toContain('--port "eighty": expected a port number 0-65535');
  });
});
