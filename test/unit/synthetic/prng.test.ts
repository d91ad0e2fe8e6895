import { cumulativeWeights, hash32, Rng, SplitMix64, Xoshiro128StarStar } from '../../../src/domain/synthetic/prng.js';

describe('xoshiro128**', () => {
  it('reproduces the reference implementation (xoshiro128starstar.c 1.1) from state 1, 2, 3, 4', () => {
    // The outputs published with rand_xoshiro's port, produced by the authors' C code.
    const rng = new Xoshiro128StarStar(1, 2, 3, 4);
    const expected = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804];
    expect(expected.map(() => rng.nextU32())).toEqual(expected);
  });

  it('refuses the all-zero state, which would only ever give zeros', () => {
    expect(() => new Xoshiro128StarStar(0, 0, 0, 0)).toThrow(/all zero/);
  });
});

describe('SplitMix64', () => {
  it('reproduces the reference implementation (splitmix64.c)', () => {
    const rng = new SplitMix64(1477776061723855037n);
    const expected = [
      1985237415132408290n, 2979275885539914483n, 13511426838097143398n, 8488337342461049707n, 15141737807933549159n,
      17093170987380407015n, 16389528042912955399n, 13177319091862933652n, 10841969400225389492n, 17094824097954834098n,
    ];
    expect(expected.map(() => rng.nextU64())).toEqual(expected);
  });
});

describe('Rng', () => {
  const draw = (seed: number, stream = 0): number[] => {
    const rng = Rng.fromSeed(seed, stream);
    return Array.from({ length: 8 }, () => rng.nextU32());
  };

  it('gives the same numbers for the same seed and stream, and different ones otherwise', () => {
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42, 0)).not.toEqual(draw(42, 1));
  });

  it('draws uniforms in [0, 1) with the right mean, and integers within bounds', () => {
    const rng = Rng.fromSeed(7);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const k = rng.intBetween(3, 35);
      expect(k >= 3 && k <= 35 && Number.isInteger(k)).toBe(true);
    }
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });

  it('draws standard normals', () => {
    const rng = Rng.fromSeed(11);
    const xs = Array.from({ length: 20_000 }, () => rng.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('picks by cumulative weight in proportion to the weights', () => {
    const rng = Rng.fromSeed(3);
    const counts = [0, 0, 0];
    const cumulative = cumulativeWeights([1, 1, 4]);
    expect([...cumulative]).toEqual([1, 2, 6]);
    for (let i = 0; i < 30_000; i++) {
      const k = rng.pickCumulative(cumulative);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect((counts[2] ?? 0) / 30_000).toBeCloseTo(4 / 6, 1);
    expect((counts[0] ?? 0) / 30_000).toBeCloseTo(1 / 6, 1);
  });
});

describe('hash32', () => {
  it('is a pure function of its inputs that changes with each of them', () => {
    expect(hash32(1, 2, 3)).toBe(hash32(1, 2, 3));
    expect(new Set([hash32(1, 2, 3), hash32(9, 2, 3), hash32(1, 9, 3), hash32(1, 2, 9)]).size).toBe(4);
    expect(hash32(1, 2, 3)).toBeGreaterThanOrEqual(0);
    expect(hash32(1, 2, 3)).toBeLessThan(2 ** 32);
  });
});
