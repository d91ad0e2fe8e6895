import {
  KAGGLE_COLUMN_INDEX,
  ORDER_COLUMNS,
  OrderFileError,
  checkHeader,
  type FileErrorCode,
} from '../../../src/domain/orders/index.js';

function failure(fields: readonly string[]): { code: FileErrorCode; message: string } {
  try {
    checkHeader(fields);
  } catch (err) {
    if (err instanceof OrderFileError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected checkHeader to fail');
}

describe('checkHeader', () => {
  it('accepts the Kaggle header', () => {
    expect(checkHeader(ORDER_COLUMNS)).toEqual(KAGGLE_COLUMN_INDEX);
  });

  it('accepts the columns in another order and says where each one is', () => {
    const reordered = [...ORDER_COLUMNS.slice(1), ORDER_COLUMNS[0]];
    const index = checkHeader(reordered);
    expect(index['Item Name']).toBe(16);
    expect(index['Category']).toBe(0);
  });

  it('names the missing columns', () => {
    const { code, message } = failure(ORDER_COLUMNS.filter((c) => c !== 'Sales Tax' && c !== 'Refunds'));
    expect(code).toBe('missing_columns');
    expect(message).toBe('the header does not match the order file: missing columns "Refunds", "Sales Tax"');
  });

  it('names the unknown columns and suggests the column a near miss meant', () => {
    const { code, message } = failure([...ORDER_COLUMNS, 'Discount Code']);
    expect(code).toBe('unknown_columns');
    expect(message).toContain('unknown column "Discount Code"');
    const renamed = failure(ORDER_COLUMNS.map((c) => (c === 'Buyer ID' ? 'buyer_id' : c)));
    expect(renamed.message).toBe(
      'the header does not match the order file: missing column "Buyer ID"; unknown column "buyer_id" (did you mean "Buyer ID"?)',
    );
  });

  it('points at a trailing comma on the header line', () => {
    expect(failure([...ORDER_COLUMNS, '']).message).toContain('unknown column "" (an empty name: a trailing comma on the header line?)');
  });

  it('refuses a repeated column', () => {
    expect(failure([...ORDER_COLUMNS, 'Date'])).toEqual({
      code: 'duplicate_columns',
      message: 'the header repeats "Date"; each column must appear once',
    });
  });

  it.each([
    [';', 'semicolons'],
    ['\t', 'tabs'],
    ['|', 'vertical bars'],
  ])('detects a file delimited by %j', (delimiter, label) => {
    const { code, message } = failure([ORDER_COLUMNS.join(delimiter)]);
    expect(code).toBe('wrong_delimiter');
    expect(message).toContain(`separated by ${label}`);
  });

  it('recognises data where the header should be', () => {
    const row = 'QID,Product H,32 / B / 30,27-0CD-F44-7E1-0-2F608D7,46567054,3301861,5.36356E+13,14/04/2019,1,74.17,0,0,74.17,14.83,89,0,1';
    expect(failure(row.split(',')).code).toBe('no_header');
  });

  it.each([
    [['<!DOCTYPE html>'], 'HTML'],
    [['{"message":"Not Found"', '"x"}'], 'JSON'],
    [['just some words'], 'is not a CSV header'],
  ])('says %j is not CSV', (fields, hint) => {
    const { code, message } = failure(fields);
    expect(code).toBe('not_csv');
    expect(message).toContain(hint);
  });

  it('keeps every message on one line', () => {
    const { message } = failure([`a\nb`, 'c']);
    expect(message).not.toMatch(/\n/);
  });
});
