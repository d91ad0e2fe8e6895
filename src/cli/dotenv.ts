import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * A tiny reader for the git-ignored `.env` file next to where `returns` runs, so secrets can live
 * there instead of in a shell profile. No dependency, no variable expansion.
 *
 * Grammar, one assignment a line:
 *   KEY=value            unquoted: surrounding blanks trimmed; ` # comment` after a blank is cut
 *   export KEY=value     the shell's `export` prefix is accepted
 *   KEY='value'          single quotes: taken literally (a `#` or `\` inside is kept)
 *   KEY="a\nb"           double quotes: \n \r \t \" \\ are escapes; either quote may span lines
 *   # comment, blank lines
 * A later assignment of the same key wins.
 */
export interface DotenvParseResult {
  readonly values: Record<string, string>;
  /**
   * 1-based numbers of the lines that are not assignments. Only numbers: a malformed line may
   * well be a secret, so its text is never repeated anywhere.
   */
  readonly badLines: number[];
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/s;
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };

export function parseDotenv(text: string): DotenvParseResult {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const values: Record<string, string> = {};
  const badLines: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = ASSIGNMENT.exec(line);
    if (!m) {
      badLines.push(lineNo);
      continue;
    }
    const key = m[1]!;
    let rest = m[2]!;
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      values[key] = ` ${rest}`.replace(/\s+#.*$/, '').trim();
      continue;
    }
    // A quoted value: gather following lines until the closing quote.
    let close = findClosingQuote(rest, quote);
    while (close < 0 && i + 1 < lines.length) {
      rest += `\n${lines[++i]!}`;
      close = findClosingQuote(rest, quote);
    }
    const after = close < 0 ? '' : rest.slice(close + 1).trim();
    if (close < 0 || (after !== '' && !after.startsWith('#'))) {
      badLines.push(lineNo);
      continue;
    }
    const inner = rest.slice(1, close);
    values[key] = quote === "'" ? inner : inner.replace(/\\(.)/gs, (all, c: string) => DOUBLE_QUOTE_ESCAPES[c] ?? all);
  }
  return { values, badLines };
}

/** Index of the quote closing the value that opens at index 0, or -1 when it is not closed. */
function findClosingQuote(s: string, quote: string): number {
  for (let i = 1; i < s.length; i++) {
    if (quote === '"' && s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === quote) return i;
  }
  return -1;
}

/**
 * Copies the values into `env` for the keys `env` does not have yet: a variable set by the real
 * environment (even to an empty string) always wins over the file. Returns the keys it set.
 */
export function applyDotenv(values: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (Object.prototype.hasOwnProperty.call(env, key)) continue;
    env[key] = value;
    applied.push(key);
  }
  return applied;
}

/**
 * Loads `<cwd>/.env` into `env` when the file exists (see applyDotenv). Malformed lines are
 * reported through `warn` by number and skipped; a missing file is not an error.
 */
export function loadDotenvFile(cwd: string, env: NodeJS.ProcessEnv, warn: (message: string) => void): string[] {
  const file = path.join(cwd, '.env');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    warn(`cannot read ${file}: ${code ?? (err as Error).message}; continuing without it`);
    return [];
  }
  const { values, badLines } = parseDotenv(text);
  for (const n of badLines) warn(`${file} line ${n} is not KEY=VALUE; ignored`);
  return applyDotenv(values, env);
}
