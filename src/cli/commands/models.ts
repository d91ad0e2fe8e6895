import type { Command } from 'commander';
import { rollbackChampion, CHAMPION } from '../../application/champion.js';
import { formatAliasAudit, formatModelVersion, formatModelVersions, moveAlias } from '../../application/model-versions.js';
import { listRuns, showRun } from '../../application/show-runs.js';
import { formatSyncSummary, syncTracking } from '../../application/sync-tracking.js';
import { openTracking } from '../../adapters/tracking/open-tracking.js';
import { loadConfig } from '../config-loader.js';
import { openConfiguredStore } from '../compose.js';
import type { CliIo } from '../io.js';
import { ExitCode, UsageError } from '../usage-error.js';
import type { ReturnsConfig } from '../../../config/schema.js';
import type { ObjectStore } from '../../ports/object-store.js';
import type { ExperimentTracker } from '../../ports/experiment-tracker.js';
import type { ModelRegistry } from '../../ports/model-registry.js';

interface StoreOpts {
  store?: string;
  config?: string;
  json?: boolean;
}

type Ctx = { config: ReturnsConfig; store: ObjectStore; tracker: ExperimentTracker; registry: ModelRegistry };

/** `returns runs`, `returns sync-tracking` and `returns model ...`: the tracking and registry commands. */
export function registerModelCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const withTracking = async (opts: StoreOpts, work: (c: Ctx) => Promise<void>): Promise<void> => {
    const config = await loadConfig({ ...(opts.config ? { file: opts.config } : {}), env: io.env, cwd: io.cwd, overrides: opts.store ? { store: opts.store } : {} });
    const store = openConfiguredStore(io, config);
    try {
      await work({ config, store, ...openTracking({ env: io.env, store, clock: io.clock }) });
      setExit(ExitCode.success);
    } finally {
      await store.close();
    }
  };
  const out = (s: string): void => void io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  const common = (cmd: Command): Command => cmd.option('--store <URI>', 'checkpoint store').option('--config <FILE>', 'JSON configuration file');
  const actor = (): string => io.env.USER ?? io.env.LOGNAME ?? 'unknown user';

  const runs = common(program.command('runs').description('list the trainings recorded in the experiment tracker (MLflow, or the store)'))
    .option('--limit <N>', 'number of runs', '20')
    .action((opts: StoreOpts & { limit: string }) =>
      withTracking(opts, async ({ config, store, tracker }) => out(await listRuns(tracker, { experiment: config.registry.experiment, limit: Number(opts.limit) || 20, store }))),
    );
  common(runs.command('show').argument('<ID>', 'run id or tracking record id').description('show one training: parameters, metrics, artifacts')).action((id: string, opts: StoreOpts) =>
    withTracking(opts, async ({ config, tracker }) => out(await showRun(tracker, id, { experiment: config.registry.experiment }))),
  );

  common(program.command('sync-tracking').description('push trainings the tracker missed (it was down) once it is back; never duplicates runs')).action((opts: StoreOpts) =>
    withTracking(opts, async ({ store, tracker }) => {
      const summary = await syncTracking({ store, tracker, clock: io.clock });
      out(formatSyncSummary(summary));
      if (summary.failed.length > 0) throw new Error(`${summary.failed.length} training record(s) could not be pushed to ${tracker.location}`);
    }),
  );

  const model = program.command('model').description('the model registry: versions, the champion, overrides');
  common(model.command('list').description('every registered version, with aliases')).option('--json', 'JSON').action((opts: StoreOpts) =>
    withTracking(opts, async ({ config, registry }) => {
      if (opts.json) out(JSON.stringify(await registry.listVersions(config.registry.modelName)));
      else out(await formatModelVersions(registry, config.registry.modelName));
    }),
  );
  common(model.command('show').argument('[VERSION]', "a version number or 'champion'", CHAMPION).description('one version')).option('--json', 'JSON').action((which: string, opts: StoreOpts) =>
    withTracking(opts, async ({ config, registry }) => {
      const name = config.registry.modelName;
      const v = which === CHAMPION ? await registry.getAlias(name, CHAMPION) : await registry.getVersion(name, versionNumber(which));
      if (!v) throw new UsageError(`${name} has no ${which === CHAMPION ? 'champion yet' : `version ${which}`}`);
      out(opts.json ? JSON.stringify(v) : formatModelVersion(v));
    }),
  );
  common(model.command('promote').argument('<VERSION>').description('make a version the champion (logged with who, when and why)'))
    .requiredOption('--reason <TEXT>', 'why (recorded in the audit log)')
    .action((which: string, opts: StoreOpts & { reason: string }) =>
      withTracking(opts, async ({ config, registry }) => {
        const name = config.registry.modelName;
        const version = versionNumber(which);
        if (!(await registry.getVersion(name, version))) throw new UsageError(`${name} has no version ${version}`);
        const entry = await moveAlias(registry, { name, alias: CHAMPION, version, actor: actor(), reason: opts.reason, at: io.clock.now() });
        out(`${name} champion: version ${entry.previousVersion ?? '(none)'} -> ${version}`);
      }),
    );
  common(model.command('rollback').description('give the champion back to the version it replaced'))
    .option('--reason <TEXT>', 'why (recorded in the audit log)', 'manual rollback')
    .action((opts: StoreOpts & { reason: string }) =>
      withTracking(opts, async ({ config, registry }) => {
        const r = await rollbackChampion(registry, config.registry.modelName, actor(), opts.reason, io.clock.now());
        out(`${config.registry.modelName} champion: version ${r.from} -> ${r.to}`);
      }),
    );
  common(model.command('history').description('every change of champion: who, when, why')).action((opts: StoreOpts) =>
    withTracking(opts, async ({ config, registry }) => out(await formatAliasAudit(registry, config.registry.modelName))),
  );
}

function versionNumber(text: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`version ${JSON.stringify(text)}: expected a number or 'champion'`);
  return Number(text);
}
