/** The Vega adapter: real SVG with marks, the same bytes twice, text escaped, and never a fetch. */
import { ChartRenderError, VegaSvgRenderer } from '../../../src/adapters/charts/vega-svg.js';

const renderer = new VegaSvgRenderer();

const bars = {
  title: 'Levels <b> & "quotes"',
  width: 200,
  height: 120,
  data: { values: [{ level: '<script>alert(1)</script>', rate: 0.3 }, { level: 'A & B', rate: 0.1 }] },
  mark: 'bar',
  encoding: { y: { field: 'level', type: 'nominal' }, x: { field: 'rate', type: 'quantitative' } },
};

describe('VegaSvgRenderer', () => {
  it('draws one bar mark per row, escapes text, and gives the same bytes every time', async () => {
    const svg = await renderer.renderSvg(bars);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/<g class="mark-rect role-mark[^"]*"[^>]*>(<path [^>]*d="M[^"]+"[^>]*\/>){2}<\/g>/);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('&lt;script&gt;');
    expect(svg).toContain('Levels &lt;b&gt; &amp; ');
    expect(await new VegaSvgRenderer().renderSvg(bars)).toBe(svg);
  });

  it('refuses to fetch data from a URL', async () => {
    const remote = { ...bars, data: { url: 'http://127.0.0.1:9/data.json' } };
    await expect(renderer.renderSvg(remote)).rejects.toThrow(/never fetch anything/);
  });

  it('says which chart is not a valid spec', async () => {
    await expect(renderer.renderSvg({ title: 'broken', mark: 'no-such-mark' })).rejects.toThrow(ChartRenderError);
  });
});
