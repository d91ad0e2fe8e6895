import type { Readable } from 'node:stream';

/** What a source hands over: the raw bytes of one CSV file as a stream, plus where they came from. */
export interface OpenedDataset {
  /** The raw bytes, unchanged. */
  readonly stream: Readable;
  /** The canonical URI of what was opened (secrets never included). */
  readonly uri: string;
  /** A version tag when the source has one (Kaggle dataset version, S3 ETag, file mtime+size). */
  readonly version?: string;
  /** Byte size when known in advance, for progress bars. */
  readonly size?: number;
}

/** Where order lines come from: a file, the data lake, Kaggle, HDFS or the generator. */
export interface DatasetSource {
  /** The URI the user configured, with any secrets removed. */
  readonly uri: string;
  /**
   * Opens the dataset. A source made of several files (a folder of daily files) yields them
   * concatenated as one CSV with a single header line.
   */
  open(): Promise<OpenedDataset>;
}
