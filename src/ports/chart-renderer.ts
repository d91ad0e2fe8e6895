import type { ChartSpec } from '../domain/report/charts.js';

/**
 * Turns a chart specification (Vega-Lite JSON) into a standalone SVG document. An implementation
 * must not fetch anything (data and fonts come from the spec and the system) and must give the
 * same bytes for the same spec.
 */
export interface ChartRenderer {
  renderSvg(spec: ChartSpec): Promise<string>;
}
