/** Keyward v1 §2: the keys of one file, all derived from `fileKey` and `salt` by HKDF-SHA-256. */
import type { Bytes } from './bytes.ts';
import { INFO_BLOB, INFO_HEADER, INFO_META, INFO_PAYLOAD, SALT_LENGTH } from './format/constants.ts';
import { FILE_KEY_LENGTH } from './keys/constants.ts';
import { type ChunkAead, type ChunkCrypto, webChunkCrypto } from './format/chunk-crypto.ts';

/** The derived keys of one file, as non-extractable WebCrypto keys (the payload key: bound to the chunk primitive). */
export interface FileKeys {
  /** AES-256-GCM over the payload chunks (§4), from the `ChunkCrypto` given to `deriveFileKeys`. */
  payloadKey: ChunkAead;
  /** AES-256-GCM over the metadata (§3). */
  metaKey: CryptoKey;
  /** HMAC-SHA-256 over magic || hlen || header (§3). */
  headerMacKey: CryptoKey;
  /** HMAC-SHA-256 over the canonical bytes of escrow and recovery blobs (§5). */
  blobMacKey: CryptoKey;
}

const subtle = () => globalThis.crypto.subtle;

async function hkdf(ikm: CryptoKey, salt: Bytes, info: Bytes): Promise<Bytes> {
  const bits = await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, ikm, 256);
  return new Uint8Array(bits);
}

/**
 * Derives `payloadKey`, `metaKey`, `headerMacKey` and `blobMacKey` (§2).
 *
 * @param fileKey - the 32-byte file key
 * @param salt - the 16-byte salt from the header
 * @param chunkCrypto - the primitive the payload key is bound to (default WebCrypto)
 * @throws RangeError if a length is wrong (a programming error: parsers check lengths first)
 */
export async function deriveFileKeys(fileKey: Bytes, salt: Bytes, chunkCrypto: ChunkCrypto = webChunkCrypto): Promise<FileKeys> {
  if (fileKey.length !== FILE_KEY_LENGTH) throw new RangeError('fileKey must be 32 bytes');
  if (salt.length !== SALT_LENGTH) throw new RangeError('salt must be 16 bytes');
  const ikm = await subtle().importKey('raw', fileKey, 'HKDF', false, ['deriveBits']);
  const [payload, meta, header, blob] = await Promise.all([
    hkdf(ikm, salt, INFO_PAYLOAD),
    hkdf(ikm, salt, INFO_META),
    hkdf(ikm, salt, INFO_HEADER),
    hkdf(ikm, salt, INFO_BLOB),
  ]);
  const aes = (raw: Bytes) => subtle().importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  const hmac = (raw: Bytes) => subtle().importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  try {
    const [payloadKey, metaKey, headerMacKey, blobMacKey] = await Promise.all([chunkCrypto.aead(payload), aes(meta), hmac(header), hmac(blob)]);
    return { payloadKey, metaKey, headerMacKey, blobMacKey };
  } finally {
    payload.fill(0);
    meta.fill(0);
    header.fill(0);
    blob.fill(0);
  }
}
