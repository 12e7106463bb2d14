/**
 * Encrypting one file (spec §2–§5): a fresh file key, the header with the
 * owner's stanza, the STREAM payload and the escrow blob for the authority.
 * With a signer it is a v2 file (v2 §3): the header names the signer, the
 * payload digest is computed as the chunks are sealed, the signature ends
 * the file, and the escrow blob (v2 §4, for an authority's identity) is
 * signed once the digest is known.
 */
import { type Bytes, b64u, concat, randomBytes } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { deriveFileKeys } from './kdf.ts';
import { DEFAULT_CHUNK_SIZE, ESCROW_FORMAT, ESCROW_FORMAT_V2, FILE_ID_LENGTH, SALT_LENGTH, SIGNATURE_LENGTH } from './format/constants.ts';
import type { ChunkCrypto } from './format/chunk-crypto.ts';
import { FILE_KEY_LENGTH, WRAP_ALG } from './keys/constants.ts';
import { type KeyBlob, sealBlob } from './format/escrow-blob.ts';
import { type EscrowBlobV2, escrowParties, signEscrowBlob } from './format/escrow-v2.ts';
import { councilAuthority, wrapSharesFor } from './format/council-escrow.ts';
import type { Council } from './keys/council.ts';
import { type Header, type Stanza, type StanzaRole, computeHeaderHmac, encodeHeader } from './format/header.ts';
import { type FileMeta, encryptMeta } from './format/meta.ts';
import { serialFromFileId } from './format/serial.ts';
import { signFile } from './format/signed-file.ts';
import { type PieceCipher, PayloadLeaves, ciphertextSize, pieceSizeFor, sealPieces } from './format/stream.ts';
import type { PrivateIdentity, PublicIdentity } from './keys/identity.ts';
import type { PublicKeyInfo } from './keys/types.ts';
import { wrapFileKey } from './keys/wrap.ts';
import { DEFAULT_PIECE_BYTES, type PieceHooks, type PieceReader, type PieceSource, cipherStream, streamReader } from './pieces.ts';

export interface EncryptOptions {
  /** Name, type, size and modification time of the plaintext (§3 metadata). */
  meta: FileMeta;
  /** The owner's key: gets the file's `owner` stanza. */
  owner: PublicKeyInfo;
  /**
   * The backup authority: gets the escrow blob. An identity gets a v2 escrow
   * blob when the file is signed; a v1 key (or an unsigned file) a v1 blob; a
   * council a council's escrow blob (v2 §8.3), which needs a `signer` (its
   * `authority.name` is the council's own: the council ID covers it).
   */
  authority: PublicKeyInfo | PublicIdentity | Council;
  /** Signs the file (a v2 file, v2 §3); `owner` must be its RSA key. */
  signer?: PrivateIdentity;
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
  /** The per-chunk AES-256-GCM and SHA-256 (default WebCrypto; the CLI passes node:crypto). */
  chunkCrypto?: ChunkCrypto;
}

/** What is known once the whole file is written. */
export interface EncryptionResult {
  /** The escrow blob: v1 (§5), or v2 (v2 §4) for a signed file and an authority's identity. */
  escrowBlob: KeyBlob | EscrowBlobV2;
  /** v2: the payload digest (v2 §3.2). */
  payloadDigest?: Bytes;
  /** v2: the file signature, the file's last 64 bytes (v2 §3.3). */
  signature?: Bytes;
}

/** The start of an encrypted file: everything but the payload. */
export interface EncryptionPlan {
  header: Header;
  fileId: string;
  serial: string;
  /** `magic || hlen || header || hmac`: the first bytes of the `.keyward` file. */
  prefix: Bytes;
  /** The v1 escrow blob for the authority (§5), known up front; `null` when it is a v2 blob, which `done` gives. */
  escrowBlob: KeyBlob | null;
  /** Total size of the `.keyward` file (with the 64-byte signature of a v2 file). */
  encryptedSize: number;
  /**
   * Seals the payload piece by piece, for a source of exactly `meta.size`
   * bytes; write its output after `prefix`. A v2 sealer's last output is the
   * signature. Call it once.
   */
  sealer: () => PieceCipher;
  /** Settles when the sealer has finished (or failed). */
  done: Promise<EncryptionResult>;
  /** Rejects `done` (the output stream was cancelled). */
  abandon: (reason: unknown) => void;
}

function isIdentity(key: PublicKeyInfo | PublicIdentity | Council): key is PublicIdentity {
  return 'encryption' in key;
}

function isCouncil(key: PublicKeyInfo | PublicIdentity | Council): key is Council {
  return 'threshold' in key && 'identities' in key;
}

/**
 * Makes the file key, header and escrow blob of one file. Nothing is read yet.
 *
 * @throws KeywardError `KEY_TOO_WEAK`, `MALFORMED` (an invalid chunk size, or a header over 1 MiB)
 */
export async function planEncryption(options: EncryptOptions): Promise<EncryptionPlan> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const { signer } = options;
  if (signer && signer.encryption.keyId !== options.owner.keyId) {
    throw new KeywardError('MALFORMED', { reason: 'the owner key of a signed file is the signer\'s RSA key' });
  }
  const council = isCouncil(options.authority) ? options.authority : null;
  if (council && !signer) throw new KeywardError('MALFORMED', { reason: 'an escrow blob for a council is signed: the file needs a signer' });
  if (council && options.embedAuthority) throw new KeywardError('MALFORMED', { reason: 'a council has no single key to embed in the file' });
  const authorityIdentity = isIdentity(options.authority) ? options.authority : null;
  const authorityKey = council ? null : authorityIdentity ? authorityIdentity.encryption : (options.authority as PublicKeyInfo);
  const fileKey = randomBytes(FILE_KEY_LENGTH);
  const salt = randomBytes(SALT_LENGTH);
  const fileIdBytes = randomBytes(FILE_ID_LENGTH);
  const keys = await deriveFileKeys(fileKey, salt, options.chunkCrypto);

  const stanzaFor = async (role: StanzaRole, key: PublicKeyInfo): Promise<Stanza> => ({
    role,
    alg: WRAP_ALG,
    keyId: key.keyId,
    wrappedKey: b64u(await wrapFileKey(fileKey, key.publicKey)),
  });
  const stanzas = [stanzaFor('owner', options.owner)];
  for (const recipient of options.recipients ?? []) stanzas.push(stanzaFor('recipient', recipient));
  if (options.embedAuthority && authorityKey) stanzas.push(stanzaFor('authority', authorityKey));

  const known = {
    fileId: b64u(fileIdBytes),
    salt: b64u(salt),
    chunkSize,
    recipients: await Promise.all(stanzas),
    meta: await encryptMeta(keys.metaKey, options.meta),
  };
  const header: Header = signer
    ? { version: 2, ...known, signer: { id: signer.id, publicKey: b64u(signer.rsaSpki), signingKey: b64u(signer.ed25519Spki) } }
    : { version: 1, ...known };
  const headerBytes = encodeHeader(header, options.extraHeaderFields);
  const hmac = await computeHeaderHmac(keys.headerMacKey, headerBytes);
  const serial = serialFromFileId(fileIdBytes);
  const createdAt = (options.now ?? new Date()).toISOString();
  const description = options.description ?? '';
  const wrappedKey = authorityKey ? b64u(await wrapFileKey(fileKey, authorityKey.publicKey)) : '';
  const shares = council ? await wrapSharesFor(council, fileKey) : null;
  const escrowBlob =
    signer && (authorityIdentity ?? council)
      ? null
      : await sealBlob(
          {
            format: ESCROW_FORMAT,
            fileId: header.fileId,
            serial,
            description,
            createdAt,
            owner: { name: options.ownerName ?? '', keyId: options.owner.keyId },
            authority: { name: options.authorityName ?? '', keyId: authorityKey!.keyId },
            salt: header.salt,
            headerHmac: b64u(hmac),
            wrappedKey,
          },
          keys.blobMacKey,
        );
  fileKey.fill(0);
  const prefix = concat(headerBytes, hmac);

  let settle!: (result: EncryptionResult) => void;
  let abandon!: (reason: unknown) => void;
  const done = new Promise<EncryptionResult>((resolve, reject) => {
    settle = resolve;
    abandon = reject;
  });
  // Nobody need wait for it: a failure also errors the stream.
  done.catch(() => undefined);

  /** The v2 end of the file: its signature, and the escrow blob that names it. */
  const finishSigned = async (signer: PrivateIdentity, payloadDigest: Bytes): Promise<EncryptionResult> => {
    const signature = await signFile(signer, prefix, payloadDigest);
    const common = { format: ESCROW_FORMAT_V2, fileId: header.fileId, serial, description, createdAt, prefix: b64u(prefix), payloadDigest: b64u(payloadDigest), fileSignature: b64u(signature) } as const;
    if (council && shares) {
      const owner = { name: options.ownerName ?? '', id: signer.id, publicKey: b64u(signer.rsaSpki), signingKey: b64u(signer.ed25519Spki) };
      const blob = await signEscrowBlob({ ...common, owner, authority: councilAuthority(council), shares }, signer);
      return { escrowBlob: blob, payloadDigest, signature };
    }
    const blob = authorityIdentity
      ? await signEscrowBlob(
          {
            format: ESCROW_FORMAT_V2,
            fileId: header.fileId,
            serial,
            description,
            createdAt,
            ...escrowParties(signer, options.ownerName ?? '', authorityIdentity, options.authorityName ?? ''),
            prefix: b64u(prefix),
            payloadDigest: b64u(payloadDigest),
            fileSignature: b64u(signature),
            wrappedKey,
          },
          signer,
        )
      : escrowBlob!;
    return { escrowBlob: blob, payloadDigest, signature };
  };

  const sealer = (): PieceCipher => {
    const leaves = signer ? new PayloadLeaves(options.chunkCrypto) : undefined;
    const inner = sealPieces(keys.payloadKey, chunkSize, options.meta.size, leaves ? { leaves } : {});
    const failing = <T>(work: Promise<T>) => work.catch((error: unknown) => { abandon(error); throw error; });
    return {
      push: (piece) => failing(inner.push(piece)),
      finish: () =>
        failing(
          (async () => {
            const out = await inner.finish();
            if (!signer || !leaves) {
              settle({ escrowBlob: escrowBlob! });
              return out;
            }
            const result = await finishSigned(signer, await leaves.digest());
            settle(result);
            return [...out, result.signature!];
          })(),
        ),
    };
  };

  return {
    header,
    fileId: header.fileId,
    serial,
    prefix,
    escrowBlob,
    encryptedSize: prefix.length + ciphertextSize(options.meta.size, chunkSize) + (signer ? SIGNATURE_LENGTH : 0),
    sealer,
    done,
    abandon,
  };
}

/** An encrypted file as a stream, with its escrow blob. */
export interface EncryptedFile extends Omit<EncryptionPlan, 'sealer' | 'abandon'> {
  /** The whole `.keyward` file: prefix, then payload (then, for a v2 file, its signature). */
  stream: ReadableStream<Uint8Array>;
}

/** An unsigned (v1) file: its v1 escrow blob is known up front. */
export interface UnsignedEncryptedFile extends EncryptedFile {
  escrowBlob: KeyBlob;
}

/** Options without a signer: a v1 file. */
export type UnsignedEncryptOptions = EncryptOptions & { signer?: undefined };

function encryptWith(plan: EncryptionPlan, reader: PieceReader, total: number, hooks: PieceHooks): EncryptedFile {
  const stream = cipherStream(reader, plan.sealer(), { before: 0, total }, hooks, plan.prefix, plan.abandon);
  const { header, fileId, serial, prefix, escrowBlob, encryptedSize, done } = plan;
  return { header, fileId, serial, prefix, escrowBlob, encryptedSize, stream, done };
}

/**
 * Encrypts a file of known size into a `.keyward` stream, piece by piece
 * (pieces of whole chunks, at most four chunks in flight). The metadata's
 * `size` is the source's; the output errors with `SIZE_MISMATCH` if the
 * source then delivers more or fewer bytes (a file changed while read).
 *
 * @throws KeywardError `KEY_TOO_WEAK`, `MALFORMED`
 */
export function encryptSource(source: PieceSource, options: UnsignedEncryptOptions, hooks?: PieceHooks): Promise<UnsignedEncryptedFile>;
export function encryptSource(source: PieceSource, options: EncryptOptions, hooks?: PieceHooks): Promise<EncryptedFile>;
export async function encryptSource(source: PieceSource, options: EncryptOptions, hooks: PieceHooks = {}): Promise<EncryptedFile> {
  const plan = await planEncryption({ ...options, meta: { ...options.meta, size: source.size } });
  const pieceSize = pieceSizeFor(plan.header.chunkSize, hooks.pieceBytes ?? DEFAULT_PIECE_BYTES);
  return encryptWith(plan, source.pieces(0, pieceSize), source.size, hooks);
}

/**
 * Encrypts a plaintext stream (a pipe) into a `.keyward` stream, with the
 * same engine as `encryptSource`. The output errors with `SIZE_MISMATCH` if
 * the source does not deliver `meta.size` bytes.
 *
 * @throws KeywardError `KEY_TOO_WEAK`, `MALFORMED`
 */
export function encryptFile(source: ReadableStream<Uint8Array>, options: UnsignedEncryptOptions): Promise<UnsignedEncryptedFile>;
export function encryptFile(source: ReadableStream<Uint8Array>, options: EncryptOptions): Promise<EncryptedFile>;
export async function encryptFile(source: ReadableStream<Uint8Array>, options: EncryptOptions): Promise<EncryptedFile> {
  return encryptWith(await planEncryption(options), streamReader(source), options.meta.size, {});
}
