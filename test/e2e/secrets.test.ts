import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { addDays, toIsoDate } from '../../src/domain/dates.js';
import { repoRoot } from '../harness/spawn.js';

const exec = promisify(execFile);
const BIN = path.join(repoRoot, 'dist/src/cli/main.js');
/** Today (UTC): `schedule --once` runs for it, so `run` uses it too. */
const AS_OF = toIsoDate(new Date());
/** Small, and dated up to the day before the as-of date, so every stage (training too) has history. */
const SOURCE = `synthetic://?rows=2000&seed=1&start=${addDays(AS_OF, -210)}&end=${addDays(AS_OF, -1)}`;

interface Ran {
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI; a non-zero exit is a result, not an exception. */
async function returns(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  try {
    const r = await exec(process.execPath, [BIN, ...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { args, code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { args, code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Made-up secrets, different on every run, long enough to never occur by chance. */
function madeUpSecrets(): Record<string, string> {
  const v = (label: string): string => `${label}-${randomBytes(18).toString('hex')}`;
  return {
    AWS_SECRET_ACCESS_KEY: v('s3secret'),
    KAGGLE_KEY: v('kagglekey'),
    MLFLOW_TRACKING_TOKEN: v('mlflowtoken'),
    RETURNS_API_TOKEN: v('apitoken'),
  };
}

/**
 * What a leak could look like: the value itself, and its base64 (and base64url) at each of the
 * three byte alignments it can have inside a longer encoded blob.
 */
function needles(secret: string): Buffer[] {
  const out = [Buffer.from(secret)];
  for (let shift = 0; shift < 3; shift++) {
    const bytes = Buffer.concat([Buffer.alloc(shift, 0x20), Buffer.from(secret)]);
    for (const enc of ['base64', 'base64url'] as const) {
      const text = bytes.toString(enc);
      // Drop the characters that depend on the bytes around the secret.
      out.push(Buffer.from(text.slice(shift === 0 ? 0 : 4, -4)));
    }
  }
  return out;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Every place a secret showed up: `<where>: <variable>`. */
async function leaks(secrets: Record<string, string>, runs: Ran[], folder: string, skip: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const check = (where: string, content: Buffer): void => {
    for (const [name, value] of Object.entries(secrets)) if (needles(value).some((n) => content.includes(n))) found.push(`${where}: ${name}`);
  };
  for (const r of runs) {
    check(`stdout of ${r.args.join(' ')}`, Buffer.from(r.stdout));
    check(`stderr of ${r.args.join(' ')}`, Buffer.from(r.stderr));
  }
  for (const file of await filesUnder(folder)) if (!skip.includes(file)) check(path.relative(folder, file), await readFile(file));
  return found;
}

describe('secrets never reach logs, outputs, the store or the report (built CLI)', () => {
  let cwd: string;
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' (make test does) before the e2e tier`);
  });
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-secrets-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('with secrets in the environment: the whole pipeline, a scheduled run, status, history and a usage error', async () => {
    const secrets = madeUpSecrets();
    // A local store, so S3 is not needed; no MLFLOW_TRACKING_URI, so tracking stays in the store.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '',
      HOME: cwd,
      RETURNS_LOG_LEVEL: 'debug',
      AWS_ACCESS_KEY_ID: 'returns-test-key-id',
      KAGGLE_USERNAME: 'returns-test-user',
      ...secrets,
    };
    const runs = [
      await returns(['run', 'Report', '--date', AS_OF, '--source', SOURCE, '--json'], cwd, env),
      await returns(['schedule', '--once', '--cron', '0 2 * * *', 'Report', '--source', SOURCE, '--json'], cwd, env),
      await returns(['status', 'Report', '--date', AS_OF, '--json'], cwd, env),
      await returns(['history', '--json'], cwd, env),
      await returns(['run', 'Report', '--date', 'not-a-date'], cwd, env),
    ];
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 2]);
    const summary = JSON.parse(runs[0]!.stdout.trim().split('\n').pop()!);
    // Every task of the DAG ran, Report included.
    expect(summary.ran.sort()).toEqual(Object.keys(summary.outputs).sort());
    expect(summary.ran).toContain(`Report(date=${AS_OF})`);
    // The scan covers something: the store, with the report, the run logs and the markers.
    const files = await filesUnder(path.join(cwd, 'data'));
    expect(files.some((f) => f.endsWith(path.join('Report', `date=${AS_OF}`, 'report.html')))).toBe(true);
    expect(files.filter((f) => f.includes(`${path.sep}_runs${path.sep}`)).length).toBe(2);
    expect(files.filter((f) => f.endsWith('_SUCCESS')).length).toBe(summary.ran.length);
    expect(runs[0]!.stderr.split('\n').filter((l) => l.startsWith('{')).length).toBeGreaterThan(10);

    expect(await leaks(secrets, runs, cwd, [])).toEqual([]);
  });

  it('with secrets in a .env file: the CLI loads it (the real environment wins) and leaks nothing', async () => {
    const secrets = madeUpSecrets();
    const dotenvFile = path.join(cwd, '.env');
    await writeFile(
      dotenvFile,
      [
        '# made-up values for the test',
        'RETURNS_STORE=file://./store-from-dotenv',
        'RETURNS_LOG_LEVEL=warn',
        'KAGGLE_USERNAME=returns-test-user',
        'AWS_ACCESS_KEY_ID=returns-test-key-id',
        ...Object.entries(secrets).map(([k, v]) => `${k}="${v}"`),
        '',
      ].join('\n'),
    );
    // RETURNS_LOG_LEVEL from the environment beats the file's: info lines show although the file says warn.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', HOME: cwd, RETURNS_LOG_LEVEL: 'info' };
    const run = await returns(['run', 'TrainModel', '--date', AS_OF, '--source', SOURCE], cwd, env);
    expect(run.code).toBe(0);
    expect(existsSync(path.join(cwd, `store-from-dotenv/TrainModel/date=${AS_OF}/_SUCCESS`))).toBe(true);
    expect(existsSync(path.join(cwd, 'data'))).toBe(false);
    expect(run.stderr).toMatch(/"level":"info"/);

    expect(await leaks(secrets, [run], cwd, [dotenvFile])).toEqual([]);
  });

  it('git ignores .env (and not .env.dist)', async () => {
    const ignored = await exec('git', ['check-ignore', '--no-index', '-q', '.env'], { cwd: repoRoot }).then(
      () => true,
      () => false,
    );
    expect(ignored).toBe(true);
    const distIgnored = await exec('git', ['check-ignore', '--no-index', '-q', '.env.dist'], { cwd: repoRoot }).then(
      () => true,
      () => false,
    );
    expect(distIgnored).toBe(false);
  });
});
