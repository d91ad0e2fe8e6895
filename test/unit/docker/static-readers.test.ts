import { interpolate, MissingVariableError, parsePort, variableUses } from '../../harness/compose-file.js';
import { argDefaults, DockerfileSyntaxError, expandArgs, parseDockerfile, parseInstructions } from '../../harness/dockerfile.js';

/** The readers the container checks rely on must themselves read right. */
describe('Dockerfile reader', () => {
  it('joins continuations, drops comments inside them, and reads flags and the exec form', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'ARG BASE=node:20-slim',
      'FROM ${BASE} AS build',
      'RUN apt-get update \\',
      '  # a comment inside the continuation',
      '  && apt-get install -y tini',
      'COPY --from=build --chown=1:1 /a /b',
      'ENTRYPOINT ["tini", "--", "returns"]',
      'FROM build',
      'user app',
    ].join('\n');
    const df = parseDockerfile(text);
    expect(df.globalArgs.map((a) => a.args)).toEqual(['BASE=node:20-slim']);
    expect(df.stages.map((s) => [s.from, s.name])).toEqual([['${BASE}', 'build'], ['build', undefined]]);
    const [run, copy, entry] = df.stages[0]!.instructions;
    expect(run).toMatchObject({ keyword: 'RUN', args: 'apt-get update && apt-get install -y tini', line: 4 });
    expect(copy).toMatchObject({ keyword: 'COPY', flags: { from: 'build', chown: '1:1' }, args: '/a /b' });
    expect(entry!.json).toEqual(['tini', '--', 'returns']);
    expect(df.stages[1]!.instructions[0]).toMatchObject({ keyword: 'USER', args: 'app' });
    expect(expandArgs(df.stages[0]!.from, argDefaults(df.globalArgs))).toBe('node:20-slim');
  });

  it('refuses what it does not understand instead of guessing', () => {
    expect(() => parseInstructions('RUN echo \\')).toThrow(DockerfileSyntaxError);
    expect(() => parseInstructions('RUN <<EOF\necho\nEOF')).toThrow(/heredocs/);
    expect(() => parseDockerfile('RUN echo')).toThrow(/before the first FROM/);
    expect(() => parseDockerfile('# just a comment')).toThrow(/no FROM/);
  });
});

describe('compose interpolation', () => {
  const vars = { SET: 'v', EMPTY: '' };

  it('follows compose: $$ escapes, defaults and required variables', () => {
    expect(interpolate('a $$HOME ${SET} $SET', vars)).toBe('a $HOME v v');
    expect(interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${UNSET:-d}', vars)).toBe('d  d d');
    expect(interpolate('${SET:?must}', vars)).toBe('v');
    expect(() => interpolate('${EMPTY:?set it}', vars)).toThrow(MissingVariableError);
    expect(interpolate('${EMPTY?set it}', vars)).toBe('');
    expect(() => interpolate('${UNSET?set it}', vars)).toThrow(/UNSET is missing: set it/);
  });

  it('lists the variables a text uses, not the escaped ones', () => {
    expect(variableUses('x $$NOPE ${A} $B ${C:-1 2} ${D:?msg}')).toEqual([
      { name: 'A' },
      { name: 'B' },
      { name: 'C', operator: ':-', operand: '1 2' },
      { name: 'D', operator: ':?', operand: 'msg' },
    ]);
  });

  it('reads short port syntax', () => {
    expect(parsePort('127.0.0.1:9000:9000')).toEqual({ hostIp: '127.0.0.1', hostPort: 9000, containerPort: 9000 });
    expect(parsePort('8080:80/tcp')).toEqual({ hostPort: 8080, containerPort: 80 });
    expect(parsePort(5000)).toEqual({ hostPort: 5000, containerPort: 5000 });
    expect(() => parsePort('a:b')).toThrow(/cannot read/);
  });
});
