/**
 * The REST API's bodies as zod schemas: requests are parsed with them (every problem reported
 * with its field path), responses are documented by them (the OpenAPI document is generated from
 * these very schemas) and checked against them by the contract tests.
 *
 * A purchase line uses the order file's column names as keys, and its fields follow the same
 * parsing rules as a row of the file (domain/orders): IDs are digits or a spreadsheet's
 * scientific notation kept as text, dates are `d/m/yyyy` (or ISO `YYYY-MM-DD`), a purchase line
 * has Purchased Item Count >= 1, Total Revenue is never negative and Price Reductions never
 * positive. Outcome columns (Refunds, Final Quantity, ...) are accepted and ignored.
 */
import { z } from 'zod';
import { FEATURE_CATALOGUE } from '../../domain/features/catalogue.js';
import type { ScoringLine } from '../../domain/features/online-features.js';
import { isIsoDate } from '../../domain/dates.js';
import { EARLIEST_ORDER_DATE, parseCount, parseDayMonthYear, parseId, parseMoney, type FieldResult } from '../../domain/orders/index.js';

/** Latest accepted year: the calendar features look one year past the purchase date. */
const LATEST_YEAR = 9998;
/** Categories that are not products (as the row rules): delivery and price-adjustment lines. */
const NON_PRODUCT_CATEGORIES = new Set(['DPR']);

const required = (expected: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `expected ${expected}`);

const text = (what: string) =>
  z
    .string({ error: required('a string') })
    .trim()
    .min(1, 'is empty')
    .describe(what);

/**
 * A field sent as a JSON number or as the text the order file would hold, parsed by the file's own
 * rule (domain/orders/field-parsers.ts) either way: one rule per field, so a CSV row sent with
 * every value as a string is read as the file reader reads it. `number` limits what a JSON number
 * may be before it becomes text.
 */
function fileField<T>(number: z.ZodNumber, parse: (text: string) => FieldResult<T>, expected: string) {
  return z.union([z.string(), number], { error: required(expected) }).transform((v, ctx) => {
    const parsed = parse(String(v));
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${parsed.problem}` });
    return z.NEVER;
  });
}

// A JSON number past 2^53 is already rounded when it arrives: such IDs must come as text.
const idField = (what: string) =>
  fileField(z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), parseId, 'a string of digits, a number like "5.36356E+13", or a whole number')
    .transform((id) => id.value)
    .describe(`${what}: digits, or the text of a spreadsheet-rounded ID such as "5.36356E+13" (send rounded IDs as that text)`);

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

const dateField = z
  .string({ error: required('a date d/m/yyyy or YYYY-MM-DD') })
  .trim()
  .transform((s, ctx) => {
    const iso = ISO_DATE_TIME.exec(s)?.[1];
    let date: string | undefined;
    if (iso !== undefined) {
      if (isIsoDate(iso)) date = iso;
      else ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a calendar date` });
    } else {
      const parsed = parseDayMonthYear(s);
      if (parsed.ok) date = parsed.value;
      else ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} ${parsed.problem} (or YYYY-MM-DD)` });
    }
    if (date === undefined) return z.NEVER;
    if (date < EARLIEST_ORDER_DATE || Number(date.slice(0, 4)) > LATEST_YEAR) {
      ctx.addIssue({ code: 'custom', message: `${date} is outside ${EARLIEST_ORDER_DATE}..${LATEST_YEAR}-12-31` });
      return z.NEVER;
    }
    return date;
  })
  .describe('purchase date: d/m/yyyy as in the order file (e.g. "7/3/2019"), or ISO YYYY-MM-DD (a time part is ignored)');

/** A money amount: a JSON number, or text as the order file writes it. */
const money = (what: string, sign: 'non-negative' | 'non-positive') =>
  fileField(z.number(), parseMoney, 'a number')
    .transform((value, ctx) => {
      if (sign === 'non-negative' ? value < 0 : value > 0) {
        ctx.addIssue({ code: 'custom', message: `${value} is ${sign === 'non-negative' ? 'negative' : 'positive (expected 0 or less)'}` });
        return z.NEVER;
      }
      // Object.is keeps a "-0" from reaching the features as -0.
      return value === 0 ? 0 : value;
    })
    .describe(what);

const ignored = (what: string) => z.unknown().optional().describe(`${what}: an outcome column, ignored`);

export const purchaseLineSchema = z
  .object({
    'Item Name': text('brand code'),
    Category: text('product category').refine((c) => !NON_PRODUCT_CATEGORIES.has(c.toUpperCase()), { message: 'is not a product category (DPR lines are not purchases)' }),
    Version: text('size, e.g. "34 / B / FtO" or "M / Sl / Re"'),
    'Item Code': text('SKU'),
    'Item ID': idField('model'),
    'Buyer ID': idField('buyer'),
    'Transaction ID': idField('transaction'),
    Date: dateField,
    'Total Revenue': money('revenue of the line before VAT and discounts (>= 0)', 'non-negative'),
    'Price Reductions': money('discount on the line (<= 0)', 'non-positive'),
    'Purchased Item Count': fileField(z.number(), parseCount, 'a whole number >= 1')
      .refine((n) => n >= 1, 'must be at least 1 (a purchase line)')
      .describe('items bought on the line (>= 1): a whole number, or its text as in the order file'),
    'Final Quantity': ignored('Final Quantity'),
    Refunds: ignored('Refunds'),
    'Final Revenue': ignored('Final Revenue'),
    'Sales Tax': ignored('Sales Tax'),
    'Overall Revenue': ignored('Overall Revenue'),
    'Refunded Item Count': ignored('Refunded Item Count'),
  })
  .strict()
  .meta({
    // An id: the OpenAPI document defines the line once ($defs) and refers to it.
    id: 'PurchaseLine',
    title: 'PurchaseLine',
    description: "One purchase line, keyed by the order file's column names. Unknown keys are refused; outcome columns are ignored.",
    example: {
      'Item Name': 'QID',
      Category: 'Product H',
      Version: '32 / B / 30',
      'Item Code': '27-0CD-F44-7E1-0-2F608D7',
      'Item ID': '46567054',
      'Buyer ID': '3301861',
      'Transaction ID': '5.36356E+13',
      Date: '14/04/2019',
      'Total Revenue': 74.17,
      'Price Reductions': 0,
      'Purchased Item Count': 1,
    },
  });


/** The typed line the scorer reads. */
export function scoringLineOf(line: z.output<typeof purchaseLineSchema>): ScoringLine {
  return {
    item_name: line['Item Name'],
    category: line.Category,
    version: line.Version,
    item_code: line['Item Code'],
    item_id: line['Item ID'],
    buyer_id: line['Buyer ID'],
    transaction_id: line['Transaction ID'],
    date: line.Date,
    total_revenue: line['Total Revenue'],
    price_reductions: line['Price Reductions'],
    purchased_item_count: line['Purchased Item Count'],
  };
}

export const DEFAULT_MAX_BATCH_LINES = 1000;

export function batchSchema(maxLines: number) {
  return z
    .object({ lines: z.array(purchaseLineSchema, { error: required('an array of purchase lines') }).min(1, 'is empty').max(maxLines, `holds more than ${maxLines} lines (the batch limit)`) })
    .strict()
    .meta({
      title: 'PurchaseBatch',
      description: `Up to ${maxLines} purchase lines. Lines with the same Buyer ID, Transaction ID and Date form one transaction: the basket features are computed from them.`,
    });
}

/** Either one line, or `{"lines": [...]}`; the predictions come back in the same order. */
export function predictionRequestSchema(maxLines: number) {
  return z.union([purchaseLineSchema, batchSchema(maxLines)]).meta({ title: 'PredictionRequest' });
}

/** The body parsed: a single line (no `lines` key) or a batch. */
export function parsePredictionBody(body: unknown, maxLines: number) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { success: false as const, issues: [{ path: [] as PropertyKey[], message: 'expected a JSON object: one purchase line, or {"lines": [...]}' }] };
  }
  const batch = 'lines' in body;
  const parsed = batch ? batchSchema(maxLines).safeParse(body) : purchaseLineSchema.safeParse(body);
  if (!parsed.success) return { success: false as const, issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) };
  const lines = 'lines' in parsed.data ? parsed.data.lines : [parsed.data];
  return { success: true as const, batch, lines: lines.map(scoringLineOf) };
}

export const predictionQuerySchema = z
  .object({
    contributions: z.coerce
      .number({ error: 'expected a whole number' })
      .int('expected a whole number')
      .min(0, 'must be 0 or more')
      .max(FEATURE_CATALOGUE.length, `must be at most ${FEATURE_CATALOGUE.length} (the number of features)`)
      .default(5)
      .describe('contributions returned per line (0: none, and scoring is cheaper)'),
  })
  .strict();

const featureValueSchema = z.union([z.number(), z.string(), z.null()]);

export const contributionSchema = z
  .object({
    feature: z.string().describe('catalogue feature name'),
    value: featureValueSchema.describe("the line's value of the feature (null: missing)"),
    contribution: z.number().describe('probability minus the probability with this feature missing; positive raises the return probability'),
  })
  .strict();

const historyKeySchema = z.enum(['buyer', 'model', 'sku', 'brand', 'category']);

export const linePredictionSchema = z
  .object({
    return_probability: z.number().min(0).max(1).describe('calibrated probability that the line is returned within the horizon'),
    contributions: z.array(contributionSchema).describe('the features that move this probability most, largest first'),
    unseen_history: z.array(historyKeySchema).describe('keys of the line missing from the history snapshot: their history features are the fallback (zero counts, global rate)'),
  })
  .strict();

export const predictionResponseSchema = z
  .object({
    model_version: z.string().describe('NAME/VERSION of the registered model, or the model file for a fixed model'),
    model_as_of: z.string().describe('the as-of date the model was trained for'),
    snapshot_as_of: z.string().nullable().describe('the as-of date of the history snapshot (null: none loaded; every key is unseen)'),
    predictions: z.array(linePredictionSchema).describe('one per request line, in order'),
  })
  .strict()
  .meta({ title: 'PredictionResponse' });

export const modelResponseSchema = z
  .object({
    model_version: z.string(),
    name: z.string().nullable(),
    version: z.number().int().nullable(),
    as_of: z.string(),
    created_at: z.string(),
    horizon_days: z.number(),
    code_version: z.string(),
    estimator: z.object({ family: z.string(), params: z.record(z.string(), z.unknown()) }),
    calibrator: z.object({ method: z.string() }),
    metrics: z.record(z.string(), z.unknown()).describe("the artifact's out-of-time metrics (pooled and per backtest fold) and the refit's row count"),
    features: z.array(z.object({ name: z.string(), kind: z.enum(['numeric', 'categorical']), meaning: z.string(), encoding: z.string() })),
    snapshot: z
      .object({ id: z.string(), as_of: z.string().nullable(), global_return_rate: z.number().nullable(), keys: z.record(z.string(), z.number()) })
      .nullable()
      .describe('the history snapshot served with (null: none; history features use the empty-history fallback)'),
    loaded_at: z.string(),
  })
  .strict()
  .meta({ title: 'ModelInfo' });

export const problemSchema = z.object({ path: z.array(z.union([z.string(), z.number()])), field: z.string(), message: z.string() }).strict();

export const errorResponseSchema = z
  .object({
    error: z.string(),
    problems: z.array(problemSchema).optional().describe('every problem of the request, with the path of the field'),
  })
  .strict()
  .meta({ title: 'Error' });

export const healthResponseSchema = z.object({ status: z.literal('ok') }).strict();
export const readyResponseSchema = z
  .object({ status: z.enum(['ready', 'not ready']), model_version: z.string().nullable(), reason: z.string().optional() })
  .strict();

/** `lines[3].Item Name` from ['lines', 3, 'Item Name']. */
export function fieldOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc === '' ? String(p) : `${acc}.${String(p)}`), '') || '(body)';
}
