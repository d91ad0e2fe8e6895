import { decidePromotion } from '../../src/domain/registry/promotion.js';

const rules = { minLogLossImprovement: 0.01, aucTolerance: 0.005 };

describe('champion/challenger promotion', () => {
  it('promotes the first model', () => {
    expect(decidePromotion({ logLoss: 0.6, auc: 0.6 }, undefined, rules)).toEqual({ promote: true, reason: 'first model: no champion yet' });
  });
  it('promotes a model better by the margin', () => {
    expect(decidePromotion({ logLoss: 0.5, auc: 0.71 }, { logLoss: 0.52, auc: 0.7 }, rules).promote).toBe(true);
  });
  it('keeps the champion when the gain is below the margin', () => {
    const d = decidePromotion({ logLoss: 0.519, auc: 0.72 }, { logLoss: 0.52, auc: 0.7 }, rules);
    expect(d).toMatchObject({ promote: false });
    expect(d.reason).toMatch(/^not better by the margin/);
  });
  it('treats a tie as no improvement', () => {
    expect(decidePromotion({ logLoss: 0.52, auc: 0.7 }, { logLoss: 0.52, auc: 0.7 }, rules).promote).toBe(false);
  });
  it('refuses a lower log loss paid for with a worse AUC', () => {
    const d = decidePromotion({ logLoss: 0.4, auc: 0.69 }, { logLoss: 0.52, auc: 0.7 }, rules);
    expect(d.promote).toBe(false);
    expect(d.reason).toMatch(/^AUC worse beyond the tolerance/);
    expect(decidePromotion({ logLoss: 0.4, auc: 0.696 }, { logLoss: 0.52, auc: 0.7 }, rules).promote).toBe(true);
  });
});
