/**
 * A map from 128-bit fingerprints (see row-fingerprint.ts) to 32-bit values, kept in typed
 * arrays: 20 bytes a slot, 27 to 53 bytes an entry as the table fills from 3/8 to 3/4, instead of
 * a Map of strings (well over 100 bytes an entry, and a JS Map holds at most 2^24 entries, fewer
 * than some order files have rows).
 *
 * Open addressing with linear probing; the capacity is a power of two and doubles when the map is
 * 3/4 full. Fingerprints are hashes already, so their low bits pick the slot directly. Values are
 * 1..2^32-1 (line numbers, yyyymmdd dates): 0 marks an empty slot.
 */

/** 3/4: probes stay short (linear probing) while a doubling leaves the table 3/8 full. */
const MAX_LOAD_NUMERATOR = 3;
const MAX_LOAD_DENOMINATOR = 4;
/** 2^30 slots, 4 GiB per array: about 800 million entries, far beyond any order file. */
const MAX_CAPACITY = 2 ** 30;
const MAX_VALUE = 0xffffffff;

function checkValue(value: number): void {
  if (!(Number.isInteger(value) && value >= 1 && value <= MAX_VALUE)) {
    throw new RangeError(`a fingerprint map value must be an integer from 1 to ${MAX_VALUE}, got ${value}`);
  }
}

export class FingerprintMap {
  private capacity: number;
  private count = 0;
  /** The fingerprint's four 32-bit words, one array each so a probe reads the first word only. */
  private w0: Uint32Array;
  private w1: Uint32Array;
  private w2: Uint32Array;
  private w3: Uint32Array;
  private values: Uint32Array;

  constructor(initialCapacity = 1 << 16) {
    let capacity = 16;
    while (capacity < initialCapacity) capacity *= 2;
    this.capacity = capacity;
    this.w0 = new Uint32Array(capacity);
    this.w1 = new Uint32Array(capacity);
    this.w2 = new Uint32Array(capacity);
    this.w3 = new Uint32Array(capacity);
    this.values = new Uint32Array(capacity);
  }

  /** Distinct fingerprints held. */
  get size(): number {
    return this.count;
  }

  /** Slots allocated (a power of two); grows by doubling. */
  get slots(): number {
    return this.capacity;
  }

  /** The value of `fingerprint` (words 0..3), or undefined when it is not in the map. */
  get(fingerprint: Uint32Array): number | undefined {
    const value = this.values[this.slotOf(fingerprint)] as number;
    return value === 0 ? undefined : value;
  }

  /** The value already held for `fingerprint`; when there is none, stores `value` and returns undefined. */
  getOrAdd(fingerprint: Uint32Array, value: number): number | undefined {
    checkValue(value);
    const slot = this.slotOf(fingerprint);
    const held = this.values[slot] as number;
    if (held !== 0) return held;
    this.add(slot, fingerprint, value);
    return undefined;
  }

  /** Stores `value` for `fingerprint` unless a smaller or equal value is held already. */
  keepMin(fingerprint: Uint32Array, value: number): void {
    checkValue(value);
    const slot = this.slotOf(fingerprint);
    const held = this.values[slot] as number;
    if (held === 0) this.add(slot, fingerprint, value);
    else if (value < held) this.values[slot] = value;
  }

  /** The slot holding `fingerprint`, or the empty slot where it belongs. */
  private slotOf(fingerprint: Uint32Array): number {
    const f0 = fingerprint[0] as number;
    const f1 = fingerprint[1] as number;
    const f2 = fingerprint[2] as number;
    const f3 = fingerprint[3] as number;
    const mask = this.capacity - 1;
    let slot = f0 & mask;
    while (this.values[slot] !== 0) {
      if (this.w0[slot] === f0 && this.w1[slot] === f1 && this.w2[slot] === f2 && this.w3[slot] === f3) return slot;
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private add(slot: number, fingerprint: Uint32Array, value: number): void {
    this.store(slot, fingerprint[0] as number, fingerprint[1] as number, fingerprint[2] as number, fingerprint[3] as number, value);
    this.count += 1;
    if (this.count * MAX_LOAD_DENOMINATOR > this.capacity * MAX_LOAD_NUMERATOR) this.grow();
  }

  private store(slot: number, f0: number, f1: number, f2: number, f3: number, value: number): void {
    this.w0[slot] = f0;
    this.w1[slot] = f1;
    this.w2[slot] = f2;
    this.w3[slot] = f3;
    this.values[slot] = value;
  }

  private grow(): void {
    if (this.capacity >= MAX_CAPACITY) {
      throw new RangeError(`more than ${(MAX_CAPACITY / MAX_LOAD_DENOMINATOR) * MAX_LOAD_NUMERATOR} distinct fingerprints: too many to hold`);
    }
    const { w0, w1, w2, w3, values } = this;
    const capacity = this.capacity * 2;
    this.capacity = capacity;
    this.w0 = new Uint32Array(capacity);
    this.w1 = new Uint32Array(capacity);
    this.w2 = new Uint32Array(capacity);
    this.w3 = new Uint32Array(capacity);
    this.values = new Uint32Array(capacity);
    const mask = capacity - 1;
    for (let old = 0; old < values.length; old++) {
      const value = values[old] as number;
      if (value === 0) continue;
      const f0 = w0[old] as number;
      let slot = f0 & mask;
      while (this.values[slot] !== 0) slot = (slot + 1) & mask;
      this.store(slot, f0, w1[old] as number, w2[old] as number, w3[old] as number, value);
    }
  }
}
