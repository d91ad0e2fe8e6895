/**
 * Shared helpers of the reliability tests: the built CLI run as a child process (so SIGKILL hits
 * a real process), a small fast pipeline, and comparisons of what a store holds.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { DuckDbEngine } from '../../../src/adapters/engine/duckdb-engine.js';
import type { ObjectStore } from '../../../src/ports/object-store.js';
import type { Finished } from '../../harness/spawn.js';
import { finished, repoRoot } from '../../harness/spawn.js';

export const BIN = path.join(repoRoot, 'dist/src/cli/main.js');
export const DAY = '2019-04-20';
/** A small dataset and a fast model search (as in test/embedded/pipeline.test.ts): a run takes seconds. */
export const SOURCE = 'synthetic://?rows=4000&seed=5';
export const FAST_CONFIG = {
  training: {
    families: ['logistic', 'gbdt'],
    search: { logistic: { base: {}, grid: {} }, gbdt: { base: { maxRounds: 60 }, grid: {} } },
    importance: { repeats: 1, maxRows: 2000 },
  },
};

/**
 * Keys (relative to the store root) that are not compared byte for byte between two runs.
 * Found by running the pipeline twice into two empty stores and diffing every file:
 * - `_SUCCESS`: the completion marker records the run that wrote it (run id, time).
 * - `_runs/`, `_tracking/`, `_registry/`: run logs, tracking records and registry audit are
 *   keyed by and contain run ids and wall-clock times by design.
 * - `_LOCK*`, `.staging/`: coordination and in-flight files, not outputs.
 * - `.<name>.<pid>.<n>.tmp`: the DuckDB engine's staging file of an output, renamed into place when
 *   complete; a writer killed mid-write leaves it behind (never read, never cleaned up: the crash
 *   test counts and prints these orphans, see ORPHAN_STAGING).
 * - `TrainModel/date=D/tracking.json`: names the tracking record, whose id contains the run id, and
 *   the store location of the tracker (differs between two stores).
 * - `RegisterModel/date=D/registration.json`: names the registry by its store location (the same
 *   bytes within one store, different between two stores).
 * Everything else (raw copies, ingest manifests, validated orders, quarantine, quality reports,
 * features, model, model SQL, training report, predictions, summaries, report.html, report.md) was
 * byte-identical between two uninterrupted runs and must stay so after kills.
 */
/** A staging file of the DuckDB engine (src/adapters/engine/duckdb-engine.ts). */
export const ORPHAN_STAGING = /(^|\/)\.[^/]+\.\d+\.\d+\.tmp$/;
export const RUN_SPECIFIC = [ORPHAN_STAGING, /(^|\/)_SUCCESS$/, /^_runs\//, /^_tracking\//, /^_registry\//, /(^|\/)_LOCK/, /(^|\/)\.staging\//];
export const RUN_SPECIFIC_FILES = [/^TrainModel\/date=[^/]+\/tracking\.json$/, /^RegisterModel\/date=[^/]+\/registration\.json$/];

export function isComparable(key: string): boolean {
  return ![...RUN_SPECIFIC, ...RUN_SPECIFIC_FILES].some((re) => re.test(key));
}

/** Builds dist/ when it is missing or older than the sources (one build at a time across jest workers). */
export async function ensureBuilt(): Promise<void> {
  const newest = (dir: string): number => {
    let t = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) t = Math.max(t, newest(p));
      else if (entry.name.endsWith('.ts')) t = Math.max(t, statSync(p).mtimeMs);
    }
    return t;
  };
  const stale = (): boolean => !existsSync(BIN) || statSync(BIN).mtimeMs < Math.max(...['src', 'tasks', 'config'].map((d) => newest(path.join(repoRoot, d))));
  if (!stale()) return;
  const lock = path.join(tmpdir(), 'returns-reliability-build.lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is building: wait for it, then check again (a lock older than 5 minutes is stale).
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      await sleep(500);
      if (!stale()) return;
    }
  }
  try {
    if (stale()) await promisify(execFile)('npm', ['run', 'build'], { cwd: repoRoot, maxBuffer: 1 << 24 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<Finished>;
  startedAt: number;
}

/** Starts the built CLI in `cwd` with only the environment given (plus PATH and HOME). */
export function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { child, done: finished(child), startedAt: Date.now() };
}

/** The `--json` summary: the last line of stdout. */
export function summaryOf(stdout: string): Record<string, unknown> | undefined {
  const last = stdout.trim().split('\n').pop();
  try {
    return last ? (JSON.parse(last) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Every file under a local folder, as store keys (forward slashes), sorted. */
export async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** The comparable files of a store that differ from (or are missing in / extra to) the reference. */
export async function differences(reference: Map<string, Buffer>, read: (key: string) => Promise<Buffer | undefined>, keys: readonly string[]): Promise<string[]> {
  const diffs: string[] = [];
  const mine = keys.filter(isComparable);
  for (const key of new Set([...reference.keys(), ...mine])) {
    const want = reference.get(key);
    const got = mine.includes(key) ? await read(key) : undefined;
    if (!want) diffs.push(`${key}: not in the reference run`);
    else if (!got) diffs.push(`${key}: missing`);
    else if (!want.equals(got)) diffs.push(`${key}: different bytes`);
  }
  return diffs;
}

export async function snapshot(root: string): Promise<Map<string, Buffer>> {
  const map = new Map<string, Buffer>();
  for (const key of (await listFiles(root)).filter(isComparable)) map.set(key, await readFile(path.join(root, key)));
  return map;
}

/** `Task/date=D` folders of the reference run, each with the names of its output files. */
export function targetsOf(referenceKeys: readonly string[]): Map<string, string[]> {
  const targets = new Map<string, string[]>();
  for (const key of referenceKeys) {
    const m = /^([A-Z][A-Za-z]+\/date=[0-9-]+)\/([^/]+)$/.exec(key);
    if (!m || m[2] === '_SUCCESS') continue;
    targets.set(m[1]!, [...(targets.get(m[1]!) ?? []), m[2]!]);
  }
  return targets;
}

const engine = new DuckDbEngine();

/**
 * Problems with targets marked complete: for every `Task/date=D/_SUCCESS` present, each output the
 * reference run wrote for that target exists and parses (Parquet through DuckDB, JSON through
 * JSON.parse, text files non-empty).
 */
export async function partialCompletes(store: ObjectStore, localRoot: string | undefined, targets: Map<string, string[]>): Promise<{ complete: string[]; problems: string[] }> {
  const complete: string[] = [];
  const problems: string[] = [];
  for (const [target, files] of targets) {
    if (!(await store.exists(`${target}/_SUCCESS`))) continue;
    complete.push(target);
    for (const file of files) {
      const key = `${target}/${file}`;
      if (!(await store.exists(key))) {
        problems.push(`${key}: missing although ${target} is complete`);
        continue;
      }
      try {
        if (file.endsWith('.parquet')) {
          if (localRoot === undefined) throw new Error('Parquet checks need a local store');
          await engine.query('SELECT COUNT(*) AS n FROM t', [{ name: 't', location: path.join(localRoot, key), format: 'parquet' }]);
        } else {
          const body = await store.get(key);
          if (file.endsWith('.json')) JSON.parse(body.toString('utf8'));
          else if (body.length === 0) throw new Error('empty');
        }
      } catch (err) {
        problems.push(`${key}: unreadable although ${target} is complete (${(err as Error).message})`);
      }
    }
  }
  return { complete, problems };
}

/** `task_finished` events per task id over every run log of a store folder. */
export async function finishedCounts(root: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const file of await readdir(path.join(root, '_runs')).catch(() => [] as string[])) {
    if (!file.endsWith('.jsonl')) continue;
    for (const line of (await readFile(path.join(root, '_runs', file), 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { event?: string; task_id?: string };
      if (event.event === 'task_finished' && event.task_id) counts.set(event.task_id, (counts.get(event.task_id) ?? 0) + 1);
    }
  }
  return counts;
}

/** The task a run log shows as started and not finished (the stage a kill landed in). */
export async function inFlightTasks(root: string): Promise<string[]> {
  const open = new Set<string>();
  for (const file of await readdir(path.join(root, '_runs')).catch(() => [] as string[])) {
    if (!file.endsWith('.jsonl')) continue;
    for (const line of (await readFile(path.join(root, '_runs', file), 'utf8')).split('\n')) {
      if (!line.trim()) continue;
      let event: { event?: string; task_id?: string };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        continue; // a line cut by the kill
      }
      if (!event.task_id) continue;
      if (event.event === 'task_started') open.add(event.task_id);
      else if (event.event === 'task_finished' || event.event === 'task_failed') open.delete(event.task_id);
    }
  }
  return [...open];
}

