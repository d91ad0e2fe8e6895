import { parseCount, parseDayMonthYear, parseId, parseMoney, parseText, remembering, type FieldResult } from '../../../src/domain/orders/index.js';

describe('parseDayMonthYear', () => {
  it.each([
    ['14/04/2019', '2019-04-14'],
    ['3/3/2019', '2019-03-03'],
    ['1/11/2018', '2018-11-01'],
    ['29/2/2020', '2020-02-29'],
    [' 2/1/2019 ', '2019-01-02'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseDayMonthYear(text)).toEqual({ ok: true, value: iso });
  });

  it.each(['31/2/2019', '29/2/2019', '0/1/2019', '14/13/2019', '1/0/2019'])('rejects the impossible date %s', (text) => {
    expect(parseDayMonthYear(text)).toEqual({ ok: false, problem: 'is not a calendar date (day/month/year)' });
  });

  it.each(['2019-04-14', '14/04/19', '14-04-2019', '3/11/2018 10:42', '', 'soon'])('rejects %j as not d/m/yyyy', (text) => {
    expect(parseDayMonthYear(text)).toEqual({ ok: false, problem: 'is not a d/m/yyyy date' });
  });
});

describe('parseMoney', () => {
  it.each([
    ['74.17', 74.17],
    ['-15.84', -15.84],
    ['0', 0],
    ['89', 89],
    ['.5', 0.5],
    ['-1.42109E-14', -1.42109e-14],
  ])('reads %s', (text, value) => {
    expect(parseMoney(text)).toEqual({ ok: true, value });
  });

  it.each(['74,17', '£74.17', '74.17 GBP', 'abc', '1e999', '-', ''])('rejects %j', (text) => {
    expect(parseMoney(text).ok).toBe(false);
  });
});

describe('parseCount', () => {
  it.each([
    ['1', 1],
    ['-1', -1],
    ['0', 0],
    ['+2', 2],
  ])('reads %s', (text, value) => {
    expect(parseCount(text)).toEqual({ ok: true, value });
  });

  it.each(['1.0', '0.5', 'one', '1e3', '99999999999'])('rejects %j', (text) => {
    expect(parseCount(text).ok).toBe(false);
  });
});

describe('parseId', () => {
  it('keeps plain digits as text, lossless', () => {
    expect(parseId('0046567054')).toEqual({ ok: true, value: { value: '0046567054', lossy: false } });
  });

  it.each(['5.36356E+13', '1.226E+13', '8.42221E+13', '2E+13', '9.7805e13'])(
    'keeps the spreadsheet-rounded %s as written and flags it lossy',
    (text) => {
      expect(parseId(text)).toEqual({ ok: true, value: { value: text, lossy: true } });
    },
  );

  it('never turns a rounded ID into another number', () => {
    const parsed = parseId('5.36356E+13');
    expect(parsed.ok && parsed.value.value).toBe('5.36356E+13');
    expect(parsed.ok && parsed.value.value).not.toBe(String(5.36356e13));
  });

  it.each(['B-7251983', '-3.99956E+13', '1.63E-5', '12.5', '0x1F'])('rejects %j', (text) => {
    expect(parseId(text).ok).toBe(false);
  });
});

describe('parseText', () => {
  it('trims and rejects blank text', () => {
    expect(parseText(' 32 / B / FtO ')).toEqual({ ok: true, value: '32 / B / FtO' });
    expect(parseText('   ')).toEqual({ ok: false, problem: 'is empty' });
  });
});

describe('remembering', () => {
  function counted(): { parse: (text: string) => FieldResult<number>; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      parse: (text) => {
        calls.push(text);
        return parseMoney(text);
      },
    };
  }

  it('gives the same answers as the parser, judging each distinct text once', () => {
    const { parse, calls } = counted();
    const remembered = remembering(parse);
    const texts = ['74.17', 'x', '74.17', ' 0 ', 'x', '74.17', '1e400'];
    expect(texts.map(remembered)).toEqual(texts.map(parseMoney));
    expect(calls).toEqual(['74.17', 'x', ' 0 ', '1e400']);
  });

  it('forgets everything when full, and never keeps long texts', () => {
    const { parse, calls } = counted();
    const remembered = remembering(parse, 2);
    for (const text of ['1', '2', '3', '1']) remembered(text);
    expect(calls).toEqual(['1', '2', '3', '1']); // '3' cleared the cache
    const long = '1'.repeat(41);
    remembered(long);
    remembered(long);
    expect(calls.filter((t) => t === long)).toHaveLength(2);
  });
});
