/**
 * Exact duplicate rows: the same values in every column as an earlier row. The first copy is
 * judged on its own; every later copy is quarantined with a pointer to the first.
 */
import { reason, type RowReason } from './reasons.js';

/** The identity of a row's values; callers may hash it to keep memory small on big files. */
export function rowIdentity(fields: readonly string[]): string {
  // U+001F (unit separator) never appears in CSV text of this file, so joins cannot collide.
  return `${fields.length}\u001f${fields.join('\u001f')}`;
}

export class DuplicateTracker {
  private readonly firstLineOf = new Map<string, number>();

  /** Remembers the row; returns a duplicate_row reason when an earlier row had the same key. */
  check(key: string, lineNumber: number): RowReason | undefined {
    const first = this.firstLineOf.get(key);
    if (first !== undefined) return reason('duplicate_row', `same values as line ${first}`);
    this.firstLineOf.set(key, lineNumber);
    return undefined;
  }
}
