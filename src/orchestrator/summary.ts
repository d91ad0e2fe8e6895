import type { RunSummary } from './scheduler.js';

function section(title: string, ids: readonly string[], detail?: (id: string) => string): string[] {
  if (ids.length === 0) return [];
  const shown = ids.slice(0, 20).map((id) => `    - ${id}${detail ? detail(id) : ''}`);
  if (ids.length > 20) shown.push(`    ... and ${ids.length - 20} more`);
  return [`* ${ids.length} ${title}:`, ...shown];
}

/** A readable execution summary in the spirit of Luigi's. */
export function formatSummary(s: RunSummary): string {
  const errors = new Map(s.failed.map((f) => [f.id, f]));
  const lines = [
    '===== returns execution summary =====',
    '',
    `Scheduled ${s.scheduled.length} task${s.scheduled.length === 1 ? '' : 's'} (run ${s.runId}) of which:`,
    ...section('complete already (or finished by another process)', s.complete),
    ...section('ran successfully', s.ran, (id) => (s.durationsMs[id] !== undefined ? ` (${(s.durationsMs[id]! / 1000).toFixed(1)} s)` : '')),
    ...section('failed', s.failed.map((f) => f.id), (id) => {
      const f = errors.get(id)!;
      return `: ${f.error}${f.attempts > 1 ? ` (after ${f.attempts} attempts)` : ''}`;
    }),
    ...section('were held by another process\'s lock', s.lockHeld),
    ...section('could not run because an upstream task failed', s.blocked),
    '',
    s.status === 'success'
      ? s.ran.length === 0
        ? 'This progress looks :) because everything was already complete'
        : 'This progress looks :) because there were no failed tasks'
      : 'This progress looks :( because the requested task is not complete',
    '',
    '===== end of execution summary =====',
  ];
  return lines.join('\n');
}

/** The one JSON object `--json` prints as the last line of stdout. */
export function summaryJson(s: RunSummary): Record<string, unknown> {
  return {
    status: s.status,
    run_id: s.runId,
    ran: s.ran,
    complete: s.complete,
    failed: s.failed.map((f) => f.id),
    errors: Object.fromEntries(s.failed.map((f) => [f.id, f.error])),
    blocked: s.blocked,
    lock_held: s.lockHeld,
    outputs: s.outputs,
  };
}
