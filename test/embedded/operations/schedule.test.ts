import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { LocalObjectStore } from '../../../src/adapters/storage/local-store.js';
import { runCli } from '../../../src/cli/program.js';
import { schedulerLockKey } from '../../../src/cli/scheduled-runs.js';
import { defaultLockOptions, StoreLocks } from '../../../src/orchestrator/lock.js';
import { capturedOutput, cli, SMALL_SOURCE } from '../../harness/cli.js';
import { FakeClock } from '../../harness/fake-clock.js';
import { waitFor } from '../../harness/spawn.js';

const CRON = '0 2 * * *';
/** A short DAG (IngestOrders, ValidateOrders): the schedule's behaviour does not depend on the task. */
const TASK = 'ValidateOrders';
const DAG = ['IngestOrders(date=2026-11-27)', 'ValidateOrders(date=2026-11-27)'];

/** Every event of every run log in the store. */
async function runEvents(cwd: string): Promise<{ event: string; task_id?: string; run_id: string }[]> {
  const dir = path.join(cwd, 'data/_runs');
  if (!existsSync(dir)) return [];
  const files = (await readdir(dir)).filter((f) => f.endsWith('.jsonl'));
  const texts = await Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
  return texts.flatMap((t) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l)));
}

/** task id -> how many times it finished, over all runs. */
async function finishedCounts(cwd: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const e of await runEvents(cwd)) if (e.event === 'task_finished') counts.set(e.task_id!, (counts.get(e.task_id!) ?? 0) + 1);
  return counts;
}

function logLines(stderr: string): { message: string; [k: string]: unknown }[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
}

describe('returns schedule', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-schedule-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('--once runs the task for the UTC date of the trigger, logs the trigger, and releases its lock', async () => {
    const r = await cli(['schedule', '--once', '--cron', CRON, TASK, '--json'], { cwd });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(s).toMatchObject({ status: 'success', date: '2026-11-27', ran: DAG });
    expect(existsSync(path.join(cwd, 'data/ValidateOrders/date=2026-11-27/_SUCCESS'))).toBe(true);
    const logs = logLines(r.stderr);
    expect(logs.find((l) => l.message === 'schedule triggered')).toMatchObject({ schedule: TASK, task: TASK, date: '2026-11-27', trigger: '2026-11-27T02:00:00.000Z' });
    expect(logs.find((l) => l.message === 'scheduled run starting')).toMatchObject({ task: 'ValidateOrders(date=2026-11-27)', run_id: s.run_id });
    expect(existsSync(path.join(cwd, 'data', schedulerLockKey(TASK)))).toBe(false);

    // The next trigger of the same day finds everything complete.
    const again = await cli(['schedule', '--once', '--cron', CRON, TASK, '--json'], { cwd });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout.trim().split('\n').pop()!)).toMatchObject({ status: 'success', ran: [] });
  });

  it('--once skips with exit code 3 while another scheduler holds the schedule lock, and runs nothing', async () => {
    const store = new LocalObjectStore(path.join(cwd, 'data'));
    const other = new StoreLocks(store, new FakeClock(), { runId: 'nightly-run', host: 'other-host', pid: 7 }, defaultLockOptions, createMemoryLogger());
    const lease = await other.acquire(schedulerLockKey(TASK), { isDone: async () => false, noWait: true });
    if (typeof lease !== 'object') throw new Error('the test could not take the lock');
    try {
      const r = await cli(['schedule', '--once', '--cron', CRON, TASK], { cwd });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('skipped ValidateOrders for 2026-11-27: the previous run is still going: run nightly-run (pid 7 on other-host)\n');
      expect(logLines(r.stderr).map((l) => l.message)).toContain('schedule trigger skipped: the previous run is still going: run nightly-run (pid 7 on other-host)');
      expect(await runEvents(cwd)).toEqual([]);
      expect(existsSync(path.join(cwd, 'data/IngestOrders'))).toBe(false);
    } finally {
      await lease.release();
    }
    const after = await cli(['schedule', '--once', '--cron', CRON, TASK], { cwd });
    expect(after.code).toBe(0);
  });

  it('two schedulers started together on one store never overlap: each task runs exactly once', async () => {
    const args = ['schedule', '--once', '--cron', CRON, TASK, '--json'];
    const results = await Promise.all([cli(args, { cwd }), cli(args, { cwd })]);
    const outcomes = results.map((r) => ({ code: r.code, last: JSON.parse(r.stdout.trim().split('\n').pop()!) }));
    for (const o of outcomes) expect([0, 3]).toContain(o.code);
    // One ran the DAG; the other either skipped (the usual case) or came after and found it complete.
    const ran = outcomes.filter((o) => o.code === 0 && o.last.ran.length > 0);
    expect(ran).toHaveLength(1);
    const other = outcomes.find((o) => o !== ran[0])!;
    if (other.code === 3) expect(other.last).toMatchObject({ status: 'skipped', task: TASK, date: '2026-11-27' });
    else expect(other.last.ran).toEqual([]);

    const counts = await finishedCounts(cwd);
    expect([...counts.keys()].sort()).toEqual(DAG);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('runs on its cron schedule until stopped, then exits 0 (each task still ran once)', async () => {
    const controller = new AbortController();
    const { stdout, stderr, out, err } = capturedOutput();
    const done = runCli({
      // Every second, so the test sees real triggers of croner.
      argv: ['schedule', '--cron', '* * * * * *', TASK, '--json'],
      env: { RETURNS_SOURCE: SMALL_SOURCE },
      cwd,
      home: cwd,
      stdout,
      stderr,
      clock: new FakeClock(),
      signal: controller.signal,
    });
    try {
      // A run that went through, and at least one more trigger (skipped while it ran, or found it complete).
      const lines = (): { status: string; ran?: string[] }[] => out().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      await waitFor(() => lines().some((l) => l.status === 'success') && lines().length >= 2, 60_000, 'two triggers of the schedule');
    } finally {
      controller.abort();
    }
    expect(await done).toBe(0);
    const results = out().trim().split('\n').map((l) => JSON.parse(l));
    // One trigger ran the DAG; the others skipped while it was going, or found the day's work done.
    const ran = results.filter((r) => r.status !== 'skipped' && r.ran.length > 0);
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ status: 'success', date: '2026-11-27', ran: DAG });
    for (const r of results.filter((x) => x !== ran[0])) {
      if (r.status === 'skipped') expect(r.reason).toBe('the previous run in this process is still going');
      else expect(r).toMatchObject({ status: 'success', ran: [] });
    }
    const messages = logLines(err()).map((l) => l.message);
    expect(messages[0]).toBe('scheduler started');
    expect(messages.filter((m) => m === 'schedule triggered').length).toBeGreaterThanOrEqual(2);
    expect(messages[messages.length - 1]).toBe('scheduler stopped');
    expect(Object.fromEntries(await finishedCounts(cwd))).toEqual(Object.fromEntries(DAG.map((id) => [id, 1])));
  });

  it.each([
    [['schedule', '--once', '--cron', 'every night', 'Report'], /^returns: error: --cron "every night" --timezone UTC: .*five, six, or seven .*\n$/],
    [['schedule', '--once', '--cron', CRON, '--timezone', 'Mars/Olympus', 'Report'], /^returns: error: --cron "0 2 \* \* \*" --timezone Mars\/Olympus: .*\n$/],
    [['schedule', '--once', '--cron', CRON, 'Nope'], /^returns: error: unknown task 'Nope'/],
    [['schedule', '--once', 'Report'], /^error: required option '--cron <PATTERN>' not specified\n$/],
    [['schedule', '--once', '--cron', CRON, 'Report', '--date', '2026-11-01'], /^error: unknown option '--date'\n$/],
    [['schedule', '--once', '--cron', CRON, 'Report', '--param', 'date=../../etc'], /^returns: error: schedule sets each run's date from its trigger; --param date=\.\.\. is not allowed\n$/],
    [['schedule', '--once', '--cron', CRON, 'Report', '--store', 'ftp://x/y'], /^returns: error: .*ftp:\/\/x\/y.*\n$/],
  ])('%j is a one-line usage error with exit code 2', async (args, message) => {
    const r = await cli(args, { cwd });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(existsSync(path.join(cwd, 'data/_runs'))).toBe(false);
  });
});
