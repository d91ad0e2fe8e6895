import { findLatestModel, findLatestReport, flattenMetrics } from '../../../src/application/latest-outputs.js';
import { MemoryObjectStore } from '../../harness/memory-store.js';

describe('findLatestModel', () => {
  it('is undefined while TrainModel has written nothing', async () => {
    const store = new MemoryObjectStore();
    await store.put('TrainModel/date=2026-11-20/other.json', '{}');
    expect(await findLatestModel(store)).toBeUndefined();
  });

  it('picks the newest model on or before the date and flattens its metrics', async () => {
    const store = new MemoryObjectStore();
    await store.put('TrainModel/date=2026-11-20/model.json', JSON.stringify({ metrics: { auc: 0.61 } }));
    await store.put('TrainModel/date=2026-11-20/_SUCCESS', '{}');
    await store.put('TrainModel/date=2026-11-25/model.json', JSON.stringify({ family: 'gbdt', metrics: { auc: 0.7, brier: 0.18, test: { rows: 120, calibrated: true }, curve: [1, 2] } }));
    await store.put('TrainModel/date=2026-11-30/model.json', JSON.stringify({ metrics: { auc: 0.9 } }));

    expect(await findLatestModel(store, '2026-11-27')).toEqual({
      date: '2026-11-25',
      key: 'TrainModel/date=2026-11-25/model.json',
      complete: false,
      metrics: [
        { name: 'auc', value: 0.7 },
        { name: 'brier', value: 0.18 },
        { name: 'test.rows', value: 120 },
        { name: 'test.calibrated', value: true },
      ],
    });
    expect(await findLatestModel(store, '2026-11-24')).toMatchObject({ date: '2026-11-20', complete: true, metrics: [{ name: 'auc', value: 0.61 }] });
    expect((await findLatestModel(store))!.date).toBe('2026-11-30');
    expect(await findLatestModel(store, '2026-11-19')).toBeUndefined();
  });

  it('says what is wrong with a model file it cannot use', async () => {
    const store = new MemoryObjectStore();
    await store.put('TrainModel/date=2026-11-25/model.json', '{"task":"TrainModel(date=2026-11-25)"}');
    expect(await findLatestModel(store)).toMatchObject({ metrics: [], problem: 'TrainModel/date=2026-11-25/model.json has no metrics field' });
    await store.put('TrainModel/date=2026-11-25/model.json', '{not json');
    expect((await findLatestModel(store))!.problem).toMatch(/^TrainModel\/date=2026-11-25\/model\.json is not JSON/);
  });

  it('caps the number of metrics', () => {
    const many = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`m${i}`, i]));
    expect(flattenMetrics(many)).toHaveLength(60);
    expect(flattenMetrics(0.5)).toEqual([{ name: 'value', value: 0.5 }]);
  });
});

describe('findLatestReport', () => {
  it('finds the newest report.html on or before the date, ignoring other files', async () => {
    const store = new MemoryObjectStore();
    expect(await findLatestReport(store, '2026-11-27')).toBeUndefined();
    await store.put('Report/date=2026-11-26/report.html', '<p>26</p>');
    await store.put('Report/date=2026-11-27/report.json', '{}');
    await store.put('Report/date=2026-11-28/report.html', '<p>28</p>');
    expect(await findLatestReport(store, '2026-11-27')).toEqual({ date: '2026-11-26', key: 'Report/date=2026-11-26/report.html' });
    expect(await findLatestReport(store)).toEqual({ date: '2026-11-28', key: 'Report/date=2026-11-28/report.html' });
  });
});
