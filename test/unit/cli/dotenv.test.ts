import { applyDotenv, parseDotenv } from '../../../src/cli/dotenv.js';

describe('parseDotenv', () => {
  it('reads KEY=VALUE lines, skipping blank lines and comments', () => {
    const text = ['# a comment', '', 'A=1', '  B = two words  ', 'export C=3', '\t# indented comment', 'D='].join('\n');
    expect(parseDotenv(text)).toEqual({ values: { A: '1', B: 'two words', C: '3', D: '' }, badLines: [] });
  });

  it('cuts a trailing comment only after a blank, so a # inside a value stays', () => {
    expect(parseDotenv('P=abc#def\nQ=abc # note\nR= # only a comment\n').values).toEqual({ P: 'abc#def', Q: 'abc', R: '' });
  });

  it('takes single-quoted values literally', () => {
    expect(parseDotenv(`S='a # b \\n c' # trailing\n`).values).toEqual({ S: 'a # b \\n c' });
  });

  it('unescapes double-quoted values and keeps unknown escapes', () => {
    expect(parseDotenv('D="line1\\nline2\\t\\"q\\" \\\\ \\x"').values).toEqual({ D: 'line1\nline2\t"q" \\ \\x' });
  });

  it('lets a quoted value span lines', () => {
    const text = 'KEY="-----BEGIN-----\nabc\n-----END-----"\nNEXT=1\n';
    expect(parseDotenv(text)).toEqual({ values: { KEY: '-----BEGIN-----\nabc\n-----END-----', NEXT: '1' }, badLines: [] });
  });

  it('handles CRLF line ends and a byte order mark', () => {
    expect(parseDotenv('\uFEFFA=1\r\nB="2"\r\n').values).toEqual({ A: '1', B: '2' });
  });

  it('reports malformed lines by number and keeps going', () => {
    const text = ['GOOD=1', 'not an assignment', '1BAD=x', 'Q="unterminated', 'AFTER=2'].join('\n');
    // The unterminated quote swallows the rest of the file, so AFTER is part of the bad value.
    expect(parseDotenv(text)).toEqual({ values: { GOOD: '1' }, badLines: [2, 3, 4] });
    expect(parseDotenv('X="a" junk\nY=2').badLines).toEqual([1]);
  });

  it('lets a later assignment win', () => {
    expect(parseDotenv('A=1\nA=2').values).toEqual({ A: '2' });
  });
});

describe('applyDotenv', () => {
  it('never overrides a variable the environment sets, even to an empty string', () => {
    const env: NodeJS.ProcessEnv = { KEEP: 'real', EMPTY: '' };
    const applied = applyDotenv({ KEEP: 'file', EMPTY: 'file', NEW: 'file' }, env);
    expect(env).toEqual({ KEEP: 'real', EMPTY: '', NEW: 'file' });
    expect(applied).toEqual(['NEW']);
  });
});
