import { param } from '../../src/orchestrator/parameter.js';
import { Task, type TaskContext } from '../../src/orchestrator/task.js';

/**
 * Gates a test opens by hand, so a task stays visibly running for as long as the test needs
 * (no sleeps, no timing assumptions). A closed gate holds every task of that family in run().
 */
export class Gates {
  private readonly closed = new Map<string, { promise: Promise<void>; open: () => void }>();
  private readonly waiters = new Map<string, (() => void)[]>();
  readonly entered = new Set<string>();
  /** family -> number of planned failures still to throw */
  readonly failures = new Map<string, number>();

  close(family: string): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.closed.set(family, { promise, open });
  }

  open(family: string): void {
    this.closed.get(family)?.open();
    this.closed.delete(family);
  }

  /** Resolves once a task of the family has entered run(). */
  whenEntered(family: string): Promise<void> {
    if (this.entered.has(family)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.set(family, [...(this.waiters.get(family) ?? []), resolve]));
  }

  async pass(family: string): Promise<void> {
    this.entered.add(family);
    for (const w of this.waiters.get(family) ?? []) w();
    this.waiters.delete(family);
    await this.closed.get(family)?.promise;
    const left = this.failures.get(family) ?? 0;
    if (left > 0) {
      this.failures.set(family, left - 1);
      throw new Error(`planned failure of ${family}`);
    }
  }
}

const date = param.date({ default: '2026-11-27' });

/** A leaf: Extract(name). */
export class Extract extends Task<{ name: ReturnType<typeof param.string>; date: typeof date }, Gates> {
  static override readonly family = 'Extract';
  static override readonly params = { name: param.string(), date };
  override output() {
    return this.file('rows.txt');
  }
  async run(ctx: TaskContext<Gates>): Promise<void> {
    await ctx.resources.pass(Extract.family);
    await this.outputsIn(ctx).write(`rows of ${this.p.name}\n`);
  }
}

/** Requires Extract(orders) and Extract(returns). */
export class Combine extends Task<{ date: typeof date }, Gates> {
  static override readonly family = 'Combine';
  static override readonly params = { date };
  override requires() {
    return [new Extract({ name: 'orders', date: this.p.date }), new Extract({ name: 'returns', date: this.p.date })];
  }
  override output() {
    return this.file('combined.txt');
  }
  async run(ctx: TaskContext<Gates>): Promise<void> {
    await ctx.resources.pass(Combine.family);
    const parts = await Promise.all(this.requires().map((t) => this.inputOf(ctx, t).readText()));
    await this.outputsIn(ctx).write(parts.join(''));
  }
}

/** The root: requires Combine. */
export class Publish extends Task<{ date: typeof date }, Gates> {
  static override readonly family = 'Publish';
  static override readonly params = { date };
  override requires() {
    return new Combine({ date: this.p.date });
  }
  override output() {
    return this.file('published.txt');
  }
  async run(ctx: TaskContext<Gates>): Promise<void> {
    await ctx.resources.pass(Publish.family);
    await this.outputsIn(ctx).write(await this.inputOf(ctx, this.requires()).readText());
  }
}
