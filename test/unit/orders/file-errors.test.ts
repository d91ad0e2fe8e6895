import { OrderFileError, fileErrors, sniffFileStart } from '../../../src/domain/orders/index.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe('sniffFileStart', () => {
  it.each([
    [bytes(0x50, 0x4b, 0x03, 0x04, 0x14), 'ZIP archive'],
    [bytes(0x1f, 0x8b, 0x08, 0x00), 'gzip-compressed'],
    [Buffer.from('PAR1xxxx'), 'Parquet'],
    [Buffer.from('%PDF-1.7'), 'PDF'],
    [bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1), '.xls'],
    [Buffer.from('Item Name\0,Category'), 'NUL bytes'],
  ])('recognises %j', (head, hint) => {
    const problem = sniffFileStart(head);
    expect(problem?.code).toBe('not_csv');
    expect(problem?.message).toContain(hint);
  });

  it('recognises UTF-16 text', () => {
    expect(sniffFileStart(bytes(0xff, 0xfe, 0x49, 0x00))?.code).toBe('not_utf8');
    expect(sniffFileStart(bytes(0xfe, 0xff, 0x00, 0x49))?.code).toBe('not_utf8');
  });

  it('lets text through, including a UTF-8 byte order mark', () => {
    expect(sniffFileStart(Buffer.from('\ufeffItem Name,Category'))).toBeUndefined();
    expect(sniffFileStart(Buffer.from('I'))).toBeUndefined();
  });
});

describe('OrderFileError', () => {
  it('names the file when asked and stays on one line', () => {
    const err = fileErrors.truncatedLastLine(4, 5, 17).in('file:///data/orders.csv');
    expect(err).toBeInstanceOf(OrderFileError);
    expect(err.code).toBe('truncated_last_line');
    expect(err.message).toBe(
      'file:///data/orders.csv: the last line (4) has 5 of 17 values and no line break: the file was cut short; download or copy it again',
    );
  });

  it('prints the offending byte in hex', () => {
    expect(fileErrors.notUtf8(3, 0xe9).message).toContain('invalid byte 0xE9 on line 3');
  });
});
