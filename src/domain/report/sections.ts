/**
 * The report laid out as sections of blocks (facts, tables, notes, charts), independent of the
 * output format: html.ts and markdown.ts each render this one layout, so the page and the
 * summary say the same things in the same order.
 */
import { ORDER_KINDS } from '../orders/order-line.js';
import { REASON_CODES, REASON_DESCRIPTIONS } from '../orders/reasons.js';
import type { MetricSetJson } from '../artifact/model-artifact.js';
import type { ChartDefinition } from './charts.js';
import type { DriftRow } from './drift.js';
import { count, fixed, paramsText, percent } from './format.js';
import type { ReportContent } from './report-content.js';
import type { LevelRate } from './return-rates.js';

export type Block =
  | { readonly kind: 'facts'; readonly rows: readonly (readonly [string, string])[] }
  | { readonly kind: 'table'; readonly title?: string; readonly headers: readonly string[]; readonly rows: readonly (readonly string[])[]; readonly numeric: readonly boolean[]; readonly collapsed?: boolean; readonly flagged?: readonly boolean[] }
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'chart'; readonly chart: ChartDefinition };

export interface Section {
  /** Page anchor. */
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

const table = (headers: string[], rows: string[][], numeric: boolean[], extra: { title?: string; collapsed?: boolean; flagged?: boolean[] } = {}): Block => ({ kind: 'table', headers, rows, numeric, ...extra });
const note = (text: string): Block => ({ kind: 'note', text });

function qualitySection(c: ReportContent): Section {
  const q = c.quality;
  const reasons = REASON_CODES.filter((code) => q.reasons[code] > 0);
  return {
    id: 'quality',
    title: 'Data quality',
    blocks: [
      {
        kind: 'facts',
        rows: [
          ['Result', `${q.passed ? 'passed' : 'FAILED'}: ${percent(q.quarantined_share, 2)} of rows quarantined (limit ${percent(q.max_quarantined_share)})`],
          ['Source', q.source ?? '(not named)'],
          ['Rows', `${count(q.rows_in)} read = ${count(q.rows_accepted)} accepted + ${count(q.rows_quarantined)} quarantined${q.blank_lines > 0 ? ` (${count(q.blank_lines)} blank lines skipped)` : ''}`],
          ['Order dates', q.date_range === null ? 'none accepted' : `${q.date_range.min} to ${q.date_range.max}`],
          ['Kinds', ORDER_KINDS.map((k) => `${count(q.kinds[k])} ${k.replaceAll('_', ' ')}`).join(', ')],
          ['Returns linked to a purchase', q.return_link.rate === null ? 'n/a (no returns)' : `${percent(q.return_link.rate)} (${count(q.return_link.linked)} of ${count(q.return_link.returns)})`],
          ['Spreadsheet-rounded IDs', `${count(q.lossy_keys.rows_with_any)} rows (transaction ${count(q.lossy_keys.transaction_id)}, item ${count(q.lossy_keys.item_id)}, buyer ${count(q.lossy_keys.buyer_id)})`],
          ['Zero-tax rows', count(q.zero_tax_rows)],
        ],
      },
      reasons.length === 0
        ? note('No row was quarantined.')
        : table(
            ['Quarantine reason', 'Rows', 'Meaning', 'Example lines'],
            reasons.map((code) => [code, count(q.reasons[code]), REASON_DESCRIPTIONS[code], (q.reason_examples[code] ?? []).join(', ')]),
            [false, true, false, false],
          ),
    ],
  };
}

function trainingDataSection(c: ReportContent): Section {
  const s = c.featureSummary;
  const split = (name: string, x: { rows: number; positives: number; label_rate: number | null; from: string | null; to: string | null }): string[] => [
    name,
    x.to === null ? '(empty)' : x.from === null ? `up to ${x.to}` : `${x.from} to ${x.to}`,
    count(x.rows),
    count(x.positives),
    percent(x.label_rate),
  ];
  return {
    id: 'training-data',
    title: 'Training data and label maturity',
    blocks: [
      {
        kind: 'facts',
        rows: [
          ['Purchase dates', s.date_range.first === null ? 'no purchase' : `${s.date_range.first} to ${s.date_range.last ?? ''} (${count(s.purchase_lines)} purchase lines, ${count(s.return_rows)} return rows before ${s.as_of})`],
          ['Label horizon', `${s.horizon_days} days: a purchase is labelled returned when its return comes within ${s.horizon_days} days`],
          ['Label maturity', `labels are mature for purchases up to ${s.last_mature_date}; the ${count(s.splits.unlabelled.rows)} purchases from ${s.splits.unlabelled.from} to ${s.splits.unlabelled.to} are too recent and are left out of training`],
          ['Labelled rows', `${count(s.labelled_rows)}, of which ${count(s.positives)} returned (${percent(s.label_rate)})`],
          ['Return links', `${count(s.links.total)} returns linked (${count(s.links.by_transaction_key)} by transaction, ${count(s.links.via_fallback)} by buyer and item), ${count(s.links.unlinked_returns)} unlinked, ${count(s.links.same_row_returns)} carried in the purchase row`],
        ],
      },
      table(
        ['Split', 'Purchase dates', 'Rows', 'Returned', 'Return rate'],
        [split('train', s.splits.train), split('validation', s.splits.validation), split('test', s.splits.test), ['not yet mature', `${s.splits.unlabelled.from} to ${s.splits.unlabelled.to}`, count(s.splits.unlabelled.rows), '', '']],
        [false, false, true, true, true],
        { title: "BuildFeatures' date windows (the drift reference reads the first); TrainModel backtests over every mature one" },
      ),
    ],
  };
}

function metricRows(sets: readonly MetricSetJson[]): string[][] {
  const row = (name: string, f: (m: MetricSetJson) => string): string[] => [name, ...sets.map(f)];
  return [
    row('Rows', (m) => count(m.rows)),
    row('Returned', (m) => count(m.positives)),
    row('ROC AUC', (m) => fixed(m.rocAuc, 4)),
    row('PR AUC (average precision)', (m) => fixed(m.prAuc, 4)),
    row('Log loss', (m) => fixed(m.logLoss, 4)),
    row('Brier score', (m) => fixed(m.brier, 4)),
    row('Expected calibration error', (m) => fixed(m.ece, 4)),
  ];
}

function modelSection(c: ReportContent): Section {
  const a = c.artifact;
  const folds = a.metrics.folds;
  const oot = a.metrics.out_of_time;
  const blocks: Block[] = [
    {
      kind: 'facts',
      rows: [
        ['Chosen model', `${a.estimator.family} (${paramsText(a.estimator.params)}) with ${a.calibrator.method} calibration`],
        [
          'Trained',
          `as of ${a.as_of}: refitted on all ${count(a.metrics.refit.rows)} mature purchase lines; chosen and calibrated on ${count(a.data_fingerprint.rows.out_of_time)} rows scored out of time in ${folds.length} folds`,
        ],
        ['Training return rate', percent(a.metrics.refit.base_rate, 2)],
      ],
    },
    table(
      ['Candidate', 'Hyperparameters', 'Out-of-time log loss (mean)', 'Out-of-time ROC AUC (mean)', 'Chosen'],
      c.candidates.map((k) => [k.family, paramsText(k.params), fixed(k.logLoss, 5), fixed(k.rocAuc, 4), k.winner ? 'yes' : '']),
      [false, false, true, true, false],
      { title: "Model comparison (every candidate fitted on each fold's past and scored on its window; lowest mean log loss wins)" },
    ),
    table(
      ['Fold', 'Fitted on purchases', 'Scored window', 'Window rows', 'Log loss', 'ROC AUC', 'Base-rate log loss', 'Rounds'],
      folds.map((f) => [String(f.fold), `${f.train.from} to ${f.train.to} (${count(f.train.rows)})`, `${f.window.from} to ${f.window.to}`, count(f.window.rows), fixed(f.logLoss, 5), fixed(f.rocAuc, 4), fixed(f.baselineLogLoss, 5), f.rounds === null ? '' : String(f.rounds)]),
      [true, false, false, true, true, true, true, true],
      { title: 'Backtest folds of the chosen model (uncalibrated; each window scored by a model fitted only on the purchases before it)' },
    ),
    table(['Out-of-time metric', 'Uncalibrated', 'Calibrated', 'Base rate'], metricRows([oot.uncalibrated, oot.calibrated, oot.baseline]), [false, true, true, true], { title: 'All folds pooled' }),
  ];
  const r = c.registration;
  if (r) {
    const scores = (s: { logLoss: number | null; auc: number | null } | null | undefined): string => (s ? `log loss ${fixed(s.logLoss, 5)}, AUC ${fixed(s.auc, 4)}` : 'n/a');
    blocks.push({
      kind: 'facts',
      rows: [
        ['Registered', `${r.model ?? 'model'} version ${r.version}`],
        ['Champion', r.decision.promote ? `version ${r.version} promoted (was ${r.championBefore ?? 'none'})` : `version ${r.championAfter} kept`],
        ['Reason', r.decision.reason],
        ['On rows neither model was fitted on', `this model (out of time): ${scores(r.challenger)}; previous champion: ${r.champion ? scores(r.champion) : 'none'}${r.windowRows === undefined ? '' : ` (${count(r.windowRows)} rows)`}`],
      ],
    });
  }
  return { id: 'models', title: 'Models', blocks };
}

function testSection(c: ReportContent, charts: readonly ChartDefinition[]): Section {
  const t = c.testSection;
  const title = 'Out-of-time metrics';
  if (t === null) return { id: 'test', title, blocks: [note('No out-of-time rows: there is not enough mature history to evaluate on unseen days.')] };
  const folds = c.artifact.metrics.folds;
  return {
    id: 'test',
    title,
    blocks: [
      note(
        `Purchases ${folds[0]?.window.from ?? '?'} to ${folds.at(-1)?.window.to ?? '?'}, each scored by a fold model fitted only on the purchases before its window and calibrated by cross-fitting, ` +
          "against always predicting that fold's training return rate. The shipped model is the same configuration refitted on every mature row.",
      ),
      table(['Out-of-time metric', 'Model', 'Base rate'], metricRows([t.calibrated, t.baseline]), [false, true, true]),
      ...charts.filter((ch) => ch.section === 'test').map((chart): Block => ({ kind: 'chart', chart })),
      table(
        ['Decile', 'Rows', 'Mean predicted', 'Return rate'],
        t.calibrated.deciles.map((d) => [String(d.decile), count(d.rows), percent(d.meanPredicted), percent(d.returnRate)]),
        [true, true, true, true],
        { title: 'Return rate by predicted decile (1 = highest predicted probability)', collapsed: true },
      ),
    ],
  };
}

function importanceSection(c: ReportContent, charts: readonly ChartDefinition[]): Section {
  if (c.importance.length === 0) return { id: 'importance', title: 'Feature importance', blocks: [note('No importance was computed for this model.')] };
  return {
    id: 'importance',
    title: 'Feature importance',
    blocks: [
      ...charts.filter((ch) => ch.section === 'importance').map((chart): Block => ({ kind: 'chart', chart })),
      table(
        ['Feature', 'Log-loss increase', '± std', 'AUC decrease'],
        c.importance.map((f) => [f.feature, fixed(f.logLossIncrease, 5), fixed(f.logLossIncreaseStd, 5), fixed(f.aucDecrease, 4)]),
        [false, true, true, true],
        { title: "Permutation importance of the last fold's model on its window (rows it never saw)", collapsed: true },
      ),
    ],
  };
}

function levelTable(title: string, rates: readonly LevelRate[]): Block {
  return table([title, 'Rows', 'Returned', 'Return rate'], rates.map((r) => [r.level, count(r.rows), count(r.returns), percent(r.rate)]), [false, true, true, true], { title: `Return rate by ${title.toLowerCase()}`, collapsed: true });
}

function segmentsSection(c: ReportContent, charts: readonly ChartDefinition[]): Section {
  const r = c.rates;
  if (r === null) return { id: 'segments', title: 'Return rate by category, brand and size', blocks: [note('No labelled rows.')] };
  return {
    id: 'segments',
    title: 'Return rate by category, brand and size',
    blocks: [
      note(`Observed over the ${count(r.rows)} labelled purchase lines (train, validation and test): ${percent(r.rows === 0 ? null : r.returns / r.rows)} returned overall.`),
      ...charts.filter((ch) => ch.section === 'segments').map((chart): Block => ({ kind: 'chart', chart })),
      levelTable('Category', r.category),
      levelTable('Brand', r.brand),
      levelTable('Size', r.size),
    ],
  };
}

function driftSection(c: ReportContent, charts: readonly ChartDefinition[]): Section {
  const d = c.drift;
  if (d === null) return { id: 'drift', title: 'Drift', blocks: [note('No scored day to compare.')] };
  const day = d.scoredDay;
  const status = (r: DriftRow): string => {
    const psi = r.result.psi;
    if (Number.isNaN(psi)) return 'no rows';
    if (psi > d.threshold) return r.exempt ? 'shifted (calendar, not alerted)' : 'DRIFT';
    return psi > 0.1 ? 'moderate' : 'stable';
  };
  const exempt = d.rows.filter((r) => r.exempt).map((r) => r.feature);
  return {
    id: 'drift',
    title: 'Drift',
    blocks: [
      {
        kind: 'facts',
        rows: [
          ['Scored day', `${count(day.rows)} purchases scored${day.dates === null ? '' : day.dates.first === day.dates.last ? `, dated ${day.dates.first}` : `, dated ${day.dates.first} to ${day.dates.last}`}${day.modelVersions.length > 0 ? ` by model version ${day.modelVersions.join(', ')}` : ''}`],
          ['Reference', `${count(d.referenceRows)} rows of the training window (train split)`],
          ['Threshold', `PSI above ${d.threshold} is reported as drift (below 0.1 is usually read as stable)`],
          ['Result', c.driftAlerts.length === 0 ? 'no drift above the threshold' : `drift in ${c.driftAlerts.map((a) => a.feature).join(', ')}`],
          ...(exempt.length === 0
            ? []
            : [['Not alerted', `${exempt.join(', ')}: calendar features, whose values on the scored dates differ from the training window's by construction`] as [string, string]]),
        ],
      },
      ...charts.filter((ch) => ch.section === 'drift').map((chart): Block => ({ kind: 'chart', chart })),
      table(
        ['Feature', 'Kind', 'PSI', 'Training rows', 'Scored rows', 'Status'],
        d.rows.map((r) => [r.feature, r.kind, fixed(r.result.psi, 4), count(r.result.referenceRows), count(r.result.currentRows), status(r)]),
        [false, false, true, true, true, false],
        { title: 'Population stability index by feature', flagged: d.rows.map((r) => r.alert) },
      ),
    ],
  };
}

export function reportSections(content: ReportContent, charts: readonly ChartDefinition[]): Section[] {
  return [
    qualitySection(content),
    trainingDataSection(content),
    modelSection(content),
    testSection(content, charts),
    importanceSection(content, charts),
    segmentsSection(content, charts),
    driftSection(content, charts),
  ];
}
