/**
 * The CLI's per-chunk primitives for the core's STREAM engine: AES-256-GCM
 * and SHA-256 from `node:crypto`, run synchronously on the calling thread.
 * WebCrypto in Node runs every call as a thread-pool job; at 256 KiB chunks
 * the hand-offs cost more than the work (docs/performance.md, "CLI against age").
 */
import { createCipheriv, createDecipheriv, createHash, createSecretKey } from 'node:crypto';
import { type Bytes, type ChunkCrypto, TAG_LENGTH } from '../core/index.ts';

/** A view of a Node Buffer as the core's bytes (no copy). */
function bytesOf(buffer: Buffer): Bytes {
  return new Uint8Array(buffer.buffer as ArrayBuffer, buffer.byteOffset, buffer.byteLength);
}

export const nodeChunkCrypto: ChunkCrypto = {
  aead(rawKey) {
    // The key object copies the bytes (the core zeroes `rawKey`); it lives as long as what is returned.
    const key = createSecretKey(rawKey);
    return Promise.resolve({
      seal(nonce, plain) {
        const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
        // Ciphertext and tag as two parts: the ciphertext is not copied again (GCM's final() adds no bytes).
        const body = cipher.update(plain);
        cipher.final();
        return [bytesOf(body), bytesOf(cipher.getAuthTag())];
      },
      open(nonce, sealed) {
        if (sealed.length < TAG_LENGTH) return null;
        const end = sealed.length - TAG_LENGTH;
        const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_LENGTH });
        decipher.setAuthTag(sealed.subarray(end));
        const plain = decipher.update(sealed.subarray(0, end));
        try {
          decipher.final();
        } catch {
          return null;
        }
        return bytesOf(plain);
      },
    });
  },
  sha256(data) {
    return bytesOf(createHash('sha256').update(data).digest());
  },
};
