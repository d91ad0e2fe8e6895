import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_SYNTHETIC_URI, resolveSourceUri } from '../../../src/adapters/source/resolve-source-uri.js';
import { DEFAULT_KAGGLE_URI } from '../../../src/adapters/source/kaggle-source.js';

describe('resolveSourceUri', () => {
  // A home folder that certainly has no ~/.kaggle/kaggle.json.
  const emptyHome = path.join(os.tmpdir(), 'returns-no-such-home');

  it('prefers the flag, then RETURNS_SOURCE, then the config value', () => {
    const env = { RETURNS_SOURCE: 's3://lake/env.csv' };
    expect(resolveSourceUri({ flag: 'file:///flag.csv', env, configValue: 'file:///config.csv', home: emptyHome })).toBe('file:///flag.csv');
    expect(resolveSourceUri({ env, configValue: 'file:///config.csv', home: emptyHome })).toBe('s3://lake/env.csv');
    expect(resolveSourceUri({ env: {}, configValue: 'file:///config.csv', home: emptyHome })).toBe('file:///config.csv');
  });

  it('treats empty values as unset', () => {
    expect(resolveSourceUri({ flag: '', env: { RETURNS_SOURCE: '  ' }, configValue: 'hdfs://nn:9870/x.csv', home: emptyHome })).toBe(
      'hdfs://nn:9870/x.csv',
    );
  });

  it('defaults to Kaggle when both Kaggle variables are set', () => {
    expect(resolveSourceUri({ env: { KAGGLE_USERNAME: 'u', KAGGLE_KEY: 'k' }, home: emptyHome })).toBe(DEFAULT_KAGGLE_URI);
  });

  it('defaults to 200,000 synthetic purchase lines without credentials, or with only half of them', () => {
    expect(DEFAULT_SYNTHETIC_URI).toBe('synthetic://?rows=200000&seed=42');
    expect(resolveSourceUri({ env: {}, home: emptyHome })).toBe(DEFAULT_SYNTHETIC_URI);
    expect(resolveSourceUri({ env: { KAGGLE_USERNAME: 'u' }, home: emptyHome })).toBe(DEFAULT_SYNTHETIC_URI);
  });

  it('defaults to Kaggle when ~/.kaggle/kaggle.json exists in the injected home', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'returns-home-'));
    try {
      fs.mkdirSync(path.join(home, '.kaggle'));
      fs.writeFileSync(path.join(home, '.kaggle', 'kaggle.json'), '{"username":"u","key":"k"}');
      expect(resolveSourceUri({ env: {}, home })).toBe(DEFAULT_KAGGLE_URI);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
