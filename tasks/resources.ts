import type { ReturnsConfig } from '../config/schema.js';
import type { S3Settings } from '../src/adapters/storage/s3-settings.js';
import type { ParamSchema } from '../src/orchestrator/parameter.js';
import { Task } from '../src/orchestrator/task.js';

/**
 * What the composition root (the CLI) hands every pipeline task: configuration and the
 * environment-derived settings adapters need. Tasks build nothing from process.env themselves.
 */
export interface PipelineResources {
  readonly config: ReturnsConfig;
  readonly s3: S3Settings;
  /** The environment, for adapters that take credentials from it (never logged or stored). */
  readonly env: NodeJS.ProcessEnv;
  readonly home: string;
  /** Whether progress bars may be drawn. */
  readonly interactive: boolean;
}

/** Base class of the pipeline's tasks: a Task whose resources are the pipeline's. */
export abstract class PipelineTask<S extends ParamSchema> extends Task<S, PipelineResources> {}
