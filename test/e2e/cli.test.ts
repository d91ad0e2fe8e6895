import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../harness/spawn.js';

const run = promisify(execFile);
const BIN = path.join(repoRoot, 'dist/src/cli/main.js');

/** The CLI as a user runs it: the built binary, in an empty folder, with the embedded defaults. */
describe('returns (built CLI) end to end', () => {
  let cwd: string;
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' (make test does) before the e2e tier`);
  });
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-e2e-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs the pipeline, and a second run finds everything complete and runs nothing', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: cwd, RETURNS_SOURCE: 'synthetic://?rows=2000&seed=1' };
    const first = await run(process.execPath, [BIN, 'run', 'Report', '--date', '2026-11-27', '--json'], { cwd, env });
    const s1 = JSON.parse(first.stdout.trim().split('\n').pop()!);
    expect(s1.status).toBe('success');
    expect(s1.ran.length).toBe(10);
    expect(existsSync(path.join(cwd, 'data/Report/date=2026-11-27/_SUCCESS'))).toBe(true);

    const second = await run(process.execPath, [BIN, 'run', 'Report', '--date', '2026-11-27', '--json'], { cwd, env });
    const s2 = JSON.parse(second.stdout.trim().split('\n').pop()!);
    expect(s2).toMatchObject({ status: 'success', ran: [], failed: [], blocked: [] });
    expect(s2.complete).toEqual(s1.ran);
    expect(second.stderr).toContain('everything was already complete');
  });

  it('exits 2 with one line for a malformed date', async () => {
    const err = await run(process.execPath, [BIN, 'run', 'TrainModel', '--date', 'yesterday'], { cwd }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2, stderr: 'returns: error: --date "yesterday": expected a date YYYY-MM-DD\n' });
  });
});
