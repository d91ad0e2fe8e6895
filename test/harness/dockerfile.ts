/**
 * A small Dockerfile reader for static checks (no Docker engine runs here). It knows what the
 * checks need: comments and parser directives, `\` line continuations (comment lines inside a
 * continuation are dropped, as Docker does), the keyword, leading `--flag=value` options, the
 * JSON (exec) form, and stages. Heredocs and a custom escape directive are rejected, not guessed.
 */
export interface DockerInstruction {
  /** Upper case: FROM, RUN, COPY... */
  readonly keyword: string;
  /** Everything after the keyword and its flags, continuations joined with a space. */
  readonly args: string;
  /** `--from=stage`, `--chown=user`... */
  readonly flags: Readonly<Record<string, string>>;
  /** The exec form's array, when the arguments are one. */
  readonly json?: readonly string[];
  /** 1-based line where the instruction starts. */
  readonly line: number;
}

export interface DockerStage {
  /** The image or stage it starts from, as written (ARGs not expanded). */
  readonly from: string;
  readonly name?: string;
  readonly instructions: readonly DockerInstruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (usable in FROM lines). */
  readonly globalArgs: readonly DockerInstruction[];
  readonly stages: readonly DockerStage[];
}

export class DockerfileSyntaxError extends Error {
  constructor(line: number, message: string) {
    super(`Dockerfile line ${line}: ${message}`);
    this.name = 'DockerfileSyntaxError';
  }
}

const FLAGGED = new Set(['FROM', 'COPY', 'ADD', 'RUN']);

export function parseInstructions(text: string): DockerInstruction[] {
  const lines = text.split(/\r?\n/);
  const out: DockerInstruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i]!.trim();
    if (first === '' || first.startsWith('#')) continue;
    if (/^#\s*escape\s*=/i.test(first)) throw new DockerfileSyntaxError(i + 1, 'the escape directive is not supported');
    const start = i + 1;
    let logical = first;
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1).trimEnd();
      // Continuation: skip blank and comment lines inside it, as Docker does.
      let next: string | undefined;
      while (++i < lines.length) {
        const t = lines[i]!.trim();
        if (t === '' || t.startsWith('#')) continue;
        next = t;
        break;
      }
      if (next === undefined) throw new DockerfileSyntaxError(start, 'the file ends inside a line continuation');
      logical = `${logical} ${next}`;
    }
    const m = /^([A-Za-z]+)(?:\s+(.*))?$/s.exec(logical);
    if (!m) throw new DockerfileSyntaxError(start, `cannot read ${JSON.stringify(logical.slice(0, 40))}`);
    const keyword = m[1]!.toUpperCase();
    let args = (m[2] ?? '').trim();
    if (/<<-?\s*["']?[A-Za-z_]/.test(args) && (keyword === 'RUN' || keyword === 'COPY')) {
      throw new DockerfileSyntaxError(start, 'heredocs are not supported by this reader');
    }
    const flags: Record<string, string> = {};
    if (FLAGGED.has(keyword)) {
      for (let f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(args); f; f = /^--([a-z-]+)(?:=(\S*))?\s*/.exec(args)) {
        flags[f[1]!] = f[2] ?? 'true';
        args = args.slice(f[0].length);
      }
    }
    let json: string[] | undefined;
    if (args.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(args);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) json = parsed as string[];
      } catch {
        json = undefined; // the shell form happens to start with '['
      }
    }
    out.push({ keyword, args, flags, ...(json ? { json } : {}), line: start });
  }
  return out;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: DockerInstruction[] = [];
  const stages: { from: string; name?: string; instructions: DockerInstruction[] }[] = [];
  for (const ins of parseInstructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new DockerfileSyntaxError(ins.line, `bad FROM ${JSON.stringify(ins.args)}`);
      stages.push({ from: m[1]!, ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else if (stages.length === 0) {
      if (ins.keyword !== 'ARG') throw new DockerfileSyntaxError(ins.line, `${ins.keyword} before the first FROM`);
      globalArgs.push(ins);
    } else {
      stages[stages.length - 1]!.instructions.push(ins);
    }
  }
  if (stages.length === 0) throw new DockerfileSyntaxError(1, 'no FROM');
  return { globalArgs, stages };
}

/** `NAME=default` of ARG instructions, as a map (a bare `ARG NAME` maps to undefined). */
export function argDefaults(instructions: readonly DockerInstruction[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const ins of instructions.filter((i) => i.keyword === 'ARG')) {
    const eq = ins.args.indexOf('=');
    if (eq < 0) out.set(ins.args.trim(), undefined);
    else out.set(ins.args.slice(0, eq).trim(), ins.args.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** `${NAME}` and `$NAME` replaced from the map; unknown names are left as written. */
export function expandArgs(value: string, args: ReadonlyMap<string, string | undefined>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a?: string, b?: string) => args.get((a ?? b)!) ?? all);
}
