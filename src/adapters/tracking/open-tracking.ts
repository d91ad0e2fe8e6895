import type { Clock } from '../../ports/clock.js';
import type { ExperimentTracker } from '../../ports/experiment-tracker.js';
import type { ModelRegistry } from '../../ports/model-registry.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { LocalModelRegistry } from './local-registry.js';
import { LocalExperimentTracker } from './local-tracker.js';
import { MlflowClient } from './mlflow-client.js';
import { MlflowModelRegistry } from './mlflow-registry.js';
import { mlflowSettingsFromEnv, type MlflowSettingsOverrides } from './mlflow-settings.js';
import { MlflowExperimentTracker } from './mlflow-tracker.js';

export interface OpenTrackingOptions {
  /** The process environment (MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The pipeline's store: local tracking and registry live there, and so does the alias audit log. */
  readonly store: ObjectStore;
  readonly clock: Clock;
  /** Per-request timeout and attempts for MLflow (defaults: 30 s, 3 attempts). */
  readonly mlflow?: MlflowSettingsOverrides;
  readonly fetch?: typeof fetch;
}

export interface Tracking {
  readonly tracker: ExperimentTracker;
  readonly registry: ModelRegistry;
}

/**
 * The tracker and registry the environment names: MLflow when MLFLOW_TRACKING_URI is set, else
 * the embedded ones in the store. Nothing is contacted until the first call.
 */
export function openTracking(options: OpenTrackingOptions): Tracking {
  const settings = mlflowSettingsFromEnv(options.env, options.mlflow);
  if (settings === undefined) {
    return { tracker: new LocalExperimentTracker(options.store), registry: new LocalModelRegistry(options.store, options.clock) };
  }
  const client = new MlflowClient(settings, options.fetch);
  return { tracker: new MlflowExperimentTracker(client), registry: new MlflowModelRegistry(client, options.store) };
}
