/** What a deployment may tune about the report (the `report` block of the configuration). */
import { z } from 'zod';
import { DEFAULT_DRIFT_THRESHOLD } from './drift.js';
import { DEFAULT_PSI_BINS, DEFAULT_PSI_MAX_LEVELS } from './psi.js';
import { DEFAULT_TOP_LEVELS } from './return-rates.js';

export const reportOptionsSchema = z
  .object({
    /** PSI above this, for a feature or the score, is drift: said at the top of the report and logged as a warning. */
    driftThreshold: z.number().positive().default(DEFAULT_DRIFT_THRESHOLD),
    /** Quantile bins of a numeric feature (and of the score) for the PSI. */
    psiBins: z.number().int().min(2).max(100).default(DEFAULT_PSI_BINS),
    /** Most frequent levels of a categorical feature kept as their own PSI bin; the rest share "(other)". */
    psiMaxLevels: z.number().int().min(1).max(1000).default(DEFAULT_PSI_MAX_LEVELS),
    /** Levels shown in the return-rate charts by category, brand and size. */
    topLevels: z.number().int().min(1).max(100).default(DEFAULT_TOP_LEVELS),
    /** Training-window rows the drift reference is computed on (an even sample above this). */
    maxReferenceRows: z.number().int().min(1000).default(200_000),
  })
  .strict();

export type ReportOptions = z.infer<typeof reportOptionsSchema>;
export type ReportOptionsInput = z.input<typeof reportOptionsSchema>;

export const DEFAULT_REPORT_OPTIONS: ReportOptions = reportOptionsSchema.parse({});
