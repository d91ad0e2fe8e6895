/**
 * Docker Compose's variable interpolation, for static checks of docker/compose.yaml without
 * Docker: `$$` is a literal `$`; `${VAR}`, `$VAR`, `${VAR:-default}` / `${VAR-default}` (default
 * when unset-or-empty / unset), `${VAR:?error}` / `${VAR?error}` (required).
 */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

export interface VariableUse {
  readonly name: string;
  /** '-' or ':-' (has a default), '?' or ':?' (required), undefined (plain). */
  readonly operator?: string;
  readonly operand?: string;
}

/** Every variable reference in a compose text (escaped `$$` excluded). */
export function variableUses(text: string): VariableUse[] {
  const out: VariableUse[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    if (m[0] === '$$') continue;
    const name = (m[1] ?? m[4])!;
    out.push({ name, ...(m[2] ? { operator: m[2], operand: m[3] ?? '' } : {}) });
  }
  return out;
}

export class MissingVariableError extends Error {
  constructor(name: string, message: string) {
    super(`required variable ${name} is missing: ${message}`);
    this.name = 'MissingVariableError';
  }
}

/** The value compose would use, given the variables of the env file. */
export function interpolate(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(REFERENCE, (all: string, braced?: string, op?: string, operand?: string, bare?: string) => {
    if (all === '$$') return '$';
    const name = (braced ?? bare)!;
    const v = vars[name];
    switch (op) {
      case ':-':
        return v === undefined || v === '' ? (operand ?? '') : v;
      case '-':
        return v === undefined ? (operand ?? '') : v;
      case ':?':
        if (v === undefined || v === '') throw new MissingVariableError(name, operand ?? '');
        return v;
      case '?':
        if (v === undefined) throw new MissingVariableError(name, operand ?? '');
        return v;
      default:
        return v ?? '';
    }
  });
}

/** Interpolates every string in a parsed compose document. */
export function interpolateAll<T>(doc: T, vars: Readonly<Record<string, string>>): T {
  if (typeof doc === 'string') return interpolate(doc, vars) as T;
  if (Array.isArray(doc)) return doc.map((d) => interpolateAll(d, vars)) as T;
  if (doc && typeof doc === 'object') return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, interpolateAll(v, vars)])) as T;
  return doc;
}

export interface PublishedPort {
  readonly hostIp?: string;
  readonly hostPort: number;
  readonly containerPort: number;
}

/** A short-syntax port (`[IP:]HOST:CONTAINER[/proto]` or `CONTAINER`) after interpolation. */
export function parsePort(spec: string | number): PublishedPort {
  const s = String(spec).replace(/\/(tcp|udp)$/, '');
  const m = /^(?:(.+):)?(\d+):(\d+)$/.exec(s);
  if (m) return { ...(m[1] ? { hostIp: m[1] } : {}), hostPort: Number(m[2]), containerPort: Number(m[3]) };
  if (/^\d+$/.test(s)) return { hostPort: Number(s), containerPort: Number(s) };
  throw new Error(`cannot read the port ${JSON.stringify(spec)}`);
}
