/**
 * Observed return rate by level of a categorical value (category, brand, size) over labelled
 * rows: the most common levels one by one, the rest together, so a chart stays readable.
 */
export const DEFAULT_TOP_LEVELS = 15;
export const OTHER_LEVELS = '(other levels)';
export const MISSING_LEVEL = '(missing)';

export interface LevelRate {
  readonly level: string;
  readonly rows: number;
  readonly returns: number;
  readonly rate: number;
}

/**
 * The `top` levels with the most rows (ties by name), then "(missing)" and "(other levels)"
 * when they have rows.
 */
export function returnRatesByLevel(values: readonly (string | null)[], labels: ArrayLike<number>, top = DEFAULT_TOP_LEVELS): LevelRate[] {
  if (values.length !== labels.length) throw new Error(`${values.length} values for ${labels.length} labels`);
  const rows = new Map<string | null, { rows: number; returns: number }>();
  values.forEach((v, i) => {
    const acc = rows.get(v) ?? { rows: 0, returns: 0 };
    acc.rows += 1;
    acc.returns += labels[i] === 1 ? 1 : 0;
    rows.set(v, acc);
  });
  const levels = [...rows.entries()]
    .filter((e): e is [string, { rows: number; returns: number }] => e[0] !== null)
    .sort((a, b) => b[1].rows - a[1].rows || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const rate = (level: string, acc: { rows: number; returns: number }): LevelRate => ({ level, rows: acc.rows, returns: acc.returns, rate: acc.returns / acc.rows });
  const out = levels.slice(0, top).map(([level, acc]) => rate(level, acc));
  const missing = rows.get(null);
  if (missing) out.push(rate(MISSING_LEVEL, missing));
  const rest = levels.slice(top).reduce((acc, [, a]) => ({ rows: acc.rows + a.rows, returns: acc.returns + a.returns }), { rows: 0, returns: 0 });
  if (rest.rows > 0) out.push(rate(OTHER_LEVELS, rest));
  return out;
}
