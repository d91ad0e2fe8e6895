import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Target } from '../src/orchestrator/target.js';
import type { TaskContext } from '../src/orchestrator/task.js';
import type { PipelineResources } from './resources.js';

/**
 * Engines read and write local files. These helpers bridge targets and local paths: a target
 * on a local store is used in place; one on S3 is downloaded to, or uploaded from, the scratch
 * folder of the task run.
 */
export async function localCopyOf(target: Target, scratch: string): Promise<string> {
  const inPlace = target.store.localPathOf?.(target.key);
  if (inPlace) return inPlace;
  const file = path.join(scratch, 'in', target.key.replaceAll('/', '__'));
  await mkdir(path.dirname(file), { recursive: true });
  await pipeline(await target.readStream(), createWriteStream(file));
  return file;
}

/** Stores a local file as the target (atomically, streaming). */
export async function storeFile(target: Target, file: string): Promise<void> {
  await target.write(createReadStream(file));
}

/** Runs `work` with a scratch folder that is removed afterwards, whatever happens. */
export async function withScratch<T>(ctx: TaskContext<PipelineResources>, prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const scratch = await ctx.resources.scratchDir(prefix);
  try {
    return await work(scratch.path);
  } finally {
    await scratch.remove();
  }
}

/** Marks an error as one a retry cannot fix, so the scheduler fails the task at once. */
export function permanent<E extends Error>(err: E): E {
  return Object.assign(err, { permanent: true });
}
