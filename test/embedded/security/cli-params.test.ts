import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from '../../harness/cli.js';

/** Values that become store keys are checked at the door: one line, exit code 2, nothing written. */
describe('task parameters from the command line', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-params-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it.each([
    [['run', 'Report', '--date', '../../etc'], 'returns: error: --date "../../etc": expected a date YYYY-MM-DD\n'],
    [['run', 'Report', '--date', '/etc/passwd'], 'returns: error: --date "/etc/passwd": expected a date YYYY-MM-DD\n'],
    [['run', 'Report', '--date', '2026-11-27\n../x'], 'returns: error: --date "2026-11-27\\n../x": expected a date YYYY-MM-DD\n'],
    [['run', 'Report', '--param', 'date=../../etc'], `returns: error: Report parameter 'date': expected a date YYYY-MM-DD, got "../../etc"\n`],
    [['status', 'Report', '--date', '../../etc'], 'returns: error: --date "../../etc": expected a date YYYY-MM-DD\n'],
    [['backfill', 'Report', '--from', '../2026-11-01', '--to', '2026-11-02'], 'returns: error: --from "../2026-11-01": expected a date YYYY-MM-DD\n'],
  ])('%j is rejected in one line with exit code 2', async (args, message) => {
    const r = await cli(args, { cwd });
    expect(r.stderr).toBe(message);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(existsSync(path.join(cwd, 'data'))).toBe(false);
    expect(await readdir(cwd)).toEqual([]);
  });
});
