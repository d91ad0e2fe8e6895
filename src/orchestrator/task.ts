import { assertSafeSegment, joinKey } from '../domain/store-key.js';
import type { Clock } from '../ports/clock.js';
import type { Logger } from '../ports/logger.js';
import type { ObjectStore } from '../ports/object-store.js';
import { resolveParams, type ParamInput, type ParamSchema, type ParamValues } from './parameter.js';
import { bindOutputs, TargetRef, type BoundOutputs, type Outputs } from './target.js';

/** What requires() may return: nothing, one task, a list, or a record of named tasks. */
export type Requirements = AnyTask | readonly AnyTask[] | Readonly<Record<string, AnyTask>> | undefined;

/** Everything a running task may touch. Resources are the adapters the composition root injected. */
export interface TaskContext<R = unknown> {
  readonly runId: string;
  readonly taskId: string;
  readonly attempt: number;
  readonly store: ObjectStore;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly resources: R;
  /** Fires when the run is being stopped; long work should stop promptly. */
  readonly signal: AbortSignal;
}

/** The static side of a task class: how the CLI and the registry know it. */
export interface TaskClass<S extends ParamSchema = ParamSchema> {
  new (input: ParamInput<S>): Task<S>;
  readonly family: string;
  readonly params: S;
  /** Bump when the task's logic changes; recorded in the completion marker. */
  readonly version: string;
  readonly description: string;
}

/**
 * A unit of work in the DAG, in the style of Luigi: parameters identify it, requires() names
 * the tasks whose outputs it reads, output() names the targets it writes, run() does the work.
 */
export abstract class Task<S extends ParamSchema = ParamSchema, R = unknown> {
  static readonly family: string = 'Task';
  static readonly params: ParamSchema = {};
  static readonly version: string = '1';
  static readonly description: string = '';

  readonly p: ParamValues<S>;
  readonly id: string;
  /** The store folder of this task's outputs: `<Family>/<param=value>/...`. */
  readonly dir: string;

  constructor(input: ParamInput<S>) {
    const cls = this.constructor as unknown as TaskClass<S>;
    this.p = resolveParams(cls.family, cls.params, input as Record<string, unknown>);
    const significant = Object.entries(cls.params).filter(([, spec]) => spec.significant);
    const pairs = significant.map(([name, spec]) => `${name}=${spec.format(this.p[name])}`);
    this.id = `${cls.family}(${pairs.join(', ')})`;
    this.dir = joinKey(assertSafeSegment(cls.family), ...pairs.map((pair) => assertSafeSegment(pair)));
  }

  get family(): string {
    return (this.constructor as unknown as TaskClass<S>).family;
  }

  get version(): string {
    return (this.constructor as unknown as TaskClass<S>).version;
  }

  /** Every parameter, significant or not, as canonical strings (for markers and logs). */
  get paramStrings(): Record<string, string> {
    const cls = this.constructor as unknown as TaskClass<S>;
    const out: Record<string, string> = {};
    for (const [name, spec] of Object.entries(cls.params)) out[name] = spec.format(this.p[name]);
    return out;
  }

  requires(): Requirements {
    return undefined;
  }

  output(): Outputs {
    return undefined;
  }

  abstract run(ctx: TaskContext<R>): Promise<void>;

  /** A target in this task's folder. */
  protected file(name: string): TargetRef {
    return new TargetRef(joinKey(this.dir, name));
  }

  /** The bound targets of this task's output(), for use inside run(). */
  protected outputsIn<T extends AnyTask>(this: T, ctx: TaskContext<R>): BoundOutputs<ReturnType<T['output']>> {
    return bindOutputs(ctx.store, this.output() as ReturnType<T['output']>);
  }

  /** The bound targets of a required task's output(), for use inside run(). */
  protected inputOf<U extends AnyTask>(ctx: TaskContext<R>, required: U): BoundOutputs<ReturnType<U['output']>> {
    return bindOutputs(ctx.store, required.output() as ReturnType<U['output']>);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTask = Task<any, any>;

/** A task that only groups others (Luigi's WrapperTask): complete when its requirements are. */
export abstract class WrapperTask<S extends ParamSchema = ParamSchema, R = unknown> extends Task<S, R> {
  override output(): Outputs {
    return undefined;
  }

  async run(): Promise<void> {}
}

export function flattenRequirements(req: Requirements): AnyTask[] {
  if (req === undefined) return [];
  if (req instanceof Task) return [req];
  if (Array.isArray(req)) return [...req];
  return Object.values(req as Record<string, AnyTask>);
}
