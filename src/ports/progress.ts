/**
 * Progress of a long byte transfer (ingesting the dataset). A terminal shows a bar; elsewhere
 * the adapter writes a log line now and then. Use cases only report; they never draw.
 */
export interface ByteProgress {
  /** The transfer starts; `totalBytes` when known in advance. */
  start(totalBytes?: number): void;
  /** `bytes` more were transferred. */
  advance(bytes: number): void;
  /** The transfer ended (successfully or not). */
  stop(): void;
}
