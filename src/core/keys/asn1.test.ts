import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type Bytes, toBytes, toHex } from '../bytes.ts';
import { isKeywardError } from '../errors.ts';
import {
  DerReader,
  TAG,
  contextTag,
  derBitString,
  derContext,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  derUnsignedInteger,
  encodeDer,
  readBitString,
  readDer,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  readUnsignedInteger,
} from './asn1.ts';

const hex = (text: string): Bytes => toBytes(Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16)));

function expectUnreadable(fn: () => unknown, reason?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(isKeywardError(error)).toBe(true);
    if (!isKeywardError(error)) return;
    expect(error.code).toBe('KEY_UNREADABLE');
    if (reason) expect(error.details.reason).toMatch(reason);
    return;
  }
  expect.fail('expected KEY_UNREADABLE');
}

describe('DER writer', () => {
  it('encodes the rsaEncryption AlgorithmIdentifier as OpenSSL does', () => {
    expect(toHex(derSequence(derOid('1.2.840.113549.1.1.1'), derNull()))).toBe('300d06092a864886f70d0101010500');
  });

  it('encodes integers minimally, with a sign octet when the top bit is set', () => {
    expect(toHex(derUnsignedInteger(hex('0000ff')))).toBe('020200ff');
    expect(toHex(derUnsignedInteger(hex('7f')))).toBe('02017f');
    expect(toHex(derUnsignedInteger(new Uint8Array(0)))).toBe('020100');
    expect(toHex(derSmallInteger(600_000))).toBe('02030927c0');
    expect(toHex(derSmallInteger(2048))).toBe('02020800');
  });

  it('uses the long length form from 128 bytes on', () => {
    expect(toHex(encodeDer(TAG.OCTET_STRING, new Uint8Array(127))).slice(0, 4)).toBe('047f');
    expect(toHex(encodeDer(TAG.OCTET_STRING, new Uint8Array(128))).slice(0, 6)).toBe('048180');
    expect(toHex(encodeDer(TAG.OCTET_STRING, new Uint8Array(1808))).slice(0, 8)).toBe('04820710');
  });

  it('round-trips every element type through the reader', () => {
    const der = derSequence(
      derSmallInteger(1),
      derOctetString(hex('0102')),
      derBitString(hex('0304')),
      derNull(),
      derOid('2.16.840.1.101.3.4.1.42'),
      derContext(0, derNull()),
      derContext(1, hex('00ff'), false),
    );
    const seq = new DerReader(readDer(der, 'test'), 'test');
    expect(readSmallInteger(seq.next('a'), 'a')).toBe(1);
    expect(toHex(readOctetString(seq.next('b'), 'b'))).toBe('0102');
    expect(toHex(readBitString(seq.next('c'), 'c'))).toBe('0304');
    readNull(seq.next('d'), 'd');
    expect(readOid(seq.next('e'), 'e')).toBe('2.16.840.1.101.3.4.1.42');
    expect(seq.optional('f', contextTag(1, false))).toBeUndefined();
    expect(seq.optional('f', contextTag(0, true))?.content).toEqual(derNull());
    expect(toHex(seq.next('g', contextTag(1, false)).content)).toBe('00ff');
    seq.end();
  });

  it('reads OIDs with a first arc of 2 and large arcs', () => {
    for (const oid of ['2.999.3', '1.3.101.112', '1.2.840.10045.2.1', '0.9.2342.19200300.100.1.1']) {
      expect(readOid(readDer(derOid(oid), 'oid'), 'oid')).toBe(oid);
    }
  });
});

describe('DER reader is strict', () => {
  it.each([
    ['empty input', '', /missing tag/],
    ['a tag and no length', '30', /missing length/],
    ['content cut short', '3004020101', /truncated/],
    ['length octets cut short', '3082', /truncated/],
    ['trailing bytes', '30000000', /trailing/],
    ['indefinite length', '30800000', /indefinite/],
    ['long form for a short length', '30810100', /non-minimal/],
    ['a leading zero length octet', '3082000100', /non-minimal/],
    ['a five-octet length', '308500000000010000', /too long/],
    ['a high tag number', '1f2100', /high tag/],
  ])('refuses %s', (_name, input, reason) => {
    expectUnreadable(() => readDer(hex(input), 'x'), reason);
  });

  it.each([
    ['empty', '0200', /empty/],
    ['a redundant zero', '02020001', /non-minimal/],
    ['a redundant 0xff', '0202ff80', /non-minimal/],
    ['a negative value', '0201ff', /negative/],
    ['the wrong tag', '040100', /expected tag 0x02/],
  ])('refuses an INTEGER that is %s', (_name, input, reason) => {
    expectUnreadable(() => readUnsignedInteger(readDer(hex(input), 'i'), 'i'), reason);
  });

  it('strips the sign octet of a positive INTEGER', () => {
    expect(toHex(readUnsignedInteger(readDer(hex('020200ff'), 'i'), 'i'))).toBe('ff');
    expect(toHex(readUnsignedInteger(readDer(hex('020100'), 'i'), 'i'))).toBe('');
  });

  it('refuses integers too large for a number', () => {
    expectUnreadable(() => readSmallInteger(readDer(hex('020701000000000000'), 'i'), 'i'), /too large/);
  });

  it('refuses malformed OIDs, BIT STRINGs and NULLs', () => {
    expectUnreadable(() => readOid(readDer(hex('0600'), 'o'), 'o'), /empty/);
    expectUnreadable(() => readOid(readDer(hex('06028001'), 'o'), 'o'), /non-minimal/);
    expectUnreadable(() => readOid(readDer(hex('06022a86'), 'o'), 'o'), /truncated/);
    expectUnreadable(() => readOid(readDer(hex('0606ffffffffff01'), 'o'), 'o'), /too large/);
    expectUnreadable(() => readBitString(readDer(hex('0300'), 'b'), 'b'), /empty/);
    expectUnreadable(() => readBitString(readDer(hex('030201ff'), 'b'), 'b'), /unused/);
    expectUnreadable(() => {
      readNull(readDer(hex('050100'), 'n'), 'n');
    }, /content/);
  });

  it('refuses missing and extra fields in a SEQUENCE', () => {
    const seq = new DerReader(readDer(hex('3003020101'), 's'), 's');
    seq.next('first');
    expectUnreadable(() => seq.next('second'), /missing second/);
    const extra = new DerReader(readDer(hex('3003020101'), 's'), 's');
    expectUnreadable(() => {
      extra.end();
    }, /extra field/);
    expectUnreadable(() => new DerReader(readDer(hex('0400'), 's'), 's'), /expected tag 0x30/);
  });

  it('throws only KEY_UNREADABLE for any bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (raw) => {
        const bytes = toBytes(raw);
        try {
          const element = readDer(bytes, 'fuzz');
          if ((element.tag & 0x20) !== 0) {
            const seq = new DerReader(element, 'fuzz', element.tag);
            while (seq.more) {
              const child = seq.next('child');
              for (const read of [readUnsignedInteger, readOid, readBitString, readOctetString, readNull, readSmallInteger]) {
                try {
                  read(child, 'child');
                } catch (error) {
                  if (!isKeywardError(error)) throw error;
                }
              }
            }
          }
        } catch (error) {
          if (!isKeywardError(error) || error.code !== 'KEY_UNREADABLE') throw error;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
