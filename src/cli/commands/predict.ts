import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Command } from 'commander';
import { CHAMPION, MODEL_KEY_TAG } from '../../application/champion.js';
import { predictFile, PREDICTION_COLUMNS } from '../../application/predict-file.js';
import { DuckDbEngine } from '../../adapters/engine/duckdb-engine.js';
import { DuckDbTableReader } from '../../adapters/engine/duckdb-table-reader.js';
import { LocalScratchFolder } from '../../adapters/storage/local-scratch-folder.js';
import { openStore } from '../../adapters/storage/open-store.js';
import { openTracking } from '../../adapters/tracking/open-tracking.js';
import { toIsoDate } from '../../domain/dates.js';
import { loadConfig } from '../config-loader.js';
import { createLogger, openConfiguredStore, s3Settings } from '../compose.js';
import type { CliIo } from '../io.js';
import { ExitCode, UsageError } from '../usage-error.js';

/** `returns predict`: ad-hoc scoring of an order file with a model artifact or the champion. */
export function registerPredict(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('predict')
    .description('score every purchase line of an order file (Kaggle format) with a model')
    .requiredOption('--model <URI>', "model.json as a path, file:// or s3:// URI, or 'champion' (the registry's champion)")
    .requiredOption('--input <ORDERS.csv>', 'order lines; their own history gives the point-in-time features')
    .requiredOption('--output <PREDICTIONS.csv>', `one row per purchase line: ${PREDICTION_COLUMNS.join(', ')} (line_number counts the header as line 1)`)
    .option('--store <URI>', 'checkpoint store (for --model champion)')
    .option('--config <FILE>', 'JSON configuration file')
    .action(async (opts: { model: string; input: string; output: string; store?: string; config?: string }) => {
      const config = await loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env, cwd: io.cwd, overrides: opts.store ? { store: opts.store } : {} });
      const input = path.resolve(io.cwd, opts.input);
      await stat(input).catch(() => {
        throw new UsageError(`--input ${input}: no such file`);
      });
      let modelText: string;
      let modelName: string;
      if (opts.model === CHAMPION) {
        const store = openConfiguredStore(io, config);
        try {
          const { registry } = openTracking({ env: io.env, store, clock: io.clock });
          const champion = await registry.getAlias(config.registry.modelName, CHAMPION);
          const key = champion?.tags[MODEL_KEY_TAG];
          if (!champion || !key) throw new UsageError(`${config.registry.modelName} has no champion in ${registry.location}: train one with 'returns run RegisterModel'`);
          modelText = (await store.get(key)).toString('utf8');
          modelName = `${config.registry.modelName} version ${champion.version}`;
        } finally {
          await store.close();
        }
      } else {
        const uri = /^[a-z0-9]+:\/\//i.test(opts.model) ? opts.model : `file://${path.resolve(io.cwd, opts.model)}`;
        const slash = uri.lastIndexOf('/');
        const store = openStore(uri.slice(0, slash), { s3: s3Settings(io, config), cwd: io.cwd });
        try {
          modelText = (await store.get(uri.slice(slash + 1))).toString('utf8');
        } catch (err) {
          throw new UsageError(`--model ${opts.model}: ${(err as Error).message}`);
        } finally {
          await store.close();
        }
        modelName = opts.model;
      }
      let modelJson: unknown;
      try {
        modelJson = JSON.parse(modelText);
      } catch {
        throw new UsageError(`--model ${modelName} is not JSON`);
      }
      const scratch = await LocalScratchFolder.create('returns-predict-');
      const output = path.resolve(io.cwd, opts.output);
      try {
        const result = await predictFile({
          input: createReadStream(input),
          inputName: input,
          modelJson,
          modelName,
          engine: new DuckDbEngine({ threads: config.duckdb.threads, memoryLimit: config.duckdb.memoryLimit }),
          reader: new DuckDbTableReader(),
          scratch,
          output: createWriteStream(`${output}.partial`),
          today: toIsoDate(io.clock.now()),
          maxQuarantineShare: config.validation.maxQuarantineShare,
          logger: createLogger(io, config),
        });
        await rename(`${output}.partial`, output);
        io.stdout.write(`wrote ${output}: ${result.lines} purchase lines scored with ${modelName}${result.quarantined ? ` (${result.quarantined} input rows quarantined)` : ''}\n`);
        setExit(ExitCode.success);
      } finally {
        await scratch.dispose();
        await rm(`${output}.partial`, { force: true });
      }
    });
}
