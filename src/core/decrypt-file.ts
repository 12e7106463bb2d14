/**
 * Opening one file (spec §3–§5): check the header, find a key or take a
 * blob's file key, verify the header HMAC, open the metadata, then decrypt
 * the STREAM payload with the size check at its end.
 */
import { type Bytes, b64u, equalBytes, fromB64u } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { type FileKeys, deriveFileKeys } from './kdf.ts';
import type { KeyBlob } from './format/escrow-blob.ts';
import { type ParsedHeader, type Stanza, verifyHeaderHmac } from './format/header.ts';
import { type FileMeta, decryptMeta } from './format/meta.ts';
import { serialFromFileId } from './format/serial.ts';
import { decryptStream } from './format/stream.ts';
import type { PrivateKeyInfo } from './keys/types.ts';
import { unwrapFileKey } from './keys/wrap.ts';
import { openBlob } from './recover.ts';
import { splitFile } from './streams.ts';

/** How to unlock a file: with one of the user's own keys, or with a blob and the key it is for. */
export type Unlock =
  | { keys: readonly PrivateKeyInfo[] }
  | {
      /** An escrow blob (opened by the authority) or a recovery blob (opened by the owner's new key). */
      blob: KeyBlob;
      key: PrivateKeyInfo;
    };

/** A file whose header and metadata verified; its plaintext is still to be read. */
export interface OpenedFile {
  parsed: ParsedHeader;
  meta: FileMeta;
  /** The stanza that opened the file (absent when a blob did). */
  stanza?: Stanza;
  /**
   * The verified plaintext, chunk by chunk. It errors with a `KeywardError`
   * at the first failure; whoever consumes it must discard all output unless
   * it ends cleanly (spec §7).
   */
  plaintext: ReadableStream<Uint8Array>;
}

/**
 * Finds the stanzas a held key matches and unwraps the file key (§3).
 *
 * @throws KeywardError `NO_MATCHING_KEY` (naming the file's key IDs), `UNWRAP_FAILED`, `KEY_TOO_WEAK`
 */
export async function unwrapWithKeys(parsed: ParsedHeader, keys: readonly PrivateKeyInfo[]): Promise<{ fileKey: Bytes; stanza: Stanza }> {
  const stanzas = parsed.header.recipients;
  let lastError: KeywardError | null = null;
  for (const stanza of stanzas) {
    const key = keys.find((k) => k.keyId === stanza.keyId);
    if (!key) continue;
    try {
      return { fileKey: await unwrapFileKey(fromB64u(stanza.wrappedKey, 'wrappedKey'), key.privateKey), stanza };
    } catch (error) {
      // A matching stanza that fails is UNWRAP_FAILED (or KEY_TOO_WEAK); another matching stanza may still work.
      if (!(error instanceof KeywardError)) throw error;
      lastError = error;
    }
  }
  if (lastError) throw lastError;
  throw new KeywardError('NO_MATCHING_KEY', { keyIds: stanzas.map((s) => s.keyId) });
}

async function fileKeysFromBlob(parsed: ParsedHeader, blob: KeyBlob, key: PrivateKeyInfo): Promise<FileKeys> {
  const opened = await openBlob(blob, key);
  opened.fileKey.fill(0);
  // §5: `headerHmac` binds the blob to exactly one file.
  const sameFile =
    blob.fileId === parsed.header.fileId &&
    blob.salt === parsed.header.salt &&
    equalBytes(fromB64u(blob.headerHmac, 'headerHmac'), parsed.hmac);
  if (!sameFile) throw new KeywardError('BLOB_MISMATCH');
  return opened.keys;
}

/**
 * Opens an encrypted file stream: every check up to the payload is done when
 * this resolves; the payload is checked as `plaintext` is read.
 *
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `MALFORMED`, `NO_MATCHING_KEY`,
 *   `UNWRAP_FAILED`, `HEADER_TAMPERED`, `BLOB_TAMPERED`, `BLOB_MISMATCH`, `KEY_TOO_WEAK`;
 *   then, through `plaintext`: `CHUNK_TAMPERED`, `TRUNCATED`, `TRAILING_DATA`, `SIZE_MISMATCH`
 */
export async function openFile(source: ReadableStream<Uint8Array>, unlock: Unlock): Promise<OpenedFile> {
  const { parsed, payload } = await splitFile(source);
  try {
    const { payloadKey, ...unlocked } = await unlockFile(parsed, unlock);
    const plaintext = payload.pipeThrough(decryptStream(payloadKey, parsed.header.chunkSize, { expectedSize: unlocked.meta.size }));
    return { ...unlocked, plaintext };
  } catch (error) {
    await payload.cancel().catch(() => undefined);
    throw error;
  }
}

/** A file whose header verified under a key it was unlocked with; the payload is still to be opened. */
export interface UnlockedFile extends Omit<OpenedFile, 'plaintext'> {
  /** Opens the payload: with `decryptStream`, or piece by piece with `openPieces` when its size is known. */
  payloadKey: CryptoKey;
}

/**
 * Unlocks a parsed file: every check up to the payload (what `openFile` does
 * before it reads a chunk), for a caller that reads the payload itself.
 *
 * @throws KeywardError `NO_MATCHING_KEY`, `UNWRAP_FAILED`, `HEADER_TAMPERED`, `BLOB_TAMPERED`,
 *   `BLOB_MISMATCH`, `KEY_TOO_WEAK`, `MALFORMED`
 */
export async function unlockFile(parsed: ParsedHeader, unlock: Unlock): Promise<UnlockedFile> {
  let keys: FileKeys;
  let stanza: Stanza | undefined;
  if ('blob' in unlock) {
    keys = await fileKeysFromBlob(parsed, unlock.blob, unlock.key);
  } else {
    const unwrapped = await unwrapWithKeys(parsed, unlock.keys);
    stanza = unwrapped.stanza;
    keys = await deriveFileKeys(unwrapped.fileKey, parsed.salt);
    unwrapped.fileKey.fill(0);
  }
  // §3: verify the HMAC before trusting any header field.
  await verifyHeaderHmac(keys.headerMacKey, parsed);
  const meta = await decryptMeta(keys.metaKey, parsed.metaCiphertext);
  return { parsed, meta, ...(stanza ? { stanza } : {}), payloadKey: keys.payloadKey };
}

/** What `inspect` shows of a file: nothing secret. */
export interface FileSummary {
  fileId: string;
  serial: string;
  chunkSize: number;
  recipients: { role: Stanza['role']; keyId: string }[];
  /** Bytes before the payload. */
  headerSize: number;
  /** `b64u` of the header HMAC (what an escrow blob's `headerHmac` must equal). */
  headerHmac: string;
}

/** A summary of a parsed header. */
export function summarizeHeader(parsed: ParsedHeader): FileSummary {
  return {
    fileId: parsed.header.fileId,
    serial: serialFromFileId(parsed.fileId),
    chunkSize: parsed.header.chunkSize,
    recipients: parsed.header.recipients.map((s) => ({ role: s.role, keyId: s.keyId })),
    headerSize: parsed.prefixSize,
    headerHmac: b64u(parsed.hmac),
  };
}
