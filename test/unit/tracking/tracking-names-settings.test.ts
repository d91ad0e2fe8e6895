import { InvalidMlflowSettingsError, mlflowSettingsFromEnv } from '../../../src/adapters/tracking/mlflow-settings.js';
import { flattenParams } from '../../../src/application/track-training.js';
import { assertRecordId, trackingRecordId } from '../../../src/domain/tracking/names.js';

describe('trackingRecordId', () => {
  it('is plain, stable, and tells apart task ids that differ only in punctuation', () => {
    const a = trackingRecordId('20190301T060000Z-abc', 'TrainModel(date=2019-03-01, source=s3://b/x.csv)');
    expect(a).toMatch(/^20190301T060000Z-abc--TrainModel_date_2019-03-01_source_s3_b_x.csv-[0-9a-f]{8}$/);
    expect(assertRecordId(a)).toBe(a);
    expect(trackingRecordId('20190301T060000Z-abc', 'TrainModel(date=2019-03-01, source=s3://b/x.csv)')).toBe(a);
    expect(trackingRecordId('20190301T060000Z-abc', 'TrainModel(date=2019-03-01, source=s3:/b/x.csv)')).not.toBe(a);
  });

  it('rejects ids that would need quoting in a filter or a key', () => {
    for (const bad of ["a'b", 'a/b', '', '..', '-x', 'a b']) expect(() => assertRecordId(bad)).toThrow(/invalid tracking record id/);
  });
});

describe('mlflowSettingsFromEnv', () => {
  it('is undefined without MLFLOW_TRACKING_URI (the local tracker is the default)', () => {
    expect(mlflowSettingsFromEnv({})).toBeUndefined();
    expect(mlflowSettingsFromEnv({ MLFLOW_TRACKING_URI: '  ' })).toBeUndefined();
  });

  it('reads the URI and either a token or basic credentials', () => {
    expect(mlflowSettingsFromEnv({ MLFLOW_TRACKING_URI: 'http://mlflow:5000/' })).toMatchObject({ trackingUri: 'http://mlflow:5000', auth: { kind: 'none' } });
    expect(mlflowSettingsFromEnv({ MLFLOW_TRACKING_URI: 'https://x/mlflow', MLFLOW_TRACKING_TOKEN: 't' })?.auth).toEqual({ kind: 'bearer', token: 't' });
    expect(mlflowSettingsFromEnv({ MLFLOW_TRACKING_URI: 'https://x', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' })?.auth).toEqual({
      kind: 'basic',
      username: 'u',
      password: 'p',
    });
  });

  it('names the variable in an error, never a value', () => {
    const cases: Record<string, string>[] = [
      { MLFLOW_TRACKING_URI: 'http://u:hunter2@x:5000' },
      { MLFLOW_TRACKING_URI: 'http://x', MLFLOW_TRACKING_USERNAME: 'u' },
      { MLFLOW_TRACKING_URI: 'http://x', MLFLOW_TRACKING_TOKEN: 'hunter2', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'hunter2' },
      { MLFLOW_TRACKING_URI: 'file:///tmp/mlruns' },
      { MLFLOW_TRACKING_URI: 'databricks' },
    ];
    for (const env of cases) {
      let message = '';
      try {
        mlflowSettingsFromEnv(env);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidMlflowSettingsError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/MLFLOW_TRACKING_/);
      expect(message).not.toContain('hunter2');
    }
  });
});

describe('flattenParams', () => {
  it('flattens nested hyperparameters into dotted string params', () => {
    expect(flattenParams({ gbm: { rounds: 100, learning_rate: 0.1, monotone: [1, -1] }, engine: 'duckdb', skip: null, on: true })).toEqual({
      'gbm.rounds': '100',
      'gbm.learning_rate': '0.1',
      'gbm.monotone': '[1,-1]',
      engine: 'duckdb',
      on: 'true',
    });
  });
});
