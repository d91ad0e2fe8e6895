import { z } from 'zod';
import { joinKey } from '../domain/store-key.js';
import type { AnyTask } from './task.js';

export const MARKER_NAME = '_SUCCESS';
export const LOCK_NAME = '_LOCK';

/** The completion marker, written last: a task's outputs count as done only once it exists. */
export const completionMarkerSchema = z.object({
  task_id: z.string(),
  family: z.string(),
  params: z.record(z.string(), z.string()),
  run_id: z.string(),
  started_at: z.string(),
  finished_at: z.string(),
  code_version: z.string(),
  outputs: z.array(z.string()),
});
export type CompletionMarker = z.infer<typeof completionMarkerSchema>;

export function markerKey(task: AnyTask): string {
  return joinKey(task.dir, MARKER_NAME);
}

export function lockKey(task: AnyTask): string {
  return joinKey(task.dir, LOCK_NAME);
}
