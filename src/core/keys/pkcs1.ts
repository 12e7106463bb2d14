/**
 * RSA key structures: PKCS#1 RSAPublicKey and RSAPrivateKey (RFC 8017 A.1),
 * and the SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) and PKCS#8 PrivateKeyInfo
 * (RFC 5208 §5, RFC 5958 §2) envelopes that carry them with the
 * rsaEncryption AlgorithmIdentifier. WebCrypto imports only the envelopes, so
 * every PEM and JWK key is turned into one of these on its way in.
 */
import { type Bytes, toHex } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import {
  DerReader,
  TAG,
  contextTag,
  derBitString,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  derUnsignedInteger,
  readBitString,
  readDer,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  readUnsignedInteger,
  unreadable,
} from './asn1.ts';

/** RFC 8017 A.1: rsaEncryption. */
export const RSA_ENCRYPTION_OID = '1.2.840.113549.1.1.1';

/**
 * WebCrypto (BoringSSL in Chromium, OpenSSL in Node) refuses larger moduli;
 * refusing them here gives the same answer everywhere.
 */
export const MAX_RSA_BITS = 16_384;

/** RFC 8017 A.1.1, as big-endian magnitudes without leading zeros. */
export interface RsaPublicFields {
  n: Bytes;
  e: Bytes;
}

/** RFC 8017 A.1.2, two-prime form. */
export interface RsaPrivateFields extends RsaPublicFields {
  d: Bytes;
  p: Bytes;
  q: Bytes;
  dp: Bytes;
  dq: Bytes;
  qi: Bytes;
}

/** OIDs of key types people try to use instead of RSA, named for the error. */
const OTHER_KEY_TYPES: Readonly<Record<string, string>> = {
  '1.2.840.10045.2.1': 'EC key',
  '1.3.101.110': 'X25519 key',
  '1.3.101.111': 'X448 key',
  '1.3.101.112': 'Ed25519 key',
  '1.3.101.113': 'Ed448 key',
  '1.2.840.10040.4.1': 'DSA key',
  '1.2.840.10046.2.1': 'Diffie-Hellman key',
  '1.2.840.113549.1.3.1': 'Diffie-Hellman key',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS key, restricted to signatures',
  '1.2.840.113549.1.1.7': 'RSAES-OAEP-restricted key',
};

/** RFC 5480 §2.1.1.1 named curves, so the error can say which EC key it was. */
const CURVES: Readonly<Record<string, string>> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
  '1.3.132.0.10': 'secp256k1',
};

/** The bit length of a big-endian magnitude (0 for zero). */
export function bitLength(magnitude: Uint8Array): number {
  let i = 0;
  while (i < magnitude.length && magnitude[i] === 0) i++;
  if (i === magnitude.length) return 0;
  return (magnitude.length - i - 1) * 8 + (32 - Math.clz32(magnitude[i]!));
}

function toBigInt(magnitude: Uint8Array): bigint {
  return magnitude.length === 0 ? 0n : BigInt(`0x${toHex(magnitude)}`);
}

/**
 * Reads an AlgorithmIdentifier and insists on rsaEncryption. RFC 8017 A.1
 * says its parameters are NULL; some encoders omit them, which is harmless,
 * so absent parameters are accepted and the envelope is re-encoded anyway.
 *
 * @throws KeywardError `KEY_UNSUPPORTED` (another key type), `KEY_UNREADABLE`
 */
function readRsaAlgorithm(reader: DerReader, what: string): void {
  const alg = new DerReader(reader.next('algorithm', TAG.SEQUENCE), `${what} algorithm`);
  const oid = readOid(alg.next('OID'), `${what} algorithm`);
  if (oid !== RSA_ENCRYPTION_OID) {
    let name = OTHER_KEY_TYPES[oid] ?? `key of algorithm ${oid}`;
    if (name === 'EC key' && alg.more) {
      const params = alg.next('parameters');
      const curve = params.tag === TAG.OID ? CURVES[readOid(params, 'EC curve')] : undefined;
      if (curve) name = `EC key, ${curve}`;
    }
    throw new KeywardError('KEY_UNSUPPORTED', { reason: name });
  }
  if (alg.more) readNull(alg.next('parameters'), `${what} rsaEncryption parameters`);
  alg.end();
}

function rsaAlgorithm(): Bytes {
  return derSequence(derOid(RSA_ENCRYPTION_OID), derNull());
}

/**
 * Checks what WebCrypto would otherwise report as an anonymous DataError,
 * and what it does not check the same way in every engine.
 */
function checkPublicFields(fields: RsaPublicFields, what: string): void {
  const bits = bitLength(fields.n);
  if (bits === 0) throw unreadable(`${what}: modulus is zero`);
  if (bits > MAX_RSA_BITS) throw unreadable(`${what}: modulus of ${bits} bits is above ${MAX_RSA_BITS}`);
  // An RSA modulus is a product of odd primes; WebCrypto imports an even one and then fails on use.
  if ((fields.n[fields.n.length - 1]! & 1) === 0) throw unreadable(`${what}: modulus is even`);
  // RFC 8017 §3.1: e is odd and 3 <= e < n; WebCrypto decides which of those it accepts.
  const e = fields.e;
  if (e.length === 0 || (e[e.length - 1]! & 1) === 0 || bitLength(e) < 2) {
    throw unreadable(`${what}: public exponent is not an odd number of at least 3`);
  }
  if (bitLength(e) >= bits) throw unreadable(`${what}: public exponent is not below the modulus`);
}

/**
 * RFC 8017 A.1.1 RSAPublicKey ::= SEQUENCE { modulus, publicExponent }.
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function parseRsaPublicKey(der: Bytes, what = 'RSA public key'): RsaPublicFields {
  const seq = new DerReader(readDer(der, what), what);
  const n = readUnsignedInteger(seq.next('modulus'), `${what} modulus`);
  const e = readUnsignedInteger(seq.next('publicExponent'), `${what} publicExponent`);
  seq.end();
  const fields = { n, e };
  checkPublicFields(fields, what);
  return fields;
}

/** RFC 8017 A.1.1 DER. */
export function encodeRsaPublicKey(fields: RsaPublicFields): Bytes {
  return derSequence(derUnsignedInteger(fields.n), derUnsignedInteger(fields.e));
}

/**
 * RFC 8017 A.1.2 RSAPrivateKey, version 0 (two primes). The check n = p·q
 * matters because the public key and key ID are derived from n and e: a key
 * whose halves disagree would get an ID it cannot decrypt for.
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (multi-prime)
 */
export function parseRsaPrivateKey(der: Bytes, what = 'RSA private key'): RsaPrivateFields {
  const seq = new DerReader(readDer(der, what), what);
  const version = readSmallInteger(seq.next('version'), `${what} version`);
  if (version === 1) throw new KeywardError('KEY_UNSUPPORTED', { reason: 'multi-prime RSA key' });
  if (version !== 0) throw unreadable(`${what}: unknown version ${version}`);
  const int = (name: string): Bytes => readUnsignedInteger(seq.next(name), `${what} ${name}`);
  const fields: RsaPrivateFields = {
    n: int('modulus'),
    e: int('publicExponent'),
    d: int('privateExponent'),
    p: int('prime1'),
    q: int('prime2'),
    dp: int('exponent1'),
    dq: int('exponent2'),
    qi: int('coefficient'),
  };
  seq.end();
  checkPrivateFields(fields, what);
  return fields;
}

function checkPrivateFields(fields: RsaPrivateFields, what: string): void {
  checkPublicFields(fields, what);
  for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
    if (bitLength(fields[name]) === 0) throw unreadable(`${what}: ${name} is zero`);
  }
  if (toBigInt(fields.p) * toBigInt(fields.q) !== toBigInt(fields.n)) {
    throw unreadable(`${what}: modulus is not the product of its primes`);
  }
}

/** RFC 8017 A.1.2 DER, version 0. */
export function encodeRsaPrivateKey(fields: RsaPrivateFields): Bytes {
  const { n, e, d, p, q, dp, dq, qi } = fields;
  return derSequence(derSmallInteger(0), ...[n, e, d, p, q, dp, dq, qi].map(derUnsignedInteger));
}

/**
 * The RSAPublicKey inside a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (not RSA)
 */
export function parseSpki(der: Bytes): RsaPublicFields {
  const what = 'SubjectPublicKeyInfo';
  const seq = new DerReader(readDer(der, what), what);
  readRsaAlgorithm(seq, what);
  const key = readBitString(seq.next('subjectPublicKey'), `${what} subjectPublicKey`);
  seq.end();
  return parseRsaPublicKey(key);
}

/** SubjectPublicKeyInfo with rsaEncryption around an RSAPublicKey. */
export function encodeSpki(fields: RsaPublicFields): Bytes {
  return derSequence(rsaAlgorithm(), derBitString(encodeRsaPublicKey(fields)));
}

/**
 * The RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (RFC 5208 §5) or
 * OneAsymmetricKey (RFC 5958 §2: version 1 may add a [1] publicKey).
 * Attributes and the public key copy are ignored: the key is re-encoded
 * without them before WebCrypto sees it.
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (not RSA)
 */
export function parsePkcs8(der: Bytes): RsaPrivateFields {
  const what = 'PKCS#8 PrivateKeyInfo';
  const seq = new DerReader(readDer(der, what), what);
  const version = readSmallInteger(seq.next('version'), `${what} version`);
  if (version !== 0 && version !== 1) throw unreadable(`${what}: unknown version ${version}`);
  readRsaAlgorithm(seq, what);
  const key = readOctetString(seq.next('privateKey'), `${what} privateKey`);
  seq.optional('attributes', contextTag(0, true));
  if (version === 1) seq.optional('publicKey', contextTag(1, false));
  seq.end();
  return parseRsaPrivateKey(key);
}

/** PKCS#8 PrivateKeyInfo version 0 with rsaEncryption around an RSAPrivateKey. */
export function encodePkcs8(fields: RsaPrivateFields): Bytes {
  return derSequence(derSmallInteger(0), rsaAlgorithm(), derOctetString(encodeRsaPrivateKey(fields)));
}

/**
 * PKCS#1 RSAPublicKey to SubjectPublicKeyInfo (the `RSA PUBLIC KEY` PEM of
 * `openssl rsa -RSAPublicKey_out` to what WebCrypto imports as `spki`).
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function spkiFromPkcs1(rsaPublicKey: Bytes): Bytes {
  return encodeSpki(parseRsaPublicKey(rsaPublicKey));
}

/**
 * SubjectPublicKeyInfo to PKCS#1 RSAPublicKey.
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED`
 */
export function pkcs1FromSpki(spki: Bytes): Bytes {
  return encodeRsaPublicKey(parseSpki(spki));
}

/**
 * PKCS#1 RSAPrivateKey to PKCS#8 PrivateKeyInfo (`RSA PRIVATE KEY` PEM to
 * what WebCrypto imports as `pkcs8`).
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED`
 */
export function pkcs8FromPkcs1(rsaPrivateKey: Bytes): Bytes {
  return encodePkcs8(parseRsaPrivateKey(rsaPrivateKey));
}

/**
 * PKCS#8 PrivateKeyInfo to PKCS#1 RSAPrivateKey.
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED`
 */
export function pkcs1FromPkcs8(pkcs8: Bytes): Bytes {
  return encodeRsaPrivateKey(parsePkcs8(pkcs8));
}
