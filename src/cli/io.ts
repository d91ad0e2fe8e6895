import type { Clock } from '../ports/clock.js';

/** The outside world as the CLI sees it; injected so tests run the CLI in-process. */
export interface CliIo {
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly home: string;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly clock: Clock;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}
