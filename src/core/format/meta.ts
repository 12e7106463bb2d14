/** Keyward v1 §3: the encrypted metadata (original name, type, size, modification time). */
import { type Bytes, b64u, fromUtf8, utf8 } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { NONCE_LENGTH, TAG_LENGTH } from './constants.ts';

/** The metadata object of §3. */
export interface FileMeta {
  /** The original file name. */
  name: string;
  /** MIME type; may be empty. */
  type: string;
  /** Plaintext size in bytes. */
  size: number;
  /** Modification time, milliseconds since the epoch. */
  lastModified: number;
}

/** §3: the metadata nonce is 12 zero bytes (the metaKey is used once per file). */
const META_NONCE = new Uint8Array(NONCE_LENGTH);

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });

/**
 * Checks a value is a metadata object.
 *
 * @throws KeywardError `MALFORMED`
 */
export function checkMeta(value: unknown): FileMeta {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed('metadata must be a JSON object');
  const { name, type, size, lastModified } = value as Record<string, unknown>;
  if (typeof name !== 'string') throw malformed('metadata name must be a string');
  if (typeof type !== 'string') throw malformed('metadata type must be a string');
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw malformed('metadata size must be a byte count');
  if (typeof lastModified !== 'number' || !Number.isFinite(lastModified)) throw malformed('metadata lastModified must be a number');
  return { name, type, size, lastModified };
}

/** `b64u(AES-256-GCM(metaKey, nonce = 0^12, utf8(JSON metadata)))`. */
export async function encryptMeta(metaKey: CryptoKey, meta: FileMeta): Promise<string> {
  const plain = utf8(JSON.stringify(checkMeta(meta)));
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: META_NONCE, tagLength: TAG_LENGTH * 8 },
    metaKey,
    plain,
  );
  return b64u(new Uint8Array(sealed));
}

/**
 * Opens the metadata. Called only after the header HMAC verified, so a
 * failure here means the writer produced a broken file.
 *
 * @throws KeywardError `MALFORMED`
 */
export async function decryptMeta(metaKey: CryptoKey, ciphertext: Bytes): Promise<FileMeta> {
  let plain: Bytes;
  try {
    plain = new Uint8Array(
      await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: META_NONCE, tagLength: TAG_LENGTH * 8 }, metaKey, ciphertext),
    );
  } catch (cause) {
    throw new KeywardError('MALFORMED', { reason: 'the metadata cannot be decrypted' }, { cause });
  }
  return checkMeta(parseJson(fromUtf8(plain, 'the metadata'), { what: 'the metadata' }));
}
