/** The model core's public surface: what the TrainModel task and the scorers use. */
export { type Classifier, type ClassifierFamily, type ClassifierJson, type FitOptions, type RoundMetrics, ClassifierError } from './classifier.js';
export { type EarlyStopping, type FamilySearch, type ModelFamily } from './family.js';
export { CLASSIFIER_FAMILIES, MODEL_FAMILIES, classifierFromJSON, classifierParams, createClassifier, modelFamily } from './registry.js';
export { CalibratedModel, MODEL_FORMAT, type CalibratedModelJson } from './calibrated-model.js';
export { type Calibrator, type CalibrationMethod, type CalibratorJson, CALIBRATION_METHODS, calibratorFromJSON, chooseCalibrator, fitCalibrator } from './calibration.js';
export {
  type CategoricalColumn,
  type FeatureColumn,
  type FeatureMatrix,
  type FeatureSpec,
  type NumericColumn,
  categoricalColumn,
  featureMatrix,
  featureSpecs,
  matrixFromRows,
  numericColumn,
  subsetRows,
  FeatureMatrixError,
} from './feature-matrix.js';
export { type FeatureImportance, permutationImportance } from './importance.js';
export { type DecileRow, type MetricSet, baselineMetrics, brierScore, evaluate, expectedCalibrationError, logLoss, prAuc, returnRateByDecile, rocAuc } from './metrics.js';
export {
  type CandidateResult,
  type CandidateSpec,
  type MatureRows,
  type ModelConfig,
  type ModelConfigInput,
  type TrainingHooks,
  type TrainingOutcome,
  backtestAndRefit,
  candidateSpecs,
  expandGrid,
  modelConfigSchema,
  pickWinner,
} from './selection.js';
