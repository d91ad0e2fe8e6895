import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { configSchema, type ReturnsConfig } from '../../config/schema.js';
import { UsageError } from './usage-error.js';

export interface ConfigOverrides {
  store?: string;
  source?: string;
  workers?: number;
}

/** Environment variables that set configuration (secrets are read elsewhere, never stored here). */
function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (env.RETURNS_STORE) out.store = env.RETURNS_STORE;
  if (env.RETURNS_SOURCE) out.source = env.RETURNS_SOURCE;
  if (env.RETURNS_WORKERS) out.workers = Number(env.RETURNS_WORKERS);
  if (env.RETURNS_LOG_LEVEL) out.log = { level: env.RETURNS_LOG_LEVEL };
  return out;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = b && typeof b === 'object' && !Array.isArray(b) && typeof v === 'object' && !Array.isArray(v) ? merge(b as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** defaults < config file < environment < flags; every layer checked by the schema. */
export async function loadConfig(opts: { file?: string; env: NodeJS.ProcessEnv; cwd: string; overrides: ConfigOverrides }): Promise<ReturnsConfig> {
  const file = opts.file ?? opts.env.RETURNS_CONFIG;
  let fromFile: Record<string, unknown> = {};
  if (file) {
    const full = path.resolve(opts.cwd, file);
    let text: string;
    try {
      text = await readFile(full, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read config file ${full}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    try {
      fromFile = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`config file ${full} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const merged = merge(merge(fromFile, fromEnv(opts.env)), opts.overrides as Record<string, unknown>);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new UsageError(`bad configuration at '${where}': ${issue.message}${file ? ` (file ${file}, or RETURNS_* variables)` : ''}`);
  }
  return parsed.data;
}
