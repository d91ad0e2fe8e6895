/**
 * Trees as the tree families store, evaluate and write them as SQL: splits on raw values, not
 * bins, so JSON, predictProba and SQL all apply the very same tests.
 *
 * - numeric split: `x <= threshold` goes left. Missing values go the learned way, which both JS
 *   and SQL express without a NULL test: missing right is `CASE WHEN x <= t THEN L ELSE R`,
 *   missing left is `CASE WHEN x > t THEN R ELSE L` (NaN and NULL fail every comparison);
 * - missing split (threshold null on a numeric feature): missing values one way, all others the
 *   other way;
 * - categorical split: the levels in `levels` go to the `listedLeft` side; every other string,
 *   including levels too rare to have had their own bin and levels never seen in training, goes
 *   to the other side; missing values go the `missingLeft` way.
 *
 * Layout (flat arrays, compact JSON): internal nodes 0..n-1, root 0; a child >= 0 is a node and
 * a child < 0 is leaf ~child. A tree with no split has one leaf and no node.
 */
import { MISSING_BIN, OTHER_BIN, type BinMapper } from './binning.js';
import type { BinnedTree } from './tree-grower.js';
import { type FeatureColumn, type FeatureMatrix, type FeatureSpec, resolveColumns, withColumn } from './feature-matrix.js';
import type { ColumnScorer } from './classifier.js';
import { z } from 'zod';
import { sqlEqualsAny, sqlNumber, sqlString } from './sql.js';

export const treeJsonSchema = z
  .object({
    feature: z.array(z.number().int()),
    threshold: z.array(z.number().nullable()),
    missingLeft: z.array(z.number().int().min(0).max(1)),
    levels: z.array(z.array(z.string()).nullable()),
    listedLeft: z.array(z.number().int().min(0).max(1)),
    left: z.array(z.number().int()),
    right: z.array(z.number().int()),
    value: z.array(z.number()),
  })
  .strict();

export type TreeJson = z.infer<typeof treeJsonSchema>;

/** Converts a grown tree to raw-value splits; `leafValue(i)` gives what leaf i predicts. */
export function treeFromBinned(tree: BinnedTree, mappers: readonly BinMapper[], leafValue: (leaf: number) => number): TreeJson {
  const out: TreeJson = { feature: [], threshold: [], missingLeft: [], levels: [], listedLeft: [], left: [], right: [], value: [] };
  for (let node = 0; node < tree.feature.length; node++) {
    const f = tree.feature[node] as number;
    const mapper = mappers[f] as BinMapper;
    out.feature.push(f);
    out.left.push(tree.left[node] as number);
    out.right.push(tree.right[node] as number);
    const mask = tree.catLeft[node] ?? null;
    if (mapper.kind === 'categorical' && mask !== null) {
      const otherSide = mask[OTHER_BIN] as number;
      const listed = mapper.levels.filter((_, i) => mask[i + 2] !== otherSide);
      out.threshold.push(null);
      out.levels.push(listed);
      out.listedLeft.push(otherSide === 1 ? 0 : 1);
      out.missingLeft.push(mask[MISSING_BIN] as number);
    } else if (mapper.kind === 'numeric') {
      const bin = tree.thresholdBin[node] as number;
      out.threshold.push(bin === 0 ? null : (mapper.edges[bin - 1] as number));
      out.levels.push(null);
      out.listedLeft.push(0);
      out.missingLeft.push(tree.missingLeft[node] ? 1 : 0);
    } else {
      throw new Error(`tree node ${node} splits feature ${mapper.name} of the wrong kind`);
    }
  }
  for (let leaf = 0; leaf < tree.leafG.length; leaf++) out.value.push(leafValue(leaf));
  return out;
}

const NUMERIC_MISSING_RIGHT = 0;
const NUMERIC_MISSING_LEFT = 1;
const MISSING_SPLIT = 2;
const CATEGORICAL = 3;

/**
 * Trees compiled against one matrix: flat typed arrays, categorical level names translated once
 * to per-code directions, so scoring is a tight loop.
 */
export class CompiledTrees {
  private readonly roots: Int32Array;
  private readonly kind: Uint8Array;
  private readonly column: Int32Array;
  private readonly threshold: Float64Array;
  private readonly left: Int32Array;
  private readonly right: Int32Array;
  private readonly catOffset: Int32Array;
  private readonly catMissingLeft: Uint8Array;
  private readonly catDirections: Uint8Array;
  private readonly values: Float64Array;
  private readonly columns: FeatureColumn[];

  constructor(trees: readonly TreeJson[], specs: readonly FeatureSpec[], x: FeatureMatrix) {
    this.columns = resolveColumns(x, specs);
    const nodes = trees.reduce((s, t) => s + t.feature.length, 0);
    const leaves = trees.reduce((s, t) => s + t.value.length, 0);
    this.roots = new Int32Array(trees.length);
    this.kind = new Uint8Array(nodes);
    this.column = new Int32Array(nodes);
    this.threshold = new Float64Array(nodes);
    this.left = new Int32Array(nodes);
    this.right = new Int32Array(nodes);
    this.catOffset = new Int32Array(nodes);
    this.catMissingLeft = new Uint8Array(nodes);
    this.values = new Float64Array(leaves);
    const directions: Uint8Array[] = [];
    let directionsSize = 0;
    let nodeBase = 0;
    let leafBase = 0;
    trees.forEach((tree, t) => {
      const n = tree.feature.length;
      this.roots[t] = n === 0 ? ~leafBase : nodeBase;
      const ref = (child: number): number => (child < 0 ? ~(leafBase + ~child) : nodeBase + child);
      for (let i = 0; i < n; i++) {
        const at = nodeBase + i;
        const f = tree.feature[i] as number;
        const column = this.columns[f] as FeatureColumn;
        this.column[at] = f;
        this.left[at] = ref(tree.left[i] as number);
        this.right[at] = ref(tree.right[i] as number);
        const threshold = tree.threshold[i] ?? null;
        const missingLeft = tree.missingLeft[i] === 1;
        if (column.kind === 'categorical') {
          const listed = new Set(tree.levels[i] ?? []);
          const listedLeft = tree.listedLeft[i] === 1 ? 1 : 0;
          const table = new Uint8Array(column.levels.length);
          column.levels.forEach((level, code) => {
            table[code] = listed.has(level) ? listedLeft : 1 - listedLeft;
          });
          this.kind[at] = CATEGORICAL;
          this.catOffset[at] = directionsSize;
          this.catMissingLeft[at] = missingLeft ? 1 : 0;
          directions.push(table);
          directionsSize += table.length;
        } else if (threshold === null) {
          this.kind[at] = MISSING_SPLIT;
          this.catMissingLeft[at] = missingLeft ? 1 : 0;
        } else {
          this.kind[at] = missingLeft ? NUMERIC_MISSING_LEFT : NUMERIC_MISSING_RIGHT;
          this.threshold[at] = threshold;
        }
      }
      tree.value.forEach((v, i) => {
        this.values[leafBase + i] = v;
      });
      nodeBase += n;
      leafBase += tree.value.length;
    });
    this.catDirections = new Uint8Array(directionsSize);
    let offset = 0;
    for (const table of directions) {
      this.catDirections.set(table, offset);
      offset += table.length;
    }
  }

  /** The value of the leaf row `row` reaches in tree `t`. */
  leafValue(t: number, row: number): number {
    let node = this.roots[t] as number;
    while (node >= 0) {
      const column = this.columns[this.column[node] as number] as FeatureColumn;
      let left: boolean;
      switch (this.kind[node]) {
        case NUMERIC_MISSING_RIGHT:
          left = (column as { values: Float64Array }).values[row] as number <= (this.threshold[node] as number);
          break;
        case NUMERIC_MISSING_LEFT:
          left = !(((column as { values: Float64Array }).values[row] as number) > (this.threshold[node] as number));
          break;
        case MISSING_SPLIT:
          left = Number.isNaN((column as { values: Float64Array }).values[row] as number) === (this.catMissingLeft[node] === 1);
          break;
        default: {
          const code = (column as { codes: Int32Array }).codes[row] as number;
          left = code < 0 ? this.catMissingLeft[node] === 1 : this.catDirections[(this.catOffset[node] as number) + code] === 1;
        }
      }
      node = left ? (this.left[node] as number) : (this.right[node] as number);
    }
    return this.values[~node] as number;
  }

  get treeCount(): number {
    return this.roots.length;
  }

  /** Per row, the leaf values of all trees added in tree order, starting from `start`. */
  sum(rows: number, start: number): Float64Array {
    const out = new Float64Array(rows);
    const trees = this.roots.length;
    for (let i = 0; i < rows; i++) {
      let s = start;
      for (let t = 0; t < trees; t++) s += this.leafValue(t, i);
      out[i] = s;
    }
    return out;
  }
}

/**
 * A ColumnScorer for a sum of trees (boosting, forest, one tree): each tree's leaf value per row
 * is kept, so a replaced column re-walks only the trees that split on it (about a third of them
 * in a boosted model); the rest of the sum reuses the kept values. Sums are added in tree order
 * from `start`, exactly as CompiledTrees.sum adds them, so the scores are bit-identical to
 * predicting the changed matrix; `finish` turns sums into probabilities in place.
 */
export function treeSumScorer(
  trees: readonly TreeJson[],
  specs: readonly FeatureSpec[],
  x: FeatureMatrix,
  start: number,
  finish: (sums: Float64Array) => Float64Array,
): ColumnScorer {
  const rows = x.rows;
  const leafValues = (compiled: CompiledTrees, t: number): Float64Array => {
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) out[r] = compiled.leafValue(t, r);
    return out;
  };
  const compiled = new CompiledTrees(trees, specs, x);
  const kept = trees.map((_, t) => leafValues(compiled, t));
  const treesOf = new Map<string, number[]>();
  trees.forEach((tree, t) => {
    for (const name of new Set(tree.feature.map((f) => (specs[f] as FeatureSpec).name))) treesOf.set(name, [...(treesOf.get(name) ?? []), t]);
  });
  const total = (values: readonly Float64Array[]): Float64Array => {
    const sums = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = start;
      for (let t = 0; t < values.length; t++) s += (values[t] as Float64Array)[r] as number;
      sums[r] = s;
    }
    return finish(sums);
  };
  return {
    base: total(kept),
    withColumn(position, column) {
      const affected = treesOf.get((x.columns[position] as FeatureColumn).name) ?? [];
      const changed = withColumn(x, position, column);
      const again = new CompiledTrees(
        affected.map((t) => trees[t] as TreeJson),
        specs,
        changed,
      );
      const values = kept.slice();
      affected.forEach((t, i) => (values[t] = leafValues(again, i)));
      return total(values);
    },
  };
}

/** One CASE expression for a tree; `columnSql` names a feature column. */
export function treeToSql(tree: TreeJson, specs: readonly FeatureSpec[], columnSql: (name: string) => string): string {
  const leaf = (i: number): string => sqlNumber(tree.value[i] as number);
  if (tree.feature.length === 0) return leaf(0);
  const walk = (child: number): string => (child < 0 ? leaf(~child) : node(child));
  const node = (i: number): string => {
    const spec = specs[tree.feature[i] as number] as FeatureSpec;
    const col = columnSql(spec.name);
    const l = walk(tree.left[i] as number);
    const r = walk(tree.right[i] as number);
    const missingLeft = tree.missingLeft[i] === 1;
    if (spec.kind === 'categorical') {
      const listedLeft = tree.listedLeft[i] === 1;
      const listedSide = listedLeft ? l : r;
      const otherSide = listedLeft ? r : l;
      const missingSide = missingLeft ? l : r;
      const missingFollowsOther = missingLeft !== listedLeft;
      const listed = tree.levels[i] ?? [];
      const inList = listed.length === 0 ? null : `(${sqlEqualsAny(col, listed.map(sqlString))})`;
      if (inList === null) return `CASE WHEN ${col} IS NULL THEN ${missingSide} ELSE ${otherSide} END`;
      // NULL = 'x' is not true, so without an IS NULL test missing values take the ELSE side.
      if (missingFollowsOther) return `CASE WHEN ${inList} THEN ${listedSide} ELSE ${otherSide} END`;
      return `CASE WHEN ${col} IS NULL THEN ${missingSide} WHEN ${inList} THEN ${listedSide} ELSE ${otherSide} END`;
    }
    const threshold = tree.threshold[i] ?? null;
    if (threshold === null) {
      return missingLeft ? `CASE WHEN ${col} IS NULL THEN ${l} ELSE ${r} END` : `CASE WHEN ${col} IS NULL THEN ${r} ELSE ${l} END`;
    }
    const t = sqlNumber(threshold);
    return missingLeft ? `CASE WHEN ${col} > ${t} THEN ${r} ELSE ${l} END` : `CASE WHEN ${col} <= ${t} THEN ${l} ELSE ${r} END`;
  };
  return node(0);
}

/** Checks the shape of a tree read from JSON, so a damaged artifact fails on load, not on use. */
export function checkTreeJson(tree: TreeJson, features: number, where: string): void {
  const n = tree.feature.length;
  const arrays: [string, unknown[]][] = [
    ['threshold', tree.threshold],
    ['missingLeft', tree.missingLeft],
    ['levels', tree.levels],
    ['listedLeft', tree.listedLeft],
    ['left', tree.left],
    ['right', tree.right],
  ];
  for (const [name, array] of arrays) {
    if (array.length !== n) throw new Error(`${where}: ${name} has ${array.length} entries for ${n} nodes`);
  }
  if (tree.value.length !== n + 1) throw new Error(`${where}: ${tree.value.length} leaves for ${n} nodes (expected ${n + 1})`);
  for (let i = 0; i < n; i++) {
    const f = tree.feature[i] as number;
    if (!(f >= 0 && f < features)) throw new Error(`${where}: node ${i} uses feature ${f} of ${features}`);
    for (const child of [tree.left[i] as number, tree.right[i] as number]) {
      if (child >= 0 ? child <= i || child >= n : ~child > n) throw new Error(`${where}: node ${i} has a bad child ${child}`);
    }
  }
}
