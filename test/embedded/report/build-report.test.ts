/**
 * The report on a model trained from synthetic orders, end to end below the task: the pipeline's
 * use cases make the inputs, gatherReportData reads and scores them, buildReport renders the
 * page with Vega. Checks what the page holds, that it refers to nothing outside itself, that
 * the same inputs give the same bytes, and that drift is found where there is some and only there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { VegaSvgRenderer } from '../../../src/adapters/charts/vega-svg.js';
import { DuckDbTableReader } from '../../../src/adapters/engine/duckdb-table-reader.js';
import { buildReport, type BuildReportInput } from '../../../src/application/build-report.js';
import { gatherReportData, type ReportData } from '../../../src/application/report-data.js';
import { FEATURE_CATALOGUE } from '../../../src/domain/features/catalogue.js';
import { rocAuc } from '../../../src/domain/model/metrics.js';
import { makeReportInputs, REPORT_AS_OF, type ReportInputs } from '../../harness/report-inputs.js';

const CHART_IDS = ['roc', 'pr', 'calibration', 'deciles', 'importance', 'rate-category', 'rate-brand', 'rate-size', 'drift', 'score-distribution'];
const SECTION_IDS = ['quality', 'training-data', 'models', 'test', 'importance', 'segments', 'drift'];

let dir: string;
let inputs: ReportInputs;
const reader = new DuckDbTableReader();
const renderer = new VegaSvgRenderer();

async function dataFor(predictionsParquet: string | null): Promise<ReportData> {
  return gatherReportData({ reader, featuresParquet: inputs.featuresParquet, predictionsParquet, scoredFeaturesParquet: inputs.scoredFeaturesParquet, model: inputs.loaded.model, outOfTime: inputs.outOfTime });
}

function reportInput(data: ReportData, extra: Partial<BuildReportInput> = {}): BuildReportInput {
  return {
    asOf: REPORT_AS_OF,
    quality: inputs.quality,
    featureSummary: inputs.featureSummary,
    artifact: inputs.loaded.artifact,
    registration: { model: 'product-returns', version: 3, championBefore: 2, championAfter: 3, decision: { promote: true, reason: 'better: log loss 0.41 vs 0.42' }, challenger: { logLoss: 0.41, auc: 0.7 }, champion: { logLoss: 0.42, auc: 0.69 }, windowRows: 1234 },
    data,
    renderer,
    ...extra,
  };
}

// Shown but never alerted: the calendar features and history_days (build-report.ts says why).
const CALENDAR = [...FEATURE_CATALOGUE.filter((f) => f.scope === 'calendar').map((f) => f.name), 'history_days'];

/** The PSI the page's drift table gives a feature. */
function psiInTable(html: string, feature: string): number {
  const m = new RegExp(`<tr( class="flag")?><td>${feature}</td><td>[a-z]+</td><td class="num">([0-9.]+|n/a)</td>`).exec(html);
  if (!m) throw new Error(`no drift row for ${feature}`);
  // A row is highlighted exactly when its PSI is above the default threshold, calendar features never.
  expect({ feature, flagged: m[1] !== undefined }).toEqual({ feature, flagged: Number(m[2]) > 0.2 && !CALENDAR.includes(feature) });
  return Number(m[2]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'returns-report-'));
  inputs = await makeReportInputs(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('buildReport on a model trained from synthetic orders', () => {
  let data: ReportData;

  beforeAll(async () => {
    data = await dataFor(inputs.predictionsParquet);
  });

  it('evaluates on the out-of-time predictions, as the artifact measured them', () => {
    const test = inputs.loaded.artifact.metrics.out_of_time.calibrated;
    expect(data.test!.p.length).toBe(test.rows);
    expect(rocAuc(data.test!.p, data.test!.y)).toBeCloseTo(test.rocAuc!, 10);
  });

  it('matches every purchase PredictBatch scored to its features in the next day\'s table', () => {
    const day = data.drift!.scoredDay;
    expect(day.rows).toBeGreaterThan(0);
    expect(day.matchedRows).toBe(day.rows);
    expect(day.dates).toEqual({ first: REPORT_AS_OF, last: REPORT_AS_OF });
    expect(day.modelVersions).toEqual(['product-returns/1']);
    expect(data.drift!.current.rows).toBe(day.rows);
    expect(data.drift!.reference.rows).toBe(inputs.featureSummary.splits.train.rows);
  });

  it('says how many scored lines it could not find in the features table it was given', async () => {
    // The lines dated D are not in BuildFeatures(D)'s table (it holds lines before D).
    const unmatched = await gatherReportData({ reader, featuresParquet: inputs.featuresParquet, predictionsParquet: inputs.predictionsParquet, model: inputs.loaded.model, outOfTime: inputs.outOfTime });
    const rows = unmatched.drift!.scoredDay.rows;
    expect(unmatched.drift!.scoredDay).toMatchObject({ rows: data.drift!.scoredDay.rows, matchedRows: 0, dates: null });
    const report = await buildReport(reportInput(unmatched));
    expect(report.html).toContain(`<li class="alert info" data-level="info">${rows} of ${rows} scored rows are not in the features table; feature drift uses the other 0.</li>`);
    // The score is still compared.
    expect(report.html).toMatch(/<td>return_probability<\/td><td>score<\/td><td class="num">[0-9.]+<\/td>/);
  });

  it('writes every section and a non-empty SVG for every chart, in one page that refers to nothing outside it', async () => {
    const report = await buildReport(reportInput(data));
    for (const id of SECTION_IDS) expect(report.html).toContain(`<section id="${id}">`);
    const figures = [...report.html.matchAll(/<figure class="chart" id="chart-([a-z-]+)"[^>]*>(<svg[\s\S]*?<\/svg>)<figcaption>/g)];
    expect(figures.map((m) => m[1])).toEqual(CHART_IDS);
    for (const [, , svg] of figures) expect(svg!.match(/role-mark/g)?.length ?? 0).toBeGreaterThan(0);
    // Nothing to fetch: no src, no href other than a page anchor, no URL in CSS; the only
    // absolute URLs are the SVG namespace names, which are identifiers, not requests.
    expect(report.html).not.toMatch(/\bsrc\s*=/i);
    expect(report.html).not.toMatch(/href="(?!#)/);
    expect(report.html).not.toMatch(/url\((?!#)/);
    expect(report.html).not.toMatch(/<script|<link|<img|<iframe|@import/i);
    expect(report.html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, '')).not.toMatch(/https?:\/\//);
    // Ids are unique on the page.
    const ids = [...report.html.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    // The facts people read first.
    expect(report.html).toContain(`Product returns report, ${REPORT_AS_OF}`);
    expect(report.html).toContain('labels are mature for purchases up to 2019-03-25');
    expect(report.html).toContain('version 3 promoted (was 2)');
    expect(report.markdown).toMatch(/^# Product returns report, 2019-04-30\n/);
    for (const title of ['## Data quality', '## Training data and label maturity', '## Models', '## Out-of-time metrics', '## Feature importance', '## Return rate by category, brand and size', '## Drift']) {
      expect(report.markdown).toContain(`\n${title}\n`);
    }
    expect(report.markdown).toContain(`| logistic | `);
  });

  it('gives the same bytes for the same inputs', async () => {
    const first = await buildReport(reportInput(data));
    const again = await buildReport(reportInput(await dataFor(inputs.predictionsParquet), { renderer: new VegaSvgRenderer() }));
    expect(again.html).toBe(first.html);
    expect(again.markdown).toBe(first.markdown);
  });

  it('says at the top, and returns, exactly the non-calendar features whose PSI is above the threshold', async () => {
    const report = await buildReport(reportInput(data));
    const psi = Object.fromEntries(
      [...inputs.loaded.artifact.features.map((f) => f.name), 'return_probability'].map((name) => [name, psiInTable(report.html, name)]),
    );
    const expected = Object.entries(psi)
      .filter(([k, v]) => v > 0.2 && !CALENDAR.includes(k))
      .map(([k]) => k)
      .sort();
    expect(report.driftAlerts.map((a) => a.feature).sort()).toEqual(expected);
    const top = report.html.slice(0, report.html.indexOf('<nav>'));
    if (expected.length > 0) expect(top).toContain('class="alert warning"');
    for (const feature of expected) expect(top).toContain(feature);
  });
});

describe('drift', () => {
  it('finds none when the scored rows are a sample of the training window', async () => {
    const report = await buildReport(reportInput(await dataFor(inputs.sameWindowPredictions)));
    expect(report.driftAlerts).toEqual([]);
    expect(report.html).toContain('data-drift-alerts="0"');
    expect(report.markdown).not.toContain('Drift: population stability index above');
  });

  it('shows the calendar shift of four weeks from another season without alerting on it, and alerts on the real drift of that week', async () => {
    const report = await buildReport(reportInput(await dataFor(inputs.otherSeasonPredictions)));
    const alerted = report.driftAlerts.map((a) => a.feature);
    // The calendar features differ by construction (other dates): shown, flagged as such, never alerted.
    for (const feature of ['purchase_month', 'days_since_black_friday']) {
      expect(psiInTable(report.html, feature)).toBeGreaterThan(0.2);
      expect(report.html).toMatch(new RegExp(`<td>${feature}</td>(<td[^>]*>[^<]*</td>){4}<td>shifted \\(calendar, not alerted\\)</td>`));
    }
    expect(alerted.filter((f) => CALENDAR.includes(f))).toEqual([]);
    expect(report.html).toContain('<dt>Not alerted</dt>');
    // The window is the first four weeks of the data, when histories were short: real drift there.
    expect(alerted).toEqual(expect.arrayContaining(['buyer_prior_purchases', 'model_prior_purchases']));
    for (const a of report.driftAlerts) expect(a.psi).toBeGreaterThan(0.2);
    const top = report.html.slice(0, report.html.indexOf('<nav>'));
    expect(top).toMatch(/<li class="alert warning" data-level="warning">Drift: population stability index above 0.2 [^<]*buyer_prior_purchases/);
    expect(top).not.toContain('purchase_month');
    const head = report.markdown.slice(0, report.markdown.indexOf('\n## '));
    expect(head).toContain('> **Warning:** Drift: population stability index above 0.2');
    expect(head).toContain('buyer_prior_purchases');
  });

  it('uses the configured threshold', async () => {
    const data = await dataFor(inputs.otherSeasonPredictions);
    const strict = await buildReport(reportInput(data, { options: { driftThreshold: 1e-9 } }));
    const lax = await buildReport(reportInput(data, { options: { driftThreshold: 1e9 } }));
    expect(strict.driftAlerts.length).toBeGreaterThan(20);
    expect(lax.driftAlerts).toEqual([]);
    expect(lax.html).toContain('PSI above 1000000000 is reported as drift');
  });

  it('leaves drift out when there is no predictions file', async () => {
    const report = await buildReport(reportInput(await dataFor(null)));
    expect(report.driftAlerts).toEqual([]);
    expect(report.html).toContain('No scored day to compare.');
    expect(report.html).not.toContain('id="chart-drift"');
  });
});
