/**
 * The synthetic order-line generator: story.ts told as a stream of rows in date order.
 *
 * Memory does not grow with the row count: the catalogue and the per-day volume table depend on
 * the seed and the period only, buyers are hashed rather than stored, and the only state that
 * grows with volume is the queue of returns not yet due, which never spans more than 35 days.
 *
 * Within a day, the returns due that day come first, then the day's transactions, each
 * transaction's product lines followed by its non-product line if it has one.
 */
import { BuyerPopulation, buyerCountFor, type BuyerTraits } from './buyers.js';
import { blackFridayOf, civilDateOf, KaggleDateFormatter } from './calendar.js';
import { buildCatalogue, type Catalogue, type Model } from './catalogue.js';
import { formatSpreadsheetScientific, type KaggleRow } from './kaggle-format.js';
import { resolveSyntheticOptions, type ResolvedSyntheticOptions, type SyntheticOptions } from './options.js';
import { lineAmounts, nonProductRow, purchaseRow, returnRow, sameRowReturnRow, type LineIdentity } from './order-rows.js';
import { PendingReturns } from './pending-returns.js';
import { cumulativeWeights, hashUniform, Rng, seedKey } from './prng.js';
import { BASKET, BRACKETING, bracketedProbability, DISCOUNTS, RETURNS, returnLogit, sigmoid, VOLUME } from './story.js';

/** What the story knows about a purchase line and the data does not show. */
export interface PurchaseTruth {
  /** Probability of a return within 35 days, given everything the story knows. */
  readonly probability: number;
  /** A return was drawn for this line (whether or not it fell inside the period). */
  readonly returned: boolean;
  /** Date of the drawn return, formatted as the Date column; '' when none. */
  readonly returnDate: string;
  /** The drawn return falls after the period end, so it is not in the data. */
  readonly censored: boolean;
  /** The return is carried in the purchase's own row (Final Quantity 0). */
  readonly sameRow: boolean;
  /** Sizes of the same model in the bracket group this line belongs to; 1 when not bracketed. */
  readonly bracketSize: number;
}

export type SyntheticRecord =
  | { readonly kind: 'purchase'; readonly row: KaggleRow; readonly truth: PurchaseTruth }
  | { readonly kind: 'return'; readonly row: KaggleRow }
  | { readonly kind: 'non-product'; readonly row: KaggleRow };

// Independent random streams per part of the story (catalogue = 1 and buyers = 2 live elsewhere).
const VOLUME_STREAM = 3;
const ORDERS_STREAM = 4;
const DISCOUNT_STREAM = 5;

const TRANSACTION_MIN = 1e13;

/** Relative sales volume of each day of the period (story.ts, step 3). */
function dailyWeights(o: ResolvedSyntheticOptions): number[] {
  const rng = Rng.fromSeed(o.seed, VOLUME_STREAM);
  const weights: number[] = [];
  for (let day = o.startDay; day <= o.endDay; day++) {
    const { year, month, day: dom, weekday } = civilDateOf(day);
    const blackFriday = blackFridayOf(year);
    let w = VOLUME.WEEKDAY[weekday] ?? 1;
    if (day === blackFriday) w *= VOLUME.BLACK_FRIDAY;
    else if (day === blackFriday + 1 || day === blackFriday + 2) w *= VOLUME.BLACK_FRIDAY_WEEKEND;
    else if (day === blackFriday + 3) w *= VOLUME.CYBER_MONDAY;
    if (month === 12 && dom <= 20) w *= VOLUME.DECEMBER_PEAK;
    if (month === 12 && (dom === 24 || dom === 25)) w *= VOLUME.CHRISTMAS;
    if (month === 12 && dom === 26) w *= VOLUME.BOXING_DAY;
    if (month === 1 && dom <= 15) w *= VOLUME.JANUARY_SALE;
    weights.push(w * Math.exp(VOLUME.NOISE_SD * rng.normal()));
  }
  return weights;
}

/** Whether a day is in a sale (Black Friday to Cyber Monday, 26 December to 20 January). */
function isSaleDay(day: number): boolean {
  const { year, month, day: dom } = civilDateOf(day);
  const blackFriday = blackFridayOf(year);
  return (day >= blackFriday && day <= blackFriday + 3) || (month === 12 && dom >= 26) || (month === 1 && dom <= 20);
}

/** Splits `rows` over days in proportion to weights, exactly (running totals, floored). */
function* dailyQuotas(rows: number, weights: readonly number[]): Generator<number> {
  const total = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  let given = 0;
  for (let i = 0; i < weights.length; i++) {
    running += weights[i] ?? 0;
    const upTo = i === weights.length - 1 ? rows : Math.min(rows, Math.floor((rows * running) / total));
    yield upTo - given;
    given = upTo;
  }
}

/** One planned line of a basket: which SKU, and its bracket group if any. */
interface PlannedLine {
  readonly model: number;
  readonly sku: number;
  readonly groupSize: number;
  readonly keeper: boolean;
}

class OrderStory {
  private readonly rng: Rng;
  private readonly catalogue: Catalogue;
  private readonly buyers: BuyerPopulation;
  private readonly dates = new KaggleDateFormatter();
  private readonly pending = new PendingReturns();
  private readonly basketCumulative = cumulativeWeights(BASKET.SIZE_WEIGHTS);
  private readonly discountKey: number;
  private readonly delayTail = 1 - Math.exp(-(RETURNS.MAX_DAYS - RETURNS.MIN_DAYS + 1) / RETURNS.MEAN_EXTRA_DAYS);

  constructor(private readonly o: ResolvedSyntheticOptions) {
    this.rng = Rng.fromSeed(o.seed, ORDERS_STREAM);
    this.catalogue = buildCatalogue(o.seed);
    this.buyers = new BuyerPopulation(o.seed, buyerCountFor(o.rows));
    this.discountKey = seedKey(o.seed, DISCOUNT_STREAM);
  }

  /**
   * The discount on a model on a day: a promotion applies to every line of that model that day
   * (so the sizes of a bracket group share a price), more often in sale periods.
   */
  private discountOn(model: number, day: number, share: number): number {
    if (hashUniform(this.discountKey, model, 2 * day) >= share) return 0;
    return DISCOUNTS.RATES[Math.floor(hashUniform(this.discountKey, model, 2 * day + 1) * DISCOUNTS.RATES.length)] ?? 0;
  }

  *records(): Generator<SyntheticRecord> {
    const quotas = dailyQuotas(this.o.rows, dailyWeights(this.o));
    for (let day = this.o.startDay; day <= this.o.endDay; day++) {
      yield* this.returnsDue(day);
      let quota = quotas.next().value ?? 0;
      const discountShare = isSaleDay(day) ? DISCOUNTS.SHARE_SALE : DISCOUNTS.SHARE_NORMAL;
      const month = civilDateOf(day).month;
      while (quota > 0) {
        const lines = Math.min(quota, this.rng.pickCumulative(this.basketCumulative) + 1);
        yield* this.transaction(day, month, lines, discountShare);
        quota -= lines;
      }
    }
    // Whatever is still pending falls after the period end: censored, never written.
  }

  private *returnsDue(day: number): Generator<SyntheticRecord> {
    const date = this.dates.format(day);
    for (const r of this.pending.takeDay(day)) {
      const id = this.identity(this.catalogue.models[r.model] as Model, r.sku, this.buyers.idOf(r.buyer), formatSpreadsheetScientific(r.transaction));
      yield { kind: 'return', row: returnRow(id, date, r.finalRevenue, r.salesTax) };
    }
  }

  private identity(model: Model, sku: number, buyerId: string, transactionId: string): LineIdentity {
    const s = model.skus[sku];
    if (s === undefined) throw new Error(`no SKU ${sku} in model ${model.itemId}`);
    return { itemName: model.brand.code, category: model.category.name, version: s.version, itemCode: s.code, itemId: model.itemId, buyerId, transactionId };
  }

  private *transaction(day: number, month: number, lineCount: number, discountShare: number): Generator<SyntheticRecord> {
    const rng = this.rng;
    const buyer = this.buyers.pick(rng);
    const traits = this.buyers.traitsOf(buyer);
    const transaction = TRANSACTION_MIN + rng.int(90_000) * 1e9 + rng.int(1_000_000_000);
    const transactionId = formatSpreadsheetScientific(transaction);
    const date = this.dates.format(day);
    for (const line of this.planBasket(lineCount, traits)) {
      const model = this.catalogue.models[line.model] as Model;
      const sku = model.skus[line.sku];
      if (sku === undefined) throw new Error(`no SKU ${line.sku} in model ${model.itemId}`);
      const discountRate = this.discountOn(line.model, day, discountShare);
      const listCents = model.listPricePounds * 100;
      const amounts = lineAmounts(listCents, Math.round(listCents * (1 - discountRate)), traits.zeroTax);
      const own = sigmoid(
        returnLogit({
          brand: model.brand.effect,
          category: model.category.effect,
          model: model.effect,
          edgeSize: sku.edgeSize,
          listPricePounds: model.listPricePounds,
          discountRate,
          month,
          buyer: traits.effect,
        }),
      );
      // Every line draws the same numbers whatever happens, so one outcome never shifts the next.
      const outcomeDraw = rng.uniform();
      const delayDraw = rng.uniform();
      const sameRowDraw = rng.uniform();
      const returned = outcomeDraw < (line.groupSize > 1 && !line.keeper ? BRACKETING.NON_KEEPER_RETURN : own);
      const returnDay = day + RETURNS.MIN_DAYS + Math.floor(-RETURNS.MEAN_EXTRA_DAYS * Math.log(1 - delayDraw * this.delayTail));
      const censored = returned && returnDay > this.o.endDay;
      const sameRow = returned && !censored && sameRowDraw < RETURNS.SAME_ROW_SHARE;
      const id = this.identity(model, line.sku, traits.id, transactionId);
      const truth: PurchaseTruth = {
        probability: bracketedProbability(own, line.groupSize),
        returned,
        returnDate: returned ? this.dates.format(returnDay) : '',
        censored,
        sameRow,
        bracketSize: line.groupSize,
      };
      yield { kind: 'purchase', row: sameRow ? sameRowReturnRow(id, date, amounts) : purchaseRow(id, date, amounts), truth };
      if (returned && !censored && !sameRow) {
        this.pending.add(returnDay, { model: line.model, sku: line.sku, buyer, transaction, finalRevenue: amounts.finalRevenue, salesTax: amounts.salesTax });
      }
    }
    if (rng.chance(BASKET.NON_PRODUCT_SHARE)) {
      yield { kind: 'non-product', row: nonProductRow(traits.id, transactionId, date, rng.pick(BASKET.NON_PRODUCT_CHARGES), traits.zeroTax) };
    }
  }

  /** The lines of one basket: single items and bracket groups, no SKU twice (story.ts, step 4). */
  private planBasket(lineCount: number, traits: BuyerTraits): PlannedLine[] {
    const rng = this.rng;
    const lines: PlannedLine[] = [];
    const taken = (model: number, sku: number): boolean => lines.some((l) => l.model === model && l.sku === sku);
    const groupChance = traits.bracketer ? BRACKETING.GROUP_CHANCE_BRACKETER : BRACKETING.GROUP_CHANCE_OTHER;
    while (lines.length < lineCount) {
      const free = lineCount - lines.length;
      const modelIndex = rng.pickCumulative(this.catalogue.modelCumulative);
      const model = this.catalogue.models[modelIndex] as Model;
      const variant = rng.int(model.variantCount);
      const primary = rng.pickCumulative(model.primaryCumulative);
      if (free >= 2 && rng.chance(groupChance)) {
        const size = free >= 3 && rng.chance(BRACKETING.THREE_SIZES_SHARE) ? 3 : 2;
        // Neighbouring sizes around the one drawn, kept inside the model's range.
        const first = Math.max(0, Math.min(model.primaryCount - size, primary - Math.floor(size / 2)));
        const skus = Array.from({ length: size }, (_, i) => variant * model.primaryCount + first + i);
        const keeper = rng.int(size);
        if (skus.some((s) => taken(modelIndex, s))) continue;
        skus.forEach((sku, i) => lines.push({ model: modelIndex, sku, groupSize: size, keeper: i === keeper }));
      } else {
        const sku = variant * model.primaryCount + primary;
        if (taken(modelIndex, sku)) continue;
        lines.push({ model: modelIndex, sku, groupSize: 1, keeper: true });
      }
    }
    return lines;
  }
}

/**
 * Generates the synthetic order lines for `options`, in date order, one record per CSV row.
 * Purchase records carry the truth the data hides. Throws SyntheticOptionsError for bad options
 * before generating anything.
 */
export function generateSyntheticOrders(options: SyntheticOptions): Generator<SyntheticRecord> {
  const story = new OrderStory(resolveSyntheticOptions(options));
  return story.records();
}
