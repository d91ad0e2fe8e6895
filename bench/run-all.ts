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
/** Each bench with its full-size arguments, and its small ones for --quick (null: not run by --quick). */
const BENCHES: readonly (readonly [script: string, full: readonly string[], small: readonly string[] | null])[] = [
  ['orchestrator-scale.ts', [], []],
  ['generate.ts', ['--rows', '10000000'], ['--rows', '100000']],
  ['validate-orders.ts', ['--rows', '1000000'], ['--rows', '50000']],
  ['build-features.ts', ['--rows', '10000000', '--check-determinism'], ['--rows', '100000']],
  ['build-features-spark.ts', ['--rows', '10000000'], ['--rows', '50000']],
  ['model-fit.ts', [], ['--rows=20000']],
  // The forward test's targets hold at 200k and 1M purchase lines, each on two seeds; --quick's
  // 20k writes forward-test-20k-seed1.json, never a full-size file.
  ['forward-test.ts', ['--rows', '200000', '--seed', '1'], ['--rows', '20000', '--seed', '1']],
  ['forward-test.ts', ['--rows', '200000', '--seed', '2'], null],
  ['forward-test.ts', ['--rows', '1000000', '--seed', '1'], null],
  ['forward-test.ts', ['--rows', '1000000', '--seed', '2'], null],
  ['serve.ts', [], []],
];

const failed: string[] = [];
for (const [script, full, small] of BENCHES) {
  const chosen = quick ? small : full;
  if (chosen === null) continue;
  const args = [path.join('bench', script), ...chosen];
  console.log(`\n=== npx tsx ${args.join(' ')}`);
  const run = spawnSync('npx', ['tsx', ...args], { cwd: repoRoot(), stdio: 'inherit', env: { ...process.env, [QUICK_ENV]: quick ? '1' : '0' } });
  if (run.status !== 0) failed.push(`${script} ${args.slice(1).join(' ')}`.trim());
}
if (failed.length > 0) {
  console.error(`\n${failed.length} benchmark(s) failed: ${failed.join('; ')}`);
  process.exitCode = 1;
}
