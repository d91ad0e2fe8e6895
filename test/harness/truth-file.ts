/**
 * Reading back the truth side file that `returns generate` writes (see generate-orders.ts), to
 * judge predictions of a forward window against what the generator really drew. The forward-test
 * bench and the pipeline's quality test both judge this way, so they read the same rows the same
 * way.
 */
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { parseDayMonthYear } from '../../src/domain/orders/field-parsers.js';
import { PREDICTION_COLUMNS } from '../../src/application/predict-file.js';
import { TRUTH_COLUMNS } from '../../src/application/generate-orders.js';

/** One purchase line of the window, from the truth file. */
export interface TruthLine {
  /** The line's number in the order file (the header is line 1), as `returns predict` writes it. */
  readonly lineNumber: number;
  readonly itemCode: string;
  readonly date: string;
  readonly trueProbability: number;
  /** Drawn even when the return falls after the file's end: the file cannot label it yet, the truth can. */
  readonly returned: number;
  readonly censored: boolean;
  readonly sameRow: boolean;
}

export class TruthFileError extends Error {
  constructor(file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'TruthFileError';
  }
}

async function* csvRecords(file: string): AsyncGenerator<Record<string, string>> {
  yield* createReadStream(file).pipe(parse({ columns: true })) as AsyncIterable<Record<string, string>>;
}

function requireColumns(file: string, record: Record<string, string>, columns: readonly string[]): void {
  const missing = columns.filter((c) => !(c in record));
  if (missing.length > 0) throw new TruthFileError(file, `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
}

/** The truth's purchase lines dated from..to (ISO, inclusive), by line number, in file order. */
export async function readTruthWindow(file: string, from: string, to: string): Promise<Map<number, TruthLine>> {
  const window = new Map<number, TruthLine>();
  let checked = false;
  for await (const r of csvRecords(file)) {
    if (!checked) requireColumns(file, r, TRUTH_COLUMNS);
    checked = true;
    const parsed = parseDayMonthYear(r.Date!);
    if (!parsed.ok) throw new TruthFileError(file, `row ${r.row}: Date ${JSON.stringify(r.Date)} ${parsed.problem}`);
    if (parsed.value < from || parsed.value > to) continue;
    // The truth's `row` counts data rows; the order file's line number counts its header too.
    const lineNumber = Number(r.row) + 1;
    window.set(lineNumber, {
      lineNumber,
      itemCode: r['Item Code']!,
      date: parsed.value,
      trueProbability: Number(r.true_probability),
      returned: Number(r.returned),
      censored: r.censored === '1',
      sameRow: r.same_row === '1',
    });
  }
  return window;
}

/** A predictions file's row: which model scored it (a file may hold several) and its probability; undefined to skip it. */
export type PredictionPicker = (record: Record<string, string>) => { readonly model: string; readonly p: number } | undefined;

/**
 * The probability of every window line in a predictions file, per model, aligned with `window`'s
 * order. A window line scored twice, or not at all, fails: every model is judged on the same
 * rows. Rows outside the window are ignored.
 */
export async function alignPredictions(file: string, window: Map<number, TruthLine>, pick: PredictionPicker, models: readonly string[]): Promise<Record<string, Float64Array>> {
  const index = new Map([...window.keys()].map((line, i) => [line, i]));
  const aligned = Object.fromEntries(models.map((m) => [m, new Float64Array(window.size).fill(Number.NaN)]));
  let checked = false;
  for await (const r of csvRecords(file)) {
    if (!checked) requireColumns(file, r, ['line_number']);
    checked = true;
    const i = index.get(Number(r.line_number));
    const scored = pick(r);
    if (i === undefined || scored === undefined) continue;
    const column = aligned[scored.model];
    if (column === undefined) throw new TruthFileError(file, `unknown model ${scored.model}`);
    if (!Number.isNaN(column[i]!)) throw new TruthFileError(file, `line ${r.line_number} scored twice by ${scored.model}`);
    column[i] = scored.p;
  }
  for (const [model, p] of Object.entries(aligned)) {
    const missing = p.filter(Number.isNaN).length;
    if (missing > 0) throw new TruthFileError(file, `${missing} of the ${window.size} window purchase lines have no ${model} prediction`);
  }
  return aligned;
}

/**
 * Reads `returns predict` output (PREDICTION_COLUMNS, dates in ISO) as model `model`; the Item Code
 * and Date of each window line must be the truth's, so a shifted line number cannot pass unnoticed.
 */
export function returnsPredictions(file: string, window: Map<number, TruthLine>, model: string): PredictionPicker {
  let checked = false;
  return (r) => {
    if (!checked) requireColumns(file, r, PREDICTION_COLUMNS);
    checked = true;
    const truth = window.get(Number(r.line_number));
    if (truth === undefined) return undefined;
    if (r['Item Code'] !== truth.itemCode || r.Date !== truth.date) {
      throw new TruthFileError(file, `line ${r.line_number}: predicted ${r['Item Code']} ${r.Date}, the truth has ${truth.itemCode} ${truth.date}`);
    }
    return { model, p: Number(r.return_probability) };
  };
}
