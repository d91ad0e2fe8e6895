import { redactUri } from '../../../src/adapters/source/redact-uri.js';

describe('redactUri', () => {
  it('drops user-info and secret query parameters, keeps the rest', () => {
    expect(redactUri('s3://AKIA:secret@bucket/key.csv')).toBe('s3://bucket/key.csv');
    expect(redactUri('hdfs://nn:9870/data/x.csv?user.name=etl&delegation=TOKEN')).toBe('hdfs://nn:9870/data/x.csv?user.name=etl');
    expect(redactUri('http://h/a?X-Amz-Signature=abc&part=1')).toBe('http://h/a?part=1');
  });

  it('leaves a URI without secrets unchanged', () => {
    const uri = 'kaggle://yaminh/product-sales-and-returns-dataset/order_dataset.csv';
    expect(redactUri(uri)).toBe(uri);
  });

  it('strips user-info even from a URI it cannot parse', () => {
    expect(redactUri('weird://user:pw@[bad/x')).not.toContain('pw');
  });
});
