import { param, parseParams, ParameterError, resolveParams } from '../../../src/orchestrator/parameter.js';
import { Join, Leaf } from '../../harness/toy-tasks.js';
import { UnsafeKeyError } from '../../../src/domain/store-key.js';

describe('parameters', () => {
  const schema = {
    date: param.date(),
    n: param.int({ default: 3, min: 1 }),
    flag: param.boolean({ default: false }),
    engine: param.enum(['duckdb', 'spark'] as const, { default: 'duckdb' }),
    name: param.string({ default: 'x' }),
  };

  it('parses strings by kind and fills defaults', () => {
    const parsed = parseParams('T', schema, { date: '2026-11-27', n: '7', flag: 'yes', engine: 'spark' });
    expect(resolveParams('T', schema, parsed)).toEqual({ date: '2026-11-27', n: 7, flag: true, engine: 'spark', name: 'x' });
  });

  it.each([
    [{ date: '2026-13-01' }, /parameter 'date': expected a date YYYY-MM-DD, got "2026-13-01"/],
    [{ date: '27/11/2026' }, /expected a date/],
    [{ n: '1.5' }, /parameter 'n': expected an integer/],
    [{ n: '0' }, /below the minimum 1/],
    [{ flag: 'maybe' }, /expected true or false/],
    [{ engine: 'pandas' }, /expected one of duckdb, spark, got "pandas"/],
    [{ colour: 'red' }, /T has no parameter 'colour' \(parameters: date, n, flag, engine, name\)/],
  ])('rejects %j with a message naming it', (raw, message) => {
    expect(() => parseParams('T', schema, raw as Record<string, string>)).toThrow(message);
  });

  it('requires parameters without a default', () => {
    expect(() => resolveParams('T', schema, {})).toThrow(new ParameterError("T needs parameter 'date'"));
  });
});

describe('task identity', () => {
  it('is stable and built from family and significant parameters in declared order', () => {
    const a = new Join({ name: 'x', leaves: 'p,q' });
    const b = new Join({ leaves: 'p,q', name: 'x' });
    expect(a.id).toBe('Join(name=x, leaves=p,q)');
    expect(a.id).toBe(b.id);
    expect(a.dir).toBe('Join/name=x/leaves=p,q');
    expect(new Leaf({ name: 'a' }).id).toBe('Leaf(name=a, date=2026-11-27)');
  });

  it('rejects parameter values that would escape the store folder', () => {
    expect(() => new Leaf({ name: '../etc' })).toThrow(UnsafeKeyError);
    expect(() => new Leaf({ name: 'a\u0000b' })).toThrow(/control character/);
  });
});
