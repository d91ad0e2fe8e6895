/** A mistake in how the command was called: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes a cron wrapper can act on. */
export const ExitCode = {
  success: 0,
  taskFailed: 1,
  usage: 2,
  lockHeld: 3,
} as const;
