/**
 * The product catalogue of the synthetic shop, drawn from the seed alone (its size does not
 * depend on the row count, so memory does not either). See story.ts, step 1.
 */
import { formatSpreadsheetScientific } from './kaggle-format.js';
import { cumulativeWeights, Rng } from './prng.js';
import { CATALOGUE, CATEGORIES, FIT_CLASSES, RETURN_LOGIT, SIZE_SYSTEMS, type CategorySpec } from './story.js';

export interface Brand {
  /** Three upper-case letters, as in the Item Name column. */
  readonly code: string;
  readonly effect: number;
  readonly popularity: number;
}

export interface Sku {
  /** `27-0CD-F44-7E1-0-2F608D7`. */
  readonly code: string;
  /** `32 / B / FtO`. */
  readonly version: string;
  /** At either end of the model's primary size range. */
  readonly edgeSize: boolean;
}

export interface Model {
  /** As written in the Item ID column (8 digits, or a mangled 14-digit number). */
  readonly itemId: string;
  readonly brand: Brand;
  readonly category: CategorySpec;
  readonly listPricePounds: number;
  readonly fitClass: string;
  /** Fit class effect plus latent quality, added to the return logit. */
  readonly effect: number;
  /** Number of consecutive primary sizes. */
  readonly primaryCount: number;
  /** Number of secondary variants (fit letter x leg, cut x length). */
  readonly variantCount: number;
  /** Variant-major: skus[variant * primaryCount + primary]. */
  readonly skus: readonly Sku[];
  /** Running totals of the primary sizes' popularity (middle sizes sell most). */
  readonly primaryCumulative: Float64Array;
}

export interface Catalogue {
  readonly brands: readonly Brand[];
  readonly models: readonly Model[];
  /** Running totals of model popularity. */
  readonly modelCumulative: Float64Array;
}

const CATALOGUE_STREAM = 1;
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function drawBrands(rng: Rng): Brand[] {
  const codes = new Set<string>();
  const brands: Brand[] = [];
  while (brands.length < CATALOGUE.BRANDS) {
    const code = rng.pick([...LETTERS]) + rng.pick([...LETTERS]) + rng.pick([...LETTERS]);
    if (codes.has(code)) continue;
    codes.add(code);
    // Zipf-like popularity: a few brands sell most.
    brands.push({ code, effect: RETURN_LOGIT.BRAND_SD * rng.normal(), popularity: 1 / Math.pow(brands.length + 1, 0.8) });
  }
  return brands;
}

function drawItemId(rng: Rng, used: Set<string>): string {
  for (;;) {
    const id = rng.chance(CATALOGUE.SCIENTIFIC_ITEM_ID_SHARE)
      ? formatSpreadsheetScientific(1e13 + rng.int(90_000) * 1e9 + rng.int(1_000_000_000))
      : String(10_000_000 + rng.int(90_000_000));
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
}

/** A random run of `count` consecutive entries of `items`. */
function run<T>(rng: Rng, items: readonly T[], min: number, max: number): T[] {
  const count = Math.min(items.length, rng.intBetween(min, max));
  const first = rng.int(items.length - count + 1);
  return items.slice(first, first + count);
}

function drawVariants(rng: Rng, category: CategorySpec): string[] {
  const system = SIZE_SYSTEMS[category.sizeSystem];
  const seconds = run(rng, system.second, 1, rng.chance(CATALOGUE.SECOND_VARIANT_SHARE) ? 2 : 1);
  let thirds: string[];
  if (category.sizeSystem === 'waist') {
    thirds = rng.chance(CATALOGUE.EXPLICIT_LEG_SHARE) ? run(rng, system.third.slice(1), 1, 2) : ['FtO'];
  } else if (category.sizeSystem === 'letter') {
    thirds = rng.chance(0.8) ? ['Re'] : run(rng, system.third, 1, 2);
  } else {
    thirds = run(rng, system.third, 1, 2);
  }
  return seconds.flatMap((s) => thirds.map((t) => `${s} / ${t}`));
}

function drawModel(rng: Rng, brand: Brand, category: CategorySpec, usedIds: Set<string>): Model {
  const system = SIZE_SYSTEMS[category.sizeSystem];
  const primaries = run(rng, system.primary, CATALOGUE.PRIMARY_RUN.min, CATALOGUE.PRIMARY_RUN.max);
  const variants = drawVariants(rng, category);
  const skus: Sku[] = [];
  for (const variant of variants) {
    primaries.forEach((primary, i) => {
      const code = rng.hex(19);
      skus.push({
        code: `${code.slice(0, 2)}-${code.slice(2, 5)}-${code.slice(5, 8)}-${code.slice(8, 11)}-${code.slice(11, 12)}-${code.slice(12, 19)}`,
        version: `${primary} / ${variant}`,
        edgeSize: i === 0 || i === primaries.length - 1,
      });
    });
  }
  const middle = (primaries.length - 1) / 2;
  const spread = Math.max(1, primaries.length / 3);
  const primaryWeights = primaries.map((_, i) => Math.exp(-0.5 * ((i - middle) / spread) ** 2));
  let fitDraw = rng.uniform();
  const fit = FIT_CLASSES.find((f) => (fitDraw -= f.share) < 0) ?? FIT_CLASSES[0];
  return {
    itemId: drawItemId(rng, usedIds),
    brand,
    category,
    listPricePounds: rng.pick(category.pricePoints),
    fitClass: fit.name,
    effect: fit.effect + RETURN_LOGIT.MODEL_QUALITY_SD * rng.normal(),
    primaryCount: primaries.length,
    variantCount: variants.length,
    skus,
    primaryCumulative: cumulativeWeights(primaryWeights),
  };
}

export function buildCatalogue(seed: number): Catalogue {
  const rng = Rng.fromSeed(seed, CATALOGUE_STREAM);
  const brands = drawBrands(rng);
  const brandCumulative = cumulativeWeights(brands.map((b) => b.popularity));
  const usedIds = new Set<string>();
  const models: Model[] = [];
  const popularity: number[] = [];
  const shareTotal = CATEGORIES.reduce((sum, c) => sum + c.share, 0);
  for (const category of CATEGORIES) {
    const count = Math.max(1, Math.round((CATALOGUE.MODELS * category.share) / shareTotal));
    for (let i = 0; i < count; i++) {
      const brand = brands[rng.pickCumulative(brandCumulative)] as Brand;
      models.push(drawModel(rng, brand, category, usedIds));
      // Categories already get models in proportion to their share; within one, a few models sell most.
      popularity.push(Math.exp(CATALOGUE.MODEL_POPULARITY_SD * rng.normal()));
    }
  }
  return { brands, models, modelCumulative: cumulativeWeights(popularity) };
}
