/**
 * A 128-bit fingerprint of a row's values, computed without building a string per row: the
 * duplicate check runs once per row of files with tens of millions of rows, so it must neither
 * allocate nor call into node:crypto.
 *
 * The hash is MurmurHash3 x86_128 (seed 0) over 32-bit little-endian words that spell the row
 * unambiguously: the number of values, then for each value its length in UTF-16 code units and
 * its code units packed two per word (the last word of an odd-length value is padded with 0).
 * Lengths go first, so no two different rows give the same word sequence: equal fingerprints
 * mean equal rows unless the hash collides.
 *
 * Collisions: for n distinct rows the chance that any two share a fingerprint is about
 * n² / 2^129; at 1e8 rows that is about 1.5e-23, negligible next to any other fault. The bound
 * holds for data that nobody crafted against MurmurHash3, which is not a cryptographic hash; a
 * deliberately crafted collision would only quarantine one row as a duplicate, visibly.
 */

/** Where the words of one row are spelled out; grown when a row needs more. */
let scratch = new Uint32Array(256);

function ensureWords(n: number): Uint32Array {
  if (n > scratch.length) {
    let size = scratch.length;
    while (size < n) size *= 2;
    scratch = new Uint32Array(size);
  }
  return scratch;
}

/** The words `rowFingerprint` hashes, written into the scratch buffer; returns their count. */
function spellRow(fields: readonly string[]): number {
  let needed = 1;
  for (const value of fields) needed += 1 + ((value.length + 1) >>> 1);
  const words = ensureWords(needed);
  let w = 0;
  words[w++] = fields.length;
  for (const value of fields) {
    const length = value.length;
    words[w++] = length;
    let i = 0;
    for (; i + 1 < length; i += 2) words[w++] = value.charCodeAt(i) | (value.charCodeAt(i + 1) << 16);
    if (i < length) words[w++] = value.charCodeAt(i);
  }
  return w;
}

// A module binding, not a global lookup per call: in a vm context (as under jest) every read of
// the global `Math` is an interceptor call, which made hashing 30 times slower there.
const imul = Math.imul;

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * MurmurHash3 x86_128 with seed 0 over the first `count` words of `words` (4·count bytes, little
 * endian). Writes h1..h4 as unsigned 32-bit numbers into `out[0..3]`.
 */
export function murmur3x86x128Words(words: Uint32Array, count: number, out: Uint32Array): void {
  let h1 = 0;
  let h2 = 0;
  let h3 = 0;
  let h4 = 0;
  const blocks = count - (count & 3);
  let k1: number;
  let k2: number;
  let k3: number;
  let k4: number;
  for (let i = 0; i < blocks; i += 4) {
    k1 = imul(rotl(imul(words[i] as number, C1), 15), C2);
    h1 ^= k1;
    h1 = rotl(h1, 19) + h2;
    h1 = (imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = imul(rotl(imul(words[i + 1] as number, C2), 16), C3);
    h2 ^= k2;
    h2 = rotl(h2, 17) + h3;
    h2 = (imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = imul(rotl(imul(words[i + 2] as number, C3), 17), C4);
    h3 ^= k3;
    h3 = rotl(h3, 15) + h4;
    h3 = (imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = imul(rotl(imul(words[i + 3] as number, C4), 18), C1);
    h4 ^= k4;
    h4 = rotl(h4, 13) + h1;
    h4 = (imul(h4, 5) + 0x32ac3b17) | 0;
  }
  const tail = count & 3;
  if (tail >= 3) h3 ^= imul(rotl(imul(words[blocks + 2] as number, C3), 17), C4);
  if (tail >= 2) h2 ^= imul(rotl(imul(words[blocks + 1] as number, C2), 16), C3);
  if (tail >= 1) h1 ^= imul(rotl(imul(words[blocks] as number, C1), 15), C2);

  const bytes = count * 4;
  h1 ^= bytes;
  h2 ^= bytes;
  h3 ^= bytes;
  h4 ^= bytes;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  out[0] = h1;
  out[1] = h2;
  out[2] = h3;
  out[3] = h4;
}

/** Writes the fingerprint of a row's values into `out[0..3]` (see the module comment). */
export function rowFingerprint(fields: readonly string[], out: Uint32Array): void {
  const count = spellRow(fields); // may replace `scratch` with a bigger buffer
  murmur3x86x128Words(scratch, count, out);
}
