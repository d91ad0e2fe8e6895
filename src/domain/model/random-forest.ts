/**
 * Random forest (family `forest`): CART trees (tree-grower.ts, Gini) on bootstrap samples, with
 * a random subset of features tried at each node; the probability is the mean of the trees'
 * leaf shares. Tree t draws from its own seeded stream, so a forest is the same for the same seed.
 *
 * Trees are capped by leaves (best-first growth) as well as depth: the SQL form lists every leaf,
 * and a hundred unpruned trees would make an expression of tens of megabytes.
 */
import { z } from 'zod';
import { binTrainingMatrix } from './binning.js';
import { checkLabels, notFitted, type Classifier, type ClassifierJson, type ColumnScorer, type FitOptions } from './classifier.js';
import { cartGrowerParams } from './decision-tree.js';
import { featureSpecs, type FeatureMatrix, type FeatureSpec } from './feature-matrix.js';
import { featureSpecsSchema } from './feature-spec-schema.js';
import { bootstrapCounts } from './sampling.js';
import { sqlNumber, sqlSum } from './sql.js';
import { GrowerWorkspace, growTree } from './tree-grower.js';
import { checkTreeJson, CompiledTrees, treeFromBinned, treeJsonSchema, treeSumScorer, treeToSql, type TreeJson } from './tree-model.js';
import { sharedTreeParams } from './tree-params.js';
import { rowWeights } from './weights.js';
import { Rng } from '../synthetic/prng.js';
import { binnedTreeEncoding, type ModelFamily } from './family.js';

export const forestParamsSchema = z
  .object({
    trees: z.number().int().min(1).default(100),
    maxDepth: z.number().int().min(1).default(12),
    maxLeaves: z.number().int().min(2).nullable().default(128),
    minSamplesSplit: z.number().int().min(2).default(2),
    minImpurityDecrease: z.number().min(0).default(0),
    /** Features tried per node: 'sqrt' of the feature count, or a share of them. */
    maxFeatures: z.union([z.literal('sqrt'), z.number().gt(0).max(1)]).default('sqrt'),
    /** Bootstrap draws per tree as a share of the rows. */
    sampleFraction: z.number().gt(0).max(1).default(1),
    ...sharedTreeParams,
  })
  .strict();

export type ForestParams = z.infer<typeof forestParamsSchema>;
export type ForestParamsInput = z.input<typeof forestParamsSchema>;

const forestJsonSchema = z
  .object({ family: z.literal('forest'), version: z.literal(1), features: featureSpecsSchema, params: forestParamsSchema, trees: z.array(treeJsonSchema).min(1) })
  .strict();

export class ForestClassifier implements Classifier {
  readonly family = 'forest' as const;
  readonly params: ForestParams;
  private fitted: { features: FeatureSpec[]; trees: TreeJson[] } | null = null;

  constructor(params: ForestParamsInput = {}) {
    this.params = forestParamsSchema.parse(params);
  }

  fit(train: FeatureMatrix, y: Uint8Array, opts: FitOptions = {}): void {
    checkLabels(train, y, opts.weights);
    const p = this.params;
    const n = train.rows;
    const features = featureSpecs(train);
    const { mappers, data } = binTrainingMatrix(train, features, { maxBins: p.maxBins, minCategoryCount: p.minCategoryCount, seed: p.seed });
    const w = rowWeights(y, p.classWeight, opts.weights);
    const perNode = p.maxFeatures === 'sqrt' ? Math.round(Math.sqrt(features.length)) : Math.round(p.maxFeatures * features.length);
    const allFeatures = Int32Array.from(features.map((_, f) => f));
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const ws = new GrowerWorkspace(data);
    const draws = Math.max(1, Math.round(n * p.sampleFraction));
    const trees: TreeJson[] = [];
    for (let t = 0; t < p.trees; t++) {
      const rng = Rng.fromSeed(p.seed, 1 + t);
      const counts = bootstrapCounts(rng, n, draws);
      let used = 0;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const c = counts[i] as number;
        if (c > 0) used++;
        hess[i] = c * (w[i] as number);
        grad[i] = (hess[i] as number) * (y[i] as number);
        total += hess[i] as number;
      }
      const rows = new Uint32Array(used);
      for (let i = 0, k = 0; i < n; i++) if ((counts[i] as number) > 0) rows[k++] = i;
      const grown = growTree(
        { data, grad, hess, rows, rowsAreIdentity: false, features: allFeatures, rng },
        cartGrowerParams({ ...p, totalWeight: total, featuresPerNode: Math.max(1, perNode) }),
        ws,
      );
      trees.push(treeFromBinned(grown, mappers, (leaf) => ((grown.leafH[leaf] as number) > 0 ? (grown.leafG[leaf] as number) / (grown.leafH[leaf] as number) : 0)));
      opts.onRound?.(t + 1, {});
    }
    this.fitted = { features, trees };
  }

  predictProba(x: FeatureMatrix): Float64Array {
    const f = this.require();
    return this.average(new CompiledTrees(f.trees, f.features, x).sum(x.rows, 0));
  }

  columnScorer(x: FeatureMatrix): ColumnScorer {
    const f = this.require();
    return treeSumScorer(f.trees, f.features, x, 0, (sums) => this.average(sums));
  }

  /** Sums of the trees' leaf values to their mean, in place. */
  private average(sums: Float64Array): Float64Array {
    const trees = this.require().trees.length;
    for (let i = 0; i < sums.length; i++) sums[i] = (sums[i] as number) / trees;
    return sums;
  }

  toJSON(): ClassifierJson {
    const f = this.require();
    return { family: 'forest', version: 1, features: f.features, params: this.params, trees: f.trees };
  }

  static fromJSON(json: unknown): ForestClassifier {
    const parsed = forestJsonSchema.parse(json);
    parsed.trees.forEach((t, i) => checkTreeJson(t, parsed.features.length, `forest tree ${i}`));
    const model = new ForestClassifier(parsed.params);
    model.fitted = { features: parsed.features, trees: parsed.trees };
    return model;
  }

  toSQL(columnSql: (name: string) => string): string {
    const f = this.require();
    return `(${sqlSum(f.trees.map((t) => treeToSql(t, f.features, columnSql)))} / ${sqlNumber(f.trees.length)})`;
  }

  private require(): { features: FeatureSpec[]; trees: TreeJson[] } {
    if (this.fitted === null) throw notFitted(this.family);
    return this.fitted;
  }
}

/** The random-forest family (see family.ts). */
export const FOREST_FAMILY: ModelFamily = {
  name: 'forest',
  defaultSearch: { base: {}, grid: {} },
  create: (params) => new ForestClassifier(params),
  fromJSON: (json) => ForestClassifier.fromJSON(json),
  encoding: binnedTreeEncoding,
};
