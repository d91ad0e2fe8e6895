import * as path from 'node:path';
import type { Command } from 'commander';
import { describeIssues, syntheticOptionsSchema } from '../../application/generate-orders.js';
import { generateOrdersToFiles } from '../../adapters/source/synthetic-files.js';
import { SyntheticOptionsError } from '../../domain/synthetic/options.js';
import type { CliIo } from '../io.js';
import { ExitCode, UsageError } from '../usage-error.js';

/** `returns generate`: synthetic order lines in the Kaggle file's exact format, plus the true probabilities. */
export function registerGenerate(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('generate')
    .description('write synthetic order lines (Kaggle format) and the true return probability of each purchase line')
    .requiredOption('--rows <N>', 'purchase lines to generate (returns come in addition)')
    .option('--seed <S>', 'random seed (same seed, same bytes)', '42')
    .option('--start <YYYY-MM-DD>', 'first day of the period (default 2018-11-01)')
    .option('--end <YYYY-MM-DD>', 'last day of the period (default 2019-04-30)')
    .requiredOption('--out <FILE>', 'the CSV to write')
    .option('--truth <FILE>', 'the side file of true probabilities (default: <out>.truth.csv)')
    .action(async (opts: { rows: string; seed: string; start?: string; end?: string; out: string; truth?: string }) => {
      const parsed = syntheticOptionsSchema.safeParse({ rows: opts.rows, seed: opts.seed, ...(opts.start ? { start: opts.start } : {}), ...(opts.end ? { end: opts.end } : {}) });
      if (!parsed.success) throw new UsageError(describeIssues(parsed.error));
      const out = path.resolve(io.cwd, opts.out);
      const truthOut = path.resolve(io.cwd, opts.truth ?? out.replace(/\.csv$/i, '') + '.truth.csv');
      const started = io.clock.now().getTime();
      let lastReport = started;
      try {
        const summary = await generateOrdersToFiles({
          ...parsed.data,
          out,
          truthOut,
          onProgress: (p) => {
            const now = io.clock.now().getTime();
            if (now - lastReport >= 2000) {
              lastReport = now;
              io.stderr.write(`generate: ${p.purchaseLines.toLocaleString('en')} purchase lines, ${p.totalRows.toLocaleString('en')} rows\n`);
            }
          },
        });
        const seconds = (io.clock.now().getTime() - started) / 1000;
        io.stdout.write(
          `wrote ${out}: ${summary.totalRows} rows (${summary.purchaseLines} purchase lines, ${summary.returnRows} return rows, ${summary.nonProductRows} non-product lines) in ${seconds.toFixed(1)} s\n` +
            `wrote ${truthOut}: true return probability of each purchase line\n`,
        );
        setExit(ExitCode.success);
      } catch (err) {
        if (err instanceof SyntheticOptionsError) throw new UsageError(err.message);
        throw err;
      }
    });
}
