/**
 * The report's charts as Vega-Lite specifications: plain data, rendered to SVG by whatever
 * ChartRenderer the caller supplies. Every spec carries its data inline (no URL, so nothing is
 * fetched), uses the generic "sans-serif" font (no font file), and keeps the order of its rows
 * explicit (an `i` field), so the same content gives the same picture.
 */
import { fixed } from './format.js';
import { SCORE_NAME } from './drift.js';
import type { ReportContent } from './report-content.js';
import type { LevelRate } from './return-rates.js';

/** A Vega-Lite specification (JSON). */
export type ChartSpec = Readonly<Record<string, unknown>>;

export interface ChartDefinition {
  /** Stable id, also the page anchor: `chart-<id>`. */
  readonly id: string;
  /** The section of the page the chart belongs to. */
  readonly section: 'test' | 'importance' | 'segments' | 'drift';
  readonly caption: string;
  readonly spec: ChartSpec;
}

/** Side of the square evaluation charts: three fit side by side on the page. */
const SQUARE = 240;
const BLUE = '#4c78a8';
const ORANGE = '#f58518';
const RED = '#d62728';
const GREY = '#888888';

const CONFIG = {
  font: 'sans-serif',
  view: { stroke: '#dddddd' },
  // Feature names are long; the default limits would cut them.
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eeeeee', labelLimit: 320 },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', labelLimit: 320 },
  title: { fontSize: 13, anchor: 'start', fontWeight: 'bold', offset: 8 },
};

/** Rounded for the spec: the picture cannot show more, and the SVG stays small. */
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const orNull = (x: number | null | undefined): number | null => (x === null || x === undefined || !Number.isFinite(x) ? null : r6(x));

function chart(title: string, width: number, height: number, body: Record<string, unknown>): ChartSpec {
  return { title, width, height, background: 'white', padding: 8, config: CONFIG, ...body };
}

const unitAxis = (field: string, title: string): Record<string, unknown> => ({ field, type: 'quantitative', title, scale: { domain: [0, 1] } });
const diagonal = {
  data: { values: [{ a: 0, b: 0 }, { a: 1, b: 1 }] },
  mark: { type: 'line', strokeDash: [4, 4], color: GREY, strokeWidth: 1 },
  encoding: { x: { field: 'a', type: 'quantitative' }, y: { field: 'b', type: 'quantitative' } },
};

export function rocChart(content: ReportContent): ChartSpec {
  const test = content.testSection!;
  const values = test.roc.map((p, i) => ({ i, fpr: r6(p.fpr), tpr: r6(p.tpr) }));
  return chart(`ROC curve, out of time (AUC ${fixed(test.calibrated.rocAuc)})`, SQUARE, SQUARE, {
    layer: [
      diagonal,
      {
        data: { values },
        mark: { type: 'line', color: BLUE, strokeWidth: 2 },
        encoding: { x: unitAxis('fpr', 'false positive rate'), y: unitAxis('tpr', 'true positive rate'), order: { field: 'i', type: 'quantitative' } },
      },
    ],
  });
}

export function precisionRecallChart(content: ReportContent): ChartSpec {
  const test = content.testSection!;
  const values = test.pr.map((p, i) => ({ i, recall: r6(p.recall), precision: r6(p.precision) }));
  const baseRate = test.calibrated.rows > 0 ? test.calibrated.positives / test.calibrated.rows : 0;
  return chart(`Precision-recall, out of time (AP ${fixed(test.calibrated.prAuc)})`, SQUARE, SQUARE, {
    layer: [
      {
        data: { values: [{ rate: r6(baseRate) }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: GREY },
        encoding: { y: { field: 'rate', type: 'quantitative' } },
      },
      {
        data: { values },
        mark: { type: 'line', color: BLUE, strokeWidth: 2 },
        encoding: { x: unitAxis('recall', 'recall'), y: unitAxis('precision', 'precision'), order: { field: 'i', type: 'quantitative' } },
      },
    ],
  });
}

export function calibrationChart(content: ReportContent): ChartSpec {
  const test = content.testSection!;
  const values = test.calibration.map((b, i) => ({ i, predicted: r6(b.meanPredicted), observed: r6(b.observedRate), rows: b.rows }));
  return chart(`Calibration, out of time (ECE ${fixed(test.calibrated.ece)})`, SQUARE, SQUARE, {
    layer: [
      diagonal,
      {
        data: { values },
        mark: { type: 'line', color: BLUE, strokeWidth: 2, point: { filled: true, color: BLUE } },
        encoding: {
          x: unitAxis('predicted', 'mean predicted probability (bin)'),
          y: unitAxis('observed', 'observed return rate'),
          order: { field: 'i', type: 'quantitative' },
        },
      },
    ],
  });
}

export function decileChart(content: ReportContent): ChartSpec {
  const deciles = content.testSection!.calibrated.deciles;
  const values = deciles.flatMap((d) => [
    { decile: d.decile, measure: 'observed return rate', value: orNull(d.returnRate) },
    { decile: d.decile, measure: 'mean predicted', value: orNull(d.meanPredicted) },
  ]);
  return chart('Return rate by predicted decile, out of time (1 = highest scores)', 360, 260, {
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'decile', type: 'ordinal', title: 'decile of predicted probability', axis: { labelAngle: 0 } },
      xOffset: { field: 'measure', type: 'nominal', sort: ['observed return rate', 'mean predicted'] },
      y: { field: 'value', type: 'quantitative', title: 'rate', axis: { format: '.0%' } },
      color: { field: 'measure', type: 'nominal', title: null, sort: ['observed return rate', 'mean predicted'], scale: { range: [BLUE, ORANGE] } },
    },
  });
}

const MAX_IMPORTANCE_BARS = 20;

export function importanceChart(content: ReportContent): ChartSpec {
  const shown = content.importance.slice(0, MAX_IMPORTANCE_BARS);
  const values = shown.map((f, i) => ({
    i,
    feature: f.feature,
    increase: r6(f.logLossIncrease),
    low: r6(f.logLossIncrease - f.logLossIncreaseStd),
    high: r6(f.logLossIncrease + f.logLossIncreaseStd),
  }));
  const y = { field: 'feature', type: 'nominal', title: null, sort: values.map((v) => v.feature) };
  const top = shown.length < content.importance.length ? `, top ${shown.length} of ${content.importance.length}` : '';
  return chart(`Permutation importance (out-of-time log-loss increase${top})`, 420, Math.max(60, 18 * values.length), {
    data: { values },
    layer: [
      { mark: { type: 'bar', color: BLUE }, encoding: { y, x: { field: 'increase', type: 'quantitative', title: 'log-loss increase when shuffled' } } },
      { mark: { type: 'rule', color: '#333333' }, encoding: { y, x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
    ],
  });
}

export function segmentChart(title: string, rates: readonly LevelRate[], overall: number | null): ChartSpec {
  const values = rates.map((r, i) => ({ i, label: `${r.level} (${r.rows})`, rate: r6(r.rate), rows: r.rows }));
  const y = { field: 'label', type: 'nominal', title: null, sort: values.map((v) => v.label) };
  const layers: Record<string, unknown>[] = [
    { data: { values }, mark: { type: 'bar', color: BLUE }, encoding: { y, x: { field: 'rate', type: 'quantitative', title: 'return rate (labelled rows)', axis: { format: '.0%' } } } },
  ];
  if (overall !== null) {
    layers.push({ data: { values: [{ rate: r6(overall) }] }, mark: { type: 'rule', color: RED, strokeDash: [4, 4] }, encoding: { x: { field: 'rate', type: 'quantitative' } } });
  }
  return chart(title, 300, Math.max(60, 18 * values.length), { layer: layers });
}

export function driftChart(content: ReportContent): ChartSpec {
  const drift = content.drift!;
  const rows = [...drift.rows].sort((a, b) => (Number.isNaN(b.result.psi) ? -1 : b.result.psi) - (Number.isNaN(a.result.psi) ? -1 : a.result.psi) || (a.feature < b.feature ? -1 : 1));
  const values = rows.map((r, i) => ({ i, feature: r.feature === SCORE_NAME ? `${SCORE_NAME} (score)` : r.feature, psi: orNull(r.result.psi), alert: r.exempt ? 'calendar (not alerted)' : r.alert ? 'above threshold' : 'below threshold' }));
  const y = { field: 'feature', type: 'nominal', title: null, sort: values.map((v) => v.feature) };
  return chart(`Population stability index, training window vs scored day (threshold ${drift.threshold})`, 420, Math.max(60, 16 * values.length), {
    layer: [
      {
        data: { values },
        mark: { type: 'bar' },
        encoding: {
          y,
          x: { field: 'psi', type: 'quantitative', title: 'PSI' },
          color: { field: 'alert', type: 'nominal', title: null, scale: { domain: ['below threshold', 'above threshold', 'calendar (not alerted)'], range: [BLUE, RED, GREY] } },
        },
      },
      { data: { values: [{ psi: drift.threshold }] }, mark: { type: 'rule', color: RED, strokeDash: [4, 4] }, encoding: { x: { field: 'psi', type: 'quantitative' } } },
    ],
  });
}

export function scoreDistributionChart(content: ReportContent): ChartSpec | null {
  const score = content.drift?.rows.find((r) => r.kind === 'score');
  if (!score || score.result.bins.length === 0) return null;
  const windows = ['training window', 'scored day'];
  const values = score.result.bins.flatMap((b, i) => [
    { i, bin: b.label, window: windows[0], share: r6(b.referenceShare) },
    { i, bin: b.label, window: windows[1], share: r6(b.currentShare) },
  ]);
  return chart(`Score distribution, training window vs scored day (PSI ${fixed(score.result.psi)})`, 420, 240, {
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'bin', type: 'nominal', title: 'predicted probability', sort: score.result.bins.map((b) => b.label), axis: { labelAngle: -40 } },
      xOffset: { field: 'window', type: 'nominal', sort: windows },
      y: { field: 'share', type: 'quantitative', title: 'share of rows', axis: { format: '.0%' } },
      color: { field: 'window', type: 'nominal', title: null, sort: windows, scale: { domain: windows, range: [BLUE, ORANGE] } },
    },
  });
}

/** Every chart the content has data for, in page order. */
export function reportCharts(content: ReportContent): ChartDefinition[] {
  const out: ChartDefinition[] = [];
  const test = content.testSection;
  if (test) {
    if (test.roc.length > 0) out.push({ id: 'roc', section: 'test', caption: 'ROC curve on the out-of-time rows; the dashed line is a random ranking.', spec: rocChart(content) });
    if (test.pr.length > 0) out.push({ id: 'pr', section: 'test', caption: 'Precision against recall on the out-of-time rows; the dashed line is their return rate.', spec: precisionRecallChart(content) });
    if (test.calibration.length > 0) out.push({ id: 'calibration', section: 'test', caption: 'Mean predicted probability against the observed return rate, in ten equal-width bins; perfect calibration lies on the diagonal.', spec: calibrationChart(content) });
    if (test.calibrated.deciles.length > 0) out.push({ id: 'deciles', section: 'test', caption: 'Test rows ranked by predicted probability and cut into tenths: observed return rate and mean prediction.', spec: decileChart(content) });
  }
  if (content.importance.length > 0) {
    out.push({ id: 'importance', section: 'importance', caption: 'How much the out-of-time log loss rises when a feature is shuffled (bars: mean, lines: ± one standard deviation).', spec: importanceChart(content) });
  }
  if (content.rates) {
    const overall = content.rates.rows > 0 ? content.rates.returns / content.rates.rows : null;
    const note = 'Labelled rows (train, validation and test); the number of rows is in brackets and the dashed line is the overall rate.';
    out.push({ id: 'rate-category', section: 'segments', caption: `Return rate by category. ${note}`, spec: segmentChart('Return rate by category', content.rates.category, overall) });
    out.push({ id: 'rate-brand', section: 'segments', caption: `Return rate by brand. ${note}`, spec: segmentChart('Return rate by brand', content.rates.brand, overall) });
    out.push({ id: 'rate-size', section: 'segments', caption: `Return rate by size. ${note}`, spec: segmentChart('Return rate by size', content.rates.size, overall) });
  }
  if (content.drift && content.drift.rows.length > 0) {
    out.push({ id: 'drift', section: 'drift', caption: `PSI of each feature and of the score; red bars are above the threshold ${content.drift.threshold}.`, spec: driftChart(content) });
    const scores = scoreDistributionChart(content);
    if (scores) out.push({ id: 'score-distribution', section: 'drift', caption: 'Share of rows in each bin of predicted probability; the bins are quantiles of the training window, so there its bars are about equal.', spec: scores });
  }
  return out;
}
