/**
 * The deposit path's small jobs, done at once: SHA-256 (the blob's digest,
 * the audit chain) by node:crypto, and Ed25519 by libsodium (sodium-native;
 * by node:crypto or WebCrypto where it cannot load): the checks of a
 * deposit's two signatures on the deposit checks' worker, and the service's
 * signature of an acknowledgement on the main thread. Through WebCrypto each
 * of them is a job for libuv's pool (one thread for `keyward serve` on 2
 * cores), where it waited behind the other requests' jobs; signed on a
 * worker, an acknowledgement waited for a turn of the main thread to be
 * answered (docs/performance.md). The same bytes come out every way.
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Bytes, Ed25519Verify, Sha256 } from '../core/index.ts';
import { ED25519_SIGNATURE_LENGTH, parseEd25519Pkcs8, parseEd25519Spki } from '../core/keys/ed25519.ts';
import type { SignNow } from '../core/service.ts';

export const sha256Now: Sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** What the service uses of sodium-native: Ed25519 signing and checking. */
export interface SodiumSigning {
  crypto_sign_seed_keypair(publicKey: Uint8Array, secretKey: Uint8Array, seed: Uint8Array): void;
  crypto_sign_detached(signature: Uint8Array, message: Uint8Array, secretKey: Uint8Array): void;
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

/** sodium-native, or `null` where it cannot be loaded. */
export function loadSodium(): SodiumSigning | null {
  try {
    return createRequire(import.meta.url)('sodium-native') as SodiumSigning;
  } catch {
    return null;
  }
}

/**
 * Signs at once with the Ed25519 key of `pkcs8` (its PrivateKeyInfo): by
 * libsodium when `sodium` is given (19–27 µs a signature here), by
 * node:crypto otherwise (36–48 µs).
 *
 * @throws KeywardError `KEY_UNREADABLE` for a PrivateKeyInfo that is not an Ed25519 key's
 */
export function signNow(pkcs8: Bytes, sodium: SodiumSigning | null = loadSodium()): SignNow {
  const { seed } = parseEd25519Pkcs8(pkcs8);
  if (!sodium) {
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    return (message) => sign(null, message, key);
  }
  const secretKey = new Uint8Array(64);
  sodium.crypto_sign_seed_keypair(new Uint8Array(32), secretKey, seed);
  return (message) => {
    const signature = new Uint8Array(64);
    sodium.crypto_sign_detached(signature, message, secretKey);
    return signature;
  };
}

/**
 * The core's `Ed25519Verify` by libsodium, answered at once (about 55 µs a
 * check here, against 110 µs of CPU for OpenSSL 3.0 through WebCrypto). The
 * key is read from its SubjectPublicKeyInfo by the core (`parseEd25519Spki`):
 * one that is not an Ed25519 key's, or a signature of the wrong length, does
 * not verify. libsodium refuses some degenerate keys and signatures that
 * OpenSSL accepts (small-order points, non-canonical encodings) on top of the
 * same equation; node-crypto.test.ts shows one, and finds none the other way
 * round among 300 random and changed ones.
 */
export function sodiumVerify(sodium: SodiumSigning): Ed25519Verify {
  return (spki, message, signature) => {
    if (signature.length !== ED25519_SIGNATURE_LENGTH) return Promise.resolve(false);
    let key: Bytes;
    try {
      key = parseEd25519Spki(spki);
    } catch {
      return Promise.resolve(false);
    }
    return Promise.resolve(sodium.crypto_sign_verify_detached(signature, message, key));
  };
}

/** The deposit checks' Ed25519: libsodium's where it loads; WebCrypto's (`verify` undefined: the core's own) otherwise. */
export function depositEd25519(): { verify: Ed25519Verify | undefined; by: 'libsodium' | 'WebCrypto' } {
  const sodium = loadSodium();
  return sodium ? { verify: sodiumVerify(sodium), by: 'libsodium' } : { verify: undefined, by: 'WebCrypto' };
}

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** True when `verify` takes RFC 8032 §7.1's test 1 (the empty message), and refuses it with one bit of the signature changed. */
export async function answersRfc8032(verify: Ed25519Verify): Promise<boolean> {
  const spki = fromHex('302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  const changed = signature.slice();
  changed[0] = changed[0]! ^ 1;
  return (await verify(spki, new Uint8Array(0), signature)) && !(await verify(spki, new Uint8Array(0), changed));
}
