/**
 * `ENCRYPTED PRIVATE KEY`: PKCS#8 EncryptedPrivateKeyInfo (RFC 5208 §6,
 * RFC 5958 §3) with PBES2 (RFC 8018 §6.2): PBKDF2 and AES-CBC, both done by
 * WebCrypto. This is what `openssl genpkey -aes-256-cbc` and
 * `openssl pkcs8 -topk8 -v2 aes-256-cbc` write and `openssl pkey` reads.
 *
 * Older schemes (PBES1, PKCS#12 PBE, DES, scrypt) are refused with a reason
 * that names them: WebCrypto has no primitive for them.
 */
import { type Bytes, randomBytes, toBytes, utf8 } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import {
  DerReader,
  TAG,
  derNull,
  derOctetString,
  derOid,
  derSequence,
  derSmallInteger,
  readDer,
  readNull,
  readOctetString,
  readOid,
  readSmallInteger,
  unreadable,
} from './asn1.ts';

const PBES2_OID = '1.2.840.113549.1.5.13';
const PBKDF2_OID = '1.2.840.113549.1.5.12';
const HMAC_SHA256_OID = '1.2.840.113549.2.9';
const AES256_CBC_OID = '2.16.840.1.101.3.4.1.42';

type PrfHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** RFC 8018 B.1: the PRFs WebCrypto's PBKDF2 can run (it has no SHA-224). */
const PRFS: Readonly<Record<string, PrfHash>> = {
  '1.2.840.113549.2.7': 'SHA-1',
  [HMAC_SHA256_OID]: 'SHA-256',
  '1.2.840.113549.2.10': 'SHA-384',
  '1.2.840.113549.2.11': 'SHA-512',
};

/** RFC 8018 B.2.5 (and NIST's AES OIDs): AES-CBC-Pad, keyed by key length in bytes. */
const CIPHERS: Readonly<Record<string, { name: string; keyLength: number }>> = {
  '2.16.840.1.101.3.4.1.2': { name: 'AES-128-CBC', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'AES-192-CBC', keyLength: 24 },
  [AES256_CBC_OID]: { name: 'AES-256-CBC', keyLength: 32 },
};

/** Schemes met in the wild that WebCrypto cannot do, named for the error. */
const UNSUPPORTED_NAMES: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.5.3': 'PBES1 with MD5 and DES',
  '1.2.840.113549.1.5.10': 'PBES1 with SHA-1 and DES',
  '1.2.840.113549.1.12.1.3': 'PKCS#12 PBE with 3DES',
  '1.2.840.113549.1.12.1.6': 'PKCS#12 PBE with RC2',
  '1.3.6.1.4.1.11591.4.11': 'scrypt',
  '1.2.840.113549.3.7': 'DES-EDE3-CBC',
  '1.3.14.3.2.7': 'DES-CBC',
  '1.2.840.113549.2.8': 'HMAC-SHA-224',
};

const REENCRYPT_HINT = 're-encrypt it with "openssl pkcs8 -topk8 -v2 aes-256-cbc"';

function unsupportedScheme(oid: string): KeywardError {
  return unreadable(`encrypted with ${UNSUPPORTED_NAMES[oid] ?? `algorithm ${oid}`}; ${REENCRYPT_HINT}`);
}

/**
 * Above this a file could hold a browser tab for minutes (OpenSSL's default
 * is 2048, ours 600000); no honest key needs more.
 */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;
/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;

/** The parsed EncryptedPrivateKeyInfo: everything but the passphrase. */
export interface EncryptedPrivateKeyInfo {
  salt: Bytes;
  iterations: number;
  prf: PrfHash;
  cipher: string;
  /** AES key length in bytes. */
  keyLength: number;
  iv: Bytes;
  encryptedData: Bytes;
}

/**
 * Reads the structure, so unreadable or unsupported files are refused before
 * anyone is asked for a passphrase.
 *
 * @throws KeywardError `KEY_UNREADABLE`
 */
export function parseEncryptedPrivateKeyInfo(der: Bytes): EncryptedPrivateKeyInfo {
  const what = 'EncryptedPrivateKeyInfo';
  const seq = new DerReader(readDer(der, what), what);
  const alg = new DerReader(seq.next('encryptionAlgorithm', TAG.SEQUENCE), `${what} encryptionAlgorithm`);
  const encryptedData = readOctetString(seq.next('encryptedData'), `${what} encryptedData`);
  seq.end();

  const schemeOid = readOid(alg.next('OID'), 'encryption algorithm');
  if (schemeOid !== PBES2_OID) throw unsupportedScheme(schemeOid);
  // RFC 8018 A.4: PBES2-params ::= SEQUENCE { keyDerivationFunc, encryptionScheme }
  const params = new DerReader(alg.next('PBES2-params', TAG.SEQUENCE), 'PBES2-params');
  alg.end();
  const kdf = new DerReader(params.next('keyDerivationFunc', TAG.SEQUENCE), 'PBES2 keyDerivationFunc');
  const scheme = new DerReader(params.next('encryptionScheme', TAG.SEQUENCE), 'PBES2 encryptionScheme');
  params.end();

  const kdfOid = readOid(kdf.next('OID'), 'PBES2 keyDerivationFunc');
  if (kdfOid !== PBKDF2_OID) throw unsupportedScheme(kdfOid);
  // RFC 8018 A.2: PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }
  const pbkdf2 = new DerReader(kdf.next('PBKDF2-params', TAG.SEQUENCE), 'PBKDF2-params');
  kdf.end();
  const saltElement = pbkdf2.next('salt');
  if (saltElement.tag !== TAG.OCTET_STRING) throw unreadable('PBKDF2 salt from another source is not supported');
  const salt = readOctetString(saltElement, 'PBKDF2 salt');
  const iterations = readSmallInteger(pbkdf2.next('iterationCount'), 'PBKDF2 iterationCount');
  if (iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw unreadable(`PBKDF2 iteration count ${iterations} is outside 1 to ${MAX_PBKDF2_ITERATIONS}`);
  }
  const keyLengthElement = pbkdf2.optional('keyLength', TAG.INTEGER);
  const declaredKeyLength = keyLengthElement ? readSmallInteger(keyLengthElement, 'PBKDF2 keyLength') : undefined;
  let prf: PrfHash = 'SHA-1';
  const prfElement = pbkdf2.optional('prf', TAG.SEQUENCE);
  if (prfElement) {
    const prfAlg = new DerReader(prfElement, 'PBKDF2 prf');
    const prfOid = readOid(prfAlg.next('OID'), 'PBKDF2 prf');
    const hash = PRFS[prfOid];
    if (!hash) throw unsupportedScheme(prfOid);
    if (prfAlg.more) readNull(prfAlg.next('parameters'), 'PBKDF2 prf parameters');
    prfAlg.end();
    prf = hash;
  }
  pbkdf2.end();

  const cipherOid = readOid(scheme.next('OID'), 'PBES2 encryptionScheme');
  const cipher = CIPHERS[cipherOid];
  if (!cipher) throw unsupportedScheme(cipherOid);
  // RFC 8018 B.2.5: the parameter of AES-CBC-Pad is the 16-byte IV.
  const iv = readOctetString(scheme.next('IV'), 'AES-CBC IV');
  scheme.end();
  if (iv.length !== 16) throw unreadable('AES-CBC IV is not 16 bytes');
  if (declaredKeyLength !== undefined && declaredKeyLength !== cipher.keyLength) {
    throw unreadable(`PBKDF2 keyLength ${declaredKeyLength} does not fit ${cipher.name}`);
  }
  if (encryptedData.length === 0 || encryptedData.length % 16 !== 0) {
    throw unreadable('encrypted key is not a whole number of AES blocks');
  }
  return { salt, iterations, prf, cipher: cipher.name, keyLength: cipher.keyLength, iv, encryptedData };
}

/**
 * RFC 8018 §5.2 PBKDF2 into an AES-CBC key. RFC 8018 §3 leaves the password
 * encoding open; OpenSSL uses the bytes as typed, which on every current
 * system is UTF-8, so we use UTF-8 and no Unicode normalisation.
 */
async function deriveAesKey(
  passphrase: string,
  salt: Bytes,
  iterations: number,
  hash: PrfHash,
  keyLength: number,
  cipherName: string,
): Promise<CryptoKey> {
  const subtle = globalThis.crypto.subtle;
  const password = await subtle.importKey('raw', utf8(passphrase), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', salt, iterations, hash }, password, keyLength * 8);
  try {
    return await subtle.importKey('raw', bits, 'AES-CBC', false, ['encrypt', 'decrypt']);
  } catch (cause) {
    // Chromium has no 192-bit AES; say so rather than blame the passphrase.
    throw new KeywardError('KEY_UNREADABLE', { reason: `${cipherName} is not available here; ${REENCRYPT_HINT}` }, { cause });
  }
}

/**
 * Decrypts to the DER PrivateKeyInfo. AES-CBC has no integrity check: a wrong
 * passphrase shows as bad padding, or (about 1 time in 256) as bytes that are
 * not DER; both are `PASSPHRASE_WRONG`. Anything wrong inside well-formed DER
 * is for the PKCS#8 parser to report.
 *
 * @throws KeywardError `PASSPHRASE_WRONG`, `KEY_UNREADABLE` (cipher not available)
 */
export async function decryptPrivateKeyInfo(info: EncryptedPrivateKeyInfo, passphrase: string): Promise<Bytes> {
  let aesKey: CryptoKey;
  try {
    aesKey = await deriveAesKey(passphrase, info.salt, info.iterations, info.prf, info.keyLength, info.cipher);
  } catch (cause) {
    if (cause instanceof KeywardError) throw cause;
    throw new KeywardError('KEY_UNREADABLE', { reason: 'PBKDF2 key derivation failed' }, { cause });
  }
  let plaintext: Bytes;
  try {
    plaintext = toBytes(await globalThis.crypto.subtle.decrypt({ name: 'AES-CBC', iv: info.iv }, aesKey, info.encryptedData));
  } catch (cause) {
    throw new KeywardError('PASSPHRASE_WRONG', {}, { cause });
  }
  try {
    readDer(plaintext, 'decrypted key');
  } catch (cause) {
    throw new KeywardError('PASSPHRASE_WRONG', {}, { cause });
  }
  return plaintext;
}

/**
 * Encrypts a DER PrivateKeyInfo as OpenSSL 3 would with
 * `-v2 aes-256-cbc -v2prf hmacWithSHA256`: PBKDF2-HMAC-SHA256, a 16-byte
 * random salt, AES-256-CBC with a random IV, no keyLength field.
 *
 * @param pkcs8 - DER PrivateKeyInfo
 * @param passphrase - non-empty
 * @param iterations - PBKDF2 iterations, 1000 to {@link MAX_PBKDF2_ITERATIONS}
 * @returns DER EncryptedPrivateKeyInfo
 * @throws RangeError for an iteration count out of range (a programming error)
 */
export async function encryptPrivateKeyInfo(
  pkcs8: Bytes,
  passphrase: string,
  iterations: number = DEFAULT_PBKDF2_ITERATIONS,
): Promise<Bytes> {
  if (!Number.isSafeInteger(iterations) || iterations < 1000 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new RangeError(`PBKDF2 iterations must be an integer from 1000 to ${MAX_PBKDF2_ITERATIONS}`);
  }
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const aesKey = await deriveAesKey(passphrase, salt, iterations, 'SHA-256', 32, 'AES-256-CBC');
  const encrypted = toBytes(await globalThis.crypto.subtle.encrypt({ name: 'AES-CBC', iv }, aesKey, pkcs8));
  const pbkdf2Params = derSequence(
    derOctetString(salt),
    derSmallInteger(iterations),
    derSequence(derOid(HMAC_SHA256_OID), derNull()),
  );
  const pbes2Params = derSequence(
    derSequence(derOid(PBKDF2_OID), pbkdf2Params),
    derSequence(derOid(AES256_CBC_OID), derOctetString(iv)),
  );
  return derSequence(derSequence(derOid(PBES2_OID), pbes2Params), derOctetString(encrypted));
}
