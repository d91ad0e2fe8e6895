/**
 * Runs the benchmarks of the README's table one after another (never in parallel: each wants the
 * machine to itself), at the sizes the table reports. Each writes its own bench/results/*.json.
 *
 *   make bench            (or: npx tsx bench/run-all.ts [--quick])
 *
 * --quick runs each at a small size, to check they all still work (minutes, not hours), and
 * writes their figures to bench/results/quick/ instead (results.ts).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { QUICK_ENV, repoRoot } from './results.js';

const quick = process.argv.includes('--quick');
const BENCHES: readonly (readonly [script: string, full: readonly string[], small: readonly string[]])[] = [
  ['orchestrator-scale.ts', [], []],
  ['generate.ts', ['--rows', '10000000'], ['--rows', '100000']],
  ['validate-orders.ts', ['--rows', '1000000'], ['--rows', '50000']],
  ['build-features.ts', ['--rows', '10000000', '--check-determinism'], ['--rows', '100000']],
  ['build-features-spark.ts', ['--rows', '10000000'], ['--rows', '50000']],
  ['model-fit.ts', [], ['--rows=20000']],
  ['train-model.ts', ['--rows', '200000'], ['--rows', '20000']],
  ['train-model.ts', ['--rows', '2000000'], []],
  ['serve.ts', [], []],
];

const failed: string[] = [];
for (const [script, full, small] of BENCHES) {
  if (quick && script === 'train-model.ts' && small.length === 0) continue;
  const args = [path.join('bench', script), ...(quick ? small : full)];
  console.log(`\n=== npx tsx ${args.join(' ')}`);
  const run = spawnSync('npx', ['tsx', ...args], { cwd: repoRoot(), stdio: 'inherit', env: { ...process.env, [QUICK_ENV]: quick ? '1' : '0' } });
  if (run.status !== 0) failed.push(`${script} ${args.slice(1).join(' ')}`.trim());
}
if (failed.length > 0) {
  console.error(`\n${failed.length} benchmark(s) failed: ${failed.join('; ')}`);
  process.exitCode = 1;
}
