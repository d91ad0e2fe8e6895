import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cli } from '../../harness/cli.js';

/**
 * How much history TrainModel needs, as a user meets it from the CLI: data that starts on
 * 2019-01-01, with labels that take 35 days to mature (the last mature day is D - 36). As of
 * 2019-02-26 there are 21 mature days (1 to 21 January) and TrainModel trains, refitting on every
 * one of their rows; as of 2019-02-25 there are 20, and it refuses at once in one line that names
 * the dates, with no retry and no stack trace.
 */
const SOURCE = 'synthetic://?rows=3000&seed=5&start=2019-01-01&end=2019-03-31';

describe('TrainModel with three weeks of mature labels, and with one day less', () => {
  let cwd: string;
  const run = (date: string) => cli(['run', 'TrainModel', '--date', date], { cwd, env: { RETURNS_SOURCE: SOURCE } });

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-mature-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('trains on 21 mature days, and the shipped model is fitted on every mature row', async () => {
    const r = await run('2019-02-26');
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const trained = path.join(cwd, 'data', 'TrainModel', 'date=2019-02-26');
    const model = JSON.parse(await readFile(path.join(trained, 'model.json'), 'utf8')) as { data_fingerprint: { rows: { refit: number; out_of_time: number } } };

    const features = path.join(cwd, 'data', 'BuildFeatures', 'date=2019-02-26', 'features.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const counted = (await connection.runAndReadAll(`SELECT count(*) FILTER (WHERE label_mature) AS mature, min(date) FILTER (WHERE label_mature) AS first, max(date) FILTER (WHERE label_mature) AS last FROM read_parquet('${features}', hive_partitioning = false)`)).getRowObjects()[0]!;
    connection.closeSync();
    instance.closeSync();

    expect({ first: String(counted['first']), last: String(counted['last']) }).toEqual({ first: '2019-01-01', last: '2019-01-21' });
    const mature = Number(counted['mature']);
    expect(mature).toBeGreaterThan(300);
    expect(model.data_fingerprint.rows.refit).toBe(mature);
    // The folds scored some of those rows out of time, each with a model that had not seen them.
    expect(model.data_fingerprint.rows.out_of_time).toBeGreaterThan(0);
    expect(model.data_fingerprint.rows.out_of_time).toBeLessThan(mature);
  }, 300_000);

  it('refuses 20 mature days in one line that names the dates', async () => {
    const r = await run('2019-02-25');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'not enough mature history before 2019-02-25 to train: mature purchases run from 2019-01-01 to 2019-01-20 (20 days); TrainModel needs at least 21 days (labels need 35 days to mature, so the data must start by 2018-12-31)',
    );
    expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    // Not retried: the data cannot change between attempts.
    expect(r.stderr).not.toMatch(/retry|attempt 2/i);
  }, 300_000);
});
