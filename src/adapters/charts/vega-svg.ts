/**
 * Renders Vega-Lite specs to SVG on the server with Vega's headless view (no browser, no canvas):
 * compile Vega-Lite to Vega, run the dataflow, serialise the scenegraph.
 *
 * Nothing leaves the process: the view's loader refuses every URL and file, so a spec that
 * names external data or an image fails instead of fetching it. Text is measured by Vega's
 * built-in estimate unless the optional `canvas` package is installed (it is not a dependency),
 * and the SVG names the generic "sans-serif" family, which the viewer resolves locally.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ChartSpec } from '../../domain/report/charts.js';
import type { ChartRenderer } from '../../ports/chart-renderer.js';

export class ChartRenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChartRenderError';
  }
}

/**
 * A loader that loads nothing and remembers what it was asked for: Vega logs a failed load and
 * draws the chart without its data, so the renderer checks the list afterwards and fails.
 */
function offlineLoader(): { loader: vega.Loader; refused: string[] } {
  const refused: string[] = [];
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new ChartRenderError(`refused to load ${uri}`));
  };
  return { loader: { load: refuse, sanitize: refuse, http: refuse, file: refuse }, refused };
}

export class VegaSvgRenderer implements ChartRenderer {
  async renderSvg(spec: ChartSpec): Promise<string> {
    let vegaSpec: vega.Spec;
    try {
      vegaSpec = compile(spec as unknown as TopLevelSpec).spec;
    } catch (err) {
      throw new ChartRenderError(`the chart "${String(spec['title'] ?? '(untitled)')}" is not a valid Vega-Lite spec: ${(err as Error).message}`);
    }
    const { loader, refused } = offlineLoader();
    // Errors are reported through `refused` and the exception below, not on the console.
    const view = new vega.View(vega.parse(vegaSpec), { renderer: 'none', loader, logLevel: vega.None });
    try {
      const svg = await view.toSVG();
      if (refused.length > 0) {
        throw new ChartRenderError(`the chart "${String(spec['title'] ?? '(untitled)')}" tried to load ${JSON.stringify(refused[0])}; report charts carry their data inline and never fetch anything`);
      }
      return svg;
    } finally {
      view.finalize();
    }
  }
}
