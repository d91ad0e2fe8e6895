/**
 * ByteProgress for the CLI: a cli-progress bar when the output is a terminal, otherwise a log
 * line every `intervalMs` (cron mail and CI logs want a few lines, not carriage returns).
 */
import cliProgress from 'cli-progress';
import type { Logger } from '../../ports/logger.js';
import type { ByteProgress } from '../../ports/progress.js';

export interface ByteProgressOptions {
  /** Where the bar is drawn; a bar only when `isTTY` is true. */
  readonly output: NodeJS.WritableStream & { isTTY?: boolean };
  readonly logger: Logger;
  /** What is being transferred, shown on the bar and in log lines. */
  readonly label: string;
  /** Milliseconds since some origin; injected so tests control time. */
  readonly now?: () => number;
  readonly intervalMs?: number;
}

export function createByteProgress(options: ByteProgressOptions): ByteProgress {
  return options.output.isTTY ? barProgress(options) : logProgress(options);
}

function barProgress(options: ByteProgressOptions): ByteProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream: options.output,
      format: `${options.label} [{bar}] {percentage}% {done}/{size} MiB`,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let transferred = 0;
  let total = 0;
  const payload = (): Record<string, string> => ({ done: mib(transferred), size: total > 0 ? mib(total) : '?' });
  return {
    start(totalBytes) {
      total = totalBytes ?? 0;
      // Unknown size: the bar's total grows with the bytes, so it reads "so far".
      bar.start(Math.max(total, 1), 0, payload());
    },
    advance(bytes) {
      transferred += bytes;
      if (transferred > total) bar.setTotal(transferred);
      bar.update(transferred, payload());
    },
    stop() {
      bar.stop();
    },
  };
}

function logProgress(options: ByteProgressOptions): ByteProgress {
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 10_000;
  let transferred = 0;
  let total: number | undefined;
  let lastLog = 0;
  const fields = (): Record<string, unknown> => ({
    bytes: transferred,
    ...(total ? { total_bytes: total, percent: Math.floor((100 * transferred) / total) } : {}),
  });
  return {
    start(totalBytes) {
      total = totalBytes;
      lastLog = now();
    },
    advance(bytes) {
      transferred += bytes;
      const t = now();
      if (t - lastLog >= interval) {
        lastLog = t;
        options.logger.info(`${options.label}: in progress`, fields());
      }
    },
    stop() {
      options.logger.info(`${options.label}: transfer ended`, fields());
    },
  };
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
