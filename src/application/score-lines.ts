/**
 * Use case: score raw purchase lines (one REST request) with a model and the serving snapshot:
 * lines -> catalogue features (online-features.ts) -> calibrated probabilities, and for each line
 * the features that move its probability most.
 *
 * A feature's contribution is how much the probability drops when that one value is replaced by
 * "missing" (the reference every model handles; training medians are not stored):
 * contribution = p(line) - p(line with the feature missing). Positive: the value raises the
 * return probability. All the modified copies of all lines are scored in one predictProba call.
 *
 * A predictProba call has a fixed cost (a tree model compiles its trees against the matrix's
 * levels) that dwarfs the per-row cost of a single line, so ScoreBatcher scores the small
 * requests that are waiting at the same moment in one call.
 */
import type { RateKey } from '../domain/features/catalogue.js';
import { onlineFeatures, type FeatureValue, type HistorySnapshot, type ScoringLine } from '../domain/features/online-features.js';
import type { CalibratedModel } from '../domain/model/calibrated-model.js';
import type { FeatureColumn, FeatureMatrix, FeatureSpec } from '../domain/model/feature-matrix.js';

export interface Contribution {
  readonly feature: string;
  /** The line's value of the feature (null = missing). */
  readonly value: FeatureValue;
  /** p(line) - p(line with this feature missing). */
  readonly contribution: number;
}

export interface LineScore {
  readonly returnProbability: number;
  /** The largest contributions by absolute size, largest first; features that change nothing are left out. */
  readonly contributions: readonly Contribution[];
  /** History keys of the line the snapshot did not know: their features are the documented fallback. */
  readonly unseen: readonly RateKey[];
}

export interface ScoreOptions {
  /** How many contributions per line (0: none, and the lines are scored without the modified copies). */
  readonly topContributions: number;
}

/** One request's lines: their basket features come from these lines only. */
export interface ScoreRequest extends ScoreOptions {
  readonly lines: readonly ScoringLine[];
}

/** A model ready to score: its feature list is read once, not per request. */
export class LineScorer {
  readonly features: readonly FeatureSpec[];

  constructor(readonly model: CalibratedModel) {
    this.features = model.features;
  }

  score(lines: readonly ScoringLine[], snapshot: HistorySnapshot, options: ScoreOptions): LineScore[] {
    return this.scoreRequests([{ lines, topContributions: options.topContributions }], snapshot)[0] as LineScore[];
  }

  /** Several requests in one predictProba call; the answer of each request, in order. */
  scoreRequests(requests: readonly ScoreRequest[], snapshot: HistorySnapshot): LineScore[][] {
    const perRequest = requests.map((r) => onlineFeatures(r.lines, snapshot));
    const values: FeatureValue[][] = [];
    const masked: boolean[] = [];
    perRequest.forEach((online, k) => {
      for (const o of online) {
        values.push(this.features.map((f) => o.values[f.name] ?? null));
        masked.push((requests[k] as ScoreRequest).topContributions > 0);
      }
    });
    const p = this.model.predictProba(matrixWithMaskedCopies(this.features, values, masked));
    const block = this.features.length + 1;
    let line = 0;
    let row = 0;
    return perRequest.map((online, k) => {
      const top = (requests[k] as ScoreRequest).topContributions;
      return online.map((o): LineScore => {
        const lineValues = values[line++] as FeatureValue[];
        const base = p[row] as number;
        if (top <= 0) {
          row += 1;
          return { returnProbability: base, contributions: [], unseen: o.unseen };
        }
        const all: Contribution[] = [];
        this.features.forEach((f, j) => {
          const contribution = base - (p[row + 1 + j] as number);
          if (contribution !== 0) all.push({ feature: f.name, value: lineValues[j] ?? null, contribution });
        });
        row += block;
        all.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
        return { returnProbability: base, contributions: all.slice(0, top), unseen: o.unseen };
      });
    });
  }
}

/**
 * The lines' feature matrix. A masked line is a block of 1 + F rows: the line, then one copy per
 * feature with that feature missing (NaN, or code -1); an unmasked line is its one row.
 * `masked` is one flag for every line, or a flag per line.
 */
export function matrixWithMaskedCopies(specs: readonly FeatureSpec[], values: readonly (readonly FeatureValue[])[], masked: boolean | readonly boolean[]): FeatureMatrix {
  const block = specs.length + 1;
  const isMasked = (i: number): boolean => (typeof masked === 'boolean' ? masked : masked[i] === true);
  const starts = new Int32Array(values.length + 1);
  for (let i = 0; i < values.length; i++) starts[i + 1] = (starts[i] as number) + (isMasked(i) ? block : 1);
  const rows = starts[values.length] as number;
  const columns = specs.map((spec, j): FeatureColumn => {
    if (spec.kind === 'numeric') {
      const out = new Float64Array(rows);
      values.forEach((line, i) => {
        const v = line[j];
        out.fill(typeof v === 'number' ? v : Number.NaN, starts[i], starts[i + 1]);
        if (isMasked(i)) out[(starts[i] as number) + 1 + j] = Number.NaN;
      });
      return { name: spec.name, kind: 'numeric', values: out };
    }
    const levels: string[] = [];
    const index = new Map<string, number>();
    const codes = new Int32Array(rows);
    values.forEach((line, i) => {
      const v = line[j];
      let code = -1;
      if (v !== null && v !== undefined) {
        const text = String(v);
        code = index.get(text) ?? -1;
        if (code < 0) {
          code = levels.push(text) - 1;
          index.set(text, code);
        }
      }
      codes.fill(code, starts[i], starts[i + 1]);
      if (isMasked(i)) codes[(starts[i] as number) + 1 + j] = -1;
    });
    return { name: spec.name, kind: 'categorical', codes, levels };
  });
  return { rows, columns };
}

interface PendingRequest {
  readonly request: ScoreRequest;
  resolve(scores: LineScore[]): void;
  reject(err: unknown): void;
}

interface PendingGroup {
  readonly scorer: LineScorer;
  readonly snapshot: HistorySnapshot;
  readonly requests: PendingRequest[];
  lines: number;
}

/** Requests of at most this many lines wait to be scored together; larger ones are scored at once. */
export const COALESCE_MAX_LINES = 50;

/**
 * Scores the small requests waiting at the same moment in one predictProba call per model and
 * snapshot. `defer` runs the flush after the requests already received have been read (the
 * server passes setImmediate: requests whose bytes arrived together are scored together, and a
 * lone request waits for nothing but the end of the current event-loop turn).
 */
export class ScoreBatcher {
  private groups: PendingGroup[] = [];
  private scheduled = false;

  constructor(
    private readonly defer: (flush: () => void) => void,
    private readonly maxLines = 4 * COALESCE_MAX_LINES,
  ) {}

  score(scorer: LineScorer, snapshot: HistorySnapshot, request: ScoreRequest): Promise<LineScore[]> {
    if (request.lines.length > COALESCE_MAX_LINES) return Promise.resolve().then(() => scorer.scoreRequests([request], snapshot)[0] as LineScore[]);
    return new Promise((resolve, reject) => {
      let group = this.groups.find((g) => g.scorer === scorer && g.snapshot === snapshot && g.lines + request.lines.length <= this.maxLines);
      if (!group) this.groups.push((group = { scorer, snapshot, requests: [], lines: 0 }));
      group.requests.push({ request, resolve, reject });
      group.lines += request.lines.length;
      if (!this.scheduled) {
        this.scheduled = true;
        this.defer(() => this.flush());
      }
    });
  }

  private flush(): void {
    const groups = this.groups;
    this.groups = [];
    this.scheduled = false;
    for (const group of groups) {
      try {
        const answers = group.scorer.scoreRequests(
          group.requests.map((r) => r.request),
          group.snapshot,
        );
        group.requests.forEach((r, i) => r.resolve(answers[i] as LineScore[]));
      } catch {
        // Score each request alone, so a request that cannot be scored fails only itself.
        for (const r of group.requests) {
          try {
            r.resolve(group.scorer.scoreRequests([r.request], group.snapshot)[0] as LineScore[]);
          } catch (err) {
            r.reject(err);
          }
        }
      }
    }
  }
}
