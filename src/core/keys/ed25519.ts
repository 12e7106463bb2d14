/**
 * Keyward v2 §1–§2: Ed25519 keys (RFC 8032, pure Ed25519), read from and
 * written to their DER forms of RFC 8410: the 44-byte SubjectPublicKeyInfo
 * and the 48-byte PKCS#8 PrivateKeyInfo `openssl genpkey -algorithm ed25519`
 * writes.
 *
 * As for RSA keys (rsa.ts), every input is parsed strictly and re-encoded in
 * its one canonical form before WebCrypto sees it, so Node and Chromium give
 * the same answer and a damaged key gets a reason, not a `DataError`.
 */
import { type Bytes, b64u, concat, equalBytes, fromB64u, toBytes } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import {
  DerReader,
  TAG,
  contextTag,
  derBitString,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  readBitString,
  readDer,
  readOctetString,
  readOid,
  readSmallInteger,
  unreadable,
} from './asn1.ts';

/** RFC 8410 §3: id-Ed25519. */
export const ED25519_OID = '1.3.101.112';

/** The WebCrypto algorithm (Secure Curves), in Node 20 and Chromium alike. */
export const ED25519: Algorithm = { name: 'Ed25519' };

/** Raw public keys, seeds (RFC 8032 §5.1.5) and signatures have fixed sizes. */
export const ED25519_KEY_LENGTH = 32;
export const ED25519_SIGNATURE_LENGTH = 64;

/** RFC 8410 §3: the AlgorithmIdentifier has no parameters at all (not even NULL). */
function readEd25519Algorithm(reader: DerReader, what: string): void {
  const alg = new DerReader(reader.next('algorithm', TAG.SEQUENCE), `${what} algorithm`);
  const oid = readOid(alg.next('OID'), `${what} algorithm`);
  if (oid !== ED25519_OID) throw unreadable(`${what}: not an Ed25519 key (algorithm ${oid})`);
  if (alg.more) throw unreadable(`${what}: Ed25519 algorithm with parameters`);
}

function ed25519Algorithm(): Bytes {
  return derSequence(derOid(ED25519_OID));
}

/** True when `der` is an Ed25519 SubjectPublicKeyInfo or PrivateKeyInfo (to name a key found in the wrong place). */
export function isEd25519Der(der: Bytes): boolean {
  for (const parse of [parseEd25519Spki, parseEd25519Pkcs8]) {
    try {
      parse(der);
      return true;
    } catch {
      // not this one
    }
  }
  return false;
}

/**
 * The raw 32-byte public key of an RFC 8410 SubjectPublicKeyInfo.
 *
 * @throws KeywardError `KEY_UNREADABLE`: not DER, another algorithm,
 *   parameters, a key that is not 32 bytes
 */
export function parseEd25519Spki(der: Bytes): Bytes {
  const what = 'Ed25519 SubjectPublicKeyInfo';
  const seq = new DerReader(readDer(der, what), what);
  readEd25519Algorithm(seq, what);
  const key = readBitString(seq.next('subjectPublicKey'), `${what} subjectPublicKey`);
  seq.end();
  if (key.length !== ED25519_KEY_LENGTH) throw unreadable(`${what}: the key is ${key.length} bytes, not 32`);
  return key;
}

/** The 44-byte SubjectPublicKeyInfo of a raw public key. */
export function encodeEd25519Spki(publicKey: Uint8Array): Bytes {
  return derSequence(ed25519Algorithm(), derBitString(publicKey));
}

/** A private key as RFC 8410 §7 carries it: the seed, and the public key if the encoder added it. */
export interface Ed25519PrivateFields {
  seed: Bytes;
  publicKey?: Bytes;
}

/**
 * The seed (and the optional public key copy) of an RFC 8410 §7
 * OneAsymmetricKey: version 0, or version 1 with a `[1] publicKey`.
 * Attributes are ignored, as for RSA keys.
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function parseEd25519Pkcs8(der: Bytes): Ed25519PrivateFields {
  const what = 'Ed25519 PKCS#8 PrivateKeyInfo';
  const seq = new DerReader(readDer(der, what), what);
  const version = readSmallInteger(seq.next('version'), `${what} version`);
  if (version !== 0 && version !== 1) throw unreadable(`${what}: unknown version ${version}`);
  readEd25519Algorithm(seq, what);
  // RFC 8410 §7: CurvePrivateKey ::= OCTET STRING, itself inside the privateKey OCTET STRING.
  const inner = readOctetString(seq.next('privateKey'), `${what} privateKey`);
  const seed = readOctetString(readDer(inner, `${what} CurvePrivateKey`), `${what} CurvePrivateKey`);
  if (seed.length !== ED25519_KEY_LENGTH) throw unreadable(`${what}: the private key is ${seed.length} bytes, not 32`);
  seq.optional('attributes', contextTag(0, true));
  let publicKey: Bytes | undefined;
  if (version === 1) {
    const element = seq.optional('publicKey', contextTag(1, false));
    if (element) {
      // [1] IMPLICIT BIT STRING: the content is a BIT STRING's.
      publicKey = readBitString({ ...element, tag: TAG.BIT_STRING }, `${what} publicKey`);
      if (publicKey.length !== ED25519_KEY_LENGTH) throw unreadable(`${what}: the public key is ${publicKey.length} bytes, not 32`);
    }
  }
  seq.end();
  return publicKey ? { seed, publicKey } : { seed };
}

/** The 48-byte version 0 PrivateKeyInfo of a seed (what OpenSSL writes). */
export function encodeEd25519Pkcs8(seed: Uint8Array): Bytes {
  return derSequence(derSmallInteger(0), ed25519Algorithm(), derOctetString(derOctetString(seed)));
}

/**
 * Imports an Ed25519 public key for verifying.
 *
 * @param spki - DER SubjectPublicKeyInfo
 * @returns the key (extractable, usage `verify`) and its canonical 44-byte SPKI
 * @throws KeywardError `KEY_UNREADABLE`
 */
export async function importEd25519Public(spki: Bytes): Promise<{ key: CryptoKey; spki: Bytes }> {
  const canonical = encodeEd25519Spki(parseEd25519Spki(spki));
  let key: CryptoKey;
  try {
    key = await globalThis.crypto.subtle.importKey('spki', canonical, ED25519, true, ['verify']);
  } catch (cause) {
    throw new KeywardError('KEY_UNREADABLE', { reason: 'WebCrypto refused the Ed25519 public key' }, { cause });
  }
  return { key, spki: canonical };
}

/**
 * Imports an Ed25519 private key for signing and derives its public key.
 * WebCrypto has no call that derives a public key, but an extractable
 * private key exports as a JWK with `x`; when the caller wants a
 * non-extractable key, the seed is imported a second time that way.
 *
 * @param fields - the seed, and a public key to check it against (a JWK's `x`, PKCS#8's `[1]`)
 * @param extractable - whether the private key may be exported later
 * @returns the private key (usage `sign`), the public key (usage `verify`) and its SPKI
 * @throws KeywardError `KEY_UNREADABLE`: refused by WebCrypto, or a public key that does not belong to the seed
 */
export async function importEd25519Private(
  fields: Ed25519PrivateFields,
  extractable: boolean,
): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; spki: Bytes }> {
  const subtle = globalThis.crypto.subtle;
  const pkcs8 = encodeEd25519Pkcs8(fields.seed);
  let privateKey: CryptoKey;
  let x: Bytes;
  try {
    const probe = await subtle.importKey('pkcs8', pkcs8, ED25519, true, ['sign']);
    const jwk = await subtle.exportKey('jwk', probe);
    x = rawFromJwkMember(jwk.x);
    privateKey = extractable ? probe : await subtle.importKey('pkcs8', pkcs8, ED25519, false, ['sign']);
  } catch (cause) {
    throw new KeywardError('KEY_UNREADABLE', { reason: 'WebCrypto refused the Ed25519 private key' }, { cause });
  }
  if (fields.publicKey && !equalBytes(fields.publicKey, x)) {
    throw unreadable('the Ed25519 public key given with the private key does not belong to it');
  }
  const { key: publicKey, spki } = await importEd25519Public(encodeEd25519Spki(x));
  return { privateKey, publicKey, spki };
}

function rawFromJwkMember(value: string | undefined): Bytes {
  if (value === undefined) throw new TypeError('no x in the exported Ed25519 JWK');
  return fromB64u(value, 'x');
}

/**
 * The canonical PKCS#8 of an Ed25519 private key.
 *
 * @throws KeywardError `KEY_NOT_EXTRACTABLE`
 */
export async function exportEd25519Pkcs8(privateKey: CryptoKey): Promise<Bytes> {
  if (!privateKey.extractable) throw new KeywardError('KEY_NOT_EXTRACTABLE');
  let der: Bytes;
  try {
    der = toBytes(await globalThis.crypto.subtle.exportKey('pkcs8', privateKey));
  } catch (cause) {
    throw new KeywardError('KEY_NOT_EXTRACTABLE', {}, { cause });
  }
  return encodeEd25519Pkcs8(parseEd25519Pkcs8(der).seed);
}

/** The raw public key and seed of a key pair as JWK members (RFC 8037 §2). */
export function ed25519Jwk(publicKey: Bytes, seed?: Bytes): Record<string, unknown> {
  const jwk: Record<string, unknown> = { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) };
  if (seed) jwk.d = b64u(seed);
  jwk.alg = 'EdDSA';
  jwk.ext = true;
  jwk.key_ops = [seed ? 'sign' : 'verify'];
  return jwk;
}

/** `utf8(context) || 0x00 || body` (keyward-v2.md §1), the input of every v2 signature. */
export function signingInput(context: Bytes, body: Bytes): Bytes {
  return concat(context, Uint8Array.of(0), body);
}
