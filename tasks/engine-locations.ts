import * as path from 'node:path';
import type { Target } from '../src/orchestrator/target.js';
import { localCopyOf, storeFile } from './local-files.js';

/**
 * Where an engine reads its inputs and writes its outputs. DuckDB works on local files: targets
 * on a local store are used in place, S3 inputs are downloaded to the scratch folder and outputs
 * written there, then uploaded by publish(). Spark reads and writes the store itself: local
 * paths, or s3:// URIs on S3 (the Spark adapter reads them through s3a), so a large day never passes through this process.
 */
export interface EngineLocations<I extends string, O extends string> {
  readonly inputs: Record<I, string>;
  readonly outputs: Record<O, string>;
  /** A path for the engine's own intermediate file (local scratch for DuckDB, next to the outputs for Spark). */
  scratch(name: string): string;
  /** Moves written outputs into the store where the engine could not write them directly. */
  publish(): Promise<void>;
}

export async function engineLocations<I extends string, O extends string>(
  engine: 'duckdb' | 'spark',
  scratchDir: string,
  inputs: Record<I, Target>,
  outputs: Record<O, Target>,
): Promise<EngineLocations<I, O>> {
  const direct = (t: Target): string | undefined => t.store.localPathOf?.(t.key) ?? (engine === 'spark' ? t.uri : undefined);
  const inLocations = {} as Record<I, string>;
  for (const [name, t] of Object.entries(inputs) as [I, Target][]) inLocations[name] = direct(t) ?? (await localCopyOf(t, scratchDir));
  const outLocations = {} as Record<O, string>;
  const uploads: [Target, string][] = [];
  for (const [name, t] of Object.entries(outputs) as [O, Target][]) {
    const d = direct(t);
    if (d) {
      outLocations[name] = d;
    } else {
      const file = path.join(scratchDir, 'out', `${name}${path.extname(t.key)}`);
      outLocations[name] = file;
      uploads.push([t, file]);
    }
  }
  const firstOut = Object.values<string>(outLocations)[0] ?? path.join(scratchDir, 'out', 'x');
  return {
    inputs: inLocations,
    outputs: outLocations,
    scratch: (name) => (engine === 'spark' && !firstOut.startsWith('/') ? `${firstOut.slice(0, firstOut.lastIndexOf('/'))}/_scratch/${name}` : path.join(scratchDir, name)),
    publish: async () => {
      for (const [t, file] of uploads) await storeFile(t, file);
    },
  };
}
