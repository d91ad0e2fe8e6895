/**
 * The columnar matrix every classifier reads: one typed array per feature, no per-row objects,
 * so 2M rows x 30 features stay a few hundred MB.
 *
 * Missing values: NaN in a numeric column, code -1 in a categorical one (NULL in SQL).
 *
 * Categorical levels belong to the matrix, not to a model: a matrix built for scoring may hold
 * levels no model saw. Models keep the level *names* they learned and map a matrix's codes to
 * their own by name when they predict, so a level unknown to the model is recognised as unseen
 * (not as missing) and gets the model's "other" treatment, exactly as the SQL expression does
 * with a string it does not list.
 */

export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  /** NaN = missing. */
  readonly values: Float64Array;
}

export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  /** Index into `levels`; -1 = missing. */
  readonly codes: Int32Array;
  readonly levels: readonly string[];
}

export type FeatureColumn = NumericColumn | CategoricalColumn;

export interface FeatureMatrix {
  readonly rows: number;
  readonly columns: readonly FeatureColumn[];
}

export type FeatureKind = FeatureColumn['kind'];

/** A feature's name and kind: what a model records about its inputs. */
export interface FeatureSpec {
  readonly name: string;
  readonly kind: FeatureKind;
}

export class FeatureMatrixError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureMatrixError';
  }
}

/** A numeric column from numbers where null, undefined and NaN are missing. */
export function numericColumn(name: string, values: ArrayLike<number | null | undefined>): NumericColumn {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined ? Number.NaN : v;
  }
  return { name, kind: 'numeric', values: out };
}

/**
 * A categorical column from strings where null and undefined are missing. Levels are numbered in
 * order of first appearance after the `knownLevels` given (so a caller can fix the numbering).
 */
export function categoricalColumn(
  name: string,
  values: ArrayLike<string | null | undefined>,
  knownLevels: readonly string[] = [],
): CategoricalColumn {
  const levels = [...knownLevels];
  const index = new Map<string, number>();
  levels.forEach((level, i) => {
    if (index.has(level)) throw new FeatureMatrixError(`column ${name}: level ${JSON.stringify(level)} is listed twice`);
    index.set(level, i);
  });
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      codes[i] = -1;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      code = levels.length;
      levels.push(v);
      index.set(v, code);
    }
    codes[i] = code;
  }
  return { name, kind: 'categorical', codes, levels };
}

export function featureMatrix(columns: readonly FeatureColumn[]): FeatureMatrix {
  const rows = columns.length === 0 ? 0 : columnLength(columns[0] as FeatureColumn);
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name)) throw new FeatureMatrixError(`feature ${JSON.stringify(column.name)} appears twice`);
    seen.add(column.name);
    if (columnLength(column) !== rows) {
      throw new FeatureMatrixError(`feature ${column.name} has ${columnLength(column)} rows, expected ${rows}`);
    }
  }
  return { rows, columns };
}

function columnLength(column: FeatureColumn): number {
  return column.kind === 'numeric' ? column.values.length : column.codes.length;
}

/**
 * A matrix from plain row objects (tests, REST scoring). Numeric cells must be numbers (or
 * null/undefined/NaN for missing); categorical cells strings (or null/undefined). Numbers given
 * for a categorical feature are turned into their decimal text, as SQL casts would do.
 */
export function matrixFromRows(rows: readonly Readonly<Record<string, unknown>>[], specs: readonly FeatureSpec[]): FeatureMatrix {
  const columns = specs.map((spec): FeatureColumn => {
    if (spec.kind === 'numeric') {
      const values = rows.map((row, i) => {
        const v = row[spec.name];
        if (v === null || v === undefined) return null;
        if (typeof v !== 'number') throw new FeatureMatrixError(`row ${i}: feature ${spec.name} must be a number, got ${JSON.stringify(v)}`);
        return v;
      });
      return numericColumn(spec.name, values);
    }
    const values = rows.map((row, i) => {
      const v = row[spec.name];
      if (v === null || v === undefined) return null;
      if (typeof v === 'string') return v;
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      throw new FeatureMatrixError(`row ${i}: feature ${spec.name} must be a string, got ${JSON.stringify(v)}`);
    });
    return categoricalColumn(spec.name, values);
  });
  return { rows: rows.length, columns };
}

/** The rows at `index` (in that order; repeats allowed), levels shared with the source. */
export function subsetRows(x: FeatureMatrix, index: ArrayLike<number>): FeatureMatrix {
  const n = index.length;
  const columns = x.columns.map((column): FeatureColumn => {
    if (column.kind === 'numeric') {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++) values[i] = column.values[index[i] as number] as number;
      return { name: column.name, kind: 'numeric', values };
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) codes[i] = column.codes[index[i] as number] as number;
    return { name: column.name, kind: 'categorical', codes, levels: column.levels };
  });
  return { rows: n, columns };
}

/** The same matrix with one column replaced (used by permutation importance). */
export function withColumn(x: FeatureMatrix, position: number, column: FeatureColumn): FeatureMatrix {
  const columns = x.columns.slice();
  columns[position] = column;
  return { rows: x.rows, columns };
}

export function featureSpecs(x: FeatureMatrix): FeatureSpec[] {
  return x.columns.map((c) => ({ name: c.name, kind: c.kind }));
}

/**
 * The columns of `x` a model needs, in the model's order, checked by name and kind. Extra columns
 * in `x` are ignored, so one feature table serves models trained on subsets of it.
 */
export function resolveColumns(x: FeatureMatrix, specs: readonly FeatureSpec[]): FeatureColumn[] {
  const byName = new Map(x.columns.map((c) => [c.name, c] as const));
  return specs.map((spec) => {
    const column = byName.get(spec.name);
    if (column === undefined) throw new FeatureMatrixError(`the model needs feature ${JSON.stringify(spec.name)}, which the input lacks`);
    if (column.kind !== spec.kind) {
      throw new FeatureMatrixError(`feature ${spec.name} is ${column.kind} in the input but ${spec.kind} in the model`);
    }
    return column;
  });
}

/**
 * For a categorical column, the model's index of each of the column's levels (-1 when the model
 * does not know the level): a per-matrix translation table, so prediction stays a typed-array loop.
 */
export function levelTranslation(column: CategoricalColumn, modelLevels: ReadonlyMap<string, number>): Int32Array {
  const out = new Int32Array(column.levels.length);
  column.levels.forEach((level, code) => {
    out[code] = modelLevels.get(level) ?? -1;
  });
  return out;
}
