/**
 * Rules for the keys and key segments of the object store. Task parameters become key segments,
 * so a value must never climb out of its folder or hide a control character in a path.
 */
export class UnsafeKeyError extends Error {
  constructor(readonly value: string, reason: string) {
    super(`unsafe store key ${JSON.stringify(value)}: ${reason}`);
    this.name = 'UnsafeKeyError';
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A single path segment: no separators, no dot-segments, no control characters. */
export function assertSafeSegment(value: string): string {
  if (value.length === 0) throw new UnsafeKeyError(value, 'empty segment');
  if (CONTROL.test(value)) throw new UnsafeKeyError(value, 'control character');
  if (value.includes('/') || value.includes('\\')) throw new UnsafeKeyError(value, 'contains a path separator');
  if (value === '.' || value === '..') throw new UnsafeKeyError(value, 'dot segment');
  return value;
}

/** A relative key of '/'-separated safe segments. */
export function assertSafeKey(key: string): string {
  if (key.startsWith('/')) throw new UnsafeKeyError(key, 'absolute path');
  for (const segment of key.split('/')) assertSafeSegment(segment);
  return key;
}

export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).map((p) => p.replace(/^\/+|\/+$/g, '')).join('/');
}
