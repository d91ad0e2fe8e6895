/**
 * Sorting the lines spark-submit prints into the run log. Spark's own chatter (INFO and below,
 * stack trace lines, Python tracebacks) goes to debug; its warnings and errors, and the driver's
 * progress lines, go to info. Failures are reported once, by the engine's error, so nothing here
 * is logged above info.
 */

export interface SparkLogLine {
  readonly level: 'debug' | 'info';
  readonly message: string;
  /** Spark's own level when the line has one (INFO, WARN...). */
  readonly sparkLevel?: string;
}

/** The prefix spark/driver.py puts on its own lines. */
export const DRIVER_LINE_PREFIX = 'returns-driver: ';
/** A very long line (a JSON log record with a whole stack trace) is cut, the run log stays readable. */
export const MAX_LOG_LINE = 2000;

const LOG4J_LEVEL = /\b(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)\b/;

function cut(text: string): string {
  return text.length > MAX_LOG_LINE ? `${text.slice(0, MAX_LOG_LINE - 1)}…` : text;
}

function levelFor(sparkLevel: string): 'debug' | 'info' {
  return sparkLevel === 'WARN' || sparkLevel === 'ERROR' || sparkLevel === 'FATAL' ? 'info' : 'debug';
}

/** Spark 4 may log structured JSON lines: {"ts":..., "level":..., "logger":..., "msg":...}. */
function structured(line: string): SparkLogLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const record = JSON.parse(line) as Record<string, unknown>;
    if (typeof record['level'] !== 'string' || typeof record['msg'] !== 'string') return undefined;
    const sparkLevel = record['level'].toUpperCase();
    const logger = typeof record['logger'] === 'string' ? `${record['logger']}: ` : '';
    return { level: levelFor(sparkLevel), message: cut(`${sparkLevel} ${logger}${record['msg']}`), sparkLevel };
  } catch {
    return undefined;
  }
}

/** One line of spark-submit's output as a run-log entry, or undefined for a blank line. */
export function classifySparkLogLine(raw: string): SparkLogLine | undefined {
  const line = raw.replace(/\s+$/, '');
  if (line.trim() === '') return undefined;
  if (line.startsWith(DRIVER_LINE_PREFIX)) return { level: 'info', message: cut(line.slice(DRIVER_LINE_PREFIX.length)) };
  const json = structured(line);
  if (json !== undefined) return json;
  // Plain log4j lines ("25/11/27 09:39:19 WARN NativeCodeLoader: ..."): the level is in the first
  // few words; anything else (stack frames, tracebacks, banners) is debug.
  const head = line.slice(0, 40);
  const sparkLevel = LOG4J_LEVEL.exec(head)?.[1];
  if (sparkLevel !== undefined) return { level: levelFor(sparkLevel), message: cut(line), sparkLevel };
  return { level: 'debug', message: cut(line) };
}

/** Replaces every secret in a line by `***` (credentials must never reach a log). */
export function redactSecrets(line: string, secrets: readonly string[]): string {
  let text = line;
  for (const secret of secrets) if (secret.length >= 4) text = text.split(secret).join('***');
  return text;
}
