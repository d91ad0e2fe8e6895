/**
 * Operations: every file of the malformed corpus (test/fixtures/malformed/manifest.json) through
 * the whole pipeline with `returns run Report --source file://<file>`. Never a crash: the exit code
 * is 1 (a task failed) or 2 (bad usage), or 0 where the manifest accepts the file and the pipeline
 * could finish; a failure names its reason in one line of the summary or of stderr; no stack trace.
 *
 * Every file runs in-process through runCli (the CLI's whole program, minus node start-up, which
 * costs ~3 s a run on the shared test machine), each in an empty store (IngestOrders is keyed by
 * date only). A few representative files also run through the built binary as a separate process,
 * where an unhandled error would surface as a Node crash.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { systemClock } from '../../../src/adapters/clock/system-clock.js';
import { runCli } from '../../../src/cli/program.js';
import { capturedOutput } from '../../harness/cli.js';
import { repoRoot } from '../../harness/spawn.js';
import { ensureBuilt, startCli } from './support.js';

interface Case {
  file: string;
  defect: string;
  expect: { file_error?: string; quality_error?: boolean; message_contains?: string; rows_quarantined?: number };
}

const CORPUS = path.join(repoRoot, 'test/fixtures/malformed');
const CASES = (JSON.parse(readFileSync(path.join(CORPUS, 'manifest.json'), 'utf8')) as { cases: Case[] }).cases;
/** The corpus rows are real rows of the Kaggle sample, dated in 2019 up to mid-April. */
const DATE = '2019-04-20';
const BY_PROCESS = ['empty.csv', 'zip-archive.csv', 'over-threshold.csv', 'reordered-columns.csv'];

/** A failure line of the summary (`    - Task(date=D): reason`) or a `returns: error:` line of stderr. */
const REASON = /^\s+- [A-Za-z]+\(date=[0-9-]+\): (.{8,})$|^returns: error: (.{8,})$/gm;

function judge(c: Case, code: number | null, stdout: string, stderr: string): string[] {
  const problems: string[] = [];
  const acceptable = c.expect.file_error === undefined && !c.expect.quality_error && (c.expect.rows_quarantined ?? 0) === 0;
  const allowed = acceptable ? [0, 1] : [1, 2];
  if (!allowed.includes(code ?? -1)) problems.push(`exit ${code}, expected one of ${allowed.join('/')}`);
  if (/^\s+at .+[:(].*\d+:\d+\)?$/m.test(stderr)) problems.push(`stack trace on stderr: ${stderr.slice(0, 400)}`);
  if (code !== 0) {
    const reasons = [...`${stdout}\n${stderr}`.matchAll(REASON)].map((m) => m[1] ?? m[2] ?? '');
    if (reasons.length === 0) problems.push(`no one-line reason in the summary or on stderr: ${stdout.slice(-600)} ${stderr.slice(-600)}`);
    const want = c.expect.message_contains;
    if (want !== undefined && !reasons.some((r) => r.includes(want))) problems.push(`no reason names "${want}": ${JSON.stringify(reasons)}`);
  }
  return problems;
}

describe('the malformed corpus through returns run Report', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'returns-malformed-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every file: exit 0/1/2 as the manifest allows, a one-line reason, no stack trace (in-process)', async () => {
    const problems: Record<string, string[]> = {};
    const outcomes: string[] = [];
    for (const c of CASES) {
      const cwd = await mkdtemp(path.join(work, 'in-'));
      const { stdout, stderr, out, err } = capturedOutput();
      let thrown = '';
      let code: number | null;
      try {
        code = await runCli({ argv: ['run', 'Report', '--date', DATE, '--source', `file://${path.join(CORPUS, c.file)}`], env: {}, cwd, home: cwd, stdout, stderr, clock: systemClock });
      } catch (e) {
        code = null;
        thrown = `\nrunCli threw: ${(e as Error).stack}`;
      }
      const p = judge(c, code, out(), err() + thrown);
      if (p.length > 0) problems[c.file] = p;
      outcomes.push(`${c.file}=${code}`);
    }
    console.log(`malformed corpus (in-process): ${outcomes.join(', ')}`);
    expect(problems).toEqual({});
  }, 240_000);

  it('representative files through the built binary: the same, as a separate process', async () => {
    await ensureBuilt();
    const problems: Record<string, string[]> = {};
    for (const file of BY_PROCESS) {
      const c = CASES.find((x) => x.file === file)!;
      const cwd = await mkdtemp(path.join(work, 'bin-'));
      const r = await startCli(['run', 'Report', '--date', DATE, '--source', `file://${path.join(CORPUS, file)}`], cwd).done;
      const p = judge(c, r.code, r.stdout, r.stderr);
      if (p.length > 0) problems[file] = p;
    }
    expect(problems).toEqual({});
  }, 600_000);
});
