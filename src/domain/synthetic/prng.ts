/**
 * Seeded pseudo-random numbers for the synthetic data generator.
 *
 * Two published generators by Blackman and Vigna, written out so the output depends on nothing but
 * the seed (Math.random is neither seedable nor the same across runs):
 * - SplitMix64 (splitmix64.c) turns a user seed into generator state, as its authors recommend;
 *   it runs on BigInt, which is slow, so it is used only when a generator is created.
 * - xoshiro128** 1.1 (xoshiro128starstar.c) draws every number; 32-bit arithmetic keeps it fast
 *   in JavaScript (Math.imul and unsigned shifts).
 * Both are checked against the reference implementation's outputs in test/unit/synthetic.
 *
 * `hash32` is a stateless integer mix (MurmurHash3's fmix32 finaliser) used to derive a value
 * from an index without storing it, e.g. a buyer's traits from the buyer's number.
 */

const MASK_64 = (1n << 64n) - 1n;

/** SplitMix64: a 64-bit state advanced by the golden gamma and mixed; used for seeding only. */
export class SplitMix64 {
  private state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK_64;
  }

  nextU64(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK_64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
    return z ^ (z >> 31n);
  }
}

function rotl32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro128**: 128 bits of state, 32-bit outputs, period 2^128 - 1. */
export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** The raw state words; they must not all be zero. */
  constructor(s0: number, s1: number, s2: number, s3: number) {
    if ((s0 | s1 | s2 | s3) === 0) throw new Error('xoshiro128** state must not be all zero');
    this.s0 = s0 | 0;
    this.s1 = s1 | 0;
    this.s2 = s2 | 0;
    this.s3 = s3 | 0;
  }

  /**
   * Seeds the state from two SplitMix64 outputs, low word first (the layout rand_xoshiro uses).
   * `stream` selects an independent generator for the same seed, so separate parts of the story
   * (catalogue, orders) do not shift each other when one of them draws more numbers.
   */
  static fromSeed(seed: number | bigint, stream = 0): Xoshiro128StarStar {
    const base = BigInt(seed) ^ ((BigInt(stream) * 0xd1b54a32d192ed03n) & MASK_64);
    const mixer = new SplitMix64(base);
    const a = mixer.nextU64();
    const b = mixer.nextU64();
    const words = [a & 0xffffffffn, a >> 32n, b & 0xffffffffn, b >> 32n].map((w) => Number(w) | 0);
    // An all-zero state from SplitMix64 would need two zero outputs in a row: it does not happen,
    // but the constructor guards it anyway.
    return new Xoshiro128StarStar(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 1);
  }

  /** The next 32-bit output as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl32(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl32(this.s3, 11);
    return result;
  }
}

const TWO_POW_32 = 4294967296;

/** The draws the story needs, on top of a xoshiro128** stream. */
export class Rng {
  constructor(private readonly source: Xoshiro128StarStar) {}

  static fromSeed(seed: number | bigint, stream = 0): Rng {
    return new Rng(Xoshiro128StarStar.fromSeed(seed, stream));
  }

  nextU32(): number {
    return this.source.nextU32();
  }

  /** Uniform in [0, 1), 32 bits of resolution (plenty for probabilities of a few percent). */
  uniform(): number {
    return this.source.nextU32() / TWO_POW_32;
  }

  /** Uniform integer in [0, n). The modulo bias is below 2^-20 for the small n used here. */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Uniform integer in [lo, hi], both included. */
  intBetween(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.uniform() < p;
  }

  /** A standard normal draw (Box-Muller; 1 - u keeps the logarithm finite). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('cannot pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** An index drawn with probability proportional to weights, given their running totals. */
  pickCumulative(cumulative: Float64Array | readonly number[]): number {
    const total = cumulative[cumulative.length - 1] ?? 0;
    const target = this.uniform() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] ?? 0) > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** `count` upper-case hexadecimal digits. */
  hex(count: number): string {
    let out = '';
    while (out.length < count) out += this.nextU32().toString(16).padStart(8, '0');
    return out.slice(0, count).toUpperCase();
  }
}

/** Running totals of weights, for Rng.pickCumulative. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed unsigned 32-bit value of (key, index, salt); the same inputs give the same value. */
export function hash32(key: number, index: number, salt: number): number {
  return fmix32((key ^ fmix32((index + Math.imul(salt, 0x9e3779b9)) | 0)) | 0);
}

/** hash32 as a uniform number in [0, 1). */
export function hashUniform(key: number, index: number, salt: number): number {
  return hash32(key, index, salt) / TWO_POW_32;
}

/** A 32-bit key derived from a seed, for hash32. */
export function seedKey(seed: number | bigint, stream: number): number {
  return Xoshiro128StarStar.fromSeed(seed, stream).nextU32();
}
