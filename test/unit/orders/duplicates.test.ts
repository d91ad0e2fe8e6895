import {
  DuplicateTracker,
  FingerprintMap,
  murmur3x86x128Words,
  rowFingerprint,
} from '../../../src/domain/orders/index.js';

function fingerprintOf(fields: readonly string[]): Uint32Array {
  const out = new Uint32Array(4);
  rowFingerprint(fields, out);
  return out;
}

/** A fingerprint made of four given words, to control which slot it lands in. */
function fp(w0: number, w1 = 0, w2 = 0, w3 = 0): Uint32Array {
  return Uint32Array.from([w0, w1, w2, w3]);
}

describe('murmur3x86x128Words', () => {
  it('matches the reference MurmurHash3_x86_128 (seed 0) on whole blocks, tails and no input', () => {
    // Expected values from the reference C implementation (Python mmh3 5.3.1, x64arch=False)
    // over the same words as little-endian bytes; h1..h4 are the four 32-bit words of its result.
    const cases: [number[], number[]][] = [
      [[], [0, 0, 0, 0]],
      [[1], [3473875146, 1369206961, 1369206961, 1369206961]],
      [[1, 2, 3], [2231661078, 1890195055, 1938155055, 2449796603]],
      [[1, 2, 3, 4], [936832535, 1028276893, 1035705367, 1533327389]],
      [[1, 2, 3, 4, 5, 6, 7], [1612368728, 2768433333, 3742777006, 2345619398]],
    ];
    const out = new Uint32Array(4);
    for (const [words, expected] of cases) {
      murmur3x86x128Words(Uint32Array.from(words), words.length, out);
      expect([...out]).toEqual(expected);
    }
  });
});

describe('rowFingerprint', () => {
  it('is the same for equal rows and differs for rows that only join to the same text', () => {
    expect([...fingerprintOf(['a', 'b'])]).toEqual([...fingerprintOf(['a', 'b'])]);
    const distinct = [['a,b', 'c'], ['a', 'b,c'], ['a', ''], ['a'], ['a\u001fb', 'c'], ['a', 'b\u001fc'], [''], [], ['ab'], ['a', 'b']];
    const seen = new Set(distinct.map((row) => [...fingerprintOf(row)].join(':')));
    expect(seen.size).toBe(distinct.length);
  });

  it('handles rows longer than its scratch buffer', () => {
    const long = ['x'.repeat(5000), 'y'.repeat(3001)];
    expect([...fingerprintOf(long)]).toEqual([...fingerprintOf([...long])]);
    expect([...fingerprintOf(long)]).not.toEqual([...fingerprintOf(['x'.repeat(5000), 'y'.repeat(3000)])]);
  });
});

describe('FingerprintMap', () => {
  it('returns the line of the first copy and undefined for new fingerprints', () => {
    const set = new FingerprintMap();
    expect(set.getOrAdd(fp(7, 1, 2, 3), 2)).toBeUndefined();
    expect(set.getOrAdd(fp(7, 1, 2, 4), 3)).toBeUndefined();
    expect(set.getOrAdd(fp(7, 1, 2, 3), 9)).toBe(2);
    expect(set.getOrAdd(fp(7, 1, 2, 3), 11)).toBe(2);
    expect(set.getOrAdd(fp(7, 1, 2, 4), 12)).toBe(3);
    expect(set.size).toBe(2);
  });

  it('tells apart fingerprints that differ in any one word, even in the same slot', () => {
    const set = new FingerprintMap(16);
    const variants = [fp(5, 0, 0, 0), fp(5, 1, 0, 0), fp(5, 0, 1, 0), fp(5, 0, 0, 1), fp(5 + 16, 0, 0, 0)];
    variants.forEach((f, i) => expect(set.getOrAdd(f, i + 2)).toBeUndefined());
    variants.forEach((f, i) => expect(set.getOrAdd(f, 100)).toBe(i + 2));
  });

  it('keeps every entry when it grows far past its initial capacity', () => {
    const set = new FingerprintMap(16);
    const n = 50_000;
    // Many entries share low bits, so probing runs across the table edge and through regrowth.
    let added = 0;
    for (let i = 0; i < n; i++) if (set.getOrAdd(fp((i * 64) >>> 0, i, ~i >>> 0, 42), i + 1) === undefined) added += 1;
    expect(added).toBe(n);
    expect(set.size).toBe(n);
    expect(set.slots).toBeGreaterThanOrEqual((n * 4) / 3);
    for (let i = 0; i < n; i++) {
      if (set.getOrAdd(fp((i * 64) >>> 0, i, ~i >>> 0, 42), n + 10) !== i + 1) throw new Error(`lost entry ${i}`);
    }
    expect(set.size).toBe(n);
  });

  it('refuses line numbers it cannot store', () => {
    const set = new FingerprintMap();
    expect(() => set.getOrAdd(fp(1), 0)).toThrow(RangeError);
    expect(() => set.getOrAdd(fp(1), 2 ** 32)).toThrow(RangeError);
  });
});

describe('DuplicateTracker', () => {
  it('points later copies at the first one', () => {
    const tracker = new DuplicateTracker();
    expect(tracker.check(['a', 'b'], 2)).toBeUndefined();
    expect(tracker.check(['a', 'c'], 3)).toBeUndefined();
    expect(tracker.check(['a', 'b'], 5)).toEqual({ code: 'duplicate_row', message: 'same values as line 2' });
    expect(tracker.check(['a', 'b'], 8)).toEqual({ code: 'duplicate_row', message: 'same values as line 2' });
  });

  it('does not confuse rows whose values only join to the same text', () => {
    const tracker = new DuplicateTracker();
    expect(tracker.check(['a,b', 'c'], 2)).toBeUndefined();
    expect(tracker.check(['a', 'b,c'], 3)).toBeUndefined();
    expect(tracker.check(['a', ''], 4)).toBeUndefined();
    expect(tracker.check(['a'], 5)).toBeUndefined();
  });

  it('finds every copy among many distinct rows, past the initial capacity', () => {
    const tracker = new DuplicateTracker();
    const rows = 200_000;
    const row = (i: number): string[] => [`item ${i % 997}`, `buyer ${i}`, String(i * 7), '14/04/2019'];
    let found = 0;
    for (let i = 0; i < rows; i++) if (tracker.check(row(i), i + 2) !== undefined) found += 1;
    expect(found).toBe(0);
    for (const i of [0, 1, 65_535, 123_456, rows - 1]) {
      expect(tracker.check(row(i), rows + 10)).toEqual({ code: 'duplicate_row', message: `same values as line ${i + 2}` });
    }
  });
});
