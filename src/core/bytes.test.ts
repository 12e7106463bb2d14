import fc from 'fast-check';
import { fromBase64, toBase64, b64u, b64uLength, concat, equalBytes, fromB64u, fromUtf8, readU32be, toBytes, toHex, u32be, utf8 } from './bytes.ts';
import { expectCode } from './test-support.ts';

describe('b64u (spec §1)', () => {
  it.for([
    ['', ''],
    ['f', 'Zg'],
    ['fo', 'Zm8'],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg'],
    ['fooba', 'Zm9vYmE'],
    ['foobar', 'Zm9vYmFy'],
  ])('encodes %j as %j (RFC 4648 vectors, no padding)', ([text, encoded]) => {
    expect(b64u(utf8(text!))).toBe(encoded);
    expect(fromUtf8(fromB64u(encoded!))).toBe(text);
  });

  it('uses the URL alphabet', () => {
    expect(b64u(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(fromB64u('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it.for(['Zg==', 'Zm8=', 'Zm9v+', 'Zm9v/', 'Zm 9v', 'Zm9v\n', 'Zé', 'Z'])('rejects %j', async (bad) => {
    await expectCode(() => fromB64u(bad), 'MALFORMED');
  });

  it('rejects non-zero trailing bits', async () => {
    expect(fromB64u('Zg')).toEqual(utf8('f'));
    await expectCode(() => fromB64u('Zh'), 'MALFORMED');
    await expectCode(() => fromB64u('Zm9'), 'MALFORMED');
  });

  it('b64uLength refuses exactly what fromB64u refuses, with the same reason, and counts the same bytes', () => {
    // Short texts over the alphabet's edges, padding, the other alphabet and non-ASCII: every trailing-bit case.
    const character = fc.constantFrom('A', 'B', 'E', 'Q', 'Z', 'g', 'h', '9', '-', '_', '=', '+', '/', ' ', 'é', '\n');
    fc.assert(
      fc.property(fc.array(character, { maxLength: 41 }), (characters) => {
        const text = characters.join('');
        let decoded: Uint8Array | Error;
        try {
          decoded = fromB64u(text, 'field');
        } catch (error) {
          decoded = error as Error;
        }
        if (decoded instanceof Error) expect(() => b64uLength(text, 'field')).toThrow(decoded.message);
        else expect(b64uLength(text, 'field')).toBe(decoded.length);
      }),
      { numRuns: 5000 },
    );
    for (const bad of ['Zh', 'Zm9', 'AB', 'AAB', 'Z', 'Zg==']) expect(() => b64uLength(bad)).toThrow('not valid base64url');
    expect(b64uLength('AQ')).toBe(1);
    expect(b64uLength('AAE')).toBe(2);
  });

  it('round-trips every length up to 300', () => {
    for (let n = 0; n <= 300; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      expect(fromB64u(b64u(bytes))).toEqual(bytes);
    }
  });
});

describe('byte helpers', () => {
  it('writes and reads u32be', () => {
    expect(toHex(u32be(0x01020304))).toBe('01020304');
    expect(readU32be(u32be(0xffffffff))).toBe(0xffffffff);
    expect(() => u32be(-1)).toThrow(RangeError);
    expect(() => u32be(2 ** 32)).toThrow(RangeError);
  });

  it('concatenates and compares', () => {
    expect(concat(utf8('ab'), new Uint8Array(0), utf8('c'))).toEqual(utf8('abc'));
    expect(equalBytes(utf8('abc'), utf8('abc'))).toBe(true);
    expect(equalBytes(utf8('abc'), utf8('abd'))).toBe(false);
    expect(equalBytes(utf8('abc'), utf8('ab'))).toBe(false);
  });

  it('copies views without their neighbours', () => {
    const big = utf8('0123456789');
    expect(toBytes(big.subarray(2, 5))).toEqual(utf8('234'));
    expect(toBytes(big.buffer)).toEqual(big);
  });

  it('decodes UTF-8 strictly', async () => {
    expect(fromUtf8(utf8('Grüße ✓'))).toBe('Grüße ✓');
    await expectCode(() => fromUtf8(new Uint8Array([0xc3, 0x28])), 'MALFORMED');
  });

  it('decodes padded base64 (PEM) with the same strictness as base64url', () => {
    const bad = (why: string) => new Error(why);
    for (const length of [0, 1, 2, 3, 4, 31, 32]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 5) & 0xff);
      expect([...fromBase64(toBase64(bytes), bad)]).toEqual([...bytes]);
    }
    expect(() => fromBase64('QQ', bad)).toThrow('length is not a multiple of 4');
    expect(() => fromBase64('QR==', bad)).toThrow('non-zero trailing bits');
    expect(() => fromBase64('Q=Q=', bad)).toThrow('padding inside the text');
    expect(() => fromBase64('QQ-_', bad)).toThrow('character outside the alphabet');
  });
});
