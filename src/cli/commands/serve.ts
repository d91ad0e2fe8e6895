import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { DuckDbTableReader } from '../../adapters/engine/duckdb-table-reader.js';
import { DEFAULT_BODY_LIMIT_BYTES, DEFAULT_PREDICTION_PORT, startPredictionServer, type RunningPredictionServer } from '../../adapters/http/prediction-server.js';
import { DEFAULT_MAX_BATCH_LINES } from '../../adapters/http/prediction-schemas.js';
import { openStore } from '../../adapters/storage/open-store.js';
import { openTracking } from '../../adapters/tracking/open-tracking.js';
import { readSnapshot } from '../../application/build-snapshot.js';
import {
  championLocator,
  fixedModelLocator,
  fixedSnapshotLocator,
  latestSnapshotLocator,
  ModelHolder,
  type ModelLocator,
  type SnapshotLocator,
} from '../../application/model-holder.js';
import type { HistorySnapshot } from '../../domain/features/online-features.js';
import type { ObjectStore } from '../../ports/object-store.js';
import { createLogger, openConfiguredStore, s3Settings, secretValues } from '../compose.js';
import { loadConfig } from '../config-loader.js';
import type { CliIo } from '../io.js';
import { ExitCode, UsageError } from '../usage-error.js';

interface ServeOpts {
  port: string;
  host: string;
  model: string;
  modelName?: string;
  snapshot: string;
  pollSeconds: string;
  maxBatch: string;
  bodyLimit: string;
  store?: string;
  config?: string;
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`${flag} ${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
  return Number(value);
}

/** A file named by a path or URI, as (the store of its folder, its name). */
function fileInStore(io: CliIo, uri: string, s3: Parameters<typeof openStore>[1]['s3']): { store: ObjectStore; key: string } {
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(uri);
  const full = hasScheme ? uri : path.resolve(io.cwd, uri);
  const slash = full.lastIndexOf('/');
  if (slash < 0 || slash === full.length - 1) throw new UsageError(`${JSON.stringify(uri)}: expected the path or URI of a file`);
  try {
    return { store: openStore(full.slice(0, slash) || '/', { s3, cwd: io.cwd }), key: full.slice(slash + 1) };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Reads a snapshot Parquet from a store: in place on a local store, else through a temporary copy. */
async function readSnapshotFrom(store: ObjectStore, key: string): Promise<HistorySnapshot> {
  const reader = new DuckDbTableReader();
  const local = store.localPathOf?.(key);
  if (local) return readSnapshot(reader, local);
  const dir = await mkdtemp(path.join(tmpdir(), 'returns-snapshot-'));
  try {
    const file = path.join(dir, 'snapshot.parquet');
    await pipeline(await store.getStream(key), createWriteStream(file));
    return await readSnapshot(reader, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `returns serve`: the prediction REST API over the champion model (or a fixed model file). */
export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('serve return predictions over HTTP (POST /v1/predictions; docs at /docs), following the champion model without restarts')
    .option('--port <N>', 'port to listen on (0: any free port)', String(DEFAULT_PREDICTION_PORT))
    .option('--host <ADDRESS>', 'address to listen on', '127.0.0.1')
    .option('--model <champion|URI>', "'champion' (the registry's champion alias, followed as it moves) or the path/URI of a model.json", 'champion')
    .option('--model-name <NAME>', 'registered model name (default: the config registry.modelName)')
    .option('--snapshot <latest|URI|none>', "history snapshot: 'latest' (newest BuildFeatures snapshot in the store), a path/URI, or 'none'", 'latest')
    .option('--poll-seconds <N>', 'how often to look for a new champion and snapshot (0: only on SIGHUP)', '30')
    .option('--max-batch <N>', 'most lines per request', String(DEFAULT_MAX_BATCH_LINES))
    .option('--body-limit <BYTES>', 'largest request body; larger ones get 413', String(DEFAULT_BODY_LIMIT_BYTES))
    .option('--store <URI>', 'checkpoint store: file://PATH or s3://BUCKET/PREFIX (default file://./data)')
    .option('--config <FILE>', 'JSON configuration file')
    .action(async (opts: ServeOpts) => {
      const port = wholeNumber('--port', opts.port, 0, 65535);
      const pollSeconds = wholeNumber('--poll-seconds', opts.pollSeconds, 0, 86_400);
      const maxBatchLines = wholeNumber('--max-batch', opts.maxBatch, 1, 1_000_000);
      const bodyLimitBytes = wholeNumber('--body-limit', opts.bodyLimit, 1024, 1024 ** 3);
      const token = io.env.RETURNS_API_TOKEN;
      if (token !== undefined && token.trim() === '') throw new UsageError('RETURNS_API_TOKEN is set but empty: give it a value, or unset it to serve without a token');
      const config = await loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env, cwd: io.cwd, overrides: opts.store ? { store: opts.store } : {} });
      const s3 = s3Settings(io, config);
      const store = openConfiguredStore(io, config);
      const logger = createLogger(io, config).child({ component: 'serve' });
      const toClose: ObjectStore[] = [store];

      let locateModel: ModelLocator;
      if (opts.model === 'champion') {
        locateModel = championLocator(openTracking({ env: io.env, store, clock: io.clock }).registry, store, opts.modelName ?? config.registry.modelName);
      } else {
        const file = fileInStore(io, opts.model, s3);
        toClose.push(file.store);
        locateModel = fixedModelLocator(file.store.uriOf(file.key), () => file.store.get(file.key));
      }
      let locateSnapshot: SnapshotLocator | undefined;
      if (opts.snapshot === 'latest') {
        locateSnapshot = latestSnapshotLocator(store, (key) => readSnapshotFrom(store, key));
      } else if (opts.snapshot !== 'none') {
        const file = fileInStore(io, opts.snapshot, s3);
        toClose.push(file.store);
        locateSnapshot = fixedSnapshotLocator(file.store.uriOf(file.key), () => readSnapshotFrom(file.store, file.key));
      }

      const holder = new ModelHolder({ locateModel, ...(locateSnapshot ? { locateSnapshot } : {}), logger, clock: io.clock });
      await holder.refresh('start');
      const secrets = secretValues(io.env).filter((s) => s.length >= 4);
      const accessLog = (entry: object): void => {
        const line = secrets.reduce((text, s) => text.split(s).join('***'), JSON.stringify({ level: 'info', message: 'request', ...entry }));
        io.stdout.write(`${line}\n`);
      };
      let server: RunningPredictionServer;
      try {
        server = await startPredictionServer({ holder, logger, ...(token !== undefined ? { token } : {}), maxBatchLines, bodyLimitBytes, accessLog, host: opts.host, port, version: '1.0.0' });
      } catch (err) {
        holder.stop();
        await Promise.all(toClose.map((s) => s.close()));
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE') throw new UsageError(`${opts.host}:${port} is already in use; pass another --port (0 picks a free one)`);
        if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`--host ${opts.host}: not an address of this machine`);
        throw err;
      }
      // SIGHUP: look for a new champion and snapshot now (the usual "reload" signal of a daemon).
      const onHangup = (): void => void holder.refresh('SIGHUP');
      process.on('SIGHUP', onHangup);
      if (pollSeconds > 0) holder.startPolling(pollSeconds * 1000);
      try {
        if (token === undefined && !/^(127\.|localhost$|::1$)/.test(opts.host)) {
          logger.warn(`listening on ${opts.host} without RETURNS_API_TOKEN: anyone who can reach this address can score lines and read the model`);
        }
        io.stderr.write(
          `returns serve: listening on ${server.url} (model ${holder.state?.model.label ?? `not loaded: ${holder.problem ?? ''}`}; docs at ${server.url}docs); SIGHUP reloads, Ctrl-C stops\n`,
        );
        await untilAborted(io.signal);
        io.stderr.write('returns serve: stopping (finishing requests in flight)\n');
      } finally {
        process.off('SIGHUP', onHangup);
        holder.stop();
        await server.close();
        await Promise.all(toClose.map((s) => s.close()));
      }
      setExit(ExitCode.success);
    });
}
