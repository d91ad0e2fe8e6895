/**
 * The buyers of the synthetic shop (story.ts, step 2). A buyer is only a number: every trait is a
 * hash of the seed and that number, so millions of buyers cost no memory and a return row can
 * rebuild its buyer's ID from the number alone.
 */
import { formatSpreadsheetScientific } from './kaggle-format.js';
import { hashUniform, Rng, seedKey } from './prng.js';
import { BRACKETING, BUYERS, RETURN_LOGIT } from './story.js';

export interface BuyerTraits {
  /** As written in the Buyer ID column. */
  readonly id: string;
  /** Latent return propensity, added to the return logit. */
  readonly effect: number;
  readonly bracketer: boolean;
  /** Buys without VAT (e.g. ships abroad): Sales Tax 0 on all lines. */
  readonly zeroTax: boolean;
}

const BUYER_STREAM = 2;
const ID_SPACE = 9_000_000;
const ID_BASE = 1_000_000;

// Salts naming each trait's hash, so traits are independent of each other.
const SALT = { normalA: 1, normalB: 2, serial: 3, bracketer: 4, zeroTax: 5, scientific: 6, longId: 7 } as const;

function coprimeWithIdSpace(n: number): boolean {
  // 9,000,000 = 2^6 * 3^2 * 5^6
  return n % 2 !== 0 && n % 3 !== 0 && n % 5 !== 0;
}

export function buyerCountFor(purchaseLines: number): number {
  return Math.min(BUYERS.MAX_BUYERS, Math.max(BUYERS.MIN_BUYERS, Math.ceil(purchaseLines * BUYERS.BUYERS_PER_PURCHASE_LINE)));
}

export class BuyerPopulation {
  private readonly key: number;
  private readonly multiplier: number;
  private readonly offset: number;

  constructor(
    seed: number,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1 || size > ID_SPACE) throw new Error(`buyer population must be 1..${ID_SPACE}, got ${size}`);
    const rng = Rng.fromSeed(seed, BUYER_STREAM);
    this.key = seedKey(seed, BUYER_STREAM + 100);
    let multiplier = 1 + rng.int(ID_SPACE - 1);
    while (!coprimeWithIdSpace(multiplier)) multiplier = (multiplier + 1) % ID_SPACE;
    this.multiplier = multiplier;
    this.offset = rng.int(ID_SPACE);
  }

  /** A buyer number for the next transaction; low numbers are the regulars. */
  pick(rng: Rng): number {
    return Math.min(this.size - 1, Math.floor(this.size * Math.pow(rng.uniform(), BUYERS.ACTIVITY_EXPONENT)));
  }

  /**
   * The Buyer ID text. Seven digits, distinct for distinct buyers (an affine map is a permutation
   * of the ID space); a few buyers have a 14-digit ID that the spreadsheet shortened, and those can
   * collide, as in the real file.
   */
  idOf(buyer: number): string {
    if (hashUniform(this.key, buyer, SALT.scientific) < BUYERS.SCIENTIFIC_ID_SHARE) {
      return formatSpreadsheetScientific(1e13 + Math.floor(hashUniform(this.key, buyer, SALT.longId) * 9e13));
    }
    return String(ID_BASE + ((this.multiplier * buyer + this.offset) % ID_SPACE));
  }

  traitsOf(buyer: number): BuyerTraits {
    const u = 1 - hashUniform(this.key, buyer, SALT.normalA);
    const v = hashUniform(this.key, buyer, SALT.normalB);
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const serial = hashUniform(this.key, buyer, SALT.serial) < RETURN_LOGIT.SERIAL_RETURNER_SHARE;
    return {
      id: this.idOf(buyer),
      effect: RETURN_LOGIT.BUYER_SD * normal + (serial ? RETURN_LOGIT.SERIAL_RETURNER_EFFECT : 0),
      bracketer: hashUniform(this.key, buyer, SALT.bracketer) < BRACKETING.BRACKETER_SHARE,
      zeroTax: hashUniform(this.key, buyer, SALT.zeroTax) < BUYERS.ZERO_TAX_SHARE,
    };
  }
}
