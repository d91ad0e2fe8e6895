/**
 * Operations: `returns run Report` killed with SIGKILL at seeded random moments, re-run until it
 * completes. A kill must never leave a target marked complete with missing or unreadable outputs,
 * every re-run must go on from the checkpoints, and the final outputs must be byte-identical to an
 * uninterrupted run in another store. Prints the figures (kills per stage, re-run times).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalObjectStore } from '../../../src/adapters/storage/local-store.js';
import { Rng } from '../../../src/domain/synthetic/prng.js';
import { waitFor } from '../../harness/spawn.js';
import { DAY, FAST_CONFIG, ORPHAN_STAGING, SOURCE, differences, ensureBuilt, inFlightTasks, listFiles, partialCompletes, snapshot, startCli, targetsOf } from './support.js';

const KILLS = 20;
/** Kills in one store before its completing re-run: two stores of ten. */
const KILLS_PER_STORE = 10;
const SEED = 20190420;
const ARGS = ['run', 'Report', '--date', DAY, '--config', '../returns.json', '--json'];

interface Reference {
  files: Map<string, Buffer>;
  targets: Map<string, string[]>;
  /** Milliseconds from process start to the run log's run_started. */
  startupMs: number;
  /** Duration of each task in the uninterrupted run. */
  taskMs: Map<string, number>;
  wallMs: number;
}

/** `Task(date=D)` → `Task/date=D`, the folder of its outputs. */
const folderOf = (taskId: string): string => taskId.replace(/^([A-Za-z]+)\(date=([0-9-]+)\)$/, '$1/date=$2');

describe('returns run Report killed with SIGKILL at random moments', () => {
  let work: string;
  let ref: Reference;

  beforeAll(async () => {
    await ensureBuilt();
    work = await mkdtemp(path.join(tmpdir(), 'returns-crash-'));
    await writeFile(path.join(work, 'returns.json'), JSON.stringify(FAST_CONFIG));
    const dir = path.join(work, 'reference');
    await mkdir(dir);
    const run = startCli(ARGS, dir, { RETURNS_SOURCE: SOURCE });
    const done = await run.done;
    if (done.code !== 0) throw new Error(`the uninterrupted reference run failed (${done.code}): ${done.stderr.slice(-2000)}`);
    const wallMs = Date.now() - run.startedAt;
    const root = path.join(dir, 'data');
    const [log] = await readdir(path.join(root, '_runs'));
    const events = (await readFile(path.join(root, '_runs', log!), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { ts: string; event: string; task_id?: string; duration_ms?: number });
    const taskMs = new Map(events.filter((e) => e.event === 'task_finished').map((e) => [e.task_id!, e.duration_ms!] as const));
    ref = { files: await snapshot(root), targets: targetsOf(await listFiles(root)), startupMs: Date.parse(events[0]!.ts) - run.startedAt, taskMs, wallMs };
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(`survives ${KILLS} kills: no partial target taken for complete, re-runs complete, outputs byte-identical`, async () => {
    const rng = Rng.fromSeed(SEED);
    const random = (): number => rng.uniform();
    const stages = new Map<string, number>();
    const problems: string[] = [];
    const rerunMs: number[] = [];
    const delays: number[] = [];
    let kills = 0;
    let storeNo = 0;
    let dir = '';
    const newStore = async (): Promise<void> => {
      dir = path.join(work, `crash-${storeNo++}`);
      await mkdir(dir);
    };
    await newStore();
    let killsInStore = 0;

    const checkComplete = async (when: string): Promise<void> => {
      const root = path.join(dir, 'data');
      const store = new LocalObjectStore(root);
      const { complete, problems: partial } = await partialCompletes(store, root, ref.targets);
      problems.push(...partial.map((p) => `${when}: ${p}`));
      // A target marked complete holds exactly the bytes of the uninterrupted run.
      const keys = (await listFiles(root)).filter((k) => complete.some((t) => k.startsWith(`${t}/`)));
      const expected = new Map([...ref.files].filter(([k]) => complete.some((t) => k.startsWith(`${t}/`))));
      const diffs = await differences(expected, (k) => readFile(path.join(root, k)).catch(() => undefined), keys);
      problems.push(...diffs.map((d) => `${when}: ${d}`));
    };
    const finalCheck = async (when: string): Promise<void> => {
      const root = path.join(dir, 'data');
      const diffs = await differences(ref.files, (k) => readFile(path.join(root, k)).catch(() => undefined), await listFiles(root));
      problems.push(...diffs.map((d) => `${when}: ${d}`));
      await checkComplete(when);
    };

    while (kills < KILLS) {
      const root = path.join(dir, 'data');
      const logsBefore = new Set(await readdir(path.join(root, '_runs')).catch(() => [] as string[]));
      const run = startCli(ARGS, dir, { RETURNS_SOURCE: SOURCE });
      let delay: number;
      if (killsInStore === KILLS_PER_STORE) {
        delay = Number.POSITIVE_INFINITY; // the completing re-run of this store
      } else if (kills % 10 === 9) {
        delay = Math.round(random() * ref.startupMs); // one kill in ten during start-up
      } else {
        // Aim at one of the next three tasks still to run, at a random point inside it, timed from the
        // moment the process logs that task's start (start-up takes ~2.5 s of every run on a loaded
        // machine and task times vary with the load, so timing from the process start would miss).
        // Each kill then advances the checkpoints by about one task, so the kills walk through every stage.
        const pending = [...ref.taskMs].filter(([task]) => !existsSync(path.join(root, folderOf(task), '_SUCCESS')));
        const [task, ms] = pending[Math.floor(random() * Math.min(3, pending.length))]!;
        delay = Math.round(random() * ms);
        let log = '';
        run.child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
        const started = `"task_id":"${task}","level":"info","message":"task started"`;
        await waitFor(() => run.child.exitCode !== null || log.includes(started), 120_000, `${task} to start`);
      }
      const outcome = await Promise.race([run.done, (Number.isFinite(delay) ? sleep(delay) : new Promise<never>(() => undefined)).then(() => 'timer' as const)]);
      if (outcome === 'timer' && run.child.exitCode === null) {
        run.child.kill('SIGKILL');
        await run.done;
        kills += 1;
        killsInStore += 1;
        delays.push(delay);
        const newLogs = (await readdir(path.join(root, '_runs')).catch(() => [] as string[])).filter((f) => !logsBefore.has(f));
        let stage = 'start-up (before the run log)';
        if (newLogs.length > 0) {
          // Only this run's log: earlier killed runs leave their own tasks open.
          const scratch = path.join(work, 'scratch');
          await rm(scratch, { recursive: true, force: true });
          await mkdir(path.join(scratch, '_runs'), { recursive: true });
          for (const f of newLogs) await writeFile(path.join(scratch, '_runs', f), await readFile(path.join(root, '_runs', f)));
          const open = await inFlightTasks(scratch);
          stage = open.length > 0 ? open.map((t) => t.replace(/\(.*\)$/, '')).join('+') : 'between tasks / writing the summary';
        }
        stages.set(stage, (stages.get(stage) ?? 0) + 1);
        await checkComplete(`after kill ${kills} (${stage}, ${delay} ms)`);
      } else {
        // The run finished before its kill: it is a re-run that must complete.
        const done = await run.done;
        rerunMs.push(Date.now() - run.startedAt);
        if (done.code !== 0) problems.push(`re-run in ${path.basename(dir)} exited ${done.code}: ${done.stderr.slice(-1500)}`);
        await finalCheck(`store ${path.basename(dir)} after ${killsInStore} kills`);
        await newStore();
        killsInStore = 0;
      }
    }
    // The final re-run in the last store, without a kill.
    const final = startCli(ARGS, dir, { RETURNS_SOURCE: SOURCE });
    const done = await final.done;
    rerunMs.push(Date.now() - final.startedAt);
    if (done.code !== 0) problems.push(`final re-run exited ${done.code}: ${done.stderr.slice(-1500)}`);
    await finalCheck(`store ${path.basename(dir)} after ${killsInStore} kills (final)`);

    const orphans: string[] = [];
    for (let n = 0; n < storeNo; n++) orphans.push(...(await listFiles(path.join(work, `crash-${n}`, 'data'))).filter((k) => ORPHAN_STAGING.test(k)).map((k) => `crash-${n}/${k}`));
    console.log(
      [
        `crash test: uninterrupted run ${ref.wallMs} ms (start-up ${ref.startupMs} ms before the first task)`,
        `kills: ${kills} over ${storeNo} stores, delays ${Math.min(...delays)}..${Math.max(...delays)} ms (seed ${SEED})`,
        `kills by stage: ${[...stages].map(([s, n]) => `${s}=${n}`).join(', ')}`,
        `completing re-runs (ms): ${rerunMs.join(', ')}`,
        `orphaned staging files left by killed writers: ${orphans.length}${orphans.length ? ` (${orphans.join(', ')})` : ''}`,
      ].join('\n'),
    );
    expect(problems).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    // The kills reached the pipeline's stages, not only the start-up.
    expect(stages.size).toBeGreaterThanOrEqual(5);
  }, 600_000);
});
