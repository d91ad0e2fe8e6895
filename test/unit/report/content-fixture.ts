/** Small, hand-made report facts: every section has something to show, and some text needs escaping. */
import type { MetricSetJson, ModelArtifact } from '../../../src/domain/artifact/model-artifact.js';
import type { FeatureSummary } from '../../../src/domain/features/feature-summary.js';
import { categoricalColumn, featureMatrix, numericColumn } from '../../../src/domain/model/feature-matrix.js';
import { QualityReportBuilder, type QualityReport } from '../../../src/domain/orders/quality-report.js';
import { driftRows } from '../../../src/domain/report/drift.js';
import { reportContent, type ReportContent, type ReportFacts } from '../../../src/domain/report/report-content.js';
import { returnRatesByLevel } from '../../../src/domain/report/return-rates.js';

const metricSet = (rows: number, positives: number, auc: number, logLoss: number): MetricSetJson => ({
  rows,
  positives,
  rocAuc: auc,
  prAuc: 0.4,
  logLoss,
  brier: 0.17,
  ece: 0.02,
  deciles: Array.from({ length: 10 }, (_, i) => ({ decile: i + 1, rows: rows / 10, meanPredicted: 0.5 - i * 0.04, returnRate: 0.55 - i * 0.05 })),
});

export const quality: QualityReport = {
  ...new QualityReportBuilder({ source: 'file:///data/orders.csv', asOf: '2019-05-01' }).build(),
  rows_in: 1000,
  rows_accepted: 990,
  rows_quarantined: 10,
  quarantined_share: 0.01,
  date_range: { min: '2018-11-01', max: '2019-04-30' },
};

export const featureSummary: FeatureSummary = {
  as_of: '2019-05-01',
  horizon_days: 35,
  split_days: { test: 30, validation: 30 },
  last_mature_date: '2019-03-26',
  order_rows: 990,
  return_rows: 200,
  purchase_lines: 780,
  date_range: { first: '2018-11-01', last: '2019-04-30' },
  splits: {
    train: { rows: 400, positives: 100, label_rate: 0.25, from: null, to: '2019-01-25' },
    validation: { rows: 100, positives: 20, label_rate: 0.2, from: '2019-01-26', to: '2019-02-24' },
    test: { rows: 100, positives: 30, label_rate: 0.3, from: '2019-02-25', to: '2019-03-26' },
    unlabelled: { rows: 180, from: '2019-03-27', to: '2019-04-30' },
  },
  labelled_rows: 600,
  positives: 150,
  label_rate: 0.25,
  links: { total: 190, by_transaction_key: 180, via_fallback: 10, unlinked_returns: 10, same_row_returns: 5 },
  features: ['unit_price', 'brand'],
};

export const artifact: ModelArtifact = {
  format: 'returns-model-artifact',
  format_version: 2,
  created_at: '2019-05-01T00:00:00.000Z',
  as_of: '2019-05-01',
  horizon_days: 35,
  code_version: '1.2.3',
  data_fingerprint: { source_uri: 'file:///data/orders.csv', raw_sha256: 'a'.repeat(64), features_sha256: 'b'.repeat(64), rows: { refit: 600, out_of_time: 100 }, date_range: { first: '2018-11-01', last: '2019-04-30' } },
  features: [
    { name: 'unit_price', kind: 'numeric', meaning: 'price', encoding: 'standardised' },
    { name: 'brand', kind: 'categorical', meaning: 'brand', encoding: 'one-hot' },
  ],
  estimator: { family: 'gbdt', params: { learningRate: 0.1, maxLeaves: 15 } },
  calibrator: { method: 'isotonic' },
  model: { format: 'returns-model' },
  metrics: {
    out_of_time: { uncalibrated: metricSet(100, 30, 0.68, 0.56), calibrated: metricSet(100, 30, 0.68, 0.55), baseline: metricSet(100, 30, 0.5, 0.61) },
    folds: [
      { fold: 1, train: { from: '2018-11-01', to: '2019-03-11', rows: 500 }, window: { from: '2019-03-12', to: '2019-03-25', rows: 50, positives: 15 }, logLoss: 0.57, rocAuc: 0.67, baselineLogLoss: 0.61, rounds: 40 },
      { fold: 2, train: { from: '2018-11-01', to: '2019-03-25', rows: 550 }, window: { from: '2019-03-26', to: '2019-03-25', rows: 50, positives: 15 }, logLoss: 0.55, rocAuc: 0.69, baselineLogLoss: 0.61, rounds: 44 },
    ],
    candidates: [
      { family: 'logistic', params: { l2: 0.001 }, logLoss: 0.49, rocAuc: 0.66, foldLogLoss: [0.5, 0.48] },
      { family: 'gbdt', params: { learningRate: 0.1, maxLeaves: 15 }, logLoss: 0.47, rocAuc: 0.7, foldLogLoss: [0.48, 0.46] },
    ],
    refit: { rows: 600, positives: 150, base_rate: 0.25 },
  },
  importance: [
    { feature: 'brand', logLossIncrease: 0.01, aucDecrease: 0.02, logLossIncreaseStd: 0.002 },
    { feature: 'unit_price', logLossIncrease: 0.03, aucDecrease: 0.05, logLossIncreaseStd: 0.004 },
  ],
};

/** Facts with a drifting unit_price (scored day all expensive) and a steady brand. */
export function facts(overrides: Partial<ReportFacts> = {}): ReportFacts {
  const prices = Array.from({ length: 100 }, (_, i) => 10 + i);
  const brands = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 'A|B' : 'XYZ'));
  const reference = featureMatrix([numericColumn('unit_price', prices), categoricalColumn('brand', brands)]);
  const current = featureMatrix([numericColumn('unit_price', prices.map((p) => p + 200)), categoricalColumn('brand', brands)]);
  const scores = prices.map((p) => p / 200);
  const y = Uint8Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? 1 : 0));
  return {
    asOf: '2019-05-01',
    quality,
    featureSummary,
    artifact,
    registration: { model: 'product-returns', version: 4, championBefore: 3, championAfter: 3, decision: { promote: false, reason: 'not better by the margin' }, challenger: { logLoss: 0.55, auc: 0.68 }, champion: { logLoss: 0.54, auc: 0.69 }, windowRows: 100 },
    test: { p: scores, y },
    drift: {
      threshold: 0.2,
      referenceRows: 100,
      scoredDay: { rows: 100, matchedRows: 100, dates: { first: '2019-04-30', last: '2019-04-30' }, modelVersions: ['3'] },
      rows: driftRows(reference, current, { reference: scores, current: scores }),
    },
    rates: { category: returnRatesByLevel(brands, y), brand: returnRatesByLevel(brands, y), size: returnRatesByLevel(brands, y), rows: 100, returns: 25 },
    ...overrides,
  };
}

export function content(overrides: Partial<ReportFacts> = {}): ReportContent {
  return reportContent(facts(overrides));
}
