import { isSerial, serialFromFileId } from './serial.ts';

describe('serial (spec §5)', () => {
  // Expected values computed independently with Python's base64.b32encode and the Crockford alphabet.
  it.for([
    ['00000000000000000000000000000000', 'KW-0000-0000-0000-0000'],
    ['ffffffffffffffffffffffffffffffff', 'KW-ZZZZ-ZZZZ-ZZZZ-ZZZZ'],
    ['0102030405060708090a0b0c0d0e0f10', 'KW-0410-6105-0R3G-G28A'],
    ['deadbeefcafebabe0123ffffffffffff', 'KW-VTPV-XVYA-ZTXB-W093'],
  ])('fileId %s has serial %s', ([hex, serial]) => {
    const fileId = new Uint8Array(hex!.match(/../g)!.map((h) => parseInt(h, 16)));
    expect(serialFromFileId(fileId)).toBe(serial);
    expect(isSerial(serial)).toBe(true);
  });

  it('uses only the first 10 bytes', () => {
    const a = new Uint8Array(16).fill(7);
    const b = a.slice();
    b[15] = 8;
    expect(serialFromFileId(a)).toBe(serialFromFileId(b));
  });

  it.for(['KW-0000-0000-0000-000', 'KW-0000-0000-0000-000I', 'kw-0000-0000-0000-0000', 'KW-00000-000-0000-0000', 'KW-0000-0000-0000-000U'])(
    'rejects the shape %j',
    (bad) => { expect(isSerial(bad)).toBe(false); },
  );
});
