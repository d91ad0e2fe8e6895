import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadDotenvFile } from '../../../src/cli/dotenv.js';

describe('loadDotenvFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'returns-dotenv-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('does nothing without a .env file', () => {
    const env: NodeJS.ProcessEnv = {};
    const warnings: string[] = [];
    expect(loadDotenvFile(dir, env, (m) => warnings.push(m))).toEqual([]);
    expect(env).toEqual({});
    expect(warnings).toEqual([]);
  });

  it('loads the file and warns about bad lines by number, never by content', async () => {
    await writeFile(path.join(dir, '.env'), 'RETURNS_STORE=file://./elsewhere\nsuper-secret-line-without-equals\n');
    const env: NodeJS.ProcessEnv = {};
    const warnings: string[] = [];
    loadDotenvFile(dir, env, (m) => warnings.push(m));
    expect(env).toEqual({ RETURNS_STORE: 'file://./elsewhere' });
    expect(warnings).toEqual([`${path.join(dir, '.env')} line 2 is not KEY=VALUE; ignored`]);
    expect(warnings.join('')).not.toContain('super-secret');
  });
});
