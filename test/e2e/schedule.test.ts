import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { addDays, toIsoDate } from '../../src/domain/dates.js';
import { repoRoot, type Finished } from '../harness/spawn.js';

const BIN = path.join(repoRoot, 'dist/src/cli/main.js');

function start(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Two `returns schedule` processes, as two crontabs or two containers started by mistake. */
describe('returns schedule in two processes on one store (built CLI)', () => {
  let cwd: string;
  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'npm run build' (make test does) before the e2e tier`);
  });
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-schedule-e2e-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('fired at the same time, exactly one runs the DAG and every task runs once', async () => {
    // The trigger's date is today (UTC); the source ends the day before, so training has history.
    const today = toIsoDate(new Date());
    const source = `synthetic://?rows=2000&seed=1&start=${addDays(today, -210)}&end=${addDays(today, -1)}`;
    const env = { PATH: process.env.PATH ?? '', HOME: cwd, RETURNS_SOURCE: source };
    const args = ['schedule', '--once', '--cron', '0 2 * * *', 'Report', '--json'];
    const [a, b] = await Promise.all([start(args, cwd, env), start(args, cwd, env)]);
    const results = [a!, b!].map((r) => ({ code: r.code, last: JSON.parse(r.stdout.trim().split('\n').pop()!), stderr: r.stderr }));
    const ran = results.filter((r) => r.code === 0 && r.last.ran.length > 0);
    expect(ran).toHaveLength(1);
    // Every task of the DAG, Report included.
    expect([...ran[0]!.last.ran].sort()).toEqual(Object.keys(ran[0]!.last.outputs).sort());
    expect(ran[0]!.last.ran).toContain(`Report(date=${today})`);
    const other = results.find((r) => r !== ran[0])!;
    // Usually the other one finds the schedule lock held and skips; if it came after, the work was done.
    if (other.code === 3) {
      expect(other.last).toMatchObject({ status: 'skipped', task: 'Report' });
      expect(other.last.reason).toMatch(/^the previous run is still going: run \S+ \(pid \d+ on .+\)$/);
      expect(other.stderr).toContain('schedule trigger skipped');
    } else {
      expect(other).toMatchObject({ code: 0, last: { status: 'success', ran: [] } });
    }

    const logs = (await readdir(path.join(cwd, 'data/_runs'))).filter((f) => f.endsWith('.jsonl'));
    const events = (await Promise.all(logs.map((f) => readFile(path.join(cwd, 'data/_runs', f), 'utf8'))))
      .flatMap((t) => t.split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { event: string; task_id?: string });
    const finished = events.filter((e) => e.event === 'task_finished').map((e) => e.task_id!);
    expect(finished.sort()).toEqual([...ran[0]!.last.ran].sort());
    expect(existsSync(path.join(cwd, 'data/_scheduler/Report/_LOCK'))).toBe(false);
  });
});
