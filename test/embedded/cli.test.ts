import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from '../harness/cli.js';


describe('returns CLI on the embedded defaults', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-cli-'));
  });
  afterEach(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it.each([
    [['run', 'Report', '--date', '2026-02-30'], /^returns: error: --date "2026-02-30": expected a date YYYY-MM-DD\n$/],
    [['run', 'Nope'], /^returns: error: unknown task 'Nope' \(tasks: IngestOrders, ValidateOrders, BuildFeatures, TrainModel, RegisterModel, PredictBatch, Report\)\n$/],
    [['run', 'Report', '--param', 'colour=red'], /^returns: error: Report has no parameter 'colour' \(parameters: date, source, engine\)\n$/],
    [['run', 'Report', '--store', 'ftp://x/y'], /^returns: error: .*ftp:\/\/x\/y.*\n$/],
    [['run', 'Report', '--workers', 'many'], /^returns: error: --workers "many": expected a whole number >= 1\n$/],
    [['run', 'Report', '--bogus'], /^error: unknown option '--bogus'\n$/],
    [['graph', 'Report', '--format', 'png'], /^error: option '--format <FORMAT>' argument 'png' is invalid\. Allowed choices are text, dot, mermaid, json\.\n$/],
    [['backfill', 'Report', '--from', '2026-11-03', '--to', '2026-11-01'], /^returns: error: --from 2026-11-03 is after --to 2026-11-01\n$/],
  ])('%j is a one-line usage error with exit code 2', async (args, message) => {
    const r = await cli(args, { cwd });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
  });

  it('a bad config file is a one-line error naming the field', async () => {
    await writeFile(path.join(cwd, 'c.json'), JSON.stringify({ workers: 0 }));
    const r = await cli(['run', 'Report', '--config', 'c.json'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^returns: error: bad configuration at 'workers': .*\n$/);
  });

  it('runs the DAG, then reports everything complete; status, graph and history agree', async () => {
    const first = await cli(['run', 'Report', '--date', '2026-11-27', '--json'], { cwd });
    expect(first.code).toBe(0);
    const s1 = JSON.parse(first.stdout.trim().split('\n').pop()!);
    expect(s1.status).toBe('success');
    // Report(D) needs the features of D+1 too (PredictBatch scores the lines dated D).
    expect(s1.ran).toHaveLength(10);
    expect(s1.outputs['TrainModel(date=2026-11-27)'][0]).toMatch(/^file:\/\/.*\/data\/TrainModel\/date=2026-11-27\//);
    // Every log line of the run carries the run id; lines inside a task carry the task id.
    const logs = first.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(logs.length).toBeGreaterThan(7);
    expect(logs.every((l) => l.run_id === s1.run_id)).toBe(true);
    expect(logs.filter((l) => l.message === 'task started').every((l) => typeof l.task_id === 'string')).toBe(true);

    const second = await cli(['run', 'Report', '--date', '2026-11-27', '--json'], { cwd });
    const s2 = JSON.parse(second.stdout.trim().split('\n').pop()!);
    expect(s2.ran).toEqual([]);
    expect(s2.complete).toHaveLength(10);

    const status = await cli(['status', 'Report', '--date', '2026-11-27'], { cwd });
    expect(status.stdout.split('\n').filter((l) => l.startsWith('complete '))).toHaveLength(10);
    const other = await cli(['status', 'Report', '--date', '2026-11-28'], { cwd });
    expect(other.code).toBe(1);
    expect(other.stdout).toContain('incomplete  Report(date=2026-11-28)');

    const graph = await cli(['graph', 'Report', '--date', '2026-11-27', '--format', 'json'], { cwd });
    const g = JSON.parse(graph.stdout);
    expect(g.nodes).toHaveLength(10);
    expect(g.edges).toContainEqual({ from: 'IngestOrders(date=2026-11-27)', to: 'ValidateOrders(date=2026-11-27)' });
    expect((await cli(['graph', 'Report', '--date', '2026-11-27', '--format', 'mermaid'], { cwd })).stdout).toMatch(/^graph LR\n/);
    expect((await cli(['graph', 'Report', '--date', '2026-11-27', '--format', 'dot'], { cwd })).stdout).toMatch(/^digraph returns \{/);

    const history = await cli(['history', '--limit', '5'], { cwd });
    expect(history.code).toBe(0);
    expect(history.stdout.trim().split('\n')).toHaveLength(2);
    expect(history.stdout).toContain(s1.run_id);
  });

  it('--force reruns a task and what is downstream of it', async () => {
    await cli(['run', 'Report', '--date', '2026-11-27'], { cwd });
    const r = await cli(['run', 'Report', '--date', '2026-11-27', '--force', 'RegisterModel', '--json'], { cwd });
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!).ran).toEqual(['RegisterModel(date=2026-11-27)', 'PredictBatch(date=2026-11-27)', 'Report(date=2026-11-27)']);
  });

  it('backfill runs every date of the range in one run', async () => {
    const r = await cli(['backfill', 'TrainModel', '--from', '2026-11-01', '--to', '2026-11-03', '--json'], { cwd });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(s.ran).toHaveLength(12);
    expect(s.ran).toContain('TrainModel(date=2026-11-03)');
  });

  it('--date defaults to today in UTC from the injected clock', async () => {
    const r = await cli(['graph', 'TrainModel'], { cwd });
    expect(r.stdout).toContain('TrainModel(date=2026-11-27)');
  });

  it('generate writes synthetic orders and their true probabilities, the same bytes for the same seed', async () => {
    const a = await cli(['generate', '--rows', '300', '--seed', '7', '--out', 'a.csv'], { cwd });
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/wrote .*a\.csv: \d+ rows \(300 purchase lines/);
    await cli(['generate', '--rows', '300', '--seed', '7', '--out', 'b.csv'], { cwd });
    const { readFile } = await import('node:fs/promises');
    const [ba, bb] = await Promise.all([readFile(path.join(cwd, 'a.csv')), readFile(path.join(cwd, 'b.csv'))]);
    expect(ba.equals(bb)).toBe(true);
    expect((await readFile(path.join(cwd, 'a.truth.csv'), 'utf8')).split('\n')[0]).toContain('true_probability');
    const bad = await cli(['generate', '--rows', 'lots', '--out', 'c.csv'], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^returns: error: rows: .*\n$/);
  });

  it('masks a secret that a user pasted into a URI, in errors, logs and the run log', async () => {
    const secret = 'sup3r-s3cret-kaggle-key';
    const r = await cli(['run', 'IngestOrders', '--date', '2026-11-27', '--source', `synthetic://?rows=10&seed=1&note=${secret}`], {
      cwd,
      env: { KAGGLE_KEY: secret },
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('***');
    const { readdir, readFile } = await import('node:fs/promises');
    const runs = await readdir(path.join(cwd, 'data/_runs'));
    const runLog = await readFile(path.join(cwd, 'data/_runs', runs[0]!), 'utf8');
    for (const text of [r.stdout, r.stderr, runLog]) expect(text).not.toContain(secret);
  });

  it('refuses to reuse a day ingested from another source, and re-ingests with --force IngestOrders', async () => {
    expect((await cli(['run', 'IngestOrders', '--date', '2026-11-27', '--source', 'synthetic://?rows=50&seed=1'], { cwd })).code).toBe(0);
    const other = await cli(['run', 'IngestOrders', '--date', '2026-11-27', '--source', 'synthetic://?rows=50&seed=2'], { cwd });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/^returns: error: IngestOrders\(date=2026-11-27\) was ingested from synthetic:\/\/\?rows=50&seed=1.*, not synthetic:\/\/\?rows=50&seed=2.*; run again with --force IngestOrders/);
    const forced = await cli(['run', 'IngestOrders', '--date', '2026-11-27', '--source', 'synthetic://?rows=50&seed=2', '--force', 'IngestOrders', '--json'], { cwd });
    expect(JSON.parse(forced.stdout.trim().split('\n').pop()!).ran).toEqual(['IngestOrders(date=2026-11-27)']);
  });
});
