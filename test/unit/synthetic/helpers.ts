/** Shared helpers for the synthetic-data tests: read generated CSV text back into checkable rows. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSyntheticOrders, type SyntheticRecord } from '../../../src/domain/synthetic/generator.js';
import { KAGGLE_COLUMNS, type KaggleRow } from '../../../src/domain/synthetic/kaggle-format.js';
import type { SyntheticOptions } from '../../../src/domain/synthetic/options.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const samplePath = path.resolve(repoRoot, '../shared/data/order_dataset.sample.csv');

/** Splits CSV text without quoted values (neither the sample nor the generator has any). */
export function parsePlainCsv(text: string): { header: string[]; rows: KaggleRow[] } {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = (lines[0] ?? '').split(',');
  const rows = lines.slice(1).map((line) => {
    const values = line.split(',');
    if (values.length !== KAGGLE_COLUMNS.length) throw new Error(`expected ${KAGGLE_COLUMNS.length} values: ${line}`);
    return Object.fromEntries(KAGGLE_COLUMNS.map((c, i) => [c, values[i] ?? ''])) as KaggleRow;
  });
  return { header, rows };
}

/** '74.17' -> 7417, '-15.8' -> -1580. */
export function cents(text: string): number {
  if (!/^-?\d+(\.\d{1,2})?$/.test(text)) throw new Error(`not a money amount: ${JSON.stringify(text)}`);
  const negative = text.startsWith('-');
  const [whole = '0', frac = ''] = text.replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return negative ? -value : value;
}

/** '3/11/2018' or '14/04/2019' -> days since 1970-01-01. */
export function dayOf(kaggleDate: string): number {
  const [d, m, y] = kaggleDate.split('/').map(Number);
  return Math.round(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1) / 86_400_000);
}

export function isoDay(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / 86_400_000);
}

export const isPurchaseLine = (r: KaggleRow): boolean => r['Purchased Item Count'] !== '' && Number(r['Purchased Item Count']) >= 1;
export const isReturnRow = (r: KaggleRow): boolean => r['Final Quantity'] === '-1';
export const lineKey = (r: KaggleRow): string => `${r['Buyer ID']}|${r['Transaction ID']}|${r['Item Code']}`;

export function records(options: SyntheticOptions): SyntheticRecord[] {
  return [...generateSyntheticOrders(options)];
}

/**
 * The realised label of each purchase line, read from the data alone as the pipeline would:
 * returned in its own row, or a later return row with the same buyer, transaction and item code.
 */
export function realisedLabels(rows: readonly KaggleRow[]): boolean[] {
  const returnedKeys = new Set(rows.filter(isReturnRow).map(lineKey));
  return rows.filter(isPurchaseLine).map((r) => r['Refunded Item Count'] === '-1' || returnedKeys.has(lineKey(r)));
}
