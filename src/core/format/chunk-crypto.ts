/**
 * The per-chunk primitives of the STREAM engine (§4, v2 §3.2): AES-256-GCM
 * over one chunk under the payload key, and SHA-256 of one stored chunk.
 * The engine is the same everywhere; the primitive is passed in from the
 * edge: WebCrypto by default (the app), `node:crypto` in the CLI, where
 * WebCrypto runs every call as a thread-pool job (`cli/node-chunk-crypto.ts`).
 */
import type { Bytes } from '../bytes.ts';
import { TAG_LENGTH } from './constants.ts';

/** A sealed chunk, `ciphertext || tag`: in one buffer, or in parts to be written one after another (nothing copied). */
export type SealedChunk = Bytes | readonly Bytes[];

/** AES-256-GCM under one payload key, 12-byte nonce, 16-byte tag after the ciphertext. */
export interface ChunkAead {
  /** `ciphertext || tag` of one chunk. */
  seal(nonce: Bytes, plain: Bytes): SealedChunk | Promise<SealedChunk>;
  /** The plaintext of one sealed chunk, or `null` when it does not verify. */
  open(nonce: Bytes, sealed: Bytes): Bytes | null | Promise<Bytes | null>;
}

/** The per-chunk primitives: AES-256-GCM under a payload key, and SHA-256. */
export interface ChunkCrypto {
  /**
   * Binds AES-256-GCM to the raw 32-byte payload key. The caller zeroes
   * `rawKey` once this settles, so an implementation must keep its own copy
   * (a non-extractable key, a key object), held only by what it returns.
   */
  aead(rawKey: Bytes): Promise<ChunkAead>;
  /** SHA-256 of `data`; its bytes are read before this returns (the caller may reuse them once it settles). */
  sha256(data: Bytes): Bytes | Promise<Bytes>;
}

const subtle = () => globalThis.crypto.subtle;

/** AES-256-GCM through WebCrypto under a key already imported. */
export function webAead(key: CryptoKey): ChunkAead {
  const params = (nonce: Bytes) => ({ name: 'AES-GCM', iv: nonce, tagLength: TAG_LENGTH * 8 });
  return {
    async seal(nonce, plain) {
      return new Uint8Array(await subtle().encrypt(params(nonce), key, plain));
    },
    async open(nonce, sealed) {
      try {
        return new Uint8Array(await subtle().decrypt(params(nonce), key, sealed));
      } catch {
        return null;
      }
    },
  };
}

/** The default: WebCrypto, with the payload key imported non-extractable. */
export const webChunkCrypto: ChunkCrypto = {
  async aead(rawKey) {
    return webAead(await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']));
  },
  async sha256(data) {
    return new Uint8Array(await subtle().digest('SHA-256', data));
  },
};
