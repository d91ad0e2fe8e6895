import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { alignPredictions, readTruthWindow, returnsPredictions } from '../../harness/truth-file.js';
import { addDays } from '../../../src/domain/dates.js';
import { evaluate, type MetricSet } from '../../../src/domain/model/metrics.js';
import { cli } from '../../harness/cli.js';

/**
 * The pipeline's quality, tied to the truth, as a user meets it: `returns generate` writes an
 * order file and the true probability of every purchase line; `returns run TrainModel --date D`
 * trains from the raw CSV; `returns predict` scores the file; the purchases of the 31 days from D,
 * which no label before D describes, are judged against what the generator drew.
 *
 * A check such as "AUC > 0.55" passes a badly broken model. This one asks for a share of what can
 * be had: the forward AUC's lift above 0.5 must reach SHARE of the true probabilities' lift, and
 * stay below theirs (above the truth means a leak). A model that learned only the base rate
 * scores 0 on that scale and the truth 1; this one reaches 0.67 here (0.73 at 200,000 lines in
 * bench/results/forward-test-200k-seed1.json), and SHARE leaves it a margin for one seed's noise.
 * Calibration error is not asserted at this size: the generator's months differ in return rate
 * (January's is 0.21, March's 0.25 at this seed), and a model calibrated on the most recent mature
 * weeks inherits that; the forward-test bench records it at 200,000 lines.
 */
const ROWS = 40_000;
const SEED = 23;
const AS_OF = '2019-03-01';
const LAST = addDays(AS_OF, 30);
const SHARE = 0.6;

describe(`the forward test: TrainModel as of ${AS_OF} on ${ROWS.toLocaleString('en')} generated lines, scored on ${AS_OF}..${LAST}`, () => {
  let cwd: string;
  let judged: { ours: MetricSet; truth: MetricSet; rows: number; returnRate: number };

  beforeAll(async () => {
    cwd = await mkdtemp(path.join(tmpdir(), 'returns-forward-'));
    const env = {};
    const step = async (args: string[]): Promise<void> => {
      const r = await cli(args, { cwd, env });
      if (r.code !== 0) throw new Error(`returns ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    };
    await step(['generate', '--rows', String(ROWS), '--seed', String(SEED), '--out', 'orders.csv']);
    await step(['run', 'TrainModel', '--date', AS_OF, '--source', `file://${path.join(cwd, 'orders.csv')}`]);
    await step(['predict', '--model', path.join('data', 'TrainModel', `date=${AS_OF}`, 'model.json'), '--input', 'orders.csv', '--output', 'predictions.csv']);

    const window = await readTruthWindow(path.join(cwd, 'orders.truth.csv'), AS_OF, LAST);
    const lines = [...window.values()];
    const y = Float64Array.from(lines, (l) => l.returned);
    const predictions = path.join(cwd, 'predictions.csv');
    const { returns } = await alignPredictions(predictions, window, returnsPredictions(predictions, window, 'returns'), ['returns']);
    judged = {
      ours: evaluate(returns!, y),
      truth: evaluate(Float64Array.from(lines, (l) => l.trueProbability), y),
      rows: lines.length,
      returnRate: y.reduce((a, b) => a + b, 0) / lines.length,
    };
  }, 600_000);

  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('judges a real month of purchases', () => {
    // About a sixth of the six generated months; not a handful of rows whose AUC is noise.
    expect(judged.rows).toBeGreaterThan(ROWS / 8);
    expect(judged.truth.rocAuc).toBeGreaterThan(0.65);
  });

  it(`reaches ${SHARE} of the true probabilities' AUC above 0.5, and never their AUC`, () => {
    const share = (judged.ours.rocAuc - 0.5) / (judged.truth.rocAuc - 0.5);
    expect({ share: Number(share.toFixed(3)), atLeast: SHARE, ok: share >= SHARE }).toMatchObject({ ok: true });
    expect(judged.ours.rocAuc).toBeLessThan(judged.truth.rocAuc);
  });

  it("has a lower log loss than the best constant, the month's own return rate, which no model trained before it can know", () => {
    const r = judged.returnRate;
    const bestConstant = -(r * Math.log(r) + (1 - r) * Math.log(1 - r));
    // A model that ranks well but whose probabilities are off (a broken calibration, a mean shifted
    // by a leak of the label's timing) fails this while passing the AUC check.
    expect(judged.ours.logLoss).toBeLessThan(bestConstant);
    expect(judged.ours.logLoss).toBeGreaterThan(judged.truth.logLoss);
  });
});
