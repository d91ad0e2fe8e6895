import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from '../../harness/cli.js';

/** `returns backfill` catches up missed days oldest first, so a day's work never waits on a later day's. */
describe('returns backfill order', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-backfill-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('with one worker, runs every task of a day before any task of the next day', async () => {
    const r = await cli(['backfill', 'ValidateOrders', '--from', '2026-11-01', '--to', '2026-11-03', '--workers', '1'], { cwd });
    expect(r.code).toBe(0);
    const [log] = (await readdir(path.join(cwd, 'data/_runs'))).filter((f) => f.endsWith('.jsonl'));
    const events = (await readFile(path.join(cwd, 'data/_runs', log!), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const started = events.filter((e) => e.event === 'task_started').map((e) => /date=(\d{4}-\d{2}-\d{2})/.exec(e.task_id)![1]);
    expect(started).toHaveLength(6);
    expect(started).toEqual([...started].sort());
    expect(new Set(started)).toEqual(new Set(['2026-11-01', '2026-11-02', '2026-11-03']));
  });
});
