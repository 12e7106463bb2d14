/**
 * Opening one file (spec §3–§5, v2 §3.4, §6 and §8.4): check the header (and a v2
 * file's signer), find a key or take a blob's file key, verify the header
 * HMAC, open the metadata, then decrypt the STREAM payload with the size
 * check at its end, and for a v2 file the signature over its prefix and
 * payload digest before the plaintext stream closes. `openSource` is the
 * one way a file is opened, by the app's Worker and by the CLI alike.
 */
import { type Bytes, b64u, concat, equalBytes, fromB64u } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { type FileKeys, deriveFileKeys } from './kdf.ts';
import type { KeyBlob } from './format/escrow-blob.ts';
import type { ChunkAead, ChunkCrypto } from './format/chunk-crypto.ts';
import { RECOVERY_FORMAT, SIGNATURE_LENGTH, TAG_LENGTH } from './format/constants.ts';
import { type ParsedHeader, type Stanza, parseHeader, prefixLength, verifyHeaderHmac } from './format/header.ts';
import { type EscrowBlobV2, openCheckedEscrow } from './format/escrow-v2.ts';
import { openWithMembers } from './format/council-escrow.ts';
import { type PartialRecoveryBlob, checkPartials, combinePartials } from './format/partial.ts';
import type { Council } from './keys/council.ts';
import { type FileMeta, decryptMeta } from './format/meta.ts';
import { type RecoveryBlobV2, checkRecoveryV2, unwrapRecoveryV2 } from './format/recovery-v2.ts';
import { serialFromFileId } from './format/serial.ts';
import { checkExpectedSigner, fileSigner, prefixOf, verifyFileSignature } from './format/signed-file.ts';
import { type PieceCipher, PayloadLeaves, digestPieces, openPieces, pieceSizeFor } from './format/stream.ts';
import type { PrivateIdentity, PublicIdentity } from './keys/identity.ts';
import type { PrivateKeyInfo } from './keys/types.ts';
import { unwrapFileKey } from './keys/wrap.ts';
import { openBlob } from './recover.ts';
import { DEFAULT_PIECE_BYTES, type PieceHooks, type PieceReader, type PieceSource, bytesReader, cipherStream, holdBack, streamReader } from './pieces.ts';
import { splitFile } from './streams.ts';

/** How to unlock a file: with one of the user's own keys, or with a blob and the key it is for. */
export type Unlock =
  | { keys: readonly PrivateKeyInfo[] }
  | {
      /** An escrow blob (opened by the authority) or a v1 recovery blob (opened by the owner's new key). */
      blob: KeyBlob;
      key: PrivateKeyInfo;
      /** Set when the reader trusts only pinned issuers: a v1 recovery blob (unsigned) is then refused (v2 §6). */
      trusted?: readonly string[];
    }
  | {
      /**
       * A v2 escrow blob, opened by the authority itself (v2 §4 then the
       * file): every intake check passes first, and the file must be the one
       * the blob names, its prefix byte for byte (so its signer is the blob's owner).
       */
      escrow: EscrowBlobV2;
      authority: PrivateIdentity;
    }
  | {
      /** A v2 recovery blob (v2 §6). */
      recovery: RecoveryBlobV2;
      /** The owner's new key, the one the blob is for. */
      key: PrivateKeyInfo;
      /** The identity IDs the reader pinned as issuers. */
      trusted: readonly string[];
    }
  | {
      /** Council members' partial recovery blobs (v2 §8.4): k or more, from distinct members. */
      partials: readonly PartialRecoveryBlob[];
      /** The owner's new key, the one the partials are for. */
      key: PrivateKeyInfo;
      /** The councils the reader pinned (with their descriptors). */
      councils: readonly Council[];
    }
  | {
      /**
       * A council's escrow blob opened by k or more of its members together
       * (a ceremony, v2 §8.4 last paragraph): the blob passes §8.3's check
       * "with k or more member keys together", and the file must be the one
       * it names, its prefix byte for byte.
       */
      escrow: EscrowBlobV2;
      members: readonly PrivateIdentity[];
    };

/** What a reader was told (v2 §3.4 step 2). */
export interface OpenOptions {
  /** The identity ID the file must be signed by: any other signer, and an unsigned v1 file, is `SIGNER_UNTRUSTED`. */
  expectSigner?: string;
  /** The per-chunk AES-256-GCM and SHA-256 (default WebCrypto; the CLI passes node:crypto). */
  chunkCrypto?: ChunkCrypto;
}

/** A file whose header and metadata verified; its plaintext is still to be read. */
export interface OpenedFile {
  parsed: ParsedHeader;
  meta: FileMeta;
  /** The stanza that opened the file (absent when a blob did). */
  stanza?: Stanza;
  /** Who signed the file (its signature is checked before `plaintext` closes); `null` for an unsigned v1 file. */
  signer: PublicIdentity | null;
  /** Bytes of the payload: an upper bound of the plaintext's size, whatever the metadata says (infinite for a stream). */
  payloadSize: number;
  /**
   * The verified plaintext, chunk by chunk. It errors with a `KeywardError`
   * at the first failure (for a v2 file, `SIGNATURE_INVALID` after the last
   * chunk opened and before that chunk is released); whoever consumes it
   * must discard all output unless it ends cleanly (spec §7).
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

async function fileKeysFromBlob(parsed: ParsedHeader, blob: KeyBlob, key: PrivateKeyInfo, chunkCrypto?: ChunkCrypto): Promise<FileKeys> {
  const opened = await openBlob(blob, key, chunkCrypto);
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
 * v2 §6 steps 1–6 up to the header HMAC: a checked, pinned recovery blob for
 * `key` and for this file, and the keys its file key derives.
 */
async function fileKeysFromRecovery(
  parsed: ParsedHeader,
  recovery: RecoveryBlobV2,
  key: PrivateKeyInfo,
  trusted: readonly string[],
  chunkCrypto?: ChunkCrypto,
): Promise<FileKeys> {
  const { blob } = await checkRecoveryV2(recovery, key, trusted);
  if (blob.fileId !== parsed.header.fileId || !equalBytes(fromB64u(blob.headerHmac, 'headerHmac'), parsed.hmac)) throw new KeywardError('BLOB_MISMATCH');
  const fileKey = await unwrapRecoveryV2(blob, key);
  try {
    return await deriveFileKeys(fileKey, parsed.salt, chunkCrypto);
  } finally {
    fileKey.fill(0);
  }
}

/** v2 §8.4 steps 1–7 up to the header HMAC: checked partials of a pinned council, for `key` and this file, combined. */
async function fileKeysFromPartials(parsed: ParsedHeader, partials: readonly PartialRecoveryBlob[], key: PrivateKeyInfo, councils: readonly Council[], chunkCrypto?: ChunkCrypto): Promise<FileKeys> {
  const checked = await checkPartials(partials, key, councils, { fileId: parsed.header.fileId, headerHmac: parsed.hmac });
  const fileKey = await combinePartials(checked, key, parsed);
  try {
    return await deriveFileKeys(fileKey, parsed.salt, chunkCrypto);
  } finally {
    fileKey.fill(0);
  }
}

/** The ceremony (v2 §8.4): k or more members open a council's blob together, for exactly this file. */
async function fileKeysFromMembers(parsed: ParsedHeader, escrow: EscrowBlobV2, members: readonly PrivateIdentity[], chunkCrypto?: ChunkCrypto): Promise<FileKeys> {
  const { fileKey } = await openWithMembers(escrow, members);
  try {
    if (!equalBytes(prefixOf(parsed), fromB64u(escrow.prefix, 'prefix'))) throw new KeywardError('BLOB_MISMATCH');
    return await deriveFileKeys(fileKey, parsed.salt, chunkCrypto);
  } finally {
    fileKey.fill(0);
  }
}

/** The authority's own unlock: a good v2 escrow blob (§4, all eight checks) for exactly this file. */
async function fileKeysFromEscrow(parsed: ParsedHeader, escrow: EscrowBlobV2, authority: PrivateIdentity, chunkCrypto?: ChunkCrypto): Promise<FileKeys> {
  const { fileKey } = await openCheckedEscrow(escrow, authority);
  try {
    if (!equalBytes(prefixOf(parsed), fromB64u(escrow.prefix, 'prefix'))) throw new KeywardError('BLOB_MISMATCH');
    return await deriveFileKeys(fileKey, parsed.salt, chunkCrypto);
  } finally {
    fileKey.fill(0);
  }
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

/** The v2 file signature, read from the last 64 bytes of a source. */
async function readSignature(source: PieceSource, start: Bytes): Promise<Bytes> {
  if (start.length === source.size) return start.slice(source.size - SIGNATURE_LENGTH);
  const reader = source.pieces(source.size - SIGNATURE_LENGTH, SIGNATURE_LENGTH, source.size);
  try {
    const piece = await reader.next();
    if (piece?.length !== SIGNATURE_LENGTH) throw new KeywardError('TRUNCATED', { reason: 'the file changed while it was read' });
    return piece.slice();
  } finally {
    await reader.cancel();
  }
}

/**
 * The opener of a v2 payload: the leaves are hashed as the chunks are opened,
 * and `finish` verifies the signature. The output of the chunk that ends each
 * piece is held back until the next piece (or the signature) is through, so
 * the last chunk's plaintext is never handed out before the signature verified.
 */
function signedOpener(
  open: (leaves: PayloadLeaves) => PieceCipher,
  signer: PublicIdentity,
  parsed: ParsedHeader,
  signature: () => Bytes,
  chunkCrypto?: ChunkCrypto,
): PieceCipher {
  const leaves = new PayloadLeaves(chunkCrypto);
  const inner = open(leaves);
  let held: Bytes[] = [];
  return {
    async push(piece) {
      const out = [...held, ...(await inner.push(piece))];
      held = out.splice(out.length - 1);
      return out;
    },
    async finish() {
      const out = [...held, ...(await inner.finish())];
      held = [];
      await verifyFileSignature(signer.signingKey, prefixOf(parsed), await leaves.digest(), signature());
      return out;
    },
  };
}

/**
 * v2 §3.4 steps 1–2 on a parsed prefix: the signer the header names (null
 * for a v1 file), and the one the reader was told to expect.
 *
 * @throws KeywardError `MALFORMED`, `SIGNER_UNTRUSTED`
 */
export async function checkSigner(parsed: ParsedHeader, options: OpenOptions = {}): Promise<PublicIdentity | null> {
  const signer = await fileSigner(parsed);
  checkExpectedSigner(signer, options.expectSigner);
  return signer;
}

/**
 * Opens an encrypted file of known size: every check up to the payload is
 * done when this resolves; the payload is checked as `plaintext` is read,
 * piece by piece (pieces of whole chunks, at most four chunks in flight).
 * For a v2 file the signer is checked before any key is used, and the
 * signature before `plaintext` closes (v2 §3.4).
 *
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`, `SIGNER_UNTRUSTED`,
 *   `SIGNATURE_INVALID` (a v2 recovery blob or partial), `NO_MATCHING_KEY`, `UNWRAP_FAILED`, `HEADER_TAMPERED`,
 *   `BLOB_TAMPERED`, `BLOB_MISMATCH`, `KEY_TOO_WEAK`, `QUORUM_NOT_MET` and `ESCROW_INVALID` (partials, a ceremony); then, through `plaintext`: `CHUNK_TAMPERED`,
 *   `TRUNCATED`, `TRAILING_DATA`, `SIZE_MISMATCH`, `SIGNATURE_INVALID`
 */
export async function openSource(source: PieceSource, unlock: Unlock, hooks: PieceHooks = {}, options: OpenOptions = {}): Promise<OpenedFile> {
  const { parsed, start } = await readHeader(source);
  const signer = await checkSigner(parsed, options);
  const trailer = signer ? SIGNATURE_LENGTH : 0;
  if (source.size < parsed.prefixSize + trailer) throw new KeywardError('TRUNCATED', { reason: 'the file ends before its signature' });
  const signature = signer ? await readSignature(source, start) : null;
  const { payloadKey, ...unlocked } = await unlockFile(parsed, unlock, options.chunkCrypto);
  const { chunkSize } = parsed.header;
  const payloadSize = source.size - parsed.prefixSize - trailer;
  const open = (leaves?: PayloadLeaves) => openPieces(payloadKey, chunkSize, payloadSize, { expectedSize: unlocked.meta.size, ...(leaves ? { leaves } : {}) });
  const opener = signer && signature ? signedOpener(open, signer, parsed, () => signature, options.chunkCrypto) : open();
  const pieceSize = pieceSizeFor(chunkSize + TAG_LENGTH, hooks.pieceBytes ?? DEFAULT_PIECE_BYTES);
  // A small file was read whole with its header: its payload is not read again.
  const end = source.size - trailer;
  const pieces =
    start.length === source.size ? bytesReader(start.subarray(parsed.prefixSize, end), pieceSize) : source.pieces(parsed.prefixSize, pieceSize, end);
  const plaintext = cipherStream(pieces, opener, { before: parsed.prefixSize, total: source.size }, hooks);
  return { ...unlocked, signer, payloadSize, plaintext };
}

/**
 * Opens a file that comes as a stream of unknown size (a pipe): the same
 * checks and engine as `openSource`, except that the last chunk is known
 * only once the stream ends, so it is held back (copied) until then; so is
 * a v2 file's signature, its last 64 bytes.
 *
 * @throws as `openSource`
 */
export async function openFile(
  source: ReadableStream<Uint8Array>,
  unlock: Unlock,
  hooks: Omit<PieceHooks, 'pieceBytes'> = {},
  options: OpenOptions = {},
): Promise<OpenedFile> {
  const { parsed, payload } = await splitFile(source);
  try {
    const signer = await checkSigner(parsed, options);
    const { payloadKey, ...unlocked } = await unlockFile(parsed, unlock, options.chunkCrypto);
    const open = (leaves?: PayloadLeaves) =>
      openPieces(payloadKey, parsed.header.chunkSize, undefined, { expectedSize: unlocked.meta.size, ...(leaves ? { leaves } : {}) });
    let reader: PieceReader = streamReader(payload);
    let opener = open();
    if (signer) {
      const held = holdBack(reader, SIGNATURE_LENGTH);
      reader = held.reader;
      opener = signedOpener(open, signer, parsed, held.trailer, options.chunkCrypto);
    }
    const plaintext = cipherStream(reader, opener, { before: parsed.prefixSize, total: Number.NaN }, hooks);
    return { ...unlocked, signer, payloadSize: Number.POSITIVE_INFINITY, plaintext };
  } catch (error) {
    await payload.cancel().catch(() => undefined);
    throw error;
  }
}

/**
 * Checks who wrote a file and that not a byte changed since, without a
 * private key (v2 §3.4, verifying): the header and its signer, then the
 * leaves of every stored chunk and the signature. Decrypts nothing.
 *
 * @returns the signer, or `null` for an unsigned v1 file (when no signer was expected)
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`, `SIGNER_UNTRUSTED`, `SIGNATURE_INVALID`
 */
export async function verifySource(source: PieceSource, options: OpenOptions = {}, hooks: PieceHooks = {}): Promise<{ signer: PublicIdentity | null; fileId: string; serial: string }> {
  const { parsed, start } = await readHeader(source);
  const signer = await checkSigner(parsed, options);
  const facts = { fileId: parsed.header.fileId, serial: serialFromFileId(parsed.fileId) };
  if (!signer) return { signer, ...facts };
  if (source.size < parsed.prefixSize + SIGNATURE_LENGTH) throw new KeywardError('TRUNCATED', { reason: 'the file ends before its signature' });
  const signature = await readSignature(source, start);
  const { chunkSize } = parsed.header;
  const end = source.size - SIGNATURE_LENGTH;
  const leaves = new PayloadLeaves(options.chunkCrypto);
  const digester = digestPieces(chunkSize, end - parsed.prefixSize, leaves);
  const pieceSize = pieceSizeFor(chunkSize + TAG_LENGTH, hooks.pieceBytes ?? DEFAULT_PIECE_BYTES);
  const reader = start.length === source.size ? bytesReader(start.subarray(parsed.prefixSize, end), pieceSize) : source.pieces(parsed.prefixSize, pieceSize, end);
  let done = parsed.prefixSize;
  try {
    for (;;) {
      await hooks.beforePiece?.(done, source.size);
      const piece = await reader.next();
      if (!piece) break;
      done += piece.length;
      try {
        await digester.push(piece);
      } finally {
        reader.release(piece);
      }
    }
    await digester.finish();
  } finally {
    await reader.cancel();
  }
  await verifyFileSignature(signer.signingKey, prefixOf(parsed), await leaves.digest(), signature);
  return { signer, ...facts };
}

/** A file whose header verified under a key it was unlocked with; the payload is still to be opened. */
export interface UnlockedFile extends Omit<OpenedFile, 'plaintext' | 'payloadSize' | 'signer'> {
  /** Opens the payload (`openPieces`). */
  payloadKey: ChunkAead;
}

/**
 * Unlocks a parsed file: every check up to the payload (what `openSource`
 * does before it reads a chunk).
 *
 * @throws KeywardError `NO_MATCHING_KEY`, `UNWRAP_FAILED`, `HEADER_TAMPERED`, `BLOB_TAMPERED`,
 *   `BLOB_MISMATCH`, `KEY_TOO_WEAK`, `MALFORMED`; with a v2 blob, partials or member keys also
 *   `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `ESCROW_INVALID`, `QUORUM_NOT_MET`
 */
export async function unlockFile(parsed: ParsedHeader, unlock: Unlock, chunkCrypto?: ChunkCrypto): Promise<UnlockedFile> {
  let keys: FileKeys;
  let stanza: Stanza | undefined;
  if ('recovery' in unlock) {
    keys = await fileKeysFromRecovery(parsed, unlock.recovery, unlock.key, unlock.trusted, chunkCrypto);
  } else if ('partials' in unlock) {
    keys = await fileKeysFromPartials(parsed, unlock.partials, unlock.key, unlock.councils, chunkCrypto);
  } else if ('members' in unlock) {
    keys = await fileKeysFromMembers(parsed, unlock.escrow, unlock.members, chunkCrypto);
  } else if ('escrow' in unlock) {
    keys = await fileKeysFromEscrow(parsed, unlock.escrow, unlock.authority, chunkCrypto);
  } else if ('blob' in unlock) {
    // v2 §6: a reader that trusts only pinned issuers refuses an unsigned (v1) recovery blob.
    if (unlock.trusted !== undefined && unlock.blob.format === RECOVERY_FORMAT) {
      throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'a v1 recovery blob is unsigned' });
    }
    keys = await fileKeysFromBlob(parsed, unlock.blob, unlock.key, chunkCrypto);
  } else {
    const unwrapped = await unwrapWithKeys(parsed, unlock.keys);
    stanza = unwrapped.stanza;
    keys = await deriveFileKeys(unwrapped.fileKey, parsed.salt, chunkCrypto);
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
