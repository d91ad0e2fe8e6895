/**
 * Drift between the training window (the reference) and the scored day: the PSI of every
 * feature and of the model's score, and the alerts above the threshold.
 */
import type { CategoricalColumn, FeatureColumn, FeatureMatrix } from '../model/feature-matrix.js';
import { categoricalPsi, DEFAULT_PSI_BINS, DEFAULT_PSI_MAX_LEVELS, numericPsi, type PsiResult } from './psi.js';

/** The name drift rows and alerts give the model's score. */
export const SCORE_NAME = 'return_probability';
/** PSI above this is a significant shift (the common rule of thumb). */
export const DEFAULT_DRIFT_THRESHOLD = 0.2;

export interface DriftRow {
  readonly feature: string;
  readonly kind: 'numeric' | 'categorical' | 'score';
  readonly result: PsiResult;
  /** Shown but never alerted (DriftOptions.exempt). */
  readonly exempt: boolean;
  /** result.psi > threshold, and not exempt. */
  readonly alert: boolean;
}

export interface DriftAlert {
  readonly feature: string;
  readonly psi: number;
}

export interface DriftOptions {
  readonly threshold?: number;
  readonly bins?: number;
  readonly maxLevels?: number;
  /**
   * Features whose PSI is shown but never alerted: the calendar features, since a scored day (or
   * week) covers other dates than the months of the training window by construction, so their
   * PSI is high every day and an alert on it would only teach readers to ignore alerts.
   */
  readonly exempt?: ReadonlySet<string>;
}

/** The column's values as text (null = missing), whatever its level numbering. */
export function categoricalValues(column: CategoricalColumn): (string | null)[] {
  return Array.from(column.codes, (code) => (code < 0 ? null : (column.levels[code] as string)));
}

function columnPsi(reference: FeatureColumn, current: FeatureColumn, bins: number, maxLevels: number): PsiResult {
  if (reference.kind !== current.kind) throw new Error(`feature ${reference.name} is ${reference.kind} in the training window but ${current.kind} on the scored day`);
  if (reference.kind === 'numeric') return numericPsi(reference.values, (current as typeof reference).values, bins);
  return categoricalPsi(categoricalValues(reference), categoricalValues(current as CategoricalColumn), maxLevels);
}

/**
 * PSI of every reference column (in the reference's order) against the current column of the
 * same name, then of the score when both score arrays are given.
 */
export function driftRows(
  reference: FeatureMatrix,
  current: FeatureMatrix,
  scores: { readonly reference: ArrayLike<number>; readonly current: ArrayLike<number> } | null,
  options: DriftOptions = {},
): DriftRow[] {
  const threshold = options.threshold ?? DEFAULT_DRIFT_THRESHOLD;
  const bins = options.bins ?? DEFAULT_PSI_BINS;
  const maxLevels = options.maxLevels ?? DEFAULT_PSI_MAX_LEVELS;
  const byName = new Map(current.columns.map((c) => [c.name, c]));
  const rows: DriftRow[] = reference.columns.map((column) => {
    const other = byName.get(column.name);
    if (other === undefined) throw new Error(`feature ${column.name} is missing from the scored day`);
    const result = columnPsi(column, other, bins, maxLevels);
    const exempt = options.exempt?.has(column.name) ?? false;
    return { feature: column.name, kind: column.kind, result, exempt, alert: !exempt && result.psi > threshold };
  });
  if (scores) {
    const result = numericPsi(scores.reference, scores.current, bins);
    rows.push({ feature: SCORE_NAME, kind: 'score', result, exempt: false, alert: result.psi > threshold });
  }
  return rows;
}

/** The alerts, largest PSI first (ties by name). */
export function driftAlerts(rows: readonly DriftRow[]): DriftAlert[] {
  return rows
    .filter((r) => r.alert)
    .map((r) => ({ feature: r.feature, psi: r.result.psi }))
    .sort((a, b) => b.psi - a.psi || (a.feature < b.feature ? -1 : 1));
}
