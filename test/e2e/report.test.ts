/**
 * The report as a person sees it: the page built from a model trained on synthetic orders, with
 * a scored week from another season (so the drift alert shows), opened from a file in Debian's
 * headless Chromium with the network off limits. Every chart must be drawn with marks of real
 * size, and the page must not ask for anything but itself. The screenshot is kept in
 * test-artifacts/report.png for a person to look at.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { VegaSvgRenderer } from '../../src/adapters/charts/vega-svg.js';
import { DuckDbTableReader } from '../../src/adapters/engine/duckdb-table-reader.js';
import { buildReport } from '../../src/application/build-report.js';
import { gatherReportData } from '../../src/application/report-data.js';
import { collectPageProblems, launchChromium, saveScreenshot, type HeadlessChromium } from '../harness/browser.js';
import { makeReportInputs, REPORT_AS_OF } from '../harness/report-inputs.js';

const CHART_IDS = ['roc', 'pr', 'calibration', 'deciles', 'importance', 'rate-category', 'rate-brand', 'rate-size', 'drift', 'score-distribution'];

interface ChartView {
  id: string;
  width: number;
  height: number;
  marks: number;
  drawn: number;
}

describe('the report in Chromium', () => {
  let dir: string;
  let browser: HeadlessChromium | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'returns-report-e2e-'));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the drift alert first and draws every chart, without a single network request', async () => {
    const inputs = await makeReportInputs(path.join(dir, 'inputs'));
    const data = await gatherReportData({ reader: new DuckDbTableReader(), featuresParquet: inputs.featuresParquet, predictionsParquet: inputs.otherSeasonPredictions, scoredFeaturesParquet: inputs.scoredFeaturesParquet, model: inputs.loaded.model, outOfTime: inputs.outOfTime });
    const report = await buildReport({
      asOf: REPORT_AS_OF,
      quality: inputs.quality,
      featureSummary: inputs.featureSummary,
      artifact: inputs.loaded.artifact,
      registration: { model: 'product-returns', version: 1, championBefore: null, championAfter: 1, decision: { promote: true, reason: 'first model: no champion yet' }, challenger: { logLoss: 0.53, auc: 0.63 }, champion: null, windowRows: 1864 },
      data,
      renderer: new VegaSvgRenderer(),
    });
    const file = path.join(dir, 'report.html');
    await writeFile(file, report.html);
    const url = pathToFileURL(file).href;

    const { context, page } = browser!;
    const requests: string[] = [];
    const problems = collectPageProblems(page);
    page.on('request', (r) => void requests.push(r.url()));
    // Anything but the page itself is refused, so a stray reference would also show as a failure.
    await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));

    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('figure.chart svg');

    const alerts = await page.locator('#alerts li.alert').allTextContents();
    // An early window: short histories drift; calendar features differ by construction and are not alerted.
    expect(alerts[0]).toMatch(/^Drift: population stability index above 0\.2 .*buyer_prior_purchases/);
    expect(alerts[0]).not.toContain('purchase_month');
    expect(await page.locator('#alerts li.alert').first().getAttribute('class')).toBe('alert warning');
    // The alert is the first thing under the title.
    const alertTop = (await page.locator('#alerts').boundingBox())!.y;
    const firstSectionTop = (await page.locator('section').first().boundingBox())!.y;
    expect(alertTop).toBeLessThan(firstSectionTop);

    const charts: ChartView[] = await page.$$eval('figure.chart', (figures) =>
      figures.map((figure) => {
        const svg = figure.querySelector('svg')!;
        const box = svg.getBoundingClientRect();
        // Data marks are the items of Vega's role-mark groups (axes, legends and titles have other roles).
        const items = [...svg.querySelectorAll('g.role-mark > *')] as SVGGraphicsElement[];
        const drawn = items.filter((el) => {
          const b = el.getBBox();
          return b.width > 0 && b.height > 0;
        });
        return { id: figure.getAttribute('data-chart') ?? '', width: box.width, height: box.height, marks: items.length, drawn: drawn.length };
      }),
    );
    expect(charts.map((c) => c.id)).toEqual(CHART_IDS);
    for (const c of charts) {
      expect({ id: c.id, sized: c.width > 100 && c.height > 100 }).toEqual({ id: c.id, sized: true });
      expect({ id: c.id, drawn: c.drawn > 0 }).toEqual({ id: c.id, drawn: true });
    }
    // Bars: one per drift row, per decile and measure, per feature.
    const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
    expect(byId['drift']!.drawn).toBeGreaterThanOrEqual(inputs.loaded.artifact.features.length);
    expect(byId['deciles']!.drawn).toBe(20);

    await saveScreenshot(page, 'report.png');
    expect(requests).toEqual([url]);
    expect(problems).toEqual([]);
  });
});
