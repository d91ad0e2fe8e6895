/**
 * `returns serve` as the CLI runs it (in-process, with captured output and an abort signal
 * standing in for SIGTERM): champion and snapshot from the store, bearer-token auth from
 * RETURNS_API_TOKEN, JSON access log lines on stdout, reload on SIGHUP, a fixed model file.
 */
import { capturedOutput } from '../harness/cli.js';
import { runCli } from '../../src/cli/program.js';
import { FakeClock } from '../harness/fake-clock.js';
import { createPredictionFixture, MODEL_NAME, requestLine, type PredictionFixture } from '../harness/prediction-fixture.js';

const TOKEN = 'cli-token-5b1e8d0c';

interface Running {
  url: string;
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<number>;
}

async function serve(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Running> {
  const { stdout, stderr, out, err } = capturedOutput();
  const controller = new AbortController();
  const done = runCli({ argv: ['serve', '--port', '0', ...args], env, cwd, home: cwd, stdout, stderr, clock: new FakeClock(), signal: controller.signal });
  const deadline = Date.now() + 60_000;
  let url: string | undefined;
  while (!url) {
    url = /listening on (http:\/\/\S+\/)/.exec(err())?.[1];
    if (!url) {
      const early = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), 50))]);
      if (early !== undefined) throw new Error(`serve exited with ${early}: ${err()}`);
      if (Date.now() > deadline) throw new Error(`serve did not start: ${err()}`);
    }
  }
  return {
    url,
    stdout: out,
    stderr: err,
    stop: async () => {
      controller.abort();
      return done;
    },
  };
}

const auth = { authorization: `Bearer ${TOKEN}` };

let fx: PredictionFixture;
beforeAll(async () => {
  fx = await createPredictionFixture();
}, 300_000);
afterAll(async () => {
  await fx?.remove();
});

function line(): Record<string, unknown> {
  return requestLine(fx.records.find((r) => Number(r['Purchased Item Count']) >= 1 && r['Category'] !== 'DPR')!);
}

describe('returns serve', () => {
  it('serves the champion with a token, logs JSON lines, reloads on SIGHUP and stops cleanly', async () => {
    const s = await serve(['--store', fx.store.rootUri, '--poll-seconds', '0'], { RETURNS_API_TOKEN: TOKEN }, fx.dir);
    try {
      const post = (headers: Record<string, string>) =>
        fetch(new URL('/v1/predictions', s.url), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(line()) });
      const ok = await post(auth);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { model_version: string }).model_version).toBe(`${MODEL_NAME}/1`);
      expect((await post({})).status).toBe(401);
      expect((await fetch(new URL('/healthz', s.url))).status).toBe(200);

      await fx.promote(2);
      process.emit('SIGHUP');
      let version = '';
      for (let i = 0; i < 200 && version !== `${MODEL_NAME}/2`; i++) {
        await new Promise((r) => setTimeout(r, 25));
        version = ((await (await fetch(new URL('/readyz', s.url), { headers: auth })).json()) as { model_version: string }).model_version;
      }
      expect(version).toBe(`${MODEL_NAME}/2`);
    } finally {
      await fx.promote(1);
      expect(await s.stop()).toBe(0);
    }
    const entries = s
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.map((e) => [e.method, e.url, e.status])).toEqual(
      expect.arrayContaining([
        ['POST', '/v1/predictions', 200],
        ['POST', '/v1/predictions', 401],
        ['GET', '/healthz', 200],
      ]),
    );
    expect(entries.every((e) => e.message === 'request' && typeof e.duration_ms === 'number')).toBe(true);
    expect(s.stdout() + s.stderr()).not.toContain(TOKEN);
    expect(s.stderr()).toMatch(/stopping/);
  });

  it('serves a fixed model file without a snapshot: every key falls back', async () => {
    const file = fx.store.localPathOf(fx.modelKeys[1])!;
    const s = await serve(['--store', fx.store.rootUri, '--model', file, '--snapshot', 'none', '--poll-seconds', '1'], {}, fx.dir);
    try {
      const model = (await (await fetch(new URL('/v1/model', s.url))).json()) as Record<string, unknown>;
      expect(model).toMatchObject({ name: null, version: null, snapshot: null, estimator: { family: 'logistic' } });
      expect(model.model_version).toMatch(/^file:.*model\.json$/);
      const r = await fetch(new URL('/v1/predictions', s.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(line()) });
      const body = (await r.json()) as { snapshot_as_of: unknown; predictions: { unseen_history: string[] }[] };
      expect(r.status).toBe(200);
      expect(body.snapshot_as_of).toBeNull();
      expect(body.predictions[0]!.unseen_history).toEqual(['buyer', 'model', 'sku', 'brand', 'category']);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  });

  it('refuses bad flags and an empty token with a usage error', async () => {
    for (const [args, env, message] of [
      [['--port', 'eighty'], {}, /--port "eighty"/],
      [['--poll-seconds', '-1'], {}, /--poll-seconds/],
      [[], { RETURNS_API_TOKEN: ' ' }, /RETURNS_API_TOKEN is set but empty/],
    ] as const) {
      const { stdout, stderr, err } = capturedOutput();
      const code = await runCli({ argv: ['serve', '--store', fx.store.rootUri, ...args], env: { ...env }, cwd: fx.dir, home: fx.dir, stdout, stderr, clock: new FakeClock() });
      expect(code).toBe(2);
      expect(err()).toMatch(message);
    }
  });
});
