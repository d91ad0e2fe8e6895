import { param } from '../../src/orchestrator/parameter.js';
import { Task, WrapperTask, type AnyTask, type TaskContext } from '../../src/orchestrator/task.js';

/** Shared by the toy tasks of one test: what ran, in which order, how often. */
export interface ToyWorld {
  runs: string[];
  active: number;
  maxActive: number;
  /** task id -> number of failures still to throw */
  failures: Map<string, number>;
  /** task id -> delay in ms (real time) inside run() */
  delays: Map<string, number>;
  /** family name -> requirement builder */
}

export function newWorld(): ToyWorld {
  return { runs: [], active: 0, maxActive: 0, failures: new Map(), delays: new Map() };
}

async function body(task: AnyTask, ctx: TaskContext<ToyWorld>): Promise<void> {
  const w = ctx.resources;
  w.active++;
  w.maxActive = Math.max(w.maxActive, w.active);
  try {
    const delay = w.delays.get(task.id) ?? 0;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const left = w.failures.get(task.id) ?? 0;
    if (left > 0) {
      w.failures.set(task.id, left - 1);
      throw new Error(`planned failure of ${task.id}`);
    }
    w.runs.push(task.id);
  } finally {
    w.active--;
  }
}

export class Leaf extends Task<{ name: ReturnType<typeof param.string>; date: ReturnType<typeof param.date> }, ToyWorld> {
  static override readonly family = 'Leaf';
  static override readonly params = { name: param.string(), date: param.date({ default: '2026-11-27' }) };
  override output() {
    return this.file('out.txt');
  }
  async run(ctx: TaskContext<ToyWorld>): Promise<void> {
    await body(this, ctx);
    await this.outputsIn(ctx).write(`leaf ${this.p.name}\n`);
  }
}

/** Requires the named leaves. */
export class Join extends Task<{ name: ReturnType<typeof param.string>; leaves: ReturnType<typeof param.string> }, ToyWorld> {
  static override readonly family = 'Join';
  static override readonly params = { name: param.string(), leaves: param.string({ default: 'a,b' }) };
  override requires() {
    return this.p.leaves.split(',').filter(Boolean).map((n) => new Leaf({ name: n }));
  }
  override output() {
    return { result: this.file('result.txt'), count: this.file('count.json') };
  }
  async run(ctx: TaskContext<ToyWorld>): Promise<void> {
    await body(this, ctx);
    const inputs = await Promise.all(this.requires().map((l) => this.inputOf(ctx, l).readText()));
    const out = this.outputsIn(ctx);
    await out.result.write(inputs.join(''));
    await out.count.writeJson({ n: inputs.length });
  }
}

export class Group extends WrapperTask<{ names: ReturnType<typeof param.string> }, ToyWorld> {
  static override readonly family = 'Group';
  static override readonly params = { names: param.string() };
  override requires() {
    return this.p.names.split(',').map((n) => new Join({ name: n, leaves: `${n}1,${n}2` }));
  }
}

/** Cycle: Ping(n) requires Pong(n) requires Ping(n). */
export class Ping extends Task<{ n: ReturnType<typeof param.int> }, ToyWorld> {
  static override readonly family = 'Ping';
  static override readonly params = { n: param.int() };
  override requires(): AnyTask {
    return new Pong({ n: this.p.n });
  }
  override output() {
    return this.file('x');
  }
  async run(): Promise<void> {}
}
export class Pong extends Task<{ n: ReturnType<typeof param.int> }, ToyWorld> {
  static override readonly family = 'Pong';
  static override readonly params = { n: param.int() };
  override requires(): AnyTask {
    return new Ping({ n: this.p.n });
  }
  override output() {
    return this.file('x');
  }
  async run(): Promise<void> {}
}

/** Declares an output but never writes it. */
export class Forgetful extends Task<Record<string, never>, ToyWorld> {
  static override readonly family = 'Forgetful';
  static override readonly params = {};
  override output() {
    return this.file('never.txt');
  }
  async run(): Promise<void> {}
}
