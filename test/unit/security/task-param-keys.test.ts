import { UnsafeKeyError } from '../../../src/domain/store-key.js';
import { param, ParameterError } from '../../../src/orchestrator/parameter.js';
import { Task } from '../../../src/orchestrator/task.js';
import { Report } from '../../../tasks/report.js';

/** A task whose string parameter becomes a store key segment (`Keyed/name=<value>/...`). */
class Keyed extends Task<{ name: ReturnType<typeof param.string>; note: ReturnType<typeof param.string> }> {
  static override readonly family = 'Keyed';
  static override readonly params = { name: param.string(), note: param.string({ default: '', significant: false }) };
  async run(): Promise<void> {}
}

describe('task parameters that become store keys', () => {
  it.each([
    ['../x', /path separator/],
    ['/abs', /path separator/],
    ['a\nb', /control character/],
    ['a\u007fb', /control character/],
    ['a\\b', /path separator/],
  ])('rejects the significant string value %j', (value, reason) => {
    expect(() => new Keyed({ name: value })).toThrow(UnsafeKeyError);
    expect(() => new Keyed({ name: value })).toThrow(reason);
  });

  it('keeps an ordinary value inside the task folder', () => {
    expect(new Keyed({ name: 'spring-2026' }).dir).toBe('Keyed/name=spring-2026');
    // A bare '..' is harmless: the segment is 'name=..', never a dot segment.
    expect(new Keyed({ name: '..' }).dir).toBe('Keyed/name=..');
  });

  it('accepts any insignificant value: it never becomes part of a key', () => {
    const t = new Keyed({ name: 'a', note: '../../etc/passwd' });
    expect(t.dir).toBe('Keyed/name=a');
    expect(t.id).toBe('Keyed(name=a)');
  });

  it("rejects a pipeline task's date that is not a date, before any key is built", () => {
    expect(() => new Report({ date: '../../etc' })).toThrow(ParameterError);
    expect(() => new Report({ date: '../../etc' })).toThrow(/parameter 'date': expected a date YYYY-MM-DD/);
  });
});
