import type { Readable } from 'node:stream';
import type { ObjectBody, ObjectStore } from '../ports/object-store.js';

/** A checkpoint a task declares in output(): a key in the store, relative to its root. */
export class TargetRef {
  constructor(readonly key: string) {}
}

/**
 * A target bound to a store: what a running task reads and writes. Writes are atomic (the store
 * guarantees it), and a task's targets only count once its completion marker is written.
 */
export class Target {
  constructor(
    readonly store: ObjectStore,
    readonly key: string,
  ) {}

  get uri(): string {
    return this.store.uriOf(this.key);
  }

  exists(): Promise<boolean> {
    return this.store.exists(this.key);
  }

  read(): Promise<Buffer> {
    return this.store.get(this.key);
  }

  async readText(): Promise<string> {
    return (await this.read()).toString('utf8');
  }

  async readJson<T = unknown>(): Promise<T> {
    return JSON.parse(await this.readText()) as T;
  }

  readStream(): Promise<Readable> {
    return this.store.getStream(this.key);
  }

  write(body: ObjectBody): Promise<void> {
    return this.store.put(this.key, body);
  }

  /** Deterministic JSON: two-space indent and a final newline. */
  writeJson(value: unknown): Promise<void> {
    return this.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}

/** One target, a list, or a record of named targets: the shapes output() may return. */
export type Outputs = TargetRef | readonly TargetRef[] | Readonly<Record<string, TargetRef>> | undefined;

/** The bound shape matching an Outputs shape. */
export type BoundOutputs<O> = O extends TargetRef
  ? Target
  : O extends readonly TargetRef[]
    ? Target[]
    : O extends Readonly<Record<string, TargetRef>>
      ? { [K in keyof O]: Target }
      : undefined;

export function flattenOutputs(outputs: Outputs): TargetRef[] {
  if (outputs === undefined) return [];
  if (outputs instanceof TargetRef) return [outputs];
  if (Array.isArray(outputs)) return [...outputs];
  return Object.values(outputs as Record<string, TargetRef>);
}

export function bindOutputs<O extends Outputs>(store: ObjectStore, outputs: O): BoundOutputs<O> {
  if (outputs === undefined) return undefined as BoundOutputs<O>;
  if (outputs instanceof TargetRef) return new Target(store, outputs.key) as BoundOutputs<O>;
  if (Array.isArray(outputs)) return outputs.map((o: TargetRef) => new Target(store, o.key)) as BoundOutputs<O>;
  const out: Record<string, Target> = {};
  for (const [name, ref] of Object.entries(outputs as Record<string, TargetRef>)) out[name] = new Target(store, ref.key);
  return out as BoundOutputs<O>;
}
