/**
 * `synthetic://?rows=N&seed=S[&start=YYYY-MM-DD&end=YYYY-MM-DD]`: order lines made up on the fly
 * by the synthetic generator (docs/synthetic-data.md), in the Kaggle file's exact format. Nothing
 * is read or downloaded; the same URI always yields the same bytes.
 */
import { describeIssues, generateOrdersCsv, syntheticOptionsSchema } from '../../application/generate-orders.js';
import { resolveSyntheticOptions, SyntheticOptionsError, type ResolvedSyntheticOptions } from '../../domain/synthetic/options.js';
import { SYNTHETIC_GENERATOR_VERSION } from '../../domain/synthetic/story.js';
import type { DatasetSource, OpenedDataset } from '../../ports/dataset-source.js';
import { SourceError } from './source-error.js';

const USAGE = 'use synthetic://?rows=N&seed=S[&start=YYYY-MM-DD&end=YYYY-MM-DD]';

/** Reads the options a synthetic URI names; throws SourceError with a one-line reason. */
export function parseSyntheticUri(uri: string): ResolvedSyntheticOptions {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    throw new SourceError(`invalid synthetic source "${uri}": ${USAGE}`);
  }
  if (parsed.protocol !== 'synthetic:') throw new SourceError(`not a synthetic source URI: "${uri}"`);
  if (parsed.host !== '' || (parsed.pathname !== '' && parsed.pathname !== '/')) {
    throw new SourceError(`invalid synthetic source "${uri}": options go in the query string; ${USAGE}`);
  }
  const query: Record<string, string> = {};
  for (const [key, value] of parsed.searchParams) {
    if (key in query) throw new SourceError(`invalid synthetic source "${uri}": ${key} is given twice`);
    query[key] = value;
  }
  const result = syntheticOptionsSchema.safeParse(query);
  if (!result.success) throw new SourceError(`invalid synthetic source "${uri}": ${describeIssues(result.error)}; ${USAGE}`);
  try {
    return resolveSyntheticOptions(result.data);
  } catch (error) {
    if (error instanceof SyntheticOptionsError) throw new SourceError(`invalid synthetic source "${uri}": ${error.message}`);
    throw error;
  }
}

/** The one spelling of a synthetic dataset: every option present, in a fixed order. */
export function canonicalSyntheticUri(o: ResolvedSyntheticOptions): string {
  return `synthetic://?rows=${o.rows}&seed=${o.seed}&start=${o.start}&end=${o.end}`;
}

export class SyntheticSource implements DatasetSource {
  readonly uri: string;
  readonly options: ResolvedSyntheticOptions;

  constructor(uri: string) {
    this.options = parseSyntheticUri(uri);
    this.uri = canonicalSyntheticUri(this.options);
  }

  async open(): Promise<OpenedDataset> {
    return {
      stream: generateOrdersCsv(this.options),
      uri: this.uri,
      // The bytes depend on the options (in the URI) and on the story's code.
      version: `generator-v${SYNTHETIC_GENERATOR_VERSION}`,
    };
  }
}
