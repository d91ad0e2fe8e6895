/**
 * Use case: score raw purchase lines (one REST request) with a model and the serving snapshot:
 * lines -> catalogue features (online-features.ts) -> calibrated probabilities, and for each line
 * the features that move its probability most.
 *
 * A feature's contribution is how much the probability drops when that one value is replaced by
 * "missing" (the reference every model handles; training medians are not stored):
 * contribution = p(line) - p(line with the feature missing). Positive: the value raises the
 * return probability. All the modified copies of all lines are scored in one predictProba call.
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

/** A model ready to score: its feature list is read once, not per request. */
export class LineScorer {
  readonly features: readonly FeatureSpec[];

  constructor(readonly model: CalibratedModel) {
    this.features = model.features;
  }

  score(lines: readonly ScoringLine[], snapshot: HistorySnapshot, options: ScoreOptions): LineScore[] {
    const online = onlineFeatures(lines, snapshot);
    const values = online.map((o) => this.features.map((f) => o.values[f.name] ?? null));
    const explain = options.topContributions > 0;
    const p = this.model.predictProba(matrixWithMaskedCopies(this.features, values, explain));
    const block = explain ? this.features.length + 1 : 1;
    return online.map((o, i) => {
      const base = p[i * block] as number;
      if (!explain) return { returnProbability: base, contributions: [], unseen: o.unseen };
      const all: Contribution[] = [];
      this.features.forEach((f, j) => {
        const contribution = base - (p[i * block + 1 + j] as number);
        if (contribution !== 0) all.push({ feature: f.name, value: values[i]![j] ?? null, contribution });
      });
      all.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
      return { returnProbability: base, contributions: all.slice(0, options.topContributions), unseen: o.unseen };
    });
  }
}

/**
 * The lines' feature matrix. With `masked`, each line is a block of 1 + F rows: the line, then
 * one copy per feature with that feature missing (NaN, or code -1).
 */
export function matrixWithMaskedCopies(specs: readonly FeatureSpec[], values: readonly (readonly FeatureValue[])[], masked: boolean): FeatureMatrix {
  const block = masked ? specs.length + 1 : 1;
  const rows = values.length * block;
  const columns = specs.map((spec, j): FeatureColumn => {
    if (spec.kind === 'numeric') {
      const out = new Float64Array(rows);
      values.forEach((line, i) => {
        const v = line[j];
        out.fill(typeof v === 'number' ? v : Number.NaN, i * block, (i + 1) * block);
        if (masked) out[i * block + 1 + j] = Number.NaN;
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
      codes.fill(code, i * block, (i + 1) * block);
      if (masked) codes[i * block + 1 + j] = -1;
    });
    return { name: spec.name, kind: 'categorical', codes, levels };
  });
  return { rows, columns };
}
