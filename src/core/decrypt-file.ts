/**
 * Opening one file (spec §3–§5): check the header, find a key or take a
 * blob's file key, verify the header HMAC, open the metadata, then decrypt
 * the STREAM payload with the size check at its end. `openSource` is the one
 * way a file is opened, by the app's Worker and by the CLI alike.
 */
import { type Bytes, b64u, concat, equalBytes, fromB64u } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { type FileKeys, deriveFileKeys } from './kdf.ts';
import type { KeyBlob } from './format/escrow-blob.ts';
import { TAG_LENGTH } from './format/constants.ts';
import { type ParsedHeader, type Stanza, parseHeader, prefixLength, verifyHeaderHmac } from './format/header.ts';
import { type FileMeta, decryptMeta } from './format/meta.ts';
import { serialFromFileId } from './format/serial.ts';
import { openPieces, pieceSizeFor } from './format/stream.ts';
import type { PrivateKeyInfo } from './keys/types.ts';
import { unwrapFileKey } from './keys/wrap.ts';
import { openBlob } from './recover.ts';
import { DEFAULT_PIECE_BYTES, type PieceHooks, type PieceSource, bytesReader, cipherStream, streamReader } from './pieces.ts';
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
  /** Bytes of the payload: an upper bound of the plaintext's size, whatever the metadata says (infinite for a stream). */
  payloadSize: number;
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

/** Bytes read first to find the header: most prefixes, and whole small files, fit. */
const HEADER_PROBE_BYTES = 64 * 1024;

/** The first `length` bytes of a source (fewer if it is shorter), copied. */
async function readStart(source: PieceSource, length: number): Promise<Bytes> {
  if (length === 0) return new Uint8Array(0);
  const reader = source.pieces(0, length, length);
  try {
    const piece = await reader.next();
    return piece ? concat(piece) : new Uint8Array(0);
  } finally {
    await reader.cancel();
  }
}

/** A file's parsed prefix, and the bytes read to find it. */
export interface ReadHeader {
  parsed: ParsedHeader;
  /** The start of the file as read (at least the prefix; the whole file when it is small). */
  start: Bytes;
}

/**
 * Reads and parses the prefix of a file (magic, header, HMAC) before any
 * chunk is touched (§3).
 *
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`
 */
export async function readHeader(source: PieceSource): Promise<ReadHeader> {
  let start = await readStart(source, Math.min(source.size, HEADER_PROBE_BYTES));
  const needed = prefixLength(start, start.length >= source.size);
  if (needed > start.length) start = await readStart(source, Math.min(source.size, needed));
  return { parsed: parseHeader(start), start };
}

/**
 * Opens an encrypted file of known size: every check up to the payload is
 * done when this resolves; the payload is checked as `plaintext` is read,
 * piece by piece (pieces of whole chunks, at most four chunks in flight).
 *
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`, `NO_MATCHING_KEY`,
 *   `UNWRAP_FAILED`, `HEADER_TAMPERED`, `BLOB_TAMPERED`, `BLOB_MISMATCH`, `KEY_TOO_WEAK`;
 *   then, through `plaintext`: `CHUNK_TAMPERED`, `TRUNCATED`, `TRAILING_DATA`, `SIZE_MISMATCH`
 */
export async function openSource(source: PieceSource, unlock: Unlock, hooks: PieceHooks = {}): Promise<OpenedFile> {
  const { parsed, start } = await readHeader(source);
  const { payloadKey, ...unlocked } = await unlockFile(parsed, unlock);
  const { chunkSize } = parsed.header;
  const payloadSize = source.size - parsed.prefixSize;
  const opener = openPieces(payloadKey, chunkSize, payloadSize, { expectedSize: unlocked.meta.size });
  const pieceSize = pieceSizeFor(chunkSize + TAG_LENGTH, hooks.pieceBytes ?? DEFAULT_PIECE_BYTES);
  // A small file was read whole with its header: its payload is not read again.
  const pieces =
    start.length === source.size ? bytesReader(start.subarray(parsed.prefixSize), pieceSize) : source.pieces(parsed.prefixSize, pieceSize);
  const plaintext = cipherStream(pieces, opener, { before: parsed.prefixSize, total: source.size }, hooks);
  return { ...unlocked, payloadSize, plaintext };
}

/**
 * Opens a file that comes as a stream of unknown size (a pipe): the same
 * checks and engine as `openSource`, except that the last chunk is known
 * only once the stream ends, so it is held back (copied) until then.
 *
 * @throws as `openSource`
 */
export async function openFile(source: ReadableStream<Uint8Array>, unlock: Unlock, hooks: Omit<PieceHooks, 'pieceBytes'> = {}): Promise<OpenedFile> {
  const { parsed, payload } = await splitFile(source);
  try {
    const { payloadKey, ...unlocked } = await unlockFile(parsed, unlock);
    const opener = openPieces(payloadKey, parsed.header.chunkSize, undefined, { expectedSize: unlocked.meta.size });
    const plaintext = cipherStream(streamReader(payload), opener, { before: parsed.prefixSize, total: Number.NaN }, hooks);
    return { ...unlocked, payloadSize: Number.POSITIVE_INFINITY, plaintext };
  } catch (error) {
    await payload.cancel().catch(() => undefined);
    throw error;
  }
}

/** A file whose header verified under a key it was unlocked with; the payload is still to be opened. */
export interface UnlockedFile extends Omit<OpenedFile, 'plaintext' | 'payloadSize'> {
  /** Opens the payload (`openPieces`). */
  payloadKey: CryptoKey;
}

/**
 * Unlocks a parsed file: every check up to the payload (what `openSource`
 * does before it reads a chunk).
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
