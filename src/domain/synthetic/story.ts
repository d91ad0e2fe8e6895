/**
 * The generative story of the synthetic order lines, with every constant in one place.
 * docs/synthetic-data.md tells the same story for readers; keep the two in step, and bump
 * SYNTHETIC_GENERATOR_VERSION whenever a change here changes the bytes generated for a seed.
 *
 * 1. The catalogue (fixed by the seed, independent of the row count): CATEGORIES below, BRANDS
 *    three-letter brands, MODELS models. A model has one brand, one category, a list price from its
 *    category's price points, a fit class (true to size, runs small, runs large) and a small
 *    latent quality term. A model comes in sizes: a primary size (waist, letter size or number)
 *    crossed with secondary parts (fit letter and leg, cut and length); each size is one SKU
 *    (Item Code). Sizes at either end of a model's primary range are "edge" sizes.
 * 2. Buyers: a population of ceil(rows * BUYERS_PER_PURCHASE_LINE) buyers, each with a latent
 *    return propensity (normal, plus a jump for the few serial returners), a bracketing habit,
 *    and two quirks (zero-VAT buyers, buyer IDs mangled into scientific notation). Traits are a
 *    hash of the seed and the buyer's number, so no buyer table is held in memory.
 * 3. Volume: rows are spread over the days of the period by weekday, Black Friday, the December
 *    peak, Christmas, the January sale and a little day-to-day noise.
 * 4. Transactions: a buyer (more active buyers come back more often), a basket of 1 to 6 lines.
 *    A bracketer often fills part of the basket with one model in 2 or 3 neighbouring sizes.
 *    Lines are discounted more often in sale periods.
 * 5. Return probability of a line, before bracketing:
 *      p = sigmoid(INTERCEPT + brand + category + model fit + model quality + edge size
 *                  + PRICE_SLOPE * ln(list price / REFERENCE_PRICE) + DISCOUNT_SLOPE * discount
 *                  + month of purchase + buyer propensity)
 *    Bracketing: in a group of k sizes, one size (chosen uniformly) is the keeper and is returned
 *    with its own p; the others are returned with NON_KEEPER_RETURN. The true probability of a
 *    bracketed line is therefore p / k + (k - 1) / k * NON_KEEPER_RETURN: a model knows the
 *    group but not which size fits.
 * 6. Returns: each line's return is drawn once with its true probability. A return happens
 *    3 to 35 days after the purchase (3 + a truncated exponential). Returns after the period end
 *    are not written (right-censoring). A few returns are written in the purchase's own row
 *    instead of a later row, as in the real file.
 *
 * "True probability" is the probability of a return within 35 days given everything the story
 * knows, latent traits included; no model can beat it on average, so its AUC is the ceiling.
 */

/** Bumped whenever the same seed would generate different bytes. */
export const SYNTHETIC_GENERATOR_VERSION = '1';

export type SizeSystem = 'waist' | 'letter' | 'numbered';

export interface CategorySpec {
  /** As written in the Category column. */
  readonly name: string;
  readonly sizeSystem: SizeSystem;
  /** List prices including VAT, in whole pounds. */
  readonly pricePoints: readonly number[];
  /** Share of the catalogue's models. */
  readonly share: number;
  /** Added to the return logit. */
  readonly effect: number;
}

/** Categories as in the real file (`Product A` ... `Product W`), with their return effects. */
export const CATEGORIES: readonly CategorySpec[] = [
  { name: 'Product A', sizeSystem: 'waist', pricePoints: [109, 129], share: 0.05, effect: 0.15 },
  { name: 'Product B', sizeSystem: 'waist', pricePoints: [69, 99], share: 0.09, effect: 0.1 },
  { name: 'Product C', sizeSystem: 'waist', pricePoints: [89, 99], share: 0.05, effect: 0 },
  { name: 'Product D', sizeSystem: 'waist', pricePoints: [62, 89], share: 0.1, effect: 0 },
  { name: 'Product H', sizeSystem: 'waist', pricePoints: [62, 89], share: 0.15, effect: 0.05 },
  { name: 'Product I', sizeSystem: 'waist', pricePoints: [95], share: 0.03, effect: 0 },
  { name: 'Product J', sizeSystem: 'waist', pricePoints: [119], share: 0.04, effect: 0.35 },
  { name: 'Product M', sizeSystem: 'waist', pricePoints: [99], share: 0.03, effect: 0.1 },
  { name: 'Product N', sizeSystem: 'letter', pricePoints: [29, 49], share: 0.05, effect: -0.35 },
  { name: 'Product O', sizeSystem: 'numbered', pricePoints: [69], share: 0.04, effect: -0.1 },
  { name: 'Product P', sizeSystem: 'waist', pricePoints: [66, 95], share: 0.22, effect: 0.2 },
  { name: 'Product Q', sizeSystem: 'waist', pricePoints: [44], share: 0.03, effect: -0.2 },
  { name: 'Product R', sizeSystem: 'letter', pricePoints: [29, 35], share: 0.07, effect: -0.5 },
  { name: 'Product W', sizeSystem: 'waist', pricePoints: [49, 99], share: 0.05, effect: 0 },
];

/** The parts of a Version string for each size system: primary sizes, then secondary parts. */
export const SIZE_SYSTEMS: Readonly<Record<SizeSystem, { primary: readonly string[]; second: readonly string[]; third: readonly string[] }>> = {
  // `32 / B / FtO`, `36 / B / 30`
  waist: { primary: ['28', '29', '30', '31', '32', '33', '34', '35', '36', '37', '38', '39', '40'], second: ['A', 'B', 'C'], third: ['FtO', '28', '29', '30', '31', '32', '33', '34'] },
  // `M / Sl / Re`, `L+ / St / Re`
  letter: { primary: ['XS', 'S', 'M', 'M+', 'L', 'L+', 'XL', 'XXL'], second: ['Sl', 'St'], third: ['Re', 'Sh', 'Lo'] },
  // `34 / A / 9`
  numbered: { primary: ['30', '32', '34', '36', '38'], second: ['A', 'B', 'C'], third: ['7', '8', '9', '10', '11'] },
};

export const CATALOGUE = {
  BRANDS: 40,
  MODELS: 600,
  /** Consecutive primary sizes a model comes in. */
  PRIMARY_RUN: { min: 3, max: 7 },
  /** Share of models that also come in a second secondary variant (e.g. fit letters A and B). */
  SECOND_VARIANT_SHARE: 0.45,
  /** Share of waist models sold with explicit leg lengths rather than `FtO`. */
  EXPLICIT_LEG_SHARE: 0.25,
  /** Share of models whose Item ID is a 14-digit number the spreadsheet turned into `8.42221E+13`. */
  SCIENTIFIC_ITEM_ID_SHARE: 0.03,
  /** Spread (sd of the log) of model popularity. */
  MODEL_POPULARITY_SD: 0.9,
} as const;

export const FIT_CLASSES = [
  { name: 'true to size', share: 0.65, effect: 0 },
  { name: 'runs small', share: 0.2, effect: 0.55 },
  { name: 'runs large', share: 0.15, effect: 0.45 },
] as const;

/** Effects on the return logit (see 5. above). */
export const RETURN_LOGIT = {
  INTERCEPT: -1.75,
  BRAND_SD: 0.35,
  MODEL_QUALITY_SD: 0.2,
  EDGE_SIZE: 0.35,
  PRICE_SLOPE: 0.5,
  REFERENCE_PRICE: 70,
  /** Per unit of discount rate: a 30% discount lowers the logit by 0.45. */
  DISCOUNT_SLOPE: -1.5,
  /** By month of purchase, January first: Christmas gifts come back, January sale buys do not. */
  MONTH: [-0.2, 0, 0, 0.05, 0.05, 0.1, 0.1, 0.05, 0, 0.05, 0.1, 0.3],
  BUYER_SD: 0.7,
  SERIAL_RETURNER_SHARE: 0.05,
  SERIAL_RETURNER_EFFECT: 1.3,
} as const;

export const BRACKETING = {
  /** Share of buyers who bracket at all. */
  BRACKETER_SHARE: 0.2,
  /** Chance that a basket slot of a bracketer (or of anyone else) starts a bracket group. */
  GROUP_CHANCE_BRACKETER: 0.35,
  GROUP_CHANCE_OTHER: 0.02,
  /** Share of groups with three sizes rather than two. */
  THREE_SIZES_SHARE: 0.3,
  /** Return probability of the sizes that are not the keeper. */
  NON_KEEPER_RETURN: 0.9,
} as const;

export const BUYERS = {
  BUYERS_PER_PURCHASE_LINE: 0.2,
  MIN_BUYERS: 50,
  /** IDs are 7 digits, so the population is capped there. */
  MAX_BUYERS: 9_000_000,
  /** Buyer number = floor(population * u^ACTIVITY_EXPONENT): low numbers come back more often. */
  ACTIVITY_EXPONENT: 1.6,
  ZERO_TAX_SHARE: 0.02,
  SCIENTIFIC_ID_SHARE: 0.015,
} as const;

export const BASKET = {
  /** Relative weights of basket sizes 1, 2, 3, ... */
  SIZE_WEIGHTS: [55, 24, 11, 6, 3, 1],
  /** Share of transactions that also carry a non-product (`DPR`) line, e.g. a delivery charge. */
  NON_PRODUCT_SHARE: 0.03,
  /** Delivery charges, VAT included, in pence. */
  NON_PRODUCT_CHARGES: [395, 495, 595],
} as const;

export const DISCOUNTS = {
  SHARE_NORMAL: 0.15,
  SHARE_SALE: 0.5,
  RATES: [0.1, 0.125, 0.15, 0.2, 0.25, 0.3],
} as const;

export const VOLUME = {
  /** Sunday first. */
  WEEKDAY: [1.2, 1.1, 1, 1, 0.95, 0.95, 1.05],
  BLACK_FRIDAY: 2.5,
  BLACK_FRIDAY_WEEKEND: 1.5,
  CYBER_MONDAY: 2,
  DECEMBER_PEAK: 1.25,
  CHRISTMAS: 0.5,
  BOXING_DAY: 1.6,
  JANUARY_SALE: 1.2,
  NOISE_SD: 0.1,
} as const;

export const RETURNS = {
  MIN_DAYS: 3,
  MAX_DAYS: 35,
  /** Mean of the exponential part of the delay (before truncation). */
  MEAN_EXTRA_DAYS: 7,
  /** Share of returns written in the purchase's own row (Final Quantity 0) instead of a later row. */
  SAME_ROW_SHARE: 0.04,
} as const;

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** What the return logit of one line is made of (see 5. above). */
export interface LineEffects {
  readonly brand: number;
  readonly category: number;
  /** Fit class effect plus latent model quality. */
  readonly model: number;
  readonly edgeSize: boolean;
  readonly listPricePounds: number;
  readonly discountRate: number;
  /** 1..12. */
  readonly month: number;
  readonly buyer: number;
}

export function returnLogit(e: LineEffects): number {
  return (
    RETURN_LOGIT.INTERCEPT +
    e.brand +
    e.category +
    e.model +
    (e.edgeSize ? RETURN_LOGIT.EDGE_SIZE : 0) +
    RETURN_LOGIT.PRICE_SLOPE * Math.log(e.listPricePounds / RETURN_LOGIT.REFERENCE_PRICE) +
    RETURN_LOGIT.DISCOUNT_SLOPE * e.discountRate +
    (RETURN_LOGIT.MONTH[e.month - 1] ?? 0) +
    e.buyer
  );
}

/** The true return probability of one line of a bracket group of `groupSize` sizes. */
export function bracketedProbability(ownProbability: number, groupSize: number): number {
  if (groupSize <= 1) return ownProbability;
  return ownProbability / groupSize + ((groupSize - 1) / groupSize) * BRACKETING.NON_KEEPER_RETURN;
}
