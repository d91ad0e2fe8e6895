import { PassThrough } from 'node:stream';
import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { createByteProgress } from '../../../src/adapters/progress/byte-progress.js';

describe('createByteProgress', () => {
  it('writes periodic log lines, not a bar, when the output is not a terminal', () => {
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const logger = createMemoryLogger();
    let now = 0;
    const progress = createByteProgress({ output, logger, label: 'ingest', now: () => now, intervalMs: 1_000 });
    progress.start(1_000);
    progress.advance(100); // t=0: too soon for a line
    now = 1_500;
    progress.advance(400); // a line at 50%
    now = 1_600;
    progress.advance(100); // too soon again
    progress.stop();
    expect(logger.lines.map((l) => [l.message, l.fields])).toEqual([
      ['ingest: in progress', { bytes: 500, total_bytes: 1_000, percent: 50 }],
      ['ingest: transfer ended', { bytes: 600, total_bytes: 1_000, percent: 60 }],
    ]);
    expect(written).toBe('');
  });

  it('draws a bar on a terminal and logs nothing', () => {
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let written = '';
    output.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const logger = createMemoryLogger();
    const progress = createByteProgress({ output, logger, label: 'ingest' });
    progress.start(2 * 1024 * 1024);
    progress.advance(2 * 1024 * 1024);
    progress.stop();
    expect(written).toContain('ingest');
    expect(written).toContain('2.0/2.0 MiB');
    expect(logger.lines).toEqual([]);
  });
});
