/**
 * The prediction API's Prometheus metrics (`GET /metrics`, prom-client): process metrics, request
 * durations and errors by route and status, predictions served, the served model and its hot swaps.
 * Each server has its own registry: no process-global state, so two servers in one process (the
 * tests) count apart.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ModelHolder } from '../../application/model-holder.js';

/** The route label of a request that matched no route: one value, so unknown URLs cannot add series. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Seconds; fine below 10 ms, where the single-line target (p99 < 5 ms) lies. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface PredictionMetrics {
  readonly contentType: string;
  /** One answered request; `route` is the route pattern (or UNMATCHED_ROUTE). */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  predictionsServed(lines: number, modelVersion: string): void;
  /** The exposition text. */
  render(): Promise<string>;
}

export function createPredictionMetrics(holder: Pick<ModelHolder, 'state' | 'swaps'>): PredictionMetrics {
  const register = new Registry();
  collectDefaultMetrics({ register });
  const duration = new Histogram({
    name: 'returns_http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: DURATION_BUCKETS,
    registers: [register],
  });
  const errors = new Counter({
    name: 'returns_http_request_errors_total',
    help: 'Requests answered with a 4xx or 5xx status, by route pattern and status code',
    labelNames: ['route', 'status_code'],
    registers: [register],
  });
  const predictions = new Counter({
    name: 'returns_predictions_total',
    help: 'Purchase lines scored, by the model version that scored them',
    labelNames: ['model_version'],
    registers: [register],
  });
  // Read from the holder at scrape time, so the metrics never disagree with what is served.
  new Gauge({
    name: 'returns_model_info',
    help: 'The model served now (value 1), with its version and as-of date as labels; no series before a model is loaded',
    labelNames: ['model_version', 'model_as_of'],
    registers: [register],
    collect() {
      this.reset();
      const state = holder.state;
      if (state) this.set({ model_version: state.model.label, model_as_of: state.artifact.as_of }, 1);
    },
  });
  let swapsCounted = 0;
  new Counter({
    name: 'returns_model_swaps_total',
    help: 'Hot swaps of the served model or history snapshot since the server started (the first load is not one)',
    registers: [register],
    collect() {
      const swaps = holder.swaps;
      if (swaps > swapsCounted) this.inc(swaps - swapsCounted);
      swapsCounted = swaps;
    },
  });
  return {
    contentType: register.contentType,
    observeRequest(method, route, status, seconds) {
      const statusCode = String(status);
      duration.observe({ method, route, status_code: statusCode }, seconds);
      if (status >= 400) errors.inc({ route, status_code: statusCode });
    },
    predictionsServed(lines, modelVersion) {
      predictions.inc({ model_version: modelVersion }, lines);
    },
    render: () => register.metrics(),
  };
}
