import type { TaskClass } from '../src/orchestrator/task.js';
import { BuildFeatures } from './build-features.js';
import { IngestOrders } from './ingest-orders.js';
import { PredictBatch } from './predict-batch.js';
import { RegisterModel } from './register-model.js';
import { Report } from './report.js';
import { TrainModel } from './train-model.js';
import { ValidateOrders } from './validate-orders.js';

/** Every task the CLI can run, in pipeline order. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const pipelineTasks: readonly TaskClass<any>[] = [IngestOrders, ValidateOrders, BuildFeatures, TrainModel, RegisterModel, PredictBatch, Report];
