/**
 * The report as a Markdown summary (for a chat message, a pull request or a terminal): the same
 * sections as the HTML page, alerts first, tables instead of charts.
 */
import { escapeMarkdownCell } from './format.js';
import type { ReportContent } from './report-content.js';
import type { Block, Section } from './sections.js';

function tableMarkdown(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly boolean[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (numeric[i] ? '---:' : ':---')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

function blockMarkdown(block: Block): string | null {
  switch (block.kind) {
    case 'facts':
      return block.rows.map(([k, v]) => `- **${k}:** ${v}`).join('\n');
    case 'note':
      return block.text;
    case 'table':
      return `${block.title ? `**${block.title}**\n\n` : ''}${tableMarkdown(block.headers, block.rows, block.numeric)}`;
    case 'chart':
      return null; // charts are in the HTML page; their numbers are in the tables
  }
}

export function reportMarkdown(content: ReportContent, sections: readonly Section[]): string {
  const a = content.artifact;
  const parts = [
    `# Product returns report, ${content.asOf}`,
    `Model trained as of ${a.as_of}: ${a.estimator.family} with ${a.calibrator.method} calibration, label horizon ${a.horizon_days} days. Charts are in the HTML report.`,
  ];
  if (content.alerts.length === 0) parts.push('> Nothing to flag.');
  else parts.push(content.alerts.map((x) => `> **${x.level === 'warning' ? 'Warning' : 'Note'}:** ${x.text}`).join('\n>\n'));
  for (const section of sections) {
    parts.push(`## ${section.title}`);
    for (const block of section.blocks) {
      const text = blockMarkdown(block);
      if (text !== null) parts.push(text);
    }
  }
  parts.push(`---\nreturns ${a.code_version} · source ${a.data_fingerprint.source_uri} · features sha256 ${a.data_fingerprint.features_sha256.slice(0, 16)}`);
  return `${parts.join('\n\n')}\n`;
}
