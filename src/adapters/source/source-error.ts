/**
 * The one error type sources raise for problems the user can fix (bad URI, missing file,
 * rejected credentials, a server that keeps failing). Its message is a single line that says
 * what was wrong, where, and what to do; the CLI prints it as is, without a stack trace.
 */
export class SourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(oneLine(message), options);
    this.name = 'SourceError';
  }
}

/** Credentials are missing or were rejected; the message names the variable to set. */
export class SourceCredentialsError extends SourceError {
  constructor(message: string) {
    super(message);
    this.name = 'SourceCredentialsError';
  }
}

/** Collapses whitespace so that text from a server body never breaks the one-line rule. */
export function oneLine(text: string, max = 500): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
