import winston from 'winston';
import { redactor } from '../../domain/redact.js';
import type { LogFields, Logger } from '../../ports/logger.js';

export interface LoggerOptions {
  /** JSON lines (for machines) or readable lines (for a terminal). */
  readonly json: boolean;
  readonly level?: 'debug' | 'info' | 'warn' | 'error';
  /** Where lines go; stderr by default, so stdout stays for command output. */
  readonly stream?: NodeJS.WritableStream;
  /** Values that must never appear in a log line (secrets); each is replaced by `***`. */
  readonly redact?: readonly string[];
}

/**
 * winston behind the Logger port. On a terminal: `09:15:00 info  [task] message key=value`;
 * elsewhere one JSON object per line. Every line carries the fields of its child chain
 * (run_id for a run, task_id inside a task).
 */
export function createWinstonLogger(options: LoggerOptions): Logger {
  const redact = redactor(options.redact ?? []);
  const readable = winston.format.printf((info) => {
    const { level, message, timestamp, run_id: _runId, task_id: taskId, ...rest } = info as Record<string, unknown>;
    const extras = Object.entries(rest)
      .filter(([k]) => typeof k === 'string' && !k.startsWith('Symbol('))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    const time = String(timestamp).slice(11, 19);
    return redact(`${time} ${String(level).padEnd(5)} ${taskId ? `[${String(taskId)}] ` : ''}${String(message)}${extras ? `  ${extras}` : ''}`);
  });
  const jsonLine = winston.format.printf((info) => redact(JSON.stringify({ ...info, level: info.level })));
  const base = winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), options.json ? jsonLine : readable),
    transports: [new winston.transports.Stream({ stream: options.stream ?? process.stderr })],
  });
  return wrap(base);
}

function wrap(w: winston.Logger): Logger {
  return {
    debug: (m: string, f?: LogFields) => void w.debug(m, f ?? {}),
    info: (m: string, f?: LogFields) => void w.info(m, f ?? {}),
    warn: (m: string, f?: LogFields) => void w.warn(m, f ?? {}),
    error: (m: string, f?: LogFields) => void w.error(m, f ?? {}),
    child: (fields: LogFields) => wrap(w.child(fields)),
  };
}

/** A logger that keeps lines in memory, for tests. */
export function createMemoryLogger(): Logger & { lines: { level: string; message: string; fields: LogFields }[] } {
  const lines: { level: string; message: string; fields: LogFields }[] = [];
  const make = (bound: LogFields): Logger => ({
    debug: (message, f) => void lines.push({ level: 'debug', message, fields: { ...bound, ...f } }),
    info: (message, f) => void lines.push({ level: 'info', message, fields: { ...bound, ...f } }),
    warn: (message, f) => void lines.push({ level: 'warn', message, fields: { ...bound, ...f } }),
    error: (message, f) => void lines.push({ level: 'error', message, fields: { ...bound, ...f } }),
    child: (fields) => make({ ...bound, ...fields }),
  });
  return Object.assign(make({}), { lines });
}
