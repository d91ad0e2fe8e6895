import { generateOrdersCsv } from '../../../src/application/generate-orders.js';
import { SourceError } from '../../../src/adapters/source/source-error.js';
import { parseSyntheticUri, SyntheticSource } from '../../../src/adapters/source/synthetic-source.js';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += (chunk as Buffer).toString('utf8');
  return out;
}

describe('SyntheticSource', () => {
  it('canonicalises the URI: every option, fixed order, defaults spelled out', () => {
    expect(new SyntheticSource('synthetic://?seed=7&rows=1_000').uri).toBe('synthetic://?rows=1000&seed=7&start=2018-11-01&end=2019-04-30');
    expect(new SyntheticSource('synthetic://?end=2019-01-31&rows=5&seed=0&start=2018-12-01').uri).toBe('synthetic://?rows=5&seed=0&start=2018-12-01&end=2019-01-31');
  });

  it('opens the same bytes as the generator, with a version naming the generator', async () => {
    const source = new SyntheticSource('synthetic://?rows=500&seed=3&end=2019-02-28');
    const opened = await source.open();
    expect(opened.uri).toBe(source.uri);
    expect(opened.version).toMatch(/^generator-v\d+$/);
    expect(await text(opened.stream)).toBe(await text(generateOrdersCsv({ rows: 500, seed: 3, end: '2019-02-28' })));
  });

  it.each([
    ['synthetic://?rows=abc&seed=1', /rows: must be a whole number/],
    ['synthetic://?rows=10', /seed: required/],
    ['synthetic://?seed=1', /rows: required/],
    ['synthetic://?rows=0&seed=1', /rows: must be at least 1/],
    ['synthetic://?rows=1.5&seed=1', /rows: must be a whole number/],
    ['synthetic://?rows=10&seed=-1', /seed: must be a whole number/],
    ['synthetic://?rows=10&seed=1&size=3', /unknown option\(s\) size/],
    ['synthetic://?rows=10&seed=1&rows=11', /rows is given twice/],
    ['synthetic://?rows=10&seed=1&start=2019-02-30', /start: must be a date YYYY-MM-DD/],
    ['synthetic://?rows=10&seed=1&start=2019-02-01&end=2019-01-01', /end 2019-01-01 is before start 2019-02-01/],
    ['synthetic://somewhere?rows=10&seed=1', /options go in the query string/],
    ['file:///tmp/x.csv', /not a synthetic source URI/],
  ])('rejects %s with a one-line SourceError', (uri, message) => {
    let caught: unknown;
    try {
      parseSyntheticUri(uri);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SourceError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});
