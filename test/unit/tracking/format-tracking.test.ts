import { LocalModelRegistry } from '../../../src/adapters/tracking/local-registry.js';
import { formatAliasAudit, formatModelVersions, moveAlias } from '../../../src/application/model-versions.js';
import { formatRun } from '../../../src/application/show-runs.js';
import { formatSyncSummary } from '../../../src/application/sync-tracking.js';
import { FakeClock } from '../../harness/fake-clock.js';
import { MemoryObjectStore } from '../../harness/memory-store.js';

describe('tracking text for the CLI', () => {
  it('shows a run with its last metric values and the steps logged', () => {
    const text = formatRun({
      runId: 'r1',
      experiment: 'product-returns',
      runName: 'TrainModel 2019-03-01',
      status: 'FINISHED',
      startTime: Date.UTC(2019, 2, 1, 6),
      endTime: Date.UTC(2019, 2, 1, 6, 1),
      recordId: 'rec',
      pipelineRunId: 'p1',
      artifactUri: 'mlflow-artifacts:/1/r1/artifacts',
      params: { horizon_days: '35' },
      metrics: [
        { key: 'gbm.val.logloss', value: 0.6, step: 0, timestamp: 1 },
        { key: 'gbm.val.logloss', value: 0.5123456789, step: 9, timestamp: 2 },
        { key: 'test.auc', value: 0.7, step: 0, timestamp: 3 },
      ],
      tags: {},
      artifacts: [{ path: 'model.json', size: 12 }],
    });
    expect(text).toContain('started:      2019-03-01T06:00:00Z');
    expect(text).toContain('  gbm.val.logloss = 0.512346  (2 points, steps 0..9)');
    expect(text).toContain('  test.auc = 0.7\n');
    expect(text).toContain('  horizon_days = 35');
    expect(text).toContain('  model.json  12 bytes');
  });

  it('lists versions with their aliases and the alias history', async () => {
    const registry = new LocalModelRegistry(new MemoryObjectStore(), new FakeClock(Date.UTC(2019, 2, 1)));
    await registry.registerVersion({ name: 'm', runId: 'run-a', artifactUri: 'file:///a' });
    await registry.registerVersion({ name: 'm', runId: 'run-b', artifactUri: 'file:///b' });
    await moveAlias(registry, { name: 'm', alias: 'champion', version: 1, actor: 'returns', reason: 'first', at: new Date('2019-03-01T00:00:00Z') });
    await moveAlias(registry, { name: 'm', alias: 'champion', version: 2, actor: 'bob', reason: 'better AUC', at: new Date('2019-03-08T00:00:00Z') });
    const table = await formatModelVersions(registry, 'm');
    expect(table.split('\n')[3]).toMatch(/^2\s+champion\s+2019-03-01T00:00:00Z\s+run-b\s+file:\/\/\/b$/);
    expect(await formatAliasAudit(registry, 'm')).toBe(
      ['1. 2019-03-01T00:00:00.000Z champion: (unset) -> v1 by returns: first', '2. 2019-03-08T00:00:00.000Z champion: v1 -> v2 by bob: better AUC'].join('\n'),
    );
  });

  it('summarises a sync', () => {
    const text = formatSyncSummary({
      tracker: 'mlflow:http://127.0.0.1:5000',
      upToDate: 3,
      pushed: [{ recordId: 'a', runId: 'r', created: false }],
      failed: [{ recordId: 'b', error: 'MLflow POST /x: HTTP 500' }],
      skipped: ['c'],
    });
    expect(text).toContain('already synced: 3, pushed now: 1, failed: 1, not tried: 1');
    expect(text).toContain('synced a -> run r (completed an earlier partial push)');
    expect(text).toContain('FAILED b: MLflow POST /x: HTTP 500');
  });
});
