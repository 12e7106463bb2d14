/**
 * TEMPORARY (branch v2-core): the part of the v2-ident contract the format
 * code needs, until branch v2-ident lands; its identity.ts replaces this file
 * whole on merge.
 */
import { type Bytes, concat, equalBytes, sha256, toHex, utf8 } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { keyIdOfSpki } from './key-id.ts';
import type { PrivateKeyInfo, PublicKeyInfo } from './types.ts';
import { assertStrongKey, modulusBitsOf } from './wrap.ts';

export interface PublicIdentity {
  id: string;
  encryption: PublicKeyInfo;
  signingKey: CryptoKey;
  rsaSpki: Bytes;
  ed25519Spki: Bytes;
}
export interface PrivateIdentity extends PublicIdentity {
  encryption: PrivateKeyInfo;
  signingPrivateKey: CryptoKey;
}
export type SignContext = 'keyward/v2 file' | 'keyward/v2 escrow' | 'keyward/v2 receipt' | 'keyward/v2 recovery';

const ED25519_SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

export async function identityIdOf(rsaSpki: Bytes, ed25519Spki: Bytes): Promise<string> {
  return `SHA256:${toHex(await sha256(concat(rsaSpki, ed25519Spki)))}`;
}

export async function publicIdentityFromSpki(rsaSpki: Bytes, ed25519Spki: Bytes): Promise<PublicIdentity> {
  if (ed25519Spki.length !== 44 || !equalBytes(ed25519Spki.subarray(0, 12), ED25519_SPKI_PREFIX)) {
    throw new KeywardError('KEY_UNREADABLE', { reason: 'the signing key is not an Ed25519 SubjectPublicKeyInfo' });
  }
  let publicKey: CryptoKey;
  let signingKey: CryptoKey;
  try {
    publicKey = await globalThis.crypto.subtle.importKey('spki', rsaSpki, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
    signingKey = await globalThis.crypto.subtle.importKey('spki', ed25519Spki, { name: 'Ed25519' }, true, ['verify']);
  } catch (cause) {
    throw new KeywardError('KEY_UNREADABLE', {}, { cause });
  }
  assertStrongKey(publicKey);
  return {
    id: await identityIdOf(rsaSpki, ed25519Spki),
    encryption: { publicKey, keyId: await keyIdOfSpki(rsaSpki), modulusBits: modulusBitsOf(publicKey) },
    signingKey,
    rsaSpki,
    ed25519Spki,
  };
}

const signingInput = (context: SignContext, body: Bytes) => concat(utf8(context), new Uint8Array([0]), body);

export async function signAs(identity: PrivateIdentity, context: SignContext, body: Bytes): Promise<Bytes> {
  return new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, identity.signingPrivateKey, signingInput(context, body)));
}

export async function verifySignature(signingKey: CryptoKey, context: SignContext, body: Bytes, signature: Bytes): Promise<boolean> {
  if (signature.length !== 64) return false;
  return globalThis.crypto.subtle.verify({ name: 'Ed25519' }, signingKey, signature, signingInput(context, body));
}
