/**
 * The parameters every tree family (tree, forest, gbdt) shares, with one meaning and one default,
 * so a setting reads the same whichever family it is given to.
 */
import { z } from 'zod';
import { classWeightSchema } from './weights.js';

export const sharedTreeParams = {
  /** Rows in each leaf at least. */
  minSamplesLeaf: z.number().int().min(1).default(20),
  /** Categorical splits: a category with fewer rows in a node is not placed on its own. */
  minDataPerGroup: z.number().int().min(1).default(50),
  /** Categorical splits: categories on the left side at most. */
  maxCatThreshold: z.number().int().min(1).default(32),
  /** Bins per feature (binning.ts), missing and "other" included. */
  maxBins: z.number().int().min(3).max(256).default(256),
  /** A categorical level seen fewer times in training goes to "other". */
  minCategoryCount: z.number().int().min(1).default(10),
  classWeight: classWeightSchema.default('none'),
  seed: z.number().int().default(0),
};
