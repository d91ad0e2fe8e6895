/**
 * Champion/challenger: a new model replaces the champion only when, scored on the same most
 * recent mature test window, it is better on log loss by a margin and not worse on AUC beyond a
 * tolerance. Pure: the caller scores both models and records the decision.
 */
export interface WindowScore {
  readonly logLoss: number;
  readonly auc: number;
}

export interface PromotionRules {
  /** Relative log-loss improvement required: 0.001 means at least 0.1% lower. */
  readonly minLogLossImprovement: number;
  /** How much lower the challenger's AUC may be. */
  readonly aucTolerance: number;
}

export interface PromotionDecision {
  readonly promote: boolean;
  readonly reason: string;
}

const f = (x: number): string => x.toFixed(5);

export function decidePromotion(challenger: WindowScore, champion: WindowScore | undefined, rules: PromotionRules): PromotionDecision {
  if (champion === undefined) return { promote: true, reason: 'first model: no champion yet' };
  if (!Number.isFinite(challenger.logLoss)) return { promote: false, reason: 'the challenger has no finite log loss on the test window' };
  const needed = champion.logLoss * (1 - rules.minLogLossImprovement);
  const lossOk = challenger.logLoss < needed;
  const aucOk = !(challenger.auc < champion.auc - rules.aucTolerance);
  const scores = `log loss ${f(challenger.logLoss)} vs champion ${f(champion.logLoss)}, AUC ${f(challenger.auc)} vs ${f(champion.auc)}`;
  if (lossOk && aucOk) return { promote: true, reason: `better: ${scores} (needed log loss < ${f(needed)}, AUC >= ${f(champion.auc - rules.aucTolerance)})` };
  if (!lossOk) return { promote: false, reason: `not better by the margin: ${scores} (needed log loss < ${f(needed)})` };
  return { promote: false, reason: `AUC worse beyond the tolerance ${rules.aucTolerance}: ${scores}` };
}
