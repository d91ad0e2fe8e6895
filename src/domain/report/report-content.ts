/**
 * What the report says, as data: every section's facts and the derived points of its charts.
 * The HTML page and the Markdown summary are two renderings of this one value, so they never
 * disagree.
 */
import type { MetricSetJson, ModelArtifact } from '../artifact/model-artifact.js';
import type { FeatureSummary } from '../features/feature-summary.js';
import { pickWinner } from '../model/selection.js';
import type { QualityReport } from '../orders/quality-report.js';
import { calibrationBins, precisionRecallCurve, rocCurve, type CalibrationBin, type PrPoint, type RocPoint } from './curves.js';
import { driftAlerts, type DriftAlert, type DriftRow } from './drift.js';
import { fixed, percent } from './format.js';
import type { LevelRate } from './return-rates.js';

/** What RegisterModel wrote (registration.json); scores are null when not finite. */
export interface RegistrationSummary {
  readonly model?: string;
  readonly version: number;
  readonly championBefore: number | null;
  readonly championAfter: number;
  readonly decision: { readonly promote: boolean; readonly reason: string };
  readonly challenger?: { readonly logLoss: number | null; readonly auc: number | null };
  readonly champion?: { readonly logLoss: number | null; readonly auc: number | null } | null;
  readonly windowRows?: number;
}

/** The purchases PredictBatch scored, as far as the report can tell. */
export interface ScoredDay {
  /** Rows of the predictions file. */
  readonly rows: number;
  /** Of those, the rows found in the features table (the ones feature drift is measured on). */
  readonly matchedRows: number;
  /** Purchase dates of the matched rows; null when none matched. */
  readonly dates: { readonly first: string; readonly last: string } | null;
  /** Distinct model versions in the predictions file. */
  readonly modelVersions: readonly string[];
}

export interface DriftFacts {
  readonly threshold: number;
  /** Rows of the training window the reference distributions come from (after sampling). */
  readonly referenceRows: number;
  readonly scoredDay: ScoredDay;
  /** One row per feature, then the score (kind 'score'). */
  readonly rows: readonly DriftRow[];
}

/** The segments of labelled rows the report shows return rates for. */
export interface SegmentRates {
  readonly category: readonly LevelRate[];
  readonly brand: readonly LevelRate[];
  readonly size: readonly LevelRate[];
  readonly rows: number;
  readonly returns: number;
}

/** The facts the report is built from. */
export interface ReportFacts {
  readonly asOf: string;
  readonly quality: QualityReport;
  readonly featureSummary: FeatureSummary;
  readonly artifact: ModelArtifact;
  readonly registration: RegistrationSummary | null;
  /** The winner's out-of-time calibrated probabilities (TrainModel's out-of-time.csv), with the labels. */
  readonly test: { readonly p: ArrayLike<number>; readonly y: ArrayLike<number> } | null;
  readonly drift: DriftFacts | null;
  readonly rates: SegmentRates | null;
}

export interface ReportAlert {
  readonly level: 'warning' | 'info';
  readonly text: string;
}

export interface CandidateRow {
  readonly family: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly logLoss: number | null;
  readonly rocAuc: number | null;
  readonly winner: boolean;
}

export interface TestSection {
  readonly calibrated: MetricSetJson;
  readonly baseline: MetricSetJson;
  readonly roc: readonly RocPoint[];
  readonly pr: readonly PrPoint[];
  readonly calibration: readonly CalibrationBin[];
}

export interface ReportContent extends ReportFacts {
  readonly alerts: readonly ReportAlert[];
  readonly driftAlerts: readonly DriftAlert[];
  readonly candidates: readonly CandidateRow[];
  /** The out-of-time evaluation: the winner's fold predictions, pooled. */
  readonly testSection: TestSection | null;
  readonly importance: ModelArtifact['importance'];
}

function candidateRows(artifact: ModelArtifact): CandidateRow[] {
  const scores = artifact.metrics.candidates.map((c) => ({ logLoss: c.logLoss ?? Number.NaN, rocAuc: c.rocAuc ?? Number.NaN }));
  let winner = -1;
  try {
    winner = pickWinner(scores);
  } catch {
    winner = -1; // no candidate has a log loss: nothing to mark
  }
  return artifact.metrics.candidates.map((c, i) => ({ family: c.family, params: c.params, logLoss: c.logLoss, rocAuc: c.rocAuc, winner: i === winner }));
}

function testSectionOf(facts: ReportFacts): TestSection | null {
  const metrics = facts.artifact.metrics.out_of_time;
  if (metrics.calibrated.rows === 0) return null;
  const p = facts.test?.p ?? [];
  const y = facts.test?.y ?? [];
  return { calibrated: metrics.calibrated, baseline: metrics.baseline, roc: rocCurve(p, y), pr: precisionRecallCurve(p, y), calibration: calibrationBins(p, y) };
}

function alertsOf(facts: ReportFacts, drift: readonly DriftAlert[], test: TestSection | null): ReportAlert[] {
  const alerts: ReportAlert[] = [];
  if (drift.length > 0 && facts.drift) {
    const listed = drift.map((a) => `${a.feature} (${fixed(a.psi)})`).join(', ');
    alerts.push({ level: 'warning', text: `Drift: population stability index above ${facts.drift.threshold} between the training window and the scored day for ${listed}.` });
  }
  if (!facts.quality.passed) {
    alerts.push({ level: 'warning', text: `Data quality failed: ${percent(facts.quality.quarantined_share)} of rows quarantined (limit ${percent(facts.quality.max_quarantined_share)}).` });
  }
  if (test === null) {
    alerts.push({ level: 'info', text: 'No out-of-time rows: the backtest scored nothing, so the model is not evaluated on unseen days.' });
  } else if (test.calibrated.logLoss !== null && test.baseline.logLoss !== null && test.calibrated.logLoss >= test.baseline.logLoss) {
    alerts.push({ level: 'warning', text: `The model is no better than the base rate out of time (log loss ${fixed(test.calibrated.logLoss, 4)} vs ${fixed(test.baseline.logLoss, 4)}).` });
  }
  if (facts.drift) {
    const { rows, matchedRows } = facts.drift.scoredDay;
    if (rows === 0) alerts.push({ level: 'info', text: 'The predictions file holds no rows: drift could not be measured.' });
    else if (matchedRows < rows) alerts.push({ level: 'info', text: `${rows - matchedRows} of ${rows} scored rows are not in the features table; feature drift uses the other ${matchedRows}.` });
  }
  return alerts;
}

export function reportContent(facts: ReportFacts): ReportContent {
  const drift = facts.drift ? driftAlerts(facts.drift.rows) : [];
  const testSection = testSectionOf(facts);
  const importance = [...facts.artifact.importance].sort((a, b) => b.logLossIncrease - a.logLossIncrease || (a.feature < b.feature ? -1 : 1));
  return { ...facts, alerts: alertsOf(facts, drift, testSection), driftAlerts: drift, candidates: candidateRows(facts.artifact), testSection, importance };
}
