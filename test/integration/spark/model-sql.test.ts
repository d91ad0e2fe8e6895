/**
 * The models' SQL on Spark SQL (local master, ANSI mode as in production): every family under
 * every calibrator gives predictProba's probabilities within 1e-9, like on DuckDB
 * (test/embedded/model/model-sql.test.ts). One spark-submit for all of them, so the ensembles are
 * kept to a few trees here: Spark's planning cost grows fast with the size of a projection (15
 * full-size expressions in one SELECT ran out of a 2 GB driver heap); DuckDB tests the big ones.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { SparkEngine } from '../../../src/adapters/engine/spark-engine.js';
import { modelSqlFixture, sparkIdentifier } from '../../fixtures/model-scoring.js';

describe('model SQL on Spark', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'returns-model-sql-'));
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with predictProba within 1e-9 for every family and calibrator', async () => {
    const fixture = modelSqlFixture(200, 'small');
    const csv = path.join(dir, 'scoring.csv');
    const header = ['rid', ...fixture.specs.map((s) => s.name)];
    // Empty fields are NULL for both engines' CSV readers; numbers keep every digit (String(x)).
    writeFileSync(csv, stringify(fixture.rows.map((row, i) => [i, ...fixture.specs.map((s) => row[s.name] ?? '')]), { header: true, columns: header }));
    const columns: Record<string, string> = { rid: 'INTEGER' };
    for (const s of fixture.specs) columns[s.name] = s.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR';

    const expressions = fixture.cases.map((c, k) => `${c.model.toSQL(sparkIdentifier)} AS p${k}`);
    const engine = new SparkEngine({
      master: 'local[1]',
      driverMemory: '2g',
      conf: {
        'spark.driver.host': '127.0.0.1',
        'spark.driver.bindAddress': '127.0.0.1',
        'spark.sql.ansi.enabled': 'true',
        // Generated Java for a model expression is far past the 64 KB a JVM method may hold: Spark
        // would compile, fail and fall back to interpreted evaluation anyway, at a large memory cost.
        'spark.sql.codegen.wholeStage': 'false',
        'spark.driver.extraJavaOptions': '-XX:TieredStopAtLevel=1',
      },
      env: { ...process.env, SPARK_LOCAL_IP: '127.0.0.1' },
      workDir: path.join(dir, 'runs'),
    });
    const rows = await engine.query(`SELECT rid, ${expressions.join(',\n')} FROM scoring ORDER BY rid`, [
      { name: 'scoring', location: csv, format: 'csv', columns },
    ]);
    expect(rows).toHaveLength(fixture.rows.length);
    fixture.cases.forEach((c, k) => {
      const expected = c.model.predictProba(fixture.scoring);
      let worst = 0;
      rows.forEach((row, i) => {
        worst = Math.max(worst, Math.abs(Number(row[`p${k}`]) - (expected[i] as number)));
      });
      expect({ model: c.name, agrees: worst < 1e-9 }).toEqual({ model: c.name, agrees: true });
    });
  }, 900_000);
});
