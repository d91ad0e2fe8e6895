#!/usr/bin/env node
import { homedir } from 'node:os';
import { systemClock } from '../adapters/clock/system-clock.js';
import { loadDotenvFile } from './dotenv.js';
import { runCli } from './program.js';

const controller = new AbortController();
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write(`returns: ${sig} received, finishing running tasks (send again to stop at once)\n`);
    controller.abort();
  });
}

// A git-ignored .env in the working folder fills in variables the environment does not set.
loadDotenvFile(process.cwd(), process.env, (m) => void process.stderr.write(`returns: warning: ${m}\n`));

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  home: homedir(),
  stdout: process.stdout,
  stderr: process.stderr,
  clock: systemClock,
  signal: controller.signal,
});
process.exitCode = code;
