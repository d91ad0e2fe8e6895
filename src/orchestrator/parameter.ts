import { isIsoDate } from '../domain/dates.js';

/**
 * Typed task parameters. A parameter parses from a string (CLI, store path) and formats back to
 * the same canonical string, so a task id and its store path are stable across processes.
 */
export class ParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterError';
  }
}

export type ParamKind = 'string' | 'int' | 'date' | 'boolean' | 'enum';

export interface ParamSpec<T> {
  readonly kind: ParamKind;
  /** undefined means the parameter is required. */
  readonly default: T | undefined;
  /**
   * Significant parameters are part of the task id and the store path. Insignificant ones (Luigi's
   * `significant=False`) only steer how the work is done, e.g. where raw data is read from.
   */
  readonly significant: boolean;
  readonly description: string;
  readonly choices?: readonly string[];
  parse(raw: string): T;
  format(value: T): string;
  /** Checks a value given in code (not from a string). */
  check(value: unknown): T;
}

interface Options<T> {
  default?: T;
  significant?: boolean;
  description?: string;
}

function spec<T>(kind: ParamKind, opts: Options<T>, parse: (raw: string) => T, check: (v: unknown) => T, extra: Partial<ParamSpec<T>> = {}): ParamSpec<T> {
  return {
    kind,
    default: opts.default,
    significant: opts.significant ?? true,
    description: opts.description ?? '',
    parse,
    format: (v: T) => String(v),
    check,
    ...extra,
  };
}

function stringParam(opts: Options<string> = {}): ParamSpec<string> {
  const check = (v: unknown): string => {
    if (typeof v !== 'string') throw new ParameterError(`expected a string, got ${JSON.stringify(v)}`);
    return v;
  };
  return spec('string', opts, check, check);
}

function intParam(opts: Options<number> & { min?: number; max?: number } = {}): ParamSpec<number> {
  const check = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ParameterError(`expected an integer, got ${JSON.stringify(v)}`);
    if (opts.min !== undefined && v < opts.min) throw new ParameterError(`${v} is below the minimum ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) throw new ParameterError(`${v} is above the maximum ${opts.max}`);
    return v;
  };
  const parse = (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ParameterError(`expected an integer, got ${JSON.stringify(raw)}`);
    return check(Number(raw.trim()));
  };
  return spec('int', opts, parse, check);
}

function dateParam(opts: Options<string> = {}): ParamSpec<string> {
  const check = (v: unknown): string => {
    if (typeof v !== 'string' || !isIsoDate(v)) throw new ParameterError(`expected a date YYYY-MM-DD, got ${JSON.stringify(v)}`);
    return v;
  };
  return spec('date', opts, (raw) => check(raw.trim()), check);
}

function booleanParam(opts: Options<boolean> = {}): ParamSpec<boolean> {
  const check = (v: unknown): boolean => {
    if (typeof v !== 'boolean') throw new ParameterError(`expected true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const parse = (raw: string): boolean => {
    const s = raw.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'yes') return true;
    if (s === 'false' || s === '0' || s === 'no') return false;
    throw new ParameterError(`expected true or false, got ${JSON.stringify(raw)}`);
  };
  return spec('boolean', opts, parse, check);
}

function enumParam<const C extends readonly string[]>(choices: C, opts: Options<C[number]> = {}): ParamSpec<C[number]> {
  const check = (v: unknown): C[number] => {
    if (typeof v !== 'string' || !choices.includes(v)) {
      throw new ParameterError(`expected one of ${choices.join(', ')}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  return spec('enum', opts, (raw) => check(raw.trim()), check, { choices });
}

export const param = {
  string: stringParam,
  int: intParam,
  date: dateParam,
  boolean: booleanParam,
  enum: enumParam,
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ParamSchema = Record<string, ParamSpec<any>>;

export type ParamValues<S extends ParamSchema> = { readonly [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never };

/** What a constructor accepts: parameters with defaults may be left out. */
export type ParamInput<S extends ParamSchema> = {
  [K in keyof S as S[K]['default'] extends undefined ? K : never]: S[K] extends ParamSpec<infer T> ? T : never;
} & {
  [K in keyof S as S[K]['default'] extends undefined ? never : K]?: S[K] extends ParamSpec<infer T> ? T : never;
};

/** Fills defaults and checks every value; names the task and parameter on error. */
export function resolveParams<S extends ParamSchema>(family: string, schema: S, input: Record<string, unknown>): ParamValues<S> {
  for (const name of Object.keys(input)) {
    if (!(name in schema)) {
      throw new ParameterError(`${family} has no parameter '${name}' (parameters: ${Object.keys(schema).join(', ') || 'none'})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema)) {
    const given = input[name];
    if (given === undefined) {
      if (p.default === undefined) throw new ParameterError(`${family} needs parameter '${name}'`);
      out[name] = p.default;
    } else {
      try {
        out[name] = p.check(given);
      } catch (err) {
        throw new ParameterError(`${family} parameter '${name}': ${(err as Error).message}`);
      }
    }
  }
  return out as ParamValues<S>;
}

/** Parses string values (from the CLI) by the schema; unknown names are errors. */
export function parseParams(family: string, schema: ParamSchema, raw: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(raw)) {
    const p = schema[name];
    if (!p) throw new ParameterError(`${family} has no parameter '${name}' (parameters: ${Object.keys(schema).join(', ') || 'none'})`);
    try {
      out[name] = p.parse(value);
    } catch (err) {
      throw new ParameterError(`${family} parameter '${name}': ${(err as Error).message}`);
    }
  }
  return out;
}
