/**
 * Keyward v1 §1: RSA-OAEP-256 key pairs. Generating them, reading every form
 * a person is likely to paste (SPKI, PKCS#1, PKCS#8, encrypted PKCS#8 PEM,
 * JWK), and writing them back out.
 *
 * Every input is parsed and re-encoded as canonical DER SPKI or PKCS#8 before
 * WebCrypto sees it. That gives one validation path for PEM and JWK alike,
 * the same answer in Node and Chromium, and errors that say what was wrong
 * instead of WebCrypto's anonymous `DataError`.
 */
import { type Bytes, b64u, fromB64u, toBytes } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { MIN_RSA_BITS } from './constants.ts';
import { unreadable } from './asn1.ts';
import { keyIdOf } from './key-id.ts';
import {
  DEFAULT_PBKDF2_ITERATIONS,
  type EncryptedPrivateKeyInfo,
  decryptPrivateKeyInfo,
  encryptPrivateKeyInfo,
  parseEncryptedPrivateKeyInfo,
} from './pbes2.ts';
import { encodePem, looksLikePem, parsePem } from './pem.ts';
import {
  type RsaPrivateFields,
  type RsaPublicFields,
  bitLength,
  encodePkcs8,
  encodeRsaPrivateKey,
  encodeRsaPublicKey,
  encodeSpki,
  parsePkcs8,
  parseRsaPrivateKey,
  parseRsaPublicKey,
  parseSpki,
} from './pkcs1.ts';
import type { AnyKeyInfo, PrivateKeyInfo, PublicKeyInfo } from './types.ts';
import { assertStrongKey, modulusBitsOf } from './wrap.ts';

/** The forms a key can be handed to Keyward in. */
export type KeyFormat =
  | 'spki-pem'
  | 'pkcs1-public-pem'
  | 'pkcs8-pem'
  | 'pkcs1-private-pem'
  | 'encrypted-pkcs8-pem'
  | 'jwk-public'
  | 'jwk-private';

/** What {@link detectKeyFormat} found. */
export interface DetectedKey {
  format: KeyFormat;
  kind: 'public' | 'private';
  /** True for `encrypted-pkcs8-pem`: importing it needs a passphrase. */
  encrypted: boolean;
}

/** A parsed key, before WebCrypto. */
type DecodedKey =
  | { format: 'spki-pem' | 'pkcs1-public-pem' | 'jwk-public'; kind: 'public'; fields: RsaPublicFields }
  | { format: 'pkcs8-pem' | 'pkcs1-private-pem' | 'jwk-private'; kind: 'private'; fields: RsaPrivateFields }
  | { format: 'encrypted-pkcs8-pem'; kind: 'private'; encrypted: EncryptedPrivateKeyInfo };

/** A 16384-bit private key is about 13 KB of PEM; anything far larger is not a key. */
const MAX_INPUT_LENGTH = 1_048_576;

/** Spec §1: the sizes new keys may have. */
const GENERATED_SIZES: readonly number[] = [3072, 4096];

/** Spec §1: RSA-OAEP with SHA-256 (the MGF1 hash follows the OAEP hash in WebCrypto). */
const RSA_OAEP: RsaHashedImportParams = { name: 'RSA-OAEP', hash: 'SHA-256' };

/** User text quoted in a reason is cut short: a reason is one line. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function decodeKey(input: string): DecodedKey {
  if (typeof input !== 'string') throw unreadable('the key is not text');
  if (input.length > MAX_INPUT_LENGTH) throw unreadable('the text is far too long to be a key');
  const text = input.replace(/^\uFEFF/, '').trim();
  if (text.length === 0) throw unreadable('the text is empty');
  if (looksLikePem(text)) return decodePem(text);
  if (text.startsWith('{')) return decodeJwk(text);
  if (/^(ssh-rsa|ssh-ed25519|ecdsa-sha2-)/.test(text)) {
    throw unreadable('an OpenSSH public key; convert it with "ssh-keygen -e -m PKCS8 -f KEY.pub"');
  }
  throw unreadable('neither a PEM block nor a JWK');
}

function decodePem(text: string): DecodedKey {
  const { label, der } = parsePem(text);
  switch (label) {
    case 'PUBLIC KEY':
      return { format: 'spki-pem', kind: 'public', fields: parseSpki(der) };
    case 'RSA PUBLIC KEY':
      return { format: 'pkcs1-public-pem', kind: 'public', fields: parseRsaPublicKey(der) };
    case 'PRIVATE KEY':
      return { format: 'pkcs8-pem', kind: 'private', fields: parsePkcs8(der) };
    case 'RSA PRIVATE KEY':
      return { format: 'pkcs1-private-pem', kind: 'private', fields: parseRsaPrivateKey(der) };
    case 'ENCRYPTED PRIVATE KEY':
      return { format: 'encrypted-pkcs8-pem', kind: 'private', encrypted: parseEncryptedPrivateKeyInfo(der) };
    case 'EC PRIVATE KEY':
      throw new KeywardError('KEY_UNSUPPORTED', { reason: 'EC key' });
    case 'DSA PRIVATE KEY':
      throw new KeywardError('KEY_UNSUPPORTED', { reason: 'DSA key' });
    case 'OPENSSH PRIVATE KEY':
      throw unreadable('an OpenSSH private key; convert it with "ssh-keygen -p -m PKCS8 -f KEY"');
    case 'CERTIFICATE':
      throw unreadable('a certificate, not a key; take its key with "openssl x509 -pubkey -noout"');
    default:
      throw unreadable(`a PEM block labelled ${quote(label)} is not a key Keyward reads`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * RFC 7517/7518 §6.3. `alg`, `use`, `key_ops` and `ext` are ignored: a key
 * exported for RS256 or RSA-OAEP is the same RSA key, and Keyward always uses
 * it as RSA-OAEP-256. The members are checked by encoding them as PKCS#1 and
 * parsing that, the one validation path of every format.
 */
function decodeJwk(text: string): DecodedKey {
  // Strict: a member given twice is refused, not the last one taken.
  const value = parseJson(text, { code: 'KEY_UNREADABLE', what: 'the JWK' });
  if (!isRecord(value)) throw unreadable('the JSON is not a JWK object');
  if (Array.isArray(value.keys)) throw unreadable('a JWK Set; import one key from it');
  const kty = value.kty;
  if (typeof kty !== 'string') throw unreadable('the JWK has no "kty"');
  if (kty !== 'RSA') throw new KeywardError('KEY_UNSUPPORTED', { reason: nonRsaJwkName(kty, value.crv) });
  if (value.oth !== undefined) throw new KeywardError('KEY_UNSUPPORTED', { reason: 'multi-prime RSA key' });
  const member = (name: string): Bytes => {
    const v = value[name];
    if (typeof v !== 'string') throw unreadable(`the JWK member "${name}" is missing or not a string`);
    try {
      return fromB64u(v, name);
    } catch {
      throw unreadable(`the JWK member "${name}" is not base64url`);
    }
  };
  const n = member('n');
  const e = member('e');
  if (value.d === undefined) {
    return { format: 'jwk-public', kind: 'public', fields: parseRsaPublicKey(encodeRsaPublicKey({ n, e }), 'JWK') };
  }
  const fields = { n, e, d: member('d'), p: member('p'), q: member('q'), dp: member('dp'), dq: member('dq'), qi: member('qi') };
  return { format: 'jwk-private', kind: 'private', fields: parseRsaPrivateKey(encodeRsaPrivateKey(fields), 'JWK') };
}

function nonRsaJwkName(kty: string, crv: unknown): string {
  const curve = typeof crv === 'string' ? crv : undefined;
  if (kty === 'EC') return curve ? `EC key, ${quote(curve)}` : 'EC key';
  if (kty === 'OKP') return curve ? `${quote(curve)} key` : 'OKP key';
  if (kty === 'oct') return 'symmetric (oct) key';
  return `JWK key type ${quote(kty)}`;
}

/**
 * Finds out what kind of key the text holds, without WebCrypto and without a
 * passphrase. The structure is fully checked (an `ENCRYPTED PRIVATE KEY` up
 * to its ciphertext); the key size is not, that is for import.
 *
 * @param input - PEM text (with any text around it) or JWK JSON text
 * @returns the format, whether it is public or private, whether it is encrypted
 * @throws KeywardError `KEY_UNREADABLE` (not a key, damaged, an unsupported
 *   encryption), `KEY_UNSUPPORTED` (not an RSA key)
 */
export function detectKeyFormat(input: string): DetectedKey {
  const decoded = decodeKey(input);
  return { format: decoded.format, kind: decoded.kind, encrypted: decoded.format === 'encrypted-pkcs8-pem' };
}

/**
 * Spec §1: 3072 bits unless 4096 is asked for, public exponent 65537.
 *
 * @param options - `bits` 3072 (default) or 4096; `extractable` makes the
 *   private key exportable (default false: it can be used, never read out)
 * @returns the key pair with its key ID
 * @throws RangeError for another `bits` value (a programming error)
 */
export async function generateKeyPair(options: { bits?: 3072 | 4096; extractable?: boolean } = {}): Promise<PrivateKeyInfo> {
  const bits = options.bits ?? 3072;
  // The type says so, but a Worker message is not type-checked.
  if (!GENERATED_SIZES.includes(bits)) throw new RangeError('generateKeyPair: bits must be 3072 or 4096');
  const pair = await globalThis.crypto.subtle.generateKey(
    { ...RSA_OAEP, modulusLength: bits, publicExponent: Uint8Array.of(1, 0, 1) },
    options.extractable ?? false,
    ['encrypt', 'decrypt'],
  );
  return { publicKey: pair.publicKey, privateKey: pair.privateKey, keyId: await keyIdOf(pair.publicKey), modulusBits: modulusBitsOf(pair.publicKey) };
}

/** Spec §1: refuse small keys before WebCrypto ever holds them. */
async function importPublicFields(fields: RsaPublicFields): Promise<PublicKeyInfo> {
  const bits = bitLength(fields.n);
  if (bits < MIN_RSA_BITS) throw new KeywardError('KEY_TOO_WEAK', { bits });
  let publicKey: CryptoKey;
  try {
    publicKey = await globalThis.crypto.subtle.importKey('spki', encodeSpki(fields), RSA_OAEP, true, ['encrypt']);
  } catch (cause) {
    throw new KeywardError('KEY_UNREADABLE', { reason: 'WebCrypto refused the RSA public key' }, { cause });
  }
  assertStrongKey(publicKey);
  return { publicKey, keyId: await keyIdOf(publicKey), modulusBits: modulusBitsOf(publicKey) };
}

/** The public key comes from the private key's own n and e, so the key ID is the pair's. */
async function importPrivateFields(fields: RsaPrivateFields, extractable: boolean): Promise<PrivateKeyInfo> {
  const info = await importPublicFields(fields);
  let privateKey: CryptoKey;
  try {
    privateKey = await globalThis.crypto.subtle.importKey('pkcs8', encodePkcs8(fields), RSA_OAEP, extractable, ['decrypt']);
  } catch (cause) {
    throw new KeywardError('KEY_UNREADABLE', { reason: 'WebCrypto refused the RSA private key' }, { cause });
  }
  return { ...info, privateKey };
}

async function privateFieldsOf(
  decoded: Extract<DecodedKey, { kind: 'private' }>,
  passphrase: string | undefined,
): Promise<RsaPrivateFields> {
  if (!('encrypted' in decoded)) return decoded.fields;
  // An empty field in a form is no passphrase at all.
  if (passphrase === undefined || passphrase === '') throw new KeywardError('PASSPHRASE_REQUIRED');
  return parsePkcs8(await decryptPrivateKeyInfo(decoded.encrypted, passphrase));
}

/**
 * Imports an RSA public key from DER SubjectPublicKeyInfo bytes (an
 * identity's RSA key, keyward-v2.md §2), checked as {@link importPublicKey}
 * checks a `PUBLIC KEY` PEM.
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (not RSA), `KEY_TOO_WEAK`
 */
export async function importPublicKeySpki(spki: Bytes): Promise<PublicKeyInfo> {
  return importPublicFields(parseSpki(spki));
}

/**
 * Imports a public key to encrypt for.
 *
 * @param input - SPKI `PUBLIC KEY` PEM, PKCS#1 `RSA PUBLIC KEY` PEM, or public JWK JSON
 * @returns the RSA-OAEP-256 public key (extractable, usage `encrypt`) and its key ID
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (not RSA),
 *   `KEY_TOO_WEAK` (under 2048 bits), `KEY_NOT_PUBLIC` (a private key was given)
 */
export async function importPublicKey(input: string): Promise<PublicKeyInfo> {
  const decoded = decodeKey(input);
  if (decoded.kind !== 'public') throw new KeywardError('KEY_NOT_PUBLIC');
  return importPublicFields(decoded.fields);
}

/**
 * Imports a private key and derives its public key and key ID from it.
 *
 * @param input - `PRIVATE KEY`, `RSA PRIVATE KEY` or `ENCRYPTED PRIVATE KEY` PEM, or private JWK JSON
 * @param options - `passphrase` for an encrypted key; `extractable` lets the
 *   private key be exported later (default false)
 * @returns the key pair: private key usage `decrypt`, public key usage `encrypt`
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED`, `KEY_TOO_WEAK`,
 *   `KEY_NOT_PRIVATE` (a public key was given), `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`
 */
export async function importPrivateKey(
  input: string,
  options: { passphrase?: string; extractable?: boolean } = {},
): Promise<PrivateKeyInfo> {
  const decoded = decodeKey(input);
  if (decoded.kind !== 'private') throw new KeywardError('KEY_NOT_PRIVATE');
  return importPrivateFields(await privateFieldsOf(decoded, options.passphrase), options.extractable ?? false);
}

/**
 * Imports whichever kind of key the text holds (the app's import form).
 *
 * @param input - any format {@link detectKeyFormat} knows
 * @param options - as for {@link importPrivateKey}; ignored for a public key
 * @returns the key, tagged with its `kind`
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED`, `KEY_TOO_WEAK`,
 *   `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`
 */
export async function importAnyKey(
  input: string,
  options: { passphrase?: string; extractable?: boolean } = {},
): Promise<AnyKeyInfo> {
  const decoded = decodeKey(input);
  if (decoded.kind === 'public') return { kind: 'public', ...(await importPublicFields(decoded.fields)) };
  const fields = await privateFieldsOf(decoded, options.passphrase);
  return { kind: 'private', ...(await importPrivateFields(fields, options.extractable ?? false)) };
}

function checkRsaOaepKey(key: CryptoKey, type: 'public' | 'private'): void {
  if (key.algorithm.name !== 'RSA-OAEP') {
    throw new KeywardError('KEY_UNSUPPORTED', { reason: `a ${quote(key.algorithm.name)} key, not RSA-OAEP` });
  }
  if (key.type !== type) throw new KeywardError(type === 'public' ? 'KEY_NOT_PUBLIC' : 'KEY_NOT_PRIVATE');
}

async function exportDer(key: CryptoKey, format: 'spki' | 'pkcs8'): Promise<Bytes> {
  if (!key.extractable) throw new KeywardError('KEY_NOT_EXTRACTABLE');
  try {
    return toBytes(await globalThis.crypto.subtle.exportKey(format, key));
  } catch (cause) {
    throw new KeywardError('KEY_NOT_EXTRACTABLE', {}, { cause });
  }
}

/**
 * RFC 7518 §6.3 members (no leading zero octets, which DER's minimal
 * integers already guarantee), labelled for the one use Keyward makes of them.
 */
function encodeJwk(fields: RsaPublicFields | RsaPrivateFields): string {
  const jwk: Record<string, string | boolean | string[]> = { kty: 'RSA', n: b64u(fields.n), e: b64u(fields.e) };
  if ('d' in fields) {
    for (const name of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) jwk[name] = b64u(fields[name]);
  }
  jwk.alg = 'RSA-OAEP-256';
  jwk.ext = true;
  jwk.key_ops = ['d' in fields ? 'decrypt' : 'encrypt'];
  return `${JSON.stringify(jwk, null, 2)}\n`;
}

/**
 * Writes a public key out.
 *
 * @param key - an RSA-OAEP public key
 * @param format - `spki-pem` (`PUBLIC KEY`), `pkcs1-pem` (`RSA PUBLIC KEY`) or `jwk` (JSON text)
 * @returns the text, ending in a newline
 * @throws KeywardError `KEY_NOT_PUBLIC` (a private key), `KEY_UNSUPPORTED`
 *   (not RSA-OAEP), `KEY_NOT_EXTRACTABLE`
 */
export async function exportPublicKey(key: CryptoKey, format: 'spki-pem' | 'pkcs1-pem' | 'jwk'): Promise<string> {
  checkRsaOaepKey(key, 'public');
  const spki = await exportDer(key, 'spki');
  switch (format) {
    case 'spki-pem':
      return encodePem('PUBLIC KEY', spki);
    case 'pkcs1-pem':
      return encodePem('RSA PUBLIC KEY', encodeRsaPublicKey(parseSpki(spki)));
    case 'jwk':
      return encodeJwk(parseSpki(spki));
  }
}

/**
 * Writes a private key out. `encrypted-pkcs8-pem` is PBES2 with
 * PBKDF2-HMAC-SHA256 and AES-256-CBC, which `openssl pkey -passin` reads.
 *
 * @param key - an extractable RSA-OAEP private key
 * @param format - `pkcs8-pem`, `pkcs1-pem` (`RSA PRIVATE KEY`), `jwk` or `encrypted-pkcs8-pem`
 * @param options - `passphrase` (needed for `encrypted-pkcs8-pem`);
 *   `iterations` of PBKDF2 (default 600000)
 * @returns the text, ending in a newline
 * @throws KeywardError `KEY_NOT_EXTRACTABLE`, `KEY_UNSUPPORTED` (not
 *   RSA-OAEP), `KEY_NOT_PRIVATE` (a public key), `PASSPHRASE_REQUIRED`
 * @throws RangeError for `iterations` outside 1000 to 10000000 (a programming error)
 */
export async function exportPrivateKey(
  key: CryptoKey,
  format: 'pkcs8-pem' | 'pkcs1-pem' | 'jwk' | 'encrypted-pkcs8-pem',
  options: { passphrase?: string; iterations?: number } = {},
): Promise<string> {
  checkRsaOaepKey(key, 'private');
  const pkcs8 = await exportDer(key, 'pkcs8');
  switch (format) {
    case 'pkcs8-pem':
      return encodePem('PRIVATE KEY', pkcs8);
    case 'pkcs1-pem':
      return encodePem('RSA PRIVATE KEY', encodeRsaPrivateKey(parsePkcs8(pkcs8)));
    case 'jwk':
      return encodeJwk(parsePkcs8(pkcs8));
    case 'encrypted-pkcs8-pem': {
      const { passphrase, iterations = DEFAULT_PBKDF2_ITERATIONS } = options;
      if (passphrase === undefined || passphrase === '') throw new KeywardError('PASSPHRASE_REQUIRED');
      return encodePem('ENCRYPTED PRIVATE KEY', await encryptPrivateKeyInfo(pkcs8, passphrase, iterations));
    }
  }
}
