import { describe, expect, it } from 'vitest';
import ownerPem from '../testdata/keys/owner.pem?raw';
import ownerPubPem from '../testdata/keys/owner.pub.pem?raw';
import ownerPkcs1Pem from '../testdata/keys/owner-pkcs1.pem?raw';
import ownerPkcs1PubPem from '../testdata/keys/owner-pkcs1.pub.pem?raw';
import ecPubPem from '../testdata/keys/ec-p256.pub.pem?raw';
import ecPem from '../testdata/keys/ec-p256.pem?raw';
import { type Bytes, concat, toHex } from '../bytes.ts';
import { derBitString, derNull, derOctetString, derOid, derSequence, derSmallInteger, derUnsignedInteger } from './asn1.ts';
import { parsePem } from './pem.ts';
import {
  bitLength,
  encodePkcs8,
  encodeRsaPrivateKey,
  encodeSpki,
  parsePkcs8,
  parseRsaPrivateKey,
  parseRsaPublicKey,
  parseSpki,
  pkcs1FromPkcs8,
  pkcs1FromSpki,
  pkcs8FromPkcs1,
  spkiFromPkcs1,
} from './pkcs1.ts';
import { expectCodeSync as expectCode } from '../test-support.ts';

const der = (pem: string): Bytes => parsePem(pem).der;


describe('PKCS#1 and its envelopes', () => {
  it('unwraps SPKI and PKCS#8 of one key to the same n and e', () => {
    const pub = parseSpki(der(ownerPubPem));
    const priv = parsePkcs8(der(ownerPem));
    expect(priv.n).toEqual(pub.n);
    expect(toHex(pub.e)).toBe('010001');
    expect(bitLength(pub.n)).toBe(3072);
  });

  it('re-encodes OpenSSL DER byte for byte', () => {
    expect(encodeSpki(parseSpki(der(ownerPubPem)))).toEqual(der(ownerPubPem));
    expect(encodePkcs8(parsePkcs8(der(ownerPem)))).toEqual(der(ownerPem));
    expect(encodeRsaPrivateKey(parseRsaPrivateKey(der(ownerPkcs1Pem)))).toEqual(der(ownerPkcs1Pem));
  });

  it('round-trips PKCS#1 through SPKI and PKCS#8', () => {
    const pub = der(ownerPkcs1PubPem);
    const priv = der(ownerPkcs1Pem);
    expect(pkcs1FromSpki(spkiFromPkcs1(pub))).toEqual(pub);
    expect(pkcs1FromPkcs8(pkcs8FromPkcs1(priv))).toEqual(priv);
    expect(parseSpki(spkiFromPkcs1(pub))).toEqual(parseRsaPublicKey(pub));
    const fields = parseRsaPrivateKey(priv);
    expect(parseRsaPublicKey(pub).n).toEqual(fields.n);
  });

  it('accepts rsaEncryption without its NULL parameters and a v2 OneAsymmetricKey', () => {
    const fields = parsePkcs8(der(ownerPem));
    const noNull = derSequence(derSmallInteger(0), derSequence(derOid('1.2.840.113549.1.1.1')), derOctetString(encodeRsaPrivateKey(fields)));
    expect(parsePkcs8(noNull)).toEqual(fields);
    const v2 = derSequence(
      derSmallInteger(1),
      derSequence(derOid('1.2.840.113549.1.1.1'), derNull()),
      derOctetString(encodeRsaPrivateKey(fields)),
      concat(Uint8Array.of(0x81, 0x02, 0x00, 0x00)),
    );
    expect(parsePkcs8(v2)).toEqual(fields);
  });

  it('names EC keys instead of calling them unreadable', () => {
    expectCode(() => parseSpki(der(ecPubPem)), 'KEY_UNSUPPORTED', /EC key, P-256/);
    expectCode(() => parsePkcs8(der(ecPem)), 'KEY_UNSUPPORTED', /EC key, P-256/);
    const ed25519 = derSequence(derSequence(derOid('1.3.101.112')), derBitString(new Uint8Array(32)));
    expectCode(() => parseSpki(ed25519), 'KEY_UNSUPPORTED', /Ed25519/);
  });

  it('refuses a private structure where a public one belongs, and the reverse', () => {
    expectCode(() => parseSpki(der(ownerPem)), 'KEY_UNREADABLE');
    expectCode(() => parsePkcs8(der(ownerPubPem)), 'KEY_UNREADABLE');
    expectCode(() => parseRsaPublicKey(der(ownerPkcs1Pem)), 'KEY_UNREADABLE');
    expectCode(() => parseRsaPrivateKey(der(ownerPkcs1PubPem)), 'KEY_UNREADABLE');
  });

  it('refuses truncated DER', () => {
    const full = der(ownerPubPem);
    for (const cut of [1, 10, 100, full.length - 1]) expectCode(() => parseSpki(full.subarray(0, cut)), 'KEY_UNREADABLE');
  });

  it('refuses a private key whose modulus is not p·q', () => {
    const fields = parseRsaPrivateKey(der(ownerPkcs1Pem));
    const other = parsePkcs8(der(ownerPem));
    expectCode(() => parseRsaPrivateKey(encodeRsaPrivateKey({ ...fields, n: other.n })), 'KEY_UNREADABLE', /product/);
  });

  it('refuses multi-prime keys, even exponents and absurd moduli', () => {
    const fields = parseRsaPrivateKey(der(ownerPkcs1Pem));
    const ints = [fields.n, fields.e, fields.d, fields.p, fields.q, fields.dp, fields.dq, fields.qi].map(derUnsignedInteger);
    expectCode(() => parseRsaPrivateKey(derSequence(derSmallInteger(1), ...ints)), 'KEY_UNSUPPORTED', /multi-prime/);
    expectCode(() => parseRsaPrivateKey(derSequence(derSmallInteger(2), ...ints)), 'KEY_UNREADABLE', /version/);
    const pub = (n: Uint8Array, e: Uint8Array) => derSequence(derUnsignedInteger(n), derUnsignedInteger(e));
    expectCode(() => parseRsaPublicKey(pub(fields.n, Uint8Array.of(1, 0, 0))), 'KEY_UNREADABLE', /odd/);
    expectCode(() => parseRsaPublicKey(pub(fields.n, Uint8Array.of(1))), 'KEY_UNREADABLE', /odd/);
    expectCode(() => parseRsaPublicKey(pub(new Uint8Array(0), Uint8Array.of(3))), 'KEY_UNREADABLE', /zero/);
    expectCode(() => parseRsaPublicKey(pub(new Uint8Array(2049).fill(0xff), Uint8Array.of(3))), 'KEY_UNREADABLE', /above 16384/);
    expect(toHex(parseRsaPublicKey(pub(fields.n, Uint8Array.of(3))).e)).toBe('03');
  });

  it('measures bit lengths', () => {
    expect(bitLength(new Uint8Array(0))).toBe(0);
    expect(bitLength(Uint8Array.of(0, 0, 1))).toBe(1);
    expect(bitLength(Uint8Array.of(0x80, 0))).toBe(16);
    expect(bitLength(Uint8Array.of(0, 0x7f, 0))).toBe(15);
  });
});
