/**
 * How numbers and text are written in the report. Every formatter is pure and locale-free
 * (no toLocaleString), so the same inputs give the same bytes on every machine.
 */

const missing = (x: number | null | undefined): x is null | undefined => x === null || x === undefined || Number.isNaN(x);

/** A number with a fixed count of decimals; "n/a" when absent. */
export function fixed(x: number | null | undefined, decimals = 3): string {
  if (missing(x)) return 'n/a';
  const text = x.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text; // a tiny negative rounds to 0, not -0
}

/** A share as a percentage with one decimal: 0.1234 -> "12.3%". */
export function percent(x: number | null | undefined, decimals = 1): string {
  return missing(x) ? 'n/a' : `${fixed(x * 100, decimals)}%`;
}

/** An integer with thin groups of three digits: 1234567 -> "1,234,567". */
export function count(n: number): string {
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A short number for bin edges and axis-like labels: at most 4 significant digits, no trailing zeros. */
export function short(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const text = Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toPrecision(4);
  return text.includes('e') ? text.replace(/\.?0+e/, 'e') : text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Text safe inside a Markdown table cell: pipes escaped, line breaks flattened. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Hyperparameters as one short line: "l2=0.001, seed=0" (keys sorted, so the order is stable). */
export function paramsText(params: Readonly<Record<string, unknown>>): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return '(defaults)';
  return keys.map((k) => `${k}=${typeof params[k] === 'number' ? short(params[k]) : JSON.stringify(params[k])}`).join(', ');
}
