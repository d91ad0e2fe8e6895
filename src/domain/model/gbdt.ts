/**
 * Histogram gradient-boosted trees for log loss (family `gbdt`), in the manner of LightGBM and
 * scikit-learn's HistGradientBoostingClassifier: features binned to uint8 once, trees grown
 * leaf-wise (or depth-wise) on gradient/hessian histograms with sibling subtraction, shrinkage,
 * row and column subsampling per round, early stopping on validation log loss, missing values
 * and categorical features handled natively by the splits (see tree-grower.ts).
 *
 * The margin is initScore + the sum of the trees' leaf values; the probability is its logistic.
 */
import { z } from 'zod';
import { binTrainingMatrix, binWithMappers, type BinnedMatrix } from './binning.js';
import { checkLabels, ClassifierError, notFitted, type Classifier, type ClassifierJson, type ColumnScorer, type FitOptions } from './classifier.js';
import { featureSpecs, type FeatureMatrix, type FeatureSpec } from './feature-matrix.js';
import { featureSpecsSchema } from './feature-spec-schema.js';
import { identityRows, sampleWithoutReplacement } from './sampling.js';
import { sigmoid, sqlNumber, sqlSigmoid, sqlSum } from './sql.js';
import { GrowerWorkspace, growTree, leafIndexOf } from './tree-grower.js';
import { checkTreeJson, CompiledTrees, treeFromBinned, treeJsonSchema, treeSumScorer, treeToSql, type TreeJson } from './tree-model.js';
import { sharedTreeParams } from './tree-params.js';
import { rowWeights } from './weights.js';
import { Rng } from '../synthetic/prng.js';
import { binnedTreeEncoding, type ModelFamily } from './family.js';

export const gbdtParamsSchema = z
  .object({
    learningRate: z.number().positive().max(1).default(0.1),
    /** Boosting rounds at most (early stopping may keep fewer). */
    maxRounds: z.number().int().min(1).default(300),
    maxLeaves: z.number().int().min(2).default(31),
    /** null: no depth limit (leaves are limited by maxLeaves). */
    maxDepth: z.number().int().min(1).nullable().default(null),
    growth: z.enum(['leafwise', 'depthwise']).default('leafwise'),
    minHessianLeaf: z.number().min(0).default(1e-3),
    /** L2 penalty on leaf values. */
    lambda: z.number().min(0).default(1),
    minGain: z.number().min(0).default(0),
    /** Share of rows drawn (without replacement) for each round. */
    subsample: z.number().gt(0).max(1).default(1),
    /** Share of features drawn for each tree. */
    colsample: z.number().gt(0).max(1).default(1),
    /** Categorical splits: see tree-grower.ts (LightGBM's cat_smooth and cat_l2). */
    catSmooth: z.number().min(0).default(10),
    catL2: z.number().min(0).default(10),
    /** Stop when validation log loss has not improved for this many rounds (needs validation). */
    earlyStoppingRounds: z.number().int().min(1).default(20),
    ...sharedTreeParams,
  })
  .strict();

export type GbdtParams = z.infer<typeof gbdtParamsSchema>;
export type GbdtParamsInput = z.input<typeof gbdtParamsSchema>;

const gbdtJsonSchema = z
  .object({
    family: z.literal('gbdt'),
    version: z.literal(1),
    features: featureSpecsSchema,
    params: gbdtParamsSchema,
    initScore: z.number(),
    /** Rounds kept (after early stopping) and rounds run. */
    rounds: z.number().int(),
    roundsRun: z.number().int(),
    trees: z.array(treeJsonSchema),
  })
  .strict();

interface Fitted {
  readonly features: FeatureSpec[];
  readonly initScore: number;
  readonly trees: TreeJson[];
  readonly roundsRun: number;
}

/** Margins to probabilities, in place. */
function toProbabilities(margin: Float64Array): Float64Array {
  for (let i = 0; i < margin.length; i++) margin[i] = sigmoid(margin[i] as number);
  return margin;
}

/** Mean log loss of margins against labels (for early stopping and progress). */
function marginLogLoss(margin: Float64Array, y: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i] as number;
    // log(1 + e^-m) for y = 1, log(1 + e^m) for y = 0, computed without overflow.
    const z = y[i] === 1 ? -m : m;
    s += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
  }
  return s / margin.length;
}

export class GbdtClassifier implements Classifier {
  readonly family = 'gbdt' as const;
  readonly params: GbdtParams;
  private fitted: Fitted | null = null;

  constructor(params: GbdtParamsInput = {}) {
    this.params = gbdtParamsSchema.parse(params);
  }

  fit(train: FeatureMatrix, y: Uint8Array, opts: FitOptions = {}): void {
    checkLabels(train, y, opts.weights);
    const p = this.params;
    const features = featureSpecs(train);
    const { mappers, data } = binTrainingMatrix(train, features, { maxBins: p.maxBins, minCategoryCount: p.minCategoryCount, seed: p.seed });
    const n = train.rows;
    const w = rowWeights(y, p.classWeight, opts.weights);
    let wPos = 0;
    let wAll = 0;
    for (let i = 0; i < n; i++) {
      wAll += w[i] as number;
      if (y[i] === 1) wPos += w[i] as number;
    }
    if (!(wPos > 0 && wPos < wAll)) throw new ClassifierError('gbdt needs positive weight on both classes');
    const initScore = Math.log(wPos / (wAll - wPos));

    const valid = opts.validation;
    let vData: BinnedMatrix | null = null;
    let vMargin: Float64Array | null = null;
    if (valid !== undefined) {
      if (valid.y.length !== valid.x.rows) throw new ClassifierError(`${valid.y.length} validation labels for ${valid.x.rows} rows`);
      vData = binWithMappers(valid.x, mappers);
      vMargin = new Float64Array(valid.x.rows).fill(initScore);
    }

    const margin = new Float64Array(n).fill(initScore);
    const grad = new Float64Array(n);
    const hess = new Float64Array(n);
    const ws = new GrowerWorkspace(data);
    const rng = Rng.fromSeed(p.seed, 0x6764);
    const allFeatures = Int32Array.from(features.map((_, f) => f));
    const rowsPerRound = Math.max(1, Math.round(n * p.subsample));
    const featuresPerTree = Math.max(1, Math.round(features.length * p.colsample));
    const grower = {
      maxLeaves: p.maxLeaves,
      maxDepth: p.maxDepth ?? Number.POSITIVE_INFINITY,
      minSamplesLeaf: p.minSamplesLeaf,
      minSamplesSplit: 2,
      minHessianLeaf: p.minHessianLeaf,
      lambda: p.lambda,
      minGain: p.minGain,
      catSmooth: p.catSmooth,
      catL2: p.catL2,
      minDataPerGroup: p.minDataPerGroup,
      maxCatThreshold: p.maxCatThreshold,
      growth: p.growth,
      featuresPerNode: 0,
    };
    const trees: TreeJson[] = [];
    const inSample = new Uint8Array(n);
    let best = { loss: Number.POSITIVE_INFINITY, rounds: 0 };
    let roundsRun = 0;

    for (let round = 0; round < p.maxRounds; round++) {
      for (let i = 0; i < n; i++) {
        const prob = sigmoid(margin[i] as number);
        const wi = w[i] as number;
        grad[i] = wi * (prob - (y[i] as number));
        hess[i] = wi * Math.max(prob * (1 - prob), 1e-16);
      }
      const identity = rowsPerRound === n;
      const rows = identity ? identityRows(n) : sampleWithoutReplacement(rng, n, rowsPerRound);
      const treeFeatures = featuresPerTree === features.length ? allFeatures : Int32Array.from(sampleWithoutReplacement(rng, features.length, featuresPerTree));
      const tree = growTree({ data, grad, hess, rows, rowsAreIdentity: identity, features: treeFeatures }, grower, ws);
      const values = tree.leafG.map((g, leaf) => (-p.learningRate * g) / ((tree.leafH[leaf] as number) + p.lambda));

      // Rows the tree learnt from sit in its leaves' ranges; the others are routed by bins.
      if (!identity) inSample.fill(0);
      for (let leaf = 0; leaf < values.length; leaf++) {
        const v = values[leaf] as number;
        for (let k = tree.leafStart[leaf] as number; k < (tree.leafEnd[leaf] as number); k++) {
          const r = rows[k] as number;
          margin[r] = (margin[r] as number) + v;
          if (!identity) inSample[r] = 1;
        }
      }
      if (!identity) {
        for (let r = 0; r < n; r++) if (inSample[r] === 0) margin[r] = (margin[r] as number) + (values[leafIndexOf(tree, data, r)] as number);
      }
      trees.push(treeFromBinned(tree, mappers, (leaf) => values[leaf] as number));
      roundsRun = round + 1;

      let validationLogLoss: number | undefined;
      if (vData !== null && vMargin !== null && valid !== undefined) {
        for (let r = 0; r < vData.rows; r++) vMargin[r] = (vMargin[r] as number) + (values[leafIndexOf(tree, vData, r)] as number);
        validationLogLoss = marginLogLoss(vMargin, valid.y);
        if (validationLogLoss < best.loss) best = { loss: validationLogLoss, rounds: round + 1 };
      }
      // Training loss is not reported: one exp and log per row and round would cost ~5% of the fit.
      opts.onRound?.(round + 1, validationLogLoss === undefined ? {} : { validationLogLoss });
      if (vData !== null && round + 1 - best.rounds >= p.earlyStoppingRounds) break;
      if (tree.feature.length === 0) break; // nothing left to learn: every later tree would be a stump too
    }
    const kept = vData !== null ? trees.slice(0, best.rounds) : trees;
    this.fitted = { features, initScore, trees: kept, roundsRun };
  }

  /** The margin (log-odds) per row, summed in tree order like the SQL. */
  predictMargin(x: FeatureMatrix): Float64Array {
    const f = this.require();
    return new CompiledTrees(f.trees, f.features, x).sum(x.rows, f.initScore);
  }

  predictProba(x: FeatureMatrix): Float64Array {
    return toProbabilities(this.predictMargin(x));
  }

  columnScorer(x: FeatureMatrix): ColumnScorer {
    const f = this.require();
    return treeSumScorer(f.trees, f.features, x, f.initScore, toProbabilities);
  }

  /** Trees kept after early stopping. */
  get rounds(): number {
    return this.require().trees.length;
  }

  toJSON(): ClassifierJson {
    const f = this.require();
    return { family: 'gbdt', version: 1, features: f.features, params: this.params, initScore: f.initScore, rounds: f.trees.length, roundsRun: f.roundsRun, trees: f.trees };
  }

  static fromJSON(json: unknown): GbdtClassifier {
    const parsed = gbdtJsonSchema.parse(json);
    parsed.trees.forEach((t, i) => checkTreeJson(t, parsed.features.length, `gbdt tree ${i}`));
    const model = new GbdtClassifier(parsed.params);
    model.fitted = { features: parsed.features, initScore: parsed.initScore, trees: parsed.trees, roundsRun: parsed.roundsRun };
    return model;
  }

  toSQL(columnSql: (name: string) => string): string {
    const f = this.require();
    const terms = [sqlNumber(f.initScore), ...f.trees.map((t) => treeToSql(t, f.features, columnSql))];
    return sqlSigmoid(sqlSum(terms));
  }

  private require(): Fitted {
    if (this.fitted === null) throw notFitted(this.family);
    return this.fitted;
  }
}

/** The boosting family (see family.ts): it stops early, and a refit keeps the rounds the folds chose. */
export const GBDT_FAMILY: ModelFamily = {
  name: 'gbdt',
  defaultSearch: { base: {}, grid: {} },
  earlyStopping: {
    roundsKept: (classifier) => (classifier as GbdtClassifier).rounds,
    withRounds: (params, rounds) => ({ ...params, maxRounds: rounds }),
  },
  create: (params) => new GbdtClassifier(params),
  fromJSON: (json) => GbdtClassifier.fromJSON(json),
  encoding: binnedTreeEncoding,
};
