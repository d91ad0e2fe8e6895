import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openStore } from '../../src/adapters/storage/open-store.js';
import type { S3Settings } from '../../src/adapters/storage/s3-settings.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { startS3Server } from '../harness/s3-server.js';
import { spawnTs, waitFor } from '../harness/spawn.js';


const CHILD = 'test/harness/orchestrator-child.ts';

type Backend = { name: string; uri: (id: string) => string; env: NodeJS.ProcessEnv; settings: S3Settings };

describe.each(['file', 's3'] as const)('orchestrator across processes on the %s store', (kind) => {
  let backend: Backend;
  let server: Awaited<ReturnType<typeof startS3Server>> | undefined;
  let work: string;
  let n = 0;

  beforeAll(async () => {
    if (kind === 's3') {
      server = await startS3Server();
      backend = {
        name: 's3',
        uri: (id) => `s3://returns-proc-${id}/store`,
        settings: server.settings,
        env: server.cliEnv,
      };
    } else {
      backend = { name: 'file', uri: (id) => `file://${path.join(work, id, 'store')}`, settings: { region: 'us-east-1', forcePathStyle: false, maxAttempts: 3 }, env: {} };
    }
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'returns-proc-'));
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const runsLog = (): string[] => (existsSync(path.join(work, 'runs.log')) ? readFileSync(path.join(work, 'runs.log'), 'utf8').trim().split('\n') : []);
  const open = (uri: string): ObjectStore => openStore(uri, { s3: backend.settings });

  it('a process killed with SIGKILL mid-write leaves no target that exists(), and a re-run completes', async () => {
    const uri = backend.uri(`crash${++n}`);
    const first = spawnTs(CHILD, [uri, work, 'crash'], backend.env);
    await waitFor(() => readdirSync(work).some((f) => f.startsWith('writing-')), 60_000, 'the child to start writing');
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');

    const store = open(uri);
    expect(await store.exists('SlowWrite/name=x/chunks=40/big.bin')).toBe(false);
    expect(await store.exists('SlowWrite/name=x/chunks=40/_SUCCESS')).toBe(false);

    const again = await spawnTs(CHILD, [uri, work, 'crash'], backend.env).done;
    // The dead process's lock is taken over at once (its pid is gone), and said so.
    expect(again.stderr).toContain('took over a stale lock');
    expect(again.stderr).not.toMatch(/"level":"error"/);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!).ran).toEqual(['SlowWrite(name=x, chunks=40)']);
    const data = await store.get('SlowWrite/name=x/chunks=40/big.bin');
    expect(data.length).toBe(40 * 256 * 1024);
    expect(data[39 * 256 * 1024]).toBe(39);
    expect(runsLog()).toHaveLength(2);
    await store.close();
  });

  it('two processes running the same DAG execute each task exactly once', async () => {
    const uri = backend.uri(`conc${++n}`);
    const a = spawnTs(CHILD, [uri, work, 'dag'], backend.env);
    const b = spawnTs(CHILD, [uri, work, 'dag'], backend.env);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    expect([ra.code, rb.code]).toEqual([0, 0]);
    const ids = runsLog().map((l) => l.split('\t')[0]);
    expect(ids.sort()).toEqual(['Step(name=a)', 'Step(name=b)', 'Step(name=c)', 'Step(name=final)']);
    // Both processes finished with every task complete, whoever ran it.
    for (const r of [ra, rb]) {
      const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
      expect(s.status).toBe('success');
      expect([...s.ran, ...s.complete].sort()).toHaveLength(4);
    }
  });
});
