/**
 * Helpers for the core's own tests (not part of the public API): fresh key
 * pairs without any PEM parsing, deterministic bytes, and error assertions.
 */
import { type Bytes, concat, equalBytes } from './bytes.ts';
import { type PieceCipher, openPieces, sealPieces } from './format/stream.ts';
import { isKeywardError, type ErrorCode, type KeywardError } from './errors.ts';
import { type PrivateIdentity, identityIdOf } from './keys/identity.ts';
import { keyIdOf } from './keys/key-id.ts';
import { importPrivateKey } from './keys/rsa.ts';
import type { PrivateKeyInfo } from './keys/types.ts';

/** One vector of testdata/manifest.json, as the vector tests of the core, the CLI and the app read it. */
export interface TestVector {
  name: string;
  kind: 'file' | 'escrow-blob' | 'recovery-blob';
  /** Paths relative to testdata/. */
  file?: string;
  blob?: string;
  escrow?: string;
  recovery?: string;
  /** A name in the manifest's `keys`. */
  key: string;
  open?: 'key' | 'escrow' | 'recovery';
  /** `success`, or the error code it must fail with. */
  expect: string;
  sha256?: string;
  size?: number;
  meta?: unknown;
  chunkSize?: number;
  chunkIndex?: number;
  keyIds?: string[];
  description: string;
}

/**
 * The manifest's private keys by name, each imported once.
 *
 * @param paths - the manifest's `keys`: name → path in testdata/
 * @param text - reads a path in testdata/ as text
 */
export function vectorKeys(paths: Readonly<Record<string, string>>, text: (path: string) => string): (name: string) => Promise<PrivateKeyInfo> {
  const keys = new Map<string, Promise<PrivateKeyInfo>>();
  return (name) => {
    let key = keys.get(name);
    if (!key) {
      const path = paths[name];
      if (!path) throw new Error(`no key ${name}`);
      key = importPrivateKey(text(path));
      keys.set(name, key);
    }
    return key;
  };
}

/** A fresh RSA-OAEP-256 key pair straight from WebCrypto (2048 bits: fast). */
export async function makeKeyPair(modulusLength = 2048): Promise<PrivateKeyInfo> {
  const pair = await globalThis.crypto.subtle.generateKey(
    { name: 'RSA-OAEP', modulusLength, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['encrypt', 'decrypt'],
  );
  return { publicKey: pair.publicKey, privateKey: pair.privateKey, keyId: await keyIdOf(pair.publicKey), modulusBits: modulusLength };
}

/** A fresh identity straight from WebCrypto (RSA 2048 bits: fast), with extractable keys. */
export async function makeIdentity(rsa?: PrivateKeyInfo): Promise<PrivateIdentity> {
  const encryption = rsa ?? (await makeKeyPair());
  const pair = (await globalThis.crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']));
  const rsaSpki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', encryption.publicKey));
  const ed25519Spki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', pair.publicKey));
  return { id: await identityIdOf(rsaSpki, ed25519Spki), encryption, signingKey: pair.publicKey, signingPrivateKey: pair.privateKey, rsaSpki, ed25519Spki };
}

/** Deterministic pseudo-random bytes (xorshift), fast enough for megabytes. */
export function patternBytes(length: number, seed = 1): Bytes {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * Waits for `work` to fail with a `KeywardError` of `code` (and, if given, a
 * `details.reason` matching `reason`), and returns the error.
 */
export async function expectCode(work: Promise<unknown> | (() => unknown), code: ErrorCode, reason?: RegExp): Promise<KeywardError> {
  let outcome: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    outcome = error;
  }
  return checkOutcome(outcome, code, reason);
}

/** `expectCode` for synchronous work. */
export function expectCodeSync(work: () => unknown, code: ErrorCode, reason?: RegExp): KeywardError {
  let outcome: unknown;
  try {
    work();
  } catch (error) {
    outcome = error;
  }
  return checkOutcome(outcome, code, reason);
}

function checkOutcome(outcome: unknown, code: ErrorCode, reason?: RegExp): KeywardError {
  if (!isKeywardError(outcome)) {
    throw new Error(`expected KeywardError ${code}, got ${outcome === undefined ? 'success' : outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : 'a non-error'}`);
  }
  if (outcome.code !== code) throw new Error(`expected ${code}, got ${outcome.code}: ${outcome.message}`);
  if (reason && !reason.test(outcome.details.reason ?? '')) {
    throw new Error(`expected a reason matching ${String(reason)}, got ${JSON.stringify(outcome.details.reason)}`);
  }
  return outcome;
}

/**
 * Asserts two byte arrays are equal. Vitest's deep equality walks large typed
 * arrays element by element and takes minutes on megabytes; this does not.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length !== expected.length) throw new Error(`expected ${expected.length} bytes, got ${actual.length}`);
  if (!equalBytes(actual, expected)) throw new Error(`the ${actual.length} bytes differ`);
}

/**
 * Runs `bytes` through a piece cipher as a reader with one reused buffer
 * would: each piece is copied into one buffer, and that buffer is scribbled
 * over as soon as `push` settles, so any chunk held past that point would show.
 */
export async function throughPieces(cipher: PieceCipher, bytes: Uint8Array, sizes: readonly number[] = [7, 2 * 65552 + 3, 1, 65536]): Promise<Bytes> {
  const out: Uint8Array[] = [];
  const buffer = new Uint8Array(Math.max(1, ...sizes));
  for (let offset = 0, i = 0; offset < bytes.length; i++) {
    const size = Math.min(Math.max(1, sizes[i % sizes.length]!), bytes.length - offset);
    buffer.set(bytes.subarray(offset, offset + size));
    out.push(...(await cipher.push(buffer.subarray(0, size))));
    buffer.fill(0xa5);
    offset += size;
  }
  out.push(...(await cipher.finish()));
  return concat(...out);
}

/** A payload sealed with `sealPieces`, in pieces of `sizes` bytes (whole, by default). */
export const sealBytes = (key: CryptoKey, chunkSize: number, plain: Uint8Array, sizes: readonly number[] = [plain.length]) =>
  throughPieces(sealPieces(key, chunkSize, plain.length), plain, sizes);

/** A payload opened with `openPieces`, in pieces of `sizes` bytes (whole, by default). */
export const openBytes = (key: CryptoKey, chunkSize: number, sealed: Uint8Array, expectedSize?: number, sizes: readonly number[] = [sealed.length]) =>
  throughPieces(openPieces(key, chunkSize, sealed.length, expectedSize === undefined ? {} : { expectedSize }), sealed, sizes);
