/**
 * Use case: the daily report. From the outputs of ValidateOrders, BuildFeatures, TrainModel,
 * RegisterModel and PredictBatch (the row-level parts gathered by gatherReportData), build one
 * self-contained HTML page with its charts as inline SVG, and a Markdown summary. Drift above the
 * threshold is said at the top of both and returned, so the task can log it as a warning.
 *
 * Same inputs, same bytes: nothing here reads a clock, and charts are rendered one after the
 * other with ids renumbered per chart.
 */
import type { ModelArtifact } from '../domain/artifact/model-artifact.js';
import { FEATURE_CATALOGUE } from '../domain/features/catalogue.js';
import type { FeatureSummary } from '../domain/features/feature-summary.js';
import type { QualityReport } from '../domain/orders/quality-report.js';
import { reportCharts } from '../domain/report/charts.js';
import { driftRows, type DriftAlert } from '../domain/report/drift.js';
import { reportHtml } from '../domain/report/html.js';
import { reportMarkdown } from '../domain/report/markdown.js';
import { reportOptionsSchema, type ReportOptionsInput } from '../domain/report/options.js';
import { reportContent, type DriftFacts, type RegistrationSummary, type SegmentRates } from '../domain/report/report-content.js';
import { returnRatesByLevel } from '../domain/report/return-rates.js';
import { reportSections } from '../domain/report/sections.js';
import type { ChartRenderer } from '../ports/chart-renderer.js';
import type { ReportData } from './report-data.js';

/**
 * Never alerted on (see DriftOptions.exempt): the calendar features, and history_days, which
 * measures how much data came before a purchase, so a scored day has more of it than training by construction.
 */
const NEVER_ALERTED: ReadonlySet<string> = new Set([...FEATURE_CATALOGUE.filter((f) => f.scope === 'calendar').map((f) => f.name), 'history_days']);

export interface BuildReportInput {
  /** The run date D. */
  readonly asOf: string;
  /** ValidateOrders' quality.json. */
  readonly quality: QualityReport;
  /** BuildFeatures' summary.json. */
  readonly featureSummary: FeatureSummary;
  /** TrainModel's model.json (as loaded by loadModelArtifact). */
  readonly artifact: ModelArtifact;
  /** RegisterModel's registration.json, when there is one. */
  readonly registration?: RegistrationSummary | null;
  /** Row-level data: gatherReportData's result. */
  readonly data: ReportData;
  /** The `report` configuration block (drift threshold, bins, levels shown). */
  readonly options?: ReportOptionsInput;
  readonly renderer: ChartRenderer;
}

export interface BuiltReport {
  readonly html: string;
  readonly markdown: string;
  /** Features (and `return_probability`, the score) whose PSI is above the threshold, largest first. */
  readonly driftAlerts: readonly DriftAlert[];
}

function segmentRates(labelled: ReportData['labelled'], top: number): SegmentRates {
  let returns = 0;
  for (const v of labelled.y) returns += v === 1 ? 1 : 0;
  return {
    category: returnRatesByLevel(labelled.category, labelled.y, top),
    brand: returnRatesByLevel(labelled.brand, labelled.y, top),
    size: returnRatesByLevel(labelled.size, labelled.y, top),
    rows: labelled.y.length,
    returns,
  };
}

export async function buildReport(input: BuildReportInput): Promise<BuiltReport> {
  const options = reportOptionsSchema.parse(input.options ?? {});
  const d = input.data.drift;
  const drift: DriftFacts | null = d
    ? {
        threshold: options.driftThreshold,
        referenceRows: d.reference.rows,
        scoredDay: d.scoredDay,
        rows: driftRows(d.reference, d.current, { reference: d.referenceScores, current: d.currentScores }, { threshold: options.driftThreshold, bins: options.psiBins, maxLevels: options.psiMaxLevels, exempt: NEVER_ALERTED }),
      }
    : null;
  const content = reportContent({
    asOf: input.asOf,
    quality: input.quality,
    featureSummary: input.featureSummary,
    artifact: input.artifact,
    registration: input.registration ?? null,
    test: input.data.test,
    drift,
    rates: input.data.labelled.y.length === 0 ? null : segmentRates(input.data.labelled, options.topLevels),
  });
  const charts = reportCharts(content);
  const svgs = new Map<string, string>();
  for (const chart of charts) svgs.set(chart.id, await input.renderer.renderSvg(chart.spec));
  const sections = reportSections(content, charts);
  return { html: reportHtml(content, sections, svgs), markdown: reportMarkdown(content, sections), driftAlerts: content.driftAlerts };
}
