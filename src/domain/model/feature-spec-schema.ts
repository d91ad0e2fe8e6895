/** The zod form of a model's feature list, shared by every family's JSON schema. */
import { z } from 'zod';

export const featureSpecsSchema = z.array(z.object({ name: z.string().min(1), kind: z.enum(['numeric', 'categorical']) }).strict()).min(1);
