import { z } from 'zod';
import { featureSettingsSchema } from '../src/domain/features/feature-options.js';
import { modelConfigSchema } from '../src/domain/model/selection.js';
import { DEFAULT_MAX_QUARANTINED_SHARE } from '../src/domain/orders/quality-report.js';
import { reportOptionsSchema } from '../src/domain/report/options.js';

/**
 * The configuration of `returns`: defaults here, overridden by a JSON file (--config or
 * RETURNS_CONFIG), then by RETURNS_* environment variables, then by command-line flags.
 * Secrets are never part of it: they come from the environment only.
 */
export const configSchema = z
  .object({
    /** Where checkpoints live: file://PATH or s3://BUCKET/PREFIX. */
    store: z.string().min(1).default('file://./data'),
    /** Where order lines come from; when unset, Kaggle if credentials exist, else synthetic data. */
    source: z.string().min(1).optional(),
    workers: z.number().int().min(1).max(64).default(1),
    /** Extra attempts for a failing task, with exponential backoff from retryDelaySeconds. */
    retries: z.number().int().min(0).max(10).default(2),
    retryDelaySeconds: z.number().min(0).max(3600).default(2),
    lock: z
      .object({
        leaseSeconds: z.number().positive().default(60),
        heartbeatSeconds: z.number().positive().default(15),
        pollSeconds: z.number().positive().default(1),
      })
      .strict()
      .default({ leaseSeconds: 60, heartbeatSeconds: 15, pollSeconds: 1 }),
    log: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .strict()
      .default({ level: 'info' }),
    s3: z
      .object({
        /** Overrides RETURNS_S3_ENDPOINT / AWS_ENDPOINT_URL. Credentials only ever come from the environment. */
        endpoint: z.string().url().optional(),
        region: z.string().optional(),
        forcePathStyle: z.boolean().optional(),
      })
      .strict()
      .default({}),
    validation: z
      .object({
        /** ValidateOrders fails when more than this share of rows is quarantined. */
        maxQuarantineShare: z.number().min(0).max(1).default(DEFAULT_MAX_QUARANTINED_SHARE),
      })
      .strict()
      .prefault({}),
    /**
     * The label horizon and the split (src/domain/features/feature-options.ts), and the input size
     * above which `--engine auto` picks Spark when `spark.master` is set. The engine itself is a
     * run parameter (`--engine`), carried to every task of the run; this section only steers `auto`.
     */
    features: featureSettingsSchema.extend({ sparkAboveBytes: z.number().int().min(0).default(2 * 1024 ** 3) }).prefault({}),
    spark: z
      .object({
        /** local[*] or spark://host:port; unset means Spark is not configured (auto then picks DuckDB). */
        master: z.string().min(1).optional(),
        driverMemory: z.string().default('1g'),
        timeoutSeconds: z.number().positive().default(3600),
        /** Extra Spark properties, passed as --conf. */
        conf: z.record(z.string(), z.string()).default({}),
        /**
         * The hadoop-aws and AWS SDK jars sit at the same path on every node (one machine, or a
         * shared install): executors load them in place instead of copying ~650 MB per job.
         */
        jarsOnEveryNode: z.boolean().default(false),
      })
      .strict()
      .default({ driverMemory: '1g', timeoutSeconds: 3600, conf: {}, jarsOnEveryNode: false }),
    /** Model families, hyperparameter search, calibration and importance (src/domain/model/selection.ts). */
    training: modelConfigSchema.prefault({}),
    /** Champion/challenger: promote a new model only if it is better by these margins on the same test window. */
    registry: z
      .object({
        modelName: z.string().min(1).default('product-returns'),
        experiment: z.string().min(1).default('product-returns'),
        /** Relative log-loss improvement required (0.001 = 0.1% lower). */
        minLogLossImprovement: z.number().min(0).max(1).default(0.001),
        /** How much lower an AUC may be and still be promoted. */
        aucTolerance: z.number().min(0).max(1).default(0.002),
      })
      .strict()
      .default({ modelName: 'product-returns', experiment: 'product-returns', minLogLossImprovement: 0.001, aucTolerance: 0.002 }),
    /** Drift threshold (PSI) and chart sizes of the report (src/domain/report/options.ts). */
    report: reportOptionsSchema.prefault({}),
    duckdb: z
      .object({
        /** Threads; 1 keeps output bytes identical from run to run. */
        threads: z.number().int().min(1).max(64).default(1),
        memoryLimit: z.string().default('4GB'),
      })
      .strict()
      .default({ threads: 1, memoryLimit: '4GB' }),
  })
  .strict();

export type ReturnsConfig = z.infer<typeof configSchema>;
export type ReturnsConfigInput = z.input<typeof configSchema>;

export const defaultConfig: ReturnsConfig = configSchema.parse({});
