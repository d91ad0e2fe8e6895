/**
 * Exact duplicate rows: the same values in every column as an earlier row. The first copy is
 * judged on its own; every later copy is quarantined with a pointer to the first.
 */
import { FingerprintMap } from './fingerprint-map.js';
import { reason, type RowReason } from './reasons.js';
import { rowFingerprint } from './row-fingerprint.js';

/**
 * Remembers a 128-bit fingerprint per distinct row (27 to 53 bytes a row in typed arrays), not
 * the row, so memory stays small on files of tens of millions of rows. Two different rows with
 * the same fingerprint would quarantine the second as a duplicate; row-fingerprint.ts bounds the
 * chance (about 1.5e-23 at 1e8 rows).
 */
export class DuplicateTracker {
  /** Fingerprint of each distinct row -> the line of its first copy. */
  private readonly firstLines = new FingerprintMap();
  private readonly fingerprint = new Uint32Array(4);

  /** Remembers the row; returns a duplicate_row reason when an earlier row had the same values. */
  check(fields: readonly string[], lineNumber: number): RowReason | undefined {
    rowFingerprint(fields, this.fingerprint);
    const first = this.firstLines.getOrAdd(this.fingerprint, lineNumber);
    return first === undefined ? undefined : reason('duplicate_row', `same values as line ${first}`);
  }
}
