/**
 * Building blocks for the scoring SQL, in the subset DuckDB and Spark SQL both run the same way:
 * CASE WHEN, OR of equalities, arithmetic, EXP, LN, FLOOR, COALESCE, comparisons, string literals
 * (|| and CHR only to spell a backslash).
 *
 * Number literals carry an exponent (`0.1E0`): without one, both engines read `0.1` as an exact
 * DECIMAL and would do decimal arithmetic, not the double arithmetic the JS code does. The digits
 * are JavaScript's shortest round-trip form, so the literal is the same double as in the model.
 */

export class ModelSqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelSqlError';
  }
}

/** A double literal that parses back to exactly `x`. */
export function sqlNumber(x: number): string {
  if (!Number.isFinite(x)) throw new ModelSqlError(`cannot write ${x} as a SQL number literal`);
  // Object.is keeps -0 out: `-0E0` would need parentheses and changes nothing in a sum.
  if (x === 0) return '0E0';
  const text = String(x);
  const literal = /e/i.test(text) ? text.toUpperCase() : `${text}E0`;
  return x < 0 ? `(${literal})` : literal;
}

/**
 * A string literal. Quotes are doubled; backslashes are written with CHR(92), because Spark reads
 * backslash escapes inside literals and DuckDB does not.
 */
export function sqlString(text: string): string {
  const parts = text.split('\\').map((part) => `'${part.replace(/'/g, "''")}'`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' || CHR(92) || ')})`;
}

/**
 * Sum of terms as a balanced tree of additions: a chain of hundreds of `+` would nest the parse
 * tree as deep as the number of terms, past the engines' expression depth limits. The order of
 * additions differs from a left-to-right loop by rounding only (far below 1e-9).
 */
export function sqlSum(terms: readonly string[]): string {
  if (terms.length === 0) return '0E0';
  if (terms.length === 1) return terms[0] as string;
  const mid = terms.length >>> 1;
  return `(${sqlSum(terms.slice(0, mid))} + ${sqlSum(terms.slice(mid))})`;
}

/**
 * `column = level1 OR column = level2 ...`, balanced like sqlSum. Not `IN (...)`: DuckDB's IN
 * clause optimizer takes time quadratic in the number of IN lists of an expression (2.8 s instead
 * of 0.5 s to plan an 80-tree model), and a boosted model has hundreds. NULL compares to nothing,
 * so a NULL column is not true here, exactly as with IN.
 */
export function sqlEqualsAny(column: string, literals: readonly string[]): string {
  if (literals.length === 0) throw new ModelSqlError('sqlEqualsAny needs at least one value');
  if (literals.length === 1) return `${column} = ${literals[0] as string}`;
  const mid = literals.length >>> 1;
  return `(${sqlEqualsAny(column, literals.slice(0, mid))} OR ${sqlEqualsAny(column, literals.slice(mid))})`;
}

/** 1 / (1 + exp(-margin)), written like `sigmoid` below. */
export function sqlSigmoid(margin: string): string {
  return `(1E0 / (1E0 + EXP(-(${margin}))))`;
}

/** The logistic function as the SQL computes it: exp overflows to Infinity and gives 0, as in SQL. */
export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}
