/**
 * The quality report of one validation run: what came in, what was kept, what was set aside and
 * why. Built row by row, then written as JSON and as a summary a person reads.
 *
 * Memory grows with distinct buyer/item pairs and with return rows, in typed arrays (27-53 bytes
 * a pair, 20 bytes a return): a pair is known by the 128-bit fingerprint of buyer ID and item
 * code (see row-fingerprint.ts), whose chance of linking a return to another pair's purchase is
 * negligible (about n² / 2^129 for n pairs).
 */
import { FingerprintMap } from './fingerprint-map.js';
import { ORDER_KINDS, type OrderKind, type OrderLine } from './order-line.js';
import { REASON_CODES, REASON_DESCRIPTIONS, reasonCodesOf, type ReasonCode, type RowReason } from './reasons.js';
import { rowFingerprint } from './row-fingerprint.js';

/** The issue's default: more than 5% of rows quarantined means the data is not fit to use. */
export const DEFAULT_MAX_QUARANTINED_SHARE = 0.05;
/** How many line numbers the report lists per reason, so a person can open the file there. */
export const EXAMPLES_PER_REASON = 5;

export interface QualityReport {
  readonly report_version: 1;
  /** The URI of the validated file, when the caller named it. */
  readonly source: string | null;
  readonly as_of: string | null;
  /** Rows after the header, blank lines excluded. Always rows_accepted + rows_quarantined. */
  readonly rows_in: number;
  readonly rows_accepted: number;
  readonly rows_quarantined: number;
  /** Empty lines: they carry no data, so they are counted here and are not rows. */
  readonly blank_lines: number;
  readonly quarantined_share: number;
  readonly max_quarantined_share: number;
  /** quarantined_share <= max_quarantined_share. */
  readonly passed: boolean;
  /** Quarantined rows carrying each reason (a row with two reasons counts under both). */
  readonly reasons: Readonly<Record<ReasonCode, number>>;
  /** The first line numbers quarantined for each reason that occurred. */
  readonly reason_examples: Readonly<Partial<Record<ReasonCode, readonly number[]>>>;
  /** Earliest and latest date among accepted rows. */
  readonly date_range: { readonly min: string; readonly max: string } | null;
  readonly kinds: Readonly<Record<OrderKind, number>>;
  /**
   * Accepted return-only rows, and how many of them have an accepted purchase line (Purchased
   * Item Count >= 1) of the same buyer and item code dated on or before the return.
   */
  readonly return_link: { readonly returns: number; readonly linked: number; readonly rate: number | null };
  /** Accepted rows whose ID was rounded by a spreadsheet (scientific notation). */
  readonly lossy_keys: {
    readonly item_id: number;
    readonly buyer_id: number;
    readonly transaction_id: number;
    readonly rows_with_any: number;
  };
  /** Accepted rows with Sales Tax 0 (legal in the file, but worth knowing). */
  readonly zero_tax_rows: number;
}

export interface QualityReportOptions {
  readonly source?: string;
  readonly asOf?: string;
  readonly maxQuarantineShare?: number;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

const DIGIT_POSITIONS = [0, 1, 2, 3, 5, 6, 8, 9];

/** An ISO date YYYY-MM-DD as the number yyyymmdd: the same order, and it fits a Uint32Array. */
function dayNumber(isoDate: string): number {
  let day = 0;
  for (const i of DIGIT_POSITIONS) day = day * 10 + (isoDate.charCodeAt(i) - 48);
  return day;
}

/** Words per return row: the link key's fingerprint (4), then the return's day number. */
const RETURN_WORDS = 5;

export class QualityReportBuilder {
  private accepted = 0;
  private quarantined = 0;
  private blank = 0;
  private readonly reasonCounts = new Map<ReasonCode, number>();
  private readonly examples = new Map<ReasonCode, number[]>();
  private minDate: string | undefined;
  private maxDate: string | undefined;
  private readonly kinds = new Map<OrderKind, number>();
  private readonly lossy = { item_id: 0, buyer_id: 0, transaction_id: 0, rows_with_any: 0 };
  private zeroTax = 0;
  /** Fingerprint of buyer + item code -> day number of the earliest purchase. */
  private readonly firstPurchase = new FingerprintMap();
  /** One entry of RETURN_WORDS per return-only row; linked at the end, once every purchase is known. */
  private returnEntries = new Uint32Array(RETURN_WORDS * 1024);
  private returnCount = 0;
  private readonly linkKey = new Uint32Array(4);

  constructor(private readonly options: QualityReportOptions = {}) {
    const limit = options.maxQuarantineShare ?? DEFAULT_MAX_QUARANTINED_SHARE;
    if (!(limit >= 0 && limit <= 1)) throw new RangeError(`max quarantined share must be between 0 and 1, got ${limit}`);
  }

  addBlankLine(): void {
    this.blank += 1;
  }

  addAccepted(line: OrderLine): void {
    this.accepted += 1;
    if (this.minDate === undefined || line.date < this.minDate) this.minDate = line.date;
    if (this.maxDate === undefined || line.date > this.maxDate) this.maxDate = line.date;
    this.kinds.set(line.kind, (this.kinds.get(line.kind) ?? 0) + 1);
    if (line.item_id_lossy) this.lossy.item_id += 1;
    if (line.buyer_id_lossy) this.lossy.buyer_id += 1;
    if (line.transaction_id_lossy) this.lossy.transaction_id += 1;
    if (line.item_id_lossy || line.buyer_id_lossy || line.transaction_id_lossy) this.lossy.rows_with_any += 1;
    if (line.sales_tax === 0) this.zeroTax += 1;
    const bought = line.purchased_item_count >= 1;
    if (!bought && line.kind !== 'return') return;
    rowFingerprint([line.buyer_id, line.item_code], this.linkKey);
    const day = dayNumber(line.date);
    if (bought) this.firstPurchase.keepMin(this.linkKey, day);
    if (line.kind === 'return') this.addReturn(day);
  }

  private addReturn(day: number): void {
    const at = this.returnCount * RETURN_WORDS;
    if (at + RETURN_WORDS > this.returnEntries.length) {
      const bigger = new Uint32Array(this.returnEntries.length * 2);
      bigger.set(this.returnEntries);
      this.returnEntries = bigger;
    }
    this.returnEntries.set(this.linkKey, at);
    this.returnEntries[at + 4] = day;
    this.returnCount += 1;
  }

  addQuarantined(lineNumber: number, reasons: readonly RowReason[]): void {
    this.quarantined += 1;
    for (const code of reasonCodesOf(reasons)) {
      this.reasonCounts.set(code, (this.reasonCounts.get(code) ?? 0) + 1);
      const lines = this.examples.get(code) ?? [];
      if (lines.length < EXAMPLES_PER_REASON) lines.push(lineNumber);
      this.examples.set(code, lines);
    }
  }

  build(): QualityReport {
    const rowsIn = this.accepted + this.quarantined;
    const share = rowsIn === 0 ? 0 : this.quarantined / rowsIn;
    const limit = this.options.maxQuarantineShare ?? DEFAULT_MAX_QUARANTINED_SHARE;
    const returns = this.returnCount;
    let linked = 0;
    for (let at = 0; at < returns * RETURN_WORDS; at += RETURN_WORDS) {
      const first = this.firstPurchase.get(this.returnEntries.subarray(at, at + 4));
      if (first !== undefined && first <= (this.returnEntries[at + 4] as number)) linked += 1;
    }
    const examples: Partial<Record<ReasonCode, readonly number[]>> = {};
    for (const code of REASON_CODES) {
      const lines = this.examples.get(code);
      if (lines !== undefined) examples[code] = [...lines];
    }
    return {
      report_version: 1,
      source: this.options.source ?? null,
      as_of: this.options.asOf ?? null,
      rows_in: rowsIn,
      rows_accepted: this.accepted,
      rows_quarantined: this.quarantined,
      blank_lines: this.blank,
      quarantined_share: round6(share),
      max_quarantined_share: limit,
      passed: share <= limit,
      reasons: Object.fromEntries(REASON_CODES.map((code) => [code, this.reasonCounts.get(code) ?? 0])) as Record<ReasonCode, number>,
      reason_examples: examples,
      date_range: this.minDate === undefined || this.maxDate === undefined ? null : { min: this.minDate, max: this.maxDate },
      kinds: Object.fromEntries(ORDER_KINDS.map((kind) => [kind, this.kinds.get(kind) ?? 0])) as Record<OrderKind, number>,
      return_link: { returns, linked, rate: returns === 0 ? null : round6(linked / returns) },
      lossy_keys: { ...this.lossy },
      zero_tax_rows: this.zeroTax,
    };
  }
}

/** The report as JSON text: fixed key order and a final newline, so equal reports are equal bytes. */
export function serializeQualityReport(report: QualityReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

/** The report as a few lines a person reads in a terminal or a log. */
export function formatQualitySummary(report: QualityReport): string {
  const lines = [
    `Order data quality: ${report.passed ? 'PASSED' : 'FAILED'} — ${percent(report.quarantined_share)} of ${report.rows_in} rows quarantined (limit ${percent(report.max_quarantined_share)})`,
    `  source: ${report.source ?? '(not named)'}${report.as_of === null ? '' : `, run date ${report.as_of}`}`,
    `  rows in ${report.rows_in} = accepted ${report.rows_accepted} + quarantined ${report.rows_quarantined}${report.blank_lines > 0 ? ` (and ${report.blank_lines} blank lines skipped)` : ''}`,
    `  dates: ${report.date_range === null ? 'none accepted' : `${report.date_range.min} to ${report.date_range.max}`}`,
    `  kinds: ${ORDER_KINDS.map((kind) => `${report.kinds[kind]} ${kind}`).join(', ')}`,
    `  return link rate: ${report.return_link.rate === null ? 'n/a (no returns)' : `${percent(report.return_link.rate)} (${report.return_link.linked} of ${report.return_link.returns} returns have an earlier purchase of the same item by the same buyer)`}`,
    `  lossy keys: transaction_id ${report.lossy_keys.transaction_id}, item_id ${report.lossy_keys.item_id}, buyer_id ${report.lossy_keys.buyer_id} (${report.lossy_keys.rows_with_any} rows with any)`,
    `  zero-tax rows: ${report.zero_tax_rows}`,
  ];
  const found = REASON_CODES.filter((code) => report.reasons[code] > 0);
  if (found.length === 0) {
    lines.push('  quarantine reasons: none');
  } else {
    lines.push('  quarantine reasons:');
    for (const code of found) {
      const examples = report.reason_examples[code] ?? [];
      lines.push(`    ${code}: ${report.reasons[code]} — ${REASON_DESCRIPTIONS[code]} (e.g. line ${examples.join(', ')})`);
    }
  }
  return `${lines.join('\n')}\n`;
}
