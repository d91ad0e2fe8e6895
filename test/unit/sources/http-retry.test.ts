import { backoffDelay, HttpStatusError, isTransient, withRetry } from '../../../src/adapters/source/http-download.js';
import { SourceError } from '../../../src/adapters/source/source-error.js';

describe('retry policy', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 500 };

  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n))).toEqual([100, 200, 400, 500, 500]);
  });

  it('retries transient failures only', () => {
    expect(isTransient(new HttpStatusError(503, 'u', ''))).toBe(true);
    expect(isTransient(new HttpStatusError(429, 'u', ''))).toBe(true);
    expect(isTransient(new HttpStatusError(404, 'u', ''))).toBe(false);
    expect(isTransient(new HttpStatusError(401, 'u', ''))).toBe(false);
    expect(isTransient(new SourceError('bad'))).toBe(false);
    expect(isTransient(new TypeError('fetch failed'))).toBe(true);
  });

  it('gives up after the bounded number of attempts with a one-line error naming the operation', async () => {
    const delays: number[] = [];
    let calls = 0;
    const failing = withRetry(
      'download of x',
      async () => {
        calls += 1;
        throw new TypeError('terminated', { cause: new Error('other side\nclosed') });
      },
      { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 100 }, sleep: async (ms) => void delays.push(ms) },
    );
    await expect(failing).rejects.toThrow('download of x: failed after 3 attempts: terminated (other side closed)');
    expect(calls).toBe(3);
    expect(delays).toEqual([10, 20]);
  });

  it('returns as soon as an attempt succeeds', async () => {
    let calls = 0;
    const value = await withRetry(
      'x',
      async () => {
        calls += 1;
        if (calls < 2) throw new HttpStatusError(502, 'u', '');
        return 'ok';
      },
      { sleep: async () => undefined },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(2);
  });

  it('does not retry a final error', async () => {
    let calls = 0;
    await expect(
      withRetry('x', async () => {
        calls += 1;
        throw new HttpStatusError(403, 'u', 'denied');
      }),
    ).rejects.toBeInstanceOf(HttpStatusError);
    expect(calls).toBe(1);
  });
});
