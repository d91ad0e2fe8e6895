/**
 * Every family's SQL, composed with every calibrator, run on DuckDB, gives predictProba's
 * probabilities within 1e-9, on scoring rows with missing values, unseen levels, and levels
 * that need escaping in SQL.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { sqlNumber, sqlString } from '../../../src/domain/model/sql.js';
import { modelSqlFixture, quoteIdentifier, TRICKY_LEVELS, type ModelSqlFixture } from '../../fixtures/model-scoring.js';

describe('model SQL on DuckDB', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;
  const fixture: ModelSqlFixture = modelSqlFixture();

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    const columns = fixture.specs.map((s) => `${quoteIdentifier(s.name)} ${s.kind === 'numeric' ? 'DOUBLE' : 'VARCHAR'}`);
    await connection.run(`CREATE TABLE scoring (rid INTEGER, ${columns.join(', ')})`);
    const literal = (v: number | string | null): string => (v === null ? 'NULL' : typeof v === 'number' ? sqlNumber(v) : sqlString(v));
    const values = fixture.rows.map((row, i) => `(${[String(i), ...fixture.specs.map((s) => literal(row[s.name] ?? null))].join(', ')})`);
    await connection.run(`INSERT INTO scoring VALUES ${values.join(',\n')}`);
  });

  afterAll(() => {
    connection?.closeSync();
    instance?.closeSync();
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s: SQL and predictProba agree within 1e-9', async (_name, { model }) => {
    const expected = model.predictProba(fixture.scoring);
    const reader = await connection.runAndReadAll(`SELECT rid, ${model.toSQL(quoteIdentifier)} AS p FROM scoring ORDER BY rid`);
    const actual = reader.getRowObjects().map((r) => r['p'] as number);
    expect(actual).toHaveLength(expected.length);
    let worst = 0;
    actual.forEach((p, i) => {
      worst = Math.max(worst, Math.abs(p - (expected[i] as number)));
    });
    expect(worst).toBeLessThan(1e-9);
    // the comparison is not vacuous: the model separates rows
    expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(0.05);
  });

  it('writes string literals DuckDB reads back unchanged', async () => {
    const reader = await connection.runAndReadAll(`SELECT ${TRICKY_LEVELS.map((t, i) => `${sqlString(t)} AS s${i}`).join(', ')}`);
    expect(Object.values(reader.getRowObjects()[0] ?? {})).toEqual(TRICKY_LEVELS);
  });
});
