import type { ReturnsConfig } from '../config/schema.js';
import type { ParamSchema } from '../src/orchestrator/parameter.js';
import { Task } from '../src/orchestrator/task.js';
import type { DatasetSource } from '../src/ports/dataset-source.js';
import type { Logger } from '../src/ports/logger.js';
import type { ByteProgress } from '../src/ports/progress.js';
import type { SqlEngine } from '../src/ports/sql-engine.js';
import type { TableReader } from '../src/ports/table-reader.js';
import type { ChartRenderer } from '../src/ports/chart-renderer.js';
import type { ExperimentTracker } from '../src/ports/experiment-tracker.js';
import type { ModelRegistry } from '../src/ports/model-registry.js';

/**
 * What the composition root (the CLI) hands every pipeline task: configuration and factories
 * for the adapters. Tasks never build an adapter or read the environment themselves.
 */
export interface PipelineResources {
  readonly config: ReturnsConfig;
  /**
   * The source a URI names; an empty URI means the configured default (flag > env > config >
   * Kaggle/synthetic). A synthetic source without dates covers the half-year before `asOf`.
   */
  openSource(uri: string, asOf: string, logger: Logger): DatasetSource;
  /** A progress bar on a terminal, periodic log lines elsewhere. */
  byteProgress(label: string, logger: Logger): ByteProgress;
  /** A fresh SQL engine for one task (DuckDB unless asked for Spark); the caller closes it. */
  createEngine(kind: 'duckdb' | 'spark', logger: Logger): Promise<SqlEngine>;
  readonly tableReader: TableReader;
  readonly chartRenderer: ChartRenderer;
  readonly tracker: ExperimentTracker;
  readonly registry: ModelRegistry;
  /** The package version, recorded in artifacts. */
  readonly codeVersion: string;
  /** A private scratch folder for one task run, removed by the caller with the returned function. */
  scratchDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }>;
}

/** Base class of the pipeline's tasks: a Task whose resources are the pipeline's. */
export abstract class PipelineTask<S extends ParamSchema> extends Task<S, PipelineResources> {}
