import { createMemoryLogger } from '../../../src/adapters/logging/winston-logger.js';
import { FileSource } from '../../../src/adapters/source/file-source.js';
import { KaggleSource } from '../../../src/adapters/source/kaggle-source.js';
import { openDatasetSource, type SourceDeps } from '../../../src/adapters/source/open-source.js';
import { S3Source } from '../../../src/adapters/source/s3-source.js';
import { SourceError } from '../../../src/adapters/source/source-error.js';
import { SyntheticSource } from '../../../src/adapters/source/synthetic-source.js';
import { WebHdfsSource } from '../../../src/adapters/source/webhdfs-source.js';

const deps: SourceDeps = { env: {}, home: '/nonexistent-home', logger: createMemoryLogger() };

describe('openDatasetSource', () => {
  it('picks the source class by scheme', () => {
    expect(openDatasetSource('file:///data/orders.csv', deps)).toBeInstanceOf(FileSource);
    expect(openDatasetSource('s3://lake/orders/', deps)).toBeInstanceOf(S3Source);
    expect(openDatasetSource('kaggle://yaminh/product-sales-and-returns-dataset/order_dataset.csv', deps)).toBeInstanceOf(KaggleSource);
    expect(openDatasetSource('hdfs://namenode:9870/data/orders.csv', deps)).toBeInstanceOf(WebHdfsSource);
    expect(openDatasetSource('synthetic://?rows=100&seed=1', deps)).toBeInstanceOf(SyntheticSource);
    expect(openDatasetSource('FILE:///data/orders.csv', deps)).toBeInstanceOf(FileSource);
  });

  it('names an unknown scheme and lists the accepted ones, in one line', () => {
    const attempt = (): unknown => openDatasetSource('ftp://user:pw@host/orders.csv', deps);
    expect(attempt).toThrow(SourceError);
    expect(attempt).toThrow(
      'unknown source scheme "ftp:" in "ftp://host/orders.csv"; accepted: file://, s3://, kaggle://, hdfs://, synthetic://',
    );
  });

  it('says so when the URI has no scheme', () => {
    expect(() => openDatasetSource('/data/orders.csv', deps)).toThrow('unknown source URI (no scheme) in "/data/orders.csv"; accepted: file://');
  });

  it('keeps secrets out of the source URI', () => {
    expect(openDatasetSource('hdfs://namenode:9870/data/orders.csv?delegation=SECRET&user.name=etl', deps).uri).toBe(
      'hdfs://namenode:9870/data/orders.csv?user.name=etl',
    );
  });
});
