/**
 * The backup authority's side (spec §5): open an escrow blob with the
 * authority's private key, and issue a recovery blob for the owner's new key.
 */
import { type Bytes, b64u, fromB64u } from './bytes.ts';
import { KeywardError } from './errors.ts';
import { type FileKeys, deriveFileKeys } from './kdf.ts';
import type { ChunkCrypto } from './format/chunk-crypto.ts';
import { ESCROW_FORMAT, RECOVERY_FORMAT } from './format/constants.ts';
import { type KeyBlob, blobTargetKeyId, sealBlob, verifyBlobMac } from './format/escrow-blob.ts';
import type { PrivateKeyInfo, PublicKeyInfo } from './keys/types.ts';
import { unwrapFileKey, wrapFileKey } from './keys/wrap.ts';

/** An escrow or recovery blob whose MAC verified, with the file key inside. */
export interface OpenedBlob {
  blob: KeyBlob;
  fileKey: Bytes;
  keys: FileKeys;
}

/**
 * Unwraps a blob's file key and verifies the blob's MAC (§5).
 *
 * @param blob - a parsed escrow or recovery blob
 * @param key - the authority's key pair (escrow blob) or the owner's new key pair (recovery blob)
 * @param chunkCrypto - the primitive the payload key is bound to (default WebCrypto)
 * @throws KeywardError `NO_MATCHING_KEY` (naming the key ID the blob is for),
 *   `UNWRAP_FAILED`, `BLOB_TAMPERED`, `MALFORMED`, `KEY_TOO_WEAK`
 */
export async function openBlob(blob: KeyBlob, key: PrivateKeyInfo, chunkCrypto?: ChunkCrypto): Promise<OpenedBlob> {
  const target = blobTargetKeyId(blob);
  if (key.keyId !== target) throw new KeywardError('NO_MATCHING_KEY', { keyIds: [target] });
  const fileKey = await unwrapFileKey(fromB64u(blob.wrappedKey, 'wrappedKey'), key.privateKey);
  const keys = await deriveFileKeys(fileKey, fromB64u(blob.salt, 'salt'), chunkCrypto);
  await verifyBlobMac(blob, keys.blobMacKey);
  return { blob, fileKey, keys };
}

export interface ReissueOptions {
  /** The owner's new public key. */
  newOwner: PublicKeyInfo;
  /** The owner's name in the recovery blob (default: the escrow blob's). */
  ownerName?: string;
  /** The recovery blob's `createdAt` (default: now). */
  now?: Date;
}

/**
 * Issues a recovery blob: the file key from an escrow blob, wrapped for the
 * owner's new key, so the authority never needs the encrypted file (§5).
 *
 * @throws KeywardError as `openBlob`, and `MALFORMED` if `escrowBlob` is a recovery blob
 */
export async function issueRecoveryBlob(escrowBlob: KeyBlob, authority: PrivateKeyInfo, options: ReissueOptions): Promise<KeyBlob> {
  if (escrowBlob.format !== ESCROW_FORMAT) throw new KeywardError('MALFORMED', { reason: 'a recovery blob is issued from an escrow blob' });
  const opened = await openBlob(escrowBlob, authority);
  try {
    return await sealBlob(
      {
        format: RECOVERY_FORMAT,
        fileId: escrowBlob.fileId,
        serial: escrowBlob.serial,
        description: escrowBlob.description,
        createdAt: (options.now ?? new Date()).toISOString(),
        owner: { name: options.ownerName ?? escrowBlob.owner.name, keyId: options.newOwner.keyId },
        authority: { name: escrowBlob.authority.name, keyId: escrowBlob.authority.keyId },
        salt: escrowBlob.salt,
        headerHmac: escrowBlob.headerHmac,
        wrappedKey: b64u(await wrapFileKey(opened.fileKey, options.newOwner.publicKey)),
      },
      opened.keys.blobMacKey,
    );
  } finally {
    opened.fileKey.fill(0);
  }
}
