import { BadDriverResultError, decodeValue, parseDriverResult, queryRows } from '../../../src/adapters/engine/spark-result.js';

describe('parseDriverResult', () => {
  it('reads row counts, query rows and failures', () => {
    expect(parseDriverResult('{"ok":true,"rowCounts":{"features":3}}', 'job')).toEqual({ ok: true, rowCounts: { features: 3 } });
    const failure = '{"ok":false,"errorClass":"AnalysisException","message":"[X] y","step":"running statement 1: SELECT"}';
    expect(parseDriverResult(failure, 'query')).toEqual({
      ok: false,
      errorClass: 'AnalysisException',
      message: '[X] y',
      step: 'running statement 1: SELECT',
    });
  });

  it('refuses anything else', () => {
    expect(() => parseDriverResult('{"ok":true,"rows":[]}', 'query')).toThrow(BadDriverResultError);
    expect(() => parseDriverResult('not json', 'job')).toThrow(BadDriverResultError);
  });
});

describe('query values', () => {
  it('become what DuckDbEngine.query returns', () => {
    const rows = queryRows({
      ok: true,
      columns: ['n', 'big', 'nan', 'day', 'at', 'nested'],
      rows: [[1, { $bigint: '9007199254740993' }, { $double: 'nan' }, '2019-01-02', { $timestamp: '2019-01-02T10:00:00.000000Z' }, { a: [{ $double: '-inf' }] }]],
    });
    expect(rows).toEqual([
      { n: 1, big: 9007199254740993n, nan: NaN, day: '2019-01-02', at: new Date('2019-01-02T10:00:00Z'), nested: { a: [-Infinity] } },
    ]);
  });

  it('leaves plain objects alone', () => {
    expect(decodeValue({ a: 1, b: 'x' })).toEqual({ a: 1, b: 'x' });
  });
});
