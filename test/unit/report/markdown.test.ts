/** The Markdown summary and the HTML page rendered from hand-made report content. */
import { reportCharts } from '../../../src/domain/report/charts.js';
import { count, fixed, percent, short } from '../../../src/domain/report/format.js';
import { reportHtml, scopeSvgIds } from '../../../src/domain/report/html.js';
import { reportMarkdown } from '../../../src/domain/report/markdown.js';
import type { ReportContent } from '../../../src/domain/report/report-content.js';
import { reportSections } from '../../../src/domain/report/sections.js';
import { content } from './content-fixture.js';

function markdownOf(c: ReportContent): string {
  return reportMarkdown(c, reportSections(c, reportCharts(c)));
}

/** A stand-in for rendered SVG: enough for the page, with an id to scope. */
function fakeSvgs(c: ReportContent): Map<string, string> {
  return new Map(reportCharts(c).map((ch) => [ch.id, `<svg><defs><clipPath id="clip1"></clipPath></defs><g clip-path="url(#clip1)"><path class="${ch.id}"/></g></svg>`]));
}

describe('reportMarkdown', () => {
  const c = content();
  const md = markdownOf(c);

  it('puts the drift warning right under the title, before any section', () => {
    const head = md.slice(0, md.indexOf('\n## '));
    expect(head).toMatch(/^# Product returns report, 2019-05-01\n/);
    expect(head).toContain('> **Warning:** Drift: population stability index above 0.2 between the training window and the scored day for unit_price (');
    expect(c.driftAlerts.map((a) => a.feature)).toEqual(['unit_price']);
  });

  it('has the sections in page order', () => {
    const titles = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(titles).toEqual(['Data quality', 'Training data and label maturity', 'Models', 'Out-of-time metrics', 'Feature importance', 'Return rate by category, brand and size', 'Drift']);
  });

  it('writes tables with numbers right-aligned and cells escaped', () => {
    expect(md).toContain('| Candidate | Hyperparameters | Out-of-time log loss (mean) | Out-of-time ROC AUC (mean) | Chosen |\n|:---|:---|---:|---:|:---|');
    // The lowest validation log loss is marked as chosen.
    expect(md).toContain('| gbdt | learningRate=0.1, maxLeaves=15 | 0.47000 | 0.7000 | yes |');
    expect(md).toContain('| logistic | l2=0.001 | 0.49000 | 0.6600 |  |');
    // A level with a pipe in its name does not break the table.
    expect(md).toContain('| A\\|B | 34 | ');
    expect(md).toContain('| unit_price | numeric | ');
    expect(md).toContain('| train | up to 2019-01-25 | 400 | 100 | 25.0% |');
  });

  it('says what the test split and the registration show, without charts', () => {
    expect(md).toContain('| ROC AUC | 0.6800 | 0.5000 |');
    expect(md).toContain('- **Champion:** version 3 kept');
    expect(md).toContain('labels are mature for purchases up to 2019-03-26');
    expect(md).not.toContain('<svg');
    expect(markdownOf(content())).toBe(md);
  });

  it('says there is nothing to flag when nothing is', () => {
    const calm = content({ drift: null });
    expect(calm.alerts).toEqual([]);
    expect(markdownOf(calm)).toContain('\n> Nothing to flag.\n');
    expect(markdownOf(calm)).toContain('No scored day to compare.');
  });

  it('notes a model no better than the base rate, and no out-of-time rows', () => {
    const base = content();
    const oot = base.artifact.metrics.out_of_time;
    const worse = content({ artifact: { ...base.artifact, metrics: { ...base.artifact.metrics, out_of_time: { ...oot, calibrated: oot.baseline } } } });
    expect(worse.alerts.map((a) => a.text)).toContainEqual(expect.stringMatching(/^The model is no better than the base rate out of time/));
    const empty = { ...oot.calibrated, rows: 0 };
    const untested = content({ artifact: { ...base.artifact, metrics: { ...base.artifact.metrics, out_of_time: { ...oot, calibrated: empty } } }, test: null });
    expect(untested.testSection).toBeNull();
    expect(markdownOf(untested)).toContain('No out-of-time rows: there is not enough mature history');
  });
});

describe('reportHtml', () => {
  const c = content();
  const sections = reportSections(c, reportCharts(c));

  it('escapes text, scopes chart ids and shows the alerts first', () => {
    const html = reportHtml(c, sections, fakeSvgs(c));
    expect(html).toContain('<td>A|B</td>');
    expect(html).not.toContain('id="clip1"');
    expect(html).toContain('<clipPath id="chart-roc-1"></clipPath></defs><g clip-path="url(#chart-roc-1)">');
    expect(html.indexOf('class="alert warning"')).toBeLessThan(html.indexOf('<section'));
    expect(html).toContain('<tr class="flag"><td>unit_price</td>');
    expect(html).toContain('data-drift-alerts="1"');
  });

  it('refuses a chart whose SVG refers to something outside the page', () => {
    const svgs = fakeSvgs(c);
    svgs.set('roc', '<svg><image href="https://example.invalid/x.png"/></svg>');
    expect(() => reportHtml(c, sections, svgs)).toThrow(/chart roc: the rendered SVG refers to something outside the page/);
    svgs.delete('roc');
    expect(() => reportHtml(c, sections, svgs)).toThrow(/chart roc was not rendered/);
  });
});

describe('scopeSvgIds', () => {
  it('renames ids in order of definition and every reference to them', () => {
    const svg = '<svg><g id="clip9"/><g id="grad2" data-id="clip9"/><use href="#grad2"/><g clip-path="url(#clip9)"/><g fill="url(#other)"/></svg>';
    expect(scopeSvgIds(svg, 'c')).toBe('<svg><g id="c-1"/><g id="c-2" data-id="clip9"/><use href="#c-2"/><g clip-path="url(#c-1)"/><g fill="url(#other)"/></svg>');
    expect(scopeSvgIds('<svg/>', 'c')).toBe('<svg/>');
  });
});

describe('format', () => {
  it('writes numbers without locale and without negative zero', () => {
    expect(fixed(-1e-9, 5)).toBe('0.00000');
    expect(fixed(null)).toBe('n/a');
    expect(percent(0.1234)).toBe('12.3%');
    expect(percent(Number.NaN)).toBe('n/a');
    expect(count(1234567)).toBe('1,234,567');
    expect(short(0.2)).toBe('0.2');
    expect(short(1234.5)).toBe('1235');
    expect(short(0.00001)).toBe('1e-5');
  });
});
