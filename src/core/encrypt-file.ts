/**
 * Encrypting one file (spec §2–§5): a fresh file key, the header with the
 * owner's stanza, the STREAM payload and the escrow blob for the authority.
 */
import { type Bytes, b64u, concat, randomBytes } from './bytes.ts';
import { deriveFileKeys } from './kdf.ts';
import { DEFAULT_CHUNK_SIZE, ESCROW_FORMAT, FILE_ID_LENGTH, SALT_LENGTH } from './format/constants.ts';
import { FILE_KEY_LENGTH, WRAP_ALG } from './keys/constants.ts';
import { type KeyBlob, sealBlob } from './format/escrow-blob.ts';
import { type Header, type Stanza, type StanzaRole, computeHeaderHmac, encodeHeader } from './format/header.ts';
import { type FileMeta, encryptMeta } from './format/meta.ts';
import { serialFromFileId } from './format/serial.ts';
import { type PieceCipher, ciphertextSize, pieceSizeFor, sealPieces } from './format/stream.ts';
import type { PublicKeyInfo } from './keys/types.ts';
import { wrapFileKey } from './keys/wrap.ts';
import { DEFAULT_PIECE_BYTES, type PieceHooks, type PieceSource, cipherStream, streamReader } from './pieces.ts';

export interface EncryptOptions {
  /** Name, type, size and modification time of the plaintext (§3 metadata). */
  meta: FileMeta;
  /** The owner's key: gets the file's `owner` stanza. */
  owner: PublicKeyInfo;
  /** The backup authority's key: gets the escrow blob. */
  authority: PublicKeyInfo;
  /** Names written into the escrow blob (§5); may be empty. */
  ownerName?: string;
  authorityName?: string;
  /** The key description the owner gives the authority (§5). */
  description?: string;
  /** Other people the owner shares with: `recipient` stanzas. */
  recipients?: readonly PublicKeyInfo[];
  /** Also embed an `authority` stanza in the file (like an EFS data recovery field). */
  embedAuthority?: boolean;
  /** Plaintext bytes per chunk (default 256 KiB). */
  chunkSize?: number;
  /** The escrow blob's `createdAt` (default: now). */
  now?: Date;
  /** Unknown header fields to write (tests of forward compatibility). */
  extraHeaderFields?: Record<string, unknown>;
}

/** The start of an encrypted file: everything but the payload. */
export interface EncryptionPlan {
  header: Header;
  fileId: string;
  serial: string;
  /** `magic || hlen || header || hmac`: the first bytes of the `.keyward` file. */
  prefix: Bytes;
  /** The escrow blob for the authority (§5). */
  escrowBlob: KeyBlob;
  /** Total size of the `.keyward` file. */
  encryptedSize: number;
  /** Seals the payload piece by piece, for a source of exactly `meta.size` bytes; write its output after `prefix`. */
  sealer: () => PieceCipher;
}

/**
 * Makes the file key, header and escrow blob of one file. Nothing is read yet.
 *
 * @throws KeywardError `KEY_TOO_WEAK`, `MALFORMED` (an invalid chunk size, or a header over 1 MiB)
 */
export async function planEncryption(options: EncryptOptions): Promise<EncryptionPlan> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const fileKey = randomBytes(FILE_KEY_LENGTH);
  const salt = randomBytes(SALT_LENGTH);
  const fileIdBytes = randomBytes(FILE_ID_LENGTH);
  const keys = await deriveFileKeys(fileKey, salt);

  const stanzaFor = async (role: StanzaRole, key: PublicKeyInfo): Promise<Stanza> => ({
    role,
    alg: WRAP_ALG,
    keyId: key.keyId,
    wrappedKey: b64u(await wrapFileKey(fileKey, key.publicKey)),
  });
  const stanzas = [stanzaFor('owner', options.owner)];
  for (const recipient of options.recipients ?? []) stanzas.push(stanzaFor('recipient', recipient));
  if (options.embedAuthority) stanzas.push(stanzaFor('authority', options.authority));

  const header: Header = {
    version: 1,
    fileId: b64u(fileIdBytes),
    salt: b64u(salt),
    chunkSize,
    recipients: await Promise.all(stanzas),
    meta: await encryptMeta(keys.metaKey, options.meta),
  };
  const headerBytes = encodeHeader(header, options.extraHeaderFields);
  const hmac = await computeHeaderHmac(keys.headerMacKey, headerBytes);
  const serial = serialFromFileId(fileIdBytes);
  const escrowBlob = await sealBlob(
    {
      format: ESCROW_FORMAT,
      fileId: header.fileId,
      serial,
      description: options.description ?? '',
      createdAt: (options.now ?? new Date()).toISOString(),
      owner: { name: options.ownerName ?? '', keyId: options.owner.keyId },
      authority: { name: options.authorityName ?? '', keyId: options.authority.keyId },
      salt: header.salt,
      headerHmac: b64u(hmac),
      wrappedKey: b64u(await wrapFileKey(fileKey, options.authority.publicKey)),
    },
    keys.blobMacKey,
  );
  fileKey.fill(0);
  const prefix = concat(headerBytes, hmac);
  return {
    header,
    fileId: header.fileId,
    serial,
    prefix,
    escrowBlob,
    encryptedSize: prefix.length + ciphertextSize(options.meta.size, chunkSize),
    sealer: () => sealPieces(keys.payloadKey, chunkSize, options.meta.size),
  };
}

/** An encrypted file as a stream, with its escrow blob. */
export interface EncryptedFile extends Omit<EncryptionPlan, 'sealer'> {
  /** The whole `.keyward` file: prefix, then payload. */
  stream: ReadableStream<Uint8Array>;
}

/**
 * Encrypts a file of known size into a `.keyward` stream, piece by piece
 * (pieces of whole chunks, at most four chunks in flight). The metadata's
 * `size` is the source's; the output errors with `SIZE_MISMATCH` if the
 * source then delivers more or fewer bytes (a file changed while read).
 *
 * @throws KeywardError `KEY_TOO_WEAK`, `MALFORMED`
 */
export async function encryptSource(source: PieceSource, options: EncryptOptions, hooks: PieceHooks = {}): Promise<EncryptedFile> {
  const plan = await planEncryption({ ...options, meta: { ...options.meta, size: source.size } });
  const pieceSize = pieceSizeFor(plan.header.chunkSize, hooks.pieceBytes ?? DEFAULT_PIECE_BYTES);
  const stream = cipherStream(source.pieces(0, pieceSize), plan.sealer(), { before: 0, total: source.size }, hooks, plan.prefix);
  const { header, fileId, serial, prefix, escrowBlob, encryptedSize } = plan;
  return { header, fileId, serial, prefix, escrowBlob, encryptedSize, stream };
}

/**
 * Encrypts a plaintext stream (a pipe) into a `.keyward` stream, with the
 * same engine as `encryptSource`. The output errors with `SIZE_MISMATCH` if
 * the source does not deliver `meta.size` bytes.
 *
 * @throws KeywardError `KEY_TOO_WEAK`, `MALFORMED`
 */
export async function encryptFile(source: ReadableStream<Uint8Array>, options: EncryptOptions): Promise<EncryptedFile> {
  const plan = await planEncryption(options);
  const stream = cipherStream(streamReader(source), plan.sealer(), { before: 0, total: options.meta.size }, {}, plan.prefix);
  const { header, fileId, serial, prefix, escrowBlob, encryptedSize } = plan;
  return { header, fileId, serial, prefix, escrowBlob, encryptedSize, stream };
}
