import { z } from 'zod';

/**
 * The parts of MLflow's REST responses this project reads. Objects are not strict: servers add
 * fields over versions, and only what is read is checked. MLflow serializes int64 fields
 * (timestamps, versions) as JSON numbers or strings depending on the endpoint, hence `int64`.
 */
const int64 = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform((v) => Number(v));
const keyValue = z.object({ key: z.string(), value: z.string().default('') });

export const experimentSchema = z.object({
  experiment_id: z.string(),
  name: z.string(),
  artifact_location: z.string().optional(),
  lifecycle_stage: z.string().optional(),
});
export const getExperimentResponse = z.object({ experiment: experimentSchema });
export const createExperimentResponse = z.object({ experiment_id: z.string() });

export const runInfoSchema = z.object({
  run_id: z.string(),
  experiment_id: z.string(),
  run_name: z.string().optional(),
  status: z.enum(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']),
  start_time: int64.optional(),
  end_time: int64.optional(),
  artifact_uri: z.string(),
  lifecycle_stage: z.string().optional(),
});
export type MlflowRunInfo = z.infer<typeof runInfoSchema>;

export const metricSchema = z.object({
  key: z.string(),
  // MLflow writes NaN and infinities as the strings "NaN", "Infinity", "-Infinity".
  value: z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity']).transform((v) => Number(v))]),
  timestamp: int64,
  step: int64.default(0),
});

export const runSchema = z.object({
  info: runInfoSchema,
  data: z
    .object({
      params: z.array(keyValue).default([]),
      tags: z.array(keyValue).default([]),
      metrics: z.array(metricSchema).default([]),
    })
    .default({ params: [], tags: [], metrics: [] }),
});
export type MlflowRun = z.infer<typeof runSchema>;

export const runResponse = z.object({ run: runSchema });
export const searchRunsResponse = z.object({ runs: z.array(runSchema).default([]), next_page_token: z.string().optional() });
export const metricHistoryResponse = z.object({ metrics: z.array(metricSchema).default([]), next_page_token: z.string().optional() });
export const listArtifactsResponse = z.object({
  root_uri: z.string().optional(),
  files: z.array(z.object({ path: z.string(), is_dir: z.boolean().default(false), file_size: int64.optional() })).default([]),
  next_page_token: z.string().optional(),
});
export const emptyResponse = z.object({});

export const modelVersionSchema = z.object({
  name: z.string(),
  version: int64,
  creation_timestamp: int64.optional(),
  source: z.string().default(''),
  run_id: z.string().default(''),
  status: z.string().optional(),
  tags: z.array(keyValue).default([]),
  aliases: z.array(z.string()).default([]),
});
export type MlflowModelVersion = z.infer<typeof modelVersionSchema>;
export const modelVersionResponse = z.object({ model_version: modelVersionSchema });
export const searchModelVersionsResponse = z.object({
  model_versions: z.array(modelVersionSchema).default([]),
  next_page_token: z.string().optional(),
});
export const registeredModelResponse = z.object({
  registered_model: z.object({
    name: z.string(),
    aliases: z.array(z.object({ alias: z.string(), version: int64 })).default([]),
  }),
});

export function tagsToRecord(tags: readonly { key: string; value: string }[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => [t.key, t.value]));
}

export function recordToTags(record: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}
