/**
 * Keyward v2 §6: the signed recovery blob, issued from a good escrow blob
 * for the owner's new identity, and the checks a reader makes before it
 * uses one (steps 1–4; the file's own, steps 5–6, are in decrypt-file.ts).
 */
import { type Bytes, b64u, fromB64u } from '../bytes.ts';
import { b64uField, exactFields, idField, isPlainObject, stringField, timeField } from '../canonical.ts';
import { KeywardError } from '../errors.ts';
import { type PrivateIdentity, type PublicIdentity, signAs } from '../keys/identity.ts';
import type { PrivateKeyInfo } from '../keys/types.ts';
import { unwrapFileKey, wrapFileKey } from '../keys/wrap.ts';
import { FILE_ID_LENGTH, HMAC_LENGTH, RECOVERY_FORMAT_V2, SIGNATURE_LENGTH } from './constants.ts';
import { type EscrowBlobV2, escrowDigest, openCheckedEscrow } from './escrow-v2.ts';
import { isSerial } from './serial.ts';
import { identityFields, jsonValue, namedIdentity, signedBody, verifySigned } from './signing.ts';

/** A recovery blob of v2 §6. */
export interface RecoveryBlobV2 {
  format: typeof RECOVERY_FORMAT_V2;
  fileId: string;
  serial: string;
  description: string;
  createdAt: string;
  /** `b64u` of the file's header `hmac`. */
  headerHmac: string;
  /** The escrow blob it was issued from (§5). */
  escrowDigest: string;
  /** The owner's new identity and its RSA key ID. */
  owner: { name: string; id: string; keyId: string };
  /** Who issued it (`kind` `"member"` is a council member's partial, §8.4: partial.ts reads it). */
  issuer: { kind: 'identity'; name: string; id: string; publicKey: string; signingKey: string };
  /** `b64u(RSA-OAEP-256(new owner RSA key, fileKey))`. */
  wrappedKey: string;
  /** The issuer's Ed25519 signature over the rest (context `keyward/v2 recovery`). */
  signature: string;
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const FIELDS = ['format', 'fileId', 'serial', 'description', 'createdAt', 'headerHmac', 'escrowDigest', 'owner', 'issuer', 'wrappedKey', 'signature'];

/**
 * Reads a recovery blob of v2 strictly (§6 step 1, syntax).
 *
 * @param input - the blob's JSON text, or an already parsed value
 * @throws KeywardError `MALFORMED`; `UNSUPPORTED_VERSION` for a council member's partial blob (§8)
 */
export function parseRecoveryBlobV2(input: unknown): RecoveryBlobV2 {
  const value = jsonValue(input, 'the recovery blob');
  if (!isPlainObject(value)) throw malformed('the recovery blob must be a JSON object');
  if (value.format !== RECOVERY_FORMAT_V2) throw malformed(`format must be ${RECOVERY_FORMAT_V2}`);
  if (isPlainObject(value.issuer) && value.issuer.kind === 'member') {
    throw new KeywardError('UNSUPPORTED_VERSION', { version: 'council recovery', reason: 'a partial recovery blob of a council member' });
  }
  const blob = exactFields(value, 'the recovery blob', FIELDS);
  const owner = exactFields(blob.owner, 'owner', ['name', 'id', 'keyId']);
  const issuer = identityFields(blob.issuer, 'issuer', ['kind', 'name']);
  if (issuer.kind !== 'identity') throw malformed('issuer.kind must be "identity"');
  b64uField(blob.fileId, 'fileId', FILE_ID_LENGTH);
  if (!isSerial(blob.serial)) throw malformed('serial must look like KW-XXXX-XXXX-XXXX-XXXX');
  b64uField(blob.headerHmac, 'headerHmac', HMAC_LENGTH);
  b64uField(blob.escrowDigest, 'escrowDigest', 32);
  b64uField(issuer.publicKey, 'issuer.publicKey');
  b64uField(issuer.signingKey, 'issuer.signingKey', 44);
  b64uField(blob.wrappedKey, 'wrappedKey');
  b64uField(blob.signature, 'signature', SIGNATURE_LENGTH);
  return {
    format: RECOVERY_FORMAT_V2,
    fileId: blob.fileId as string,
    serial: blob.serial,
    description: stringField(blob.description, 'description'),
    createdAt: timeField(blob.createdAt, 'createdAt'),
    headerHmac: blob.headerHmac as string,
    escrowDigest: blob.escrowDigest as string,
    owner: { name: stringField(owner.name, 'owner.name'), id: idField(owner.id, 'owner.id'), keyId: idField(owner.keyId, 'owner.keyId') },
    issuer: {
      kind: 'identity',
      name: stringField(issuer.name, 'issuer.name'),
      id: idField(issuer.id, 'issuer.id'),
      publicKey: issuer.publicKey as string,
      signingKey: issuer.signingKey as string,
    },
    wrappedKey: blob.wrappedKey as string,
    signature: blob.signature as string,
  };
}

export interface RecoveryV2Options {
  /** The owner's new identity (confirmed by the authority out of band). */
  newOwner: PublicIdentity;
  /** The owner's name in the recovery blob (default: the escrow blob's). */
  ownerName?: string;
  /** The issuer's name (default: the escrow blob's `authority.name`). */
  name?: string;
  /** `createdAt` (default: now). */
  now?: Date;
}

/**
 * The fields a recovery blob (§6) and a member's partial (§8.4) share, for
 * a good escrow blob of the file whose header HMAC is `headerHmac`.
 */
export async function recoveryFields(good: EscrowBlobV2, headerHmac: Uint8Array, options: RecoveryV2Options) {
  return {
    format: RECOVERY_FORMAT_V2,
    fileId: good.fileId,
    serial: good.serial,
    description: good.description,
    createdAt: (options.now ?? new Date()).toISOString(),
    headerHmac: b64u(headerHmac),
    escrowDigest: await escrowDigest(good),
    owner: { name: options.ownerName ?? good.owner.name, id: options.newOwner.id, keyId: options.newOwner.encryption.keyId },
  };
}

/**
 * Issues a signed recovery blob from an escrow blob. The blob passes all
 * eight checks of §4 first; its file key is wrapped for the new identity.
 *
 * @throws KeywardError as `checkEscrowBlob`, and `KEY_TOO_WEAK` for the new key
 */
export async function issueRecoveryV2(blob: EscrowBlobV2, authority: PrivateIdentity, options: RecoveryV2Options): Promise<RecoveryBlobV2> {
  const checked = await openCheckedEscrow(blob, authority);
  try {
    const good = checked.blob;
    const unsigned = parseRecoveryBlobV2({
      ...(await recoveryFields(good, checked.parsed.hmac, options)),
      issuer: { kind: 'identity', name: options.name ?? good.authority.name, id: authority.id, publicKey: b64u(authority.rsaSpki), signingKey: b64u(authority.ed25519Spki) },
      wrappedKey: b64u(await wrapFileKey(checked.fileKey, options.newOwner.encryption.publicKey)),
      signature: b64u(new Uint8Array(SIGNATURE_LENGTH)),
    });
    return { ...unsigned, signature: b64u(await signAs(authority, 'keyward/v2 recovery', signedBody(unsigned))) };
  } finally {
    checked.fileKey.fill(0);
  }
}

/**
 * §6 steps 1–4: the recovery blob is well formed, signed by its issuer, the
 * issuer is pinned, and the blob is for `key`. Then unwraps its file key
 * (step 6's `UNWRAP_FAILED`); the caller checks the file (step 5) first.
 *
 * @param trusted - the identity IDs the reader pinned (none: every v2 recovery blob is refused)
 * @throws KeywardError `MALFORMED`, `UNSUPPORTED_VERSION`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `NO_MATCHING_KEY`
 */
export async function checkRecoveryV2(input: RecoveryBlobV2, key: Pick<PrivateKeyInfo, 'keyId'>, trusted: readonly string[]): Promise<{ blob: RecoveryBlobV2; issuer: PublicIdentity }> {
  const blob = parseRecoveryBlobV2(input);
  const issuer = await namedIdentity(blob.issuer, 'issuer');
  await verifySigned(blob, issuer.signingKey, 'keyward/v2 recovery', 'recovery blob');
  if (!trusted.includes(issuer.id)) throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the recovery blob is issued by ${issuer.id}, which is not pinned` });
  if (blob.owner.keyId !== key.keyId) throw new KeywardError('NO_MATCHING_KEY', { keyIds: [blob.owner.keyId] });
  return { blob, issuer };
}

/**
 * §6 step 6, first part: the file key a checked recovery blob wraps.
 *
 * @throws KeywardError `UNWRAP_FAILED`, `KEY_TOO_WEAK`
 */
export function unwrapRecoveryV2(blob: RecoveryBlobV2, key: PrivateKeyInfo): Promise<Bytes> {
  return unwrapFileKey(fromB64u(blob.wrappedKey, 'wrappedKey'), key.privateKey);
}
