/**
 * Operations: the checkpoint store on a real S3 server that stops answering for 10 seconds in the
 * middle of a run. The server is paused (SIGSTOP, then SIGCONT) rather than killed: moto keeps its
 * objects in memory, so a killed moto would come back empty, which is data loss by the server, not
 * an outage. The run must retry and complete, or fail with a clear one-line message and complete on
 * a re-run; either way every output ends up in the store, complete.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import { openStore } from '../../../src/adapters/storage/open-store.js';
import { startS3Server, type S3TestServer } from '../../harness/s3-server.js';
import { waitFor } from '../../harness/spawn.js';
import { DAY, FAST_CONFIG, SOURCE, ensureBuilt, startCli, summaryOf } from './support.js';

const OUTAGE_MS = 10_000;
const STORE = 's3://returns-outage/store';

describe('an object store outage of 10 s in the middle of returns run Report', () => {
  let work: string;
  let server: S3TestServer;
  beforeAll(async () => {
    await ensureBuilt();
    server = await startS3Server();
    work = await mkdtemp(path.join(tmpdir(), 'returns-outage-'));
    await writeFile(path.join(work, 'returns.json'), JSON.stringify(FAST_CONFIG));
  }, 600_000);
  afterAll(async () => {
    await server?.resume().catch(() => undefined);
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('retries and completes (or fails in one line and completes on re-run), losing nothing', async () => {
    const env = {
      RETURNS_SOURCE: SOURCE,
      ...server.cliEnv,
    };
    const args = ['run', 'Report', '--date', DAY, '--store', STORE, '--config', 'returns.json', '--json'];
    const started = Date.now();
    const run = startCli(args, work, env);
    let stderr = '';
    run.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Mid-run: once the features of the day are being built (ingest and validation already stored).
    await waitFor(() => /"task_id":"BuildFeatures\(date=2019-04-20\)"[^\n]*"message":"task started"/.test(stderr) || run.child.exitCode !== null, 120_000, 'BuildFeatures to start');
    await server.pause();
    const pausedAt = Date.now() - started;
    await sleep(OUTAGE_MS);
    await server.resume();
    const first = await run.done;
    const firstMs = Date.now() - started;

    let rerun: { code: number | null; ms: number } | undefined;
    if (first.code !== 0) {
      // A clear one-line reason, not a stack trace.
      const plain = first.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
      expect(first.stderr).not.toMatch(/^\s+at /m);
      expect(`${first.stdout}\n${plain.join('\n')}`).toMatch(/S3|store|connect|timed out|unreachable|ECONNRESET|socket/i);
      const t = Date.now();
      const again = await startCli(args, work, env).done;
      rerun = { code: again.code, ms: Date.now() - t };
      expect({ code: again.code, tail: again.code === 0 ? '' : again.stderr.slice(-1500) }).toEqual({ code: 0, tail: '' });
      expect(summaryOf(again.stdout)).toMatchObject({ status: 'success' });
    } else {
      expect(summaryOf(first.stdout)).toMatchObject({ status: 'success' });
    }
    console.log(
      `s3 outage test (${server.kind}): paused at ${pausedAt} ms for ${OUTAGE_MS} ms; first run exit ${first.code} after ${firstMs} ms` +
        (rerun ? `; re-run exit ${rerun.code} in ${rerun.ms} ms` : ' (retried through the outage)'),
    );

    // Nothing lost: every target is complete and each of its outputs is there and readable.
    const store = openStore(STORE, { s3: server.settings });
    try {
      const keys = (await store.list('')).map((o) => o.key);
      const successes = keys.filter((k) => /^[A-Z][A-Za-z]+\/date=[0-9-]+\/_SUCCESS$/.test(k));
      expect(successes).toHaveLength(10);
      const engine = new DuckDbEngine();
      const outputs = keys.filter((k) => /^[A-Z][A-Za-z]+\/date=[0-9-]+\/[^_][^/]*$/.test(k));
      expect(outputs.length).toBeGreaterThanOrEqual(20);
      for (const key of outputs) {
        const body = await store.get(key);
        expect({ key, empty: body.length === 0 }).toEqual({ key, empty: false });
        if (key.endsWith('.json')) expect(() => JSON.parse(body.toString('utf8'))).not.toThrow();
        if (key.endsWith('.parquet')) {
          const local = path.join(work, key.replace(/\//g, '_'));
          await writeFile(local, body);
          const [{ n }] = (await engine.query('SELECT COUNT(*) AS n FROM t', [{ name: 't', location: local, format: 'parquet' }])) as [{ n: number | bigint }];
          expect(Number(n)).toBeGreaterThan(0);
        }
      }
      for (const task of ['ValidateOrders', 'BuildFeatures', 'TrainModel', 'PredictBatch', 'Report']) expect(outputs.some((k) => k.startsWith(`${task}/date=${DAY}/`))).toBe(true);
    } finally {
      await store.close();
    }
  }, 400_000);
});
