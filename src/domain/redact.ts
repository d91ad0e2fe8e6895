/**
 * Secrets (keys, tokens) must never reach a log line, the run log, the store or a report, even
 * when a user pastes one into a URI or an error echoes it back. A redactor replaces every known
 * secret value, and its URL-encoded form, with `***`.
 */
export type Redact = (text: string) => string;

export function redactor(secrets: readonly string[]): Redact {
  const values = [...new Set(secrets.filter((s) => s.length >= 4).flatMap((s) => [s, encodeURIComponent(s)]))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  return (text) => values.reduce((acc, s) => acc.split(s).join('***'), text);
}
