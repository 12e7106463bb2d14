/** Keyward v1 §1: wrapping the file key with RSA-OAEP-256 and the Keyward label. */
import type { Bytes } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { FILE_KEY_LENGTH, MIN_RSA_BITS, OAEP_LABEL } from './constants.ts';

/** Modulus size of an RSA CryptoKey. */
export function modulusBitsOf(key: CryptoKey): number {
  const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm>;
  return typeof algorithm.modulusLength === 'number' ? algorithm.modulusLength : 0;
}

/**
 * Refuses keys under 2048 bits, on import and again on every use (spec §1).
 *
 * @throws KeywardError `KEY_TOO_WEAK`
 */
export function assertStrongKey(key: CryptoKey): void {
  const bits = modulusBitsOf(key);
  if (bits < MIN_RSA_BITS) throw new KeywardError('KEY_TOO_WEAK', { bits });
}

/**
 * `RSA-OAEP-256(publicKey, fileKey)` with label `utf8("keyward/v1 file key")`.
 *
 * @throws KeywardError `KEY_TOO_WEAK`
 */
export async function wrapFileKey(fileKey: Bytes, publicKey: CryptoKey): Promise<Bytes> {
  assertStrongKey(publicKey);
  const wrapped = await globalThis.crypto.subtle.encrypt({ name: 'RSA-OAEP', label: OAEP_LABEL }, publicKey, fileKey);
  return new Uint8Array(wrapped);
}

/**
 * Unwraps a file key. Any failure (wrong key, altered bytes, wrong label, a
 * result that is not 32 bytes) is `UNWRAP_FAILED`: OAEP does not say which.
 *
 * @throws KeywardError `UNWRAP_FAILED`, `KEY_TOO_WEAK`
 */
export async function unwrapFileKey(wrappedKey: Bytes, privateKey: CryptoKey): Promise<Bytes> {
  assertStrongKey(privateKey);
  let fileKey: Bytes;
  try {
    fileKey = new Uint8Array(
      await globalThis.crypto.subtle.decrypt({ name: 'RSA-OAEP', label: OAEP_LABEL }, privateKey, wrappedKey),
    );
  } catch (cause) {
    throw new KeywardError('UNWRAP_FAILED', {}, { cause });
  }
  if (fileKey.length !== FILE_KEY_LENGTH) throw new KeywardError('UNWRAP_FAILED', { reason: 'unwrapped key is not 32 bytes' });
  return fileKey;
}
