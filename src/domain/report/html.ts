/**
 * The report as one self-contained HTML page: inline CSS, the charts as inline SVG, no script,
 * no external reference of any kind, so it opens from a file, an e-mail or an object store
 * without a network.
 */
import type { ReportContent } from './report-content.js';
import { escapeHtml } from './format.js';
import type { Block, Section } from './sections.js';

const STYLE = `
:root { color-scheme: light; }
body { font-family: sans-serif; margin: 0; color: #222; background: #f6f7f9; line-height: 1.4; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header p { margin: 0; color: #555; }
nav { margin: 16px 0; font-size: 14px; }
nav a { margin-right: 14px; color: #2b5d9b; text-decoration: none; }
section { background: #fff; border: 1px solid #e2e4e8; border-radius: 6px; padding: 16px 20px; margin: 16px 0; }
section h2 { margin: 0 0 12px; font-size: 19px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
.alerts { list-style: none; padding: 0; margin: 16px 0; }
.alert { padding: 10px 14px; border-radius: 6px; margin: 6px 0; font-size: 15px; }
.alert.warning { background: #fdecea; border: 1px solid #f5b7b1; color: #8a1c13; font-weight: bold; }
.alert.info { background: #eef4fb; border: 1px solid #c5d9f0; color: #234a73; }
.alert.ok { background: #edf7ed; border: 1px solid #b9dfba; color: #1e5b22; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0 0 12px; font-size: 14px; }
dl.facts dt { color: #555; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; font-size: 13px; margin: 4px 0 12px; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
tr.flag td { color: #8a1c13; font-weight: bold; background: #fdf3f2; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
details summary { cursor: pointer; font-size: 14px; color: #2b5d9b; margin: 8px 0; }
p.note { font-size: 14px; color: #444; margin: 0 0 10px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; padding: 8px; border: 1px solid #eceef1; border-radius: 4px; background: #fff; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
/* The caption wraps at the chart's width instead of widening the figure. */
figure.chart figcaption { font-size: 12px; color: #555; margin-top: 4px; width: 0; min-width: 100%; }
footer { font-size: 12px; color: #666; margin-top: 24px; }
`;

/**
 * Makes the ids of one SVG unique on the page: several inline SVGs may each define `clip1`, and a
 * renderer may number them from a process-wide counter. Ids are renamed `<prefix>-<n>` in order
 * of first definition, so the same chart gives the same bytes however many came before it.
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/(?<![\w-])id="([^"]+)"/g)) {
    const id = m[1] as string;
    if (!ids.has(id)) ids.set(id, `${prefix}-${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg.replace(/(?<![\w-])(id="|href="#|url\(#)([^")]+)/g, (whole, head: string, id: string) => {
    const renamed = ids.get(id);
    return renamed === undefined ? whole : `${head}${renamed}`;
  });
}

/** The page's only outward-looking parts would be these; a renderer's SVG must not contain them. */
const EXTERNAL_REFERENCE = /\b(?:href|src)\s*=\s*"(?!#)|url\((?!#)|@import/i;

function facts(rows: readonly (readonly [string, string])[]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function tableHtml(block: Extract<Block, { kind: 'table' }>): string {
  const cls = (i: number): string => (block.numeric[i] ? ' class="num"' : '');
  const head = `<thead><tr>${block.headers.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = `<tbody>${block.rows.map((row, r) => `<tr${block.flagged?.[r] ? ' class="flag"' : ''}>${row.map((cell, i) => `<td${cls(i)}>${escapeHtml(cell)}</td>`).join('')}</tr>`).join('')}</tbody>`;
  const html = `<table>${head}${body}</table>`;
  if (block.collapsed) return `<details><summary>${escapeHtml(block.title ?? 'Table')}</summary>${html}</details>`;
  return `${block.title ? `<h3>${escapeHtml(block.title)}</h3>` : ''}${html}`;
}

function chartHtml(block: Extract<Block, { kind: 'chart' }>, svgs: ReadonlyMap<string, string>): string {
  const { id, caption } = block.chart;
  const svg = svgs.get(id);
  if (svg === undefined) throw new Error(`chart ${id} was not rendered`);
  if (EXTERNAL_REFERENCE.test(svg)) throw new Error(`chart ${id}: the rendered SVG refers to something outside the page`);
  return `<figure class="chart" id="chart-${id}" data-chart="${escapeHtml(id)}">${scopeSvgIds(svg, `chart-${id}`)}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

function sectionHtml(section: Section, svgs: ReadonlyMap<string, string>): string {
  const parts: string[] = [];
  let charts: string[] = [];
  const flush = (): void => {
    if (charts.length > 0) parts.push(`<div class="charts">${charts.join('')}</div>`);
    charts = [];
  };
  for (const block of section.blocks) {
    if (block.kind === 'chart') {
      charts.push(chartHtml(block, svgs));
      continue;
    }
    flush();
    if (block.kind === 'facts') parts.push(facts(block.rows));
    else if (block.kind === 'note') parts.push(`<p class="note">${escapeHtml(block.text)}</p>`);
    else parts.push(tableHtml(block));
  }
  flush();
  return `<section id="${escapeHtml(section.id)}"><h2>${escapeHtml(section.title)}</h2>${parts.join('\n')}</section>`;
}

/** The page. `svgs` maps each chart id in the sections to its rendered SVG. */
export function reportHtml(content: ReportContent, sections: readonly Section[], svgs: ReadonlyMap<string, string>): string {
  const a = content.artifact;
  const alerts =
    content.alerts.length === 0
      ? `<ul class="alerts" id="alerts"><li class="alert ok">${content.drift ? `Nothing to flag: no PSI above ${content.drift.threshold}, data quality passed.` : 'Nothing to flag.'}</li></ul>`
      : `<ul class="alerts" id="alerts">${content.alerts.map((x) => `<li class="alert ${x.level}" data-level="${x.level}">${escapeHtml(x.text)}</li>`).join('')}</ul>`;
  const nav = `<nav>${sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join('')}</nav>`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Product returns report ${escapeHtml(content.asOf)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    `<body data-drift-alerts="${content.driftAlerts.length}">`,
    '<main>',
    `<header><h1>Product returns report, ${escapeHtml(content.asOf)}</h1><p>Model trained as of ${escapeHtml(a.as_of)}: ${escapeHtml(a.estimator.family)} with ${escapeHtml(a.calibrator.method)} calibration, label horizon ${a.horizon_days} days.</p></header>`,
    alerts,
    nav,
    ...sections.map((s) => sectionHtml(s, svgs)),
    `<footer>returns ${escapeHtml(a.code_version)} · source ${escapeHtml(a.data_fingerprint.source_uri)} · raw data sha256 ${escapeHtml(a.data_fingerprint.raw_sha256.slice(0, 16))} · features sha256 ${escapeHtml(a.data_fingerprint.features_sha256.slice(0, 16))}</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
