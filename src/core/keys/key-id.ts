/** Keyward v1 §1: the key ID of an RSA public key, and how people read it aloud. */
import { sha256, toHex } from '../bytes.ts';

/**
 * `"SHA256:"` + lowercase hex of SHA-256 over the DER SubjectPublicKeyInfo,
 * the same bytes `openssl pkey -pubin -outform DER | sha256sum` hashes.
 *
 * @param publicKey - an extractable RSA public key
 */
export async function keyIdOf(publicKey: CryptoKey): Promise<string> {
  const spki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', publicKey));
  return keyIdOfSpki(spki);
}

/** The key ID of DER SPKI bytes. */
export async function keyIdOfSpki(spki: Uint8Array<ArrayBuffer>): Promise<string> {
  return `SHA256:${toHex(await sha256(spki))}`;
}

const KEY_ID_PATTERN = /^SHA256:[0-9a-f]{64}$/;

/** True for a well-formed key ID (spec §1). */
export function isKeyId(value: unknown): value is string {
  return typeof value === 'string' && KEY_ID_PATTERN.test(value);
}

/**
 * The key ID as people compare it over the phone: the 64 hex digits in
 * sixteen groups of four, e.g. `3f9a 11c0 …`.
 */
export function formatKeyIdForHumans(keyId: string): string {
  const hex = keyId.startsWith('SHA256:') ? keyId.slice(7) : keyId;
  return hex.match(/.{1,4}/g)?.join(' ') ?? hex;
}
