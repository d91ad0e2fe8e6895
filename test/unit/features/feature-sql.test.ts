/**
 * The feature SQL is written once for DuckDB and Spark SQL: these checks keep DuckDB-only or
 * Spark-only syntax out of it (the embedded tests run it on DuckDB; the Spark parity test runs
 * the same statements on Spark).
 */
import { LINK_CACHED_VIEWS } from '../../../src/domain/features/linking.js';
import {
  FEATURES_ORDER_BY,
  FEATURES_SUMMARY_TABLE,
  FEATURES_TABLE,
  ORDER_LINES_INPUT,
  featureSqlJob,
  featureSteps,
} from '../../../src/domain/features/feature-sql.js';
import { PORTABLE_FUNCTIONS, sqlEpochDay } from '../../../src/domain/features/portable-sql.js';

const options = { asOf: '2019-05-01', horizonDays: 35, split: { testDays: 30, validationDays: 30 } };
const locations = { orders: '/in/orders.parquet', features: '/out/features.parquet', summary: '/out/summary.parquet' };
const job = featureSqlJob(options, locations);
const sql = job.statements.join('\n');

/** Words that may stand before '(' without being a function call. */
const KEYWORDS = new Set(['AS', 'AND', 'CASE', 'FROM', 'IN', 'JOIN', 'NOT', 'OR', 'OVER', 'THEN', 'ELSE', 'WHEN', 'SELECT']);

describe('feature SQL job', () => {
  it('reads the orders, writes the features in (date, line_number) order and a summary table', () => {
    expect(job.inputs).toEqual([{ name: ORDER_LINES_INPUT, location: locations.orders, format: 'parquet' }]);
    expect(job.outputs).toEqual([
      { table: FEATURES_TABLE, location: locations.features, format: 'parquet', orderBy: FEATURES_ORDER_BY },
      { table: FEATURES_SUMMARY_TABLE, location: locations.summary, format: 'parquet' },
    ]);
    expect(FEATURES_ORDER_BY).toBe('date, line_number');
  });

  it('is a pure function of its options', () => {
    expect(featureSqlJob(options, locations)).toEqual(job);
    expect(featureSqlJob({ ...options, horizonDays: 20 }, locations).statements).not.toEqual(job.statements);
  });

  it('creates every view once, as a temporary view, before anything reads it', () => {
    const names = featureSteps(options).map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(job.statements.every((s) => s.startsWith('CREATE OR REPLACE TEMPORARY VIEW '))).toBe(true);
    names.forEach((name, i) => {
      const earlier = job.statements.slice(0, i).join('\n');
      expect(earlier).not.toMatch(new RegExp(`\\b${name}\\b`));
    });
    for (const view of job.cache) expect(names).toContain(view);
    expect(job.cache).toEqual(['fx_dates', ...LINK_CACHED_VIEWS]);
  });

  it('calls only functions both engines have', () => {
    const calls = new Set([...sql.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)].map((m) => (m[1] as string).toUpperCase()));
    const allowed = new Set<string>(PORTABLE_FUNCTIONS);
    const unknown = [...calls].filter((name) => !allowed.has(name) && !KEYWORDS.has(name));
    expect(unknown).toEqual([]);
  });

  it('uses none of the syntax only one engine reads', () => {
    expect(sql).not.toMatch(/::/); // DuckDB casts
    expect(sql).not.toMatch(/\bQUALIFY\b|\bEXCLUDE\b|\bILIKE\b|\bUSING SAMPLE\b/i);
    expect(sql).not.toMatch(/\bdate_?diff\b|\bdayofweek\b|\bdate_trunc\b|\bstrftime\b|\bepoch\b|\blist_|\bstruct/i);
    expect(sql).not.toMatch(/\/\//); // DuckDB integer division
    expect(sql).not.toMatch(/"/); // Spark reads double quotes as strings
    expect(sql).not.toMatch(/\\/); // Spark reads backslash escapes in literals
    expect(sql).not.toMatch(/;/);
    expect(sql).not.toMatch(/\bINTERVAL\b/i);
    expect(sql).not.toMatch(/\bCREATE (OR REPLACE )?(TEMP )?TABLE\b/i);
  });

  it('writes fractional literals as doubles, never as exact decimals', () => {
    const decimals = [...sql.matchAll(/\b\d+\.\d+(?![\dE])/g)].map((m) => m[0]);
    expect(decimals).toEqual([]);
  });

  it('computes day numbers without floor division or date subtraction', () => {
    const expr = sqlEpochDay('date');
    expect(expr).toMatch(/^CAST\(.* AS INTEGER\)$/);
    expect(expr).not.toMatch(/date\s*-\s*date/);
  });

  it('reads only the order line columns the feature SQL needs, and no outcome money column', () => {
    const ordersStep = featureSteps(options).find((s) => s.name === 'fx_orders');
    expect(ordersStep?.sql).toBeDefined();
    for (const column of ['refunds', 'refunded_item_count', 'final_quantity', 'final_revenue', 'overall_revenue', 'sales_tax']) {
      expect(sql).not.toMatch(new RegExp(`\\b${column}\\b`));
    }
  });
});
