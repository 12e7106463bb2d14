/**
 * Keyward v2 §8.4: the partial recovery blob. One council member, from a
 * council blob its check passes, wraps its own share for the owner's new
 * identity and signs it; the owner combines k of them from distinct members
 * of a council it pinned, and nobody but the owner ever holds the key.
 */
import { type Bytes, b64u, equalBytes, fromB64u } from '../bytes.ts';
import { b64uField, exactFields, idField, isPlainObject, stringField, timeField } from '../canonical.ts';
import { KeywardError, isKeywardError } from '../errors.ts';
import { deriveFileKeys } from '../kdf.ts';
import type { Council } from '../keys/council.ts';
import { type PrivateIdentity, signAs } from '../keys/identity.ts';
import type { PrivateKeyInfo } from '../keys/types.ts';
import { MAX_COUNCIL_MEMBERS, combineShares, unwrapShareBytes, wrapShare } from '../shamir.ts';
import { FILE_ID_LENGTH, HMAC_LENGTH, RECOVERY_FORMAT_V2, SIGNATURE_LENGTH } from './constants.ts';
import { checkAsMember } from './council-escrow.ts';
import type { EscrowBlobV2 } from './escrow-v2.ts';
import { type RecoveryV2Options, recoveryFields } from './recovery-v2.ts';
import { type ParsedHeader, verifyHeaderHmac } from './header.ts';
import { isSerial } from './serial.ts';
import { identityFields, jsonValue, namedIdentity, signedBody, verifySigned } from './signing.ts';

/** The issuer of a partial: a member, and where it sits in its council. */
export interface PartialIssuer {
  kind: 'member';
  name: string;
  id: string;
  publicKey: string;
  signingKey: string;
  /** The council ID. */
  council: string;
  /** i: the member is `members[i − 1]` of that council. */
  index: number;
}

/** A partial recovery blob of v2 §8.4. */
export interface PartialRecoveryBlob {
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
  issuer: PartialIssuer;
  /** `b64u(RSA-OAEP-256(new owner RSA key, share_i, label "keyward/v2 share i"))`. */
  wrappedShare: string;
  /** The member's Ed25519 signature over the rest (context `keyward/v2 partial`). */
  signature: string;
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const FIELDS = ['format', 'fileId', 'serial', 'description', 'createdAt', 'headerHmac', 'escrowDigest', 'owner', 'issuer', 'wrappedShare', 'signature'];

/** True for a value whose `issuer.kind` is `"member"`: a partial, not a recovery blob of §6. */
export function isPartialValue(value: unknown): boolean {
  return isPlainObject(value) && isPlainObject(value.issuer) && value.issuer.kind === 'member';
}

/**
 * Reads a partial recovery blob strictly (§8.4 step 1, syntax): every field
 * and no other, each of its type; a key twice in the text is refused.
 *
 * @param input - the blob's JSON text, or an already parsed value
 * @throws KeywardError `MALFORMED` (also for a recovery blob of §6: it is not a partial)
 */
export function parsePartialRecovery(input: unknown): PartialRecoveryBlob {
  const value = jsonValue(input, 'the partial recovery blob');
  if (!isPlainObject(value)) throw malformed('the partial recovery blob must be a JSON object');
  if (value.format !== RECOVERY_FORMAT_V2) throw malformed(`format must be ${RECOVERY_FORMAT_V2}`);
  if (!isPartialValue(value)) throw malformed('issuer.kind must be "member" (a recovery blob of §6 is not a partial)');
  const blob = exactFields(value, 'the partial recovery blob', FIELDS);
  const owner = exactFields(blob.owner, 'owner', ['name', 'id', 'keyId']);
  const issuer = identityFields(blob.issuer, 'issuer', ['kind', 'name', 'council', 'index']);
  const { index } = issuer;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1 || index > MAX_COUNCIL_MEMBERS) {
    throw malformed(`issuer.index must be an integer from 1 to ${MAX_COUNCIL_MEMBERS}`);
  }
  b64uField(blob.fileId, 'fileId', FILE_ID_LENGTH);
  if (!isSerial(blob.serial)) throw malformed('serial must look like KW-XXXX-XXXX-XXXX-XXXX');
  b64uField(blob.headerHmac, 'headerHmac', HMAC_LENGTH);
  b64uField(blob.escrowDigest, 'escrowDigest', 32);
  b64uField(issuer.publicKey, 'issuer.publicKey');
  b64uField(issuer.signingKey, 'issuer.signingKey', 44);
  b64uField(blob.wrappedShare, 'wrappedShare');
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
      kind: 'member',
      name: stringField(issuer.name, 'issuer.name'),
      id: idField(issuer.id, 'issuer.id'),
      publicKey: issuer.publicKey as string,
      signingKey: issuer.signingKey as string,
      council: idField(issuer.council, 'issuer.council'),
      index,
    },
    wrappedShare: blob.wrappedShare as string,
    signature: blob.signature as string,
  };
}

/** As for a recovery blob; `name` is the member's (default: its name in the council). */
export type PartialOptions = RecoveryV2Options;

/**
 * Issues a member's signed partial recovery blob from a council blob. The
 * blob passes the member's check first (§8.3 checks 1–8); the member's share
 * is wrapped for the new identity under the member's label.
 *
 * @throws KeywardError as `checkEscrowAsMember`, and `KEY_TOO_WEAK` for the new key
 */
export async function issuePartialRecovery(blob: EscrowBlobV2, member: PrivateIdentity, options: PartialOptions): Promise<PartialRecoveryBlob> {
  const checked = await checkAsMember(blob, member);
  try {
    const good = checked.blob;
    const unsigned = parsePartialRecovery({
      ...(await recoveryFields(good, checked.parsed.hmac, options)),
      issuer: {
        kind: 'member',
        name: options.name ?? checked.council.members[checked.index - 1]!.name,
        id: member.id,
        publicKey: b64u(member.rsaSpki),
        signingKey: b64u(member.ed25519Spki),
        council: checked.council.id,
        index: checked.index,
      },
      wrappedShare: b64u(await wrapShare(checked.share, checked.index, options.newOwner.encryption.publicKey)),
      signature: b64u(new Uint8Array(SIGNATURE_LENGTH)),
    });
    return { ...unsigned, signature: b64u(await signAs(member, 'keyward/v2 partial', signedBody(unsigned))) };
  } finally {
    checked.share.fill(0);
  }
}

/** The file the partials must be for (§8.4 step 5). */
export interface PartialTarget {
  fileId: string;
  /** The file's header `hmac`. */
  headerHmac: Bytes;
}

/** Partials that passed §8.4 steps 1–6: one per distinct member, of one pinned council. */
export interface CheckedPartials {
  council: Council;
  /** One per distinct member, by increasing index. */
  partials: PartialRecoveryBlob[];
}

/**
 * §8.4 steps 1–5, in order, each over every partial: syntax and issuer
 * keys, signatures, pinned council and member, the reader's key, the file
 * (with `file`; without it the partials must at least name one file). No
 * quorum (step 6): the escrow service checks each partial as it arrives.
 *
 * @param keyId - the RSA key ID of the owner's new key, the one the partials are for
 * @param councils - the councils the reader pinned (by ID, with their descriptors)
 * @param file - the file being opened (step 5), when the reader has it
 * @returns the partials as read, and their council (`undefined` for none)
 * @throws KeywardError `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `BLOB_MISMATCH`, `NO_MATCHING_KEY`
 */
export async function verifyPartials(
  input: readonly PartialRecoveryBlob[],
  keyId: string,
  councils: readonly Council[],
  file?: PartialTarget,
): Promise<{ council: Council | undefined; partials: PartialRecoveryBlob[] }> {
  // 1. strict syntax, and issuer.id the identity ID of its keys.
  const partials = input.map((p) => parsePartialRecovery(p));
  const issuers = await Promise.all(partials.map((p) => namedIdentity(p.issuer, 'issuer')));
  // 2. every signature, under the partial context.
  for (const [i, partial] of partials.entries()) await verifySigned(partial, issuers[i]!.signingKey, 'keyward/v2 partial', 'partial recovery blob');
  // 3. a pinned council, and the member of that index is the issuer; all of one council.
  let council: Council | undefined;
  for (const partial of partials) {
    const pinned = councils.find((c) => c.id === partial.issuer.council);
    if (!pinned) throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the partial names the council ${partial.issuer.council}, which is not pinned` });
    if (pinned.members[partial.issuer.index - 1]?.id !== partial.issuer.id) {
      throw new KeywardError('SIGNER_UNTRUSTED', { reason: `${partial.issuer.id} is not member ${partial.issuer.index} of the council ${pinned.id}` });
    }
    if (council && council.id !== pinned.id) throw new KeywardError('BLOB_MISMATCH', { reason: 'the partials name more than one council' });
    council = pinned;
  }
  // 4. every partial is for the reader's key.
  for (const partial of partials) {
    if (partial.owner.keyId !== keyId) throw new KeywardError('NO_MATCHING_KEY', { keyIds: [partial.owner.keyId] });
  }
  // 5. every partial is for the file (or, without it, for one file).
  const first = partials[0];
  const target = file ?? (first ? { fileId: first.fileId, headerHmac: fromB64u(first.headerHmac, 'headerHmac') } : undefined);
  for (const partial of partials) {
    if (partial.fileId !== target!.fileId || !equalBytes(fromB64u(partial.headerHmac, 'headerHmac'), target!.headerHmac)) {
      throw new KeywardError('BLOB_MISMATCH', { reason: 'a partial recovery blob is for another file' });
    }
  }
  return { council, partials };
}

/**
 * §8.4 steps 1–6: `verifyPartials` (steps 1–5), then the quorum: at least k
 * distinct members, k being the pinned descriptor's. Nothing is unwrapped.
 *
 * @param key - the owner's new key, the one the partials are for
 * @param councils - the councils the reader pinned (by ID, with their descriptors)
 * @param file - the file being opened (step 5), when the reader has it
 * @throws KeywardError `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `BLOB_MISMATCH`, `NO_MATCHING_KEY`, `QUORUM_NOT_MET`
 */
export async function checkPartials(
  input: readonly PartialRecoveryBlob[],
  key: Pick<PrivateKeyInfo, 'keyId'>,
  councils: readonly Council[],
  file?: PartialTarget,
): Promise<CheckedPartials> {
  const { council, partials } = await verifyPartials(input, key.keyId, councils, file);
  // 6. at least k distinct members of the pinned council (two partials of one member count once).
  const byIndex = new Map<number, PartialRecoveryBlob>();
  for (const partial of partials) if (!byIndex.has(partial.issuer.index)) byIndex.set(partial.issuer.index, partial);
  if (!council || byIndex.size < council.threshold) {
    throw new KeywardError('QUORUM_NOT_MET', { reason: `${byIndex.size} distinct members${council ? ` of the ${council.threshold} the council needs` : ''}` });
  }
  return { council, partials: [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!) };
}

/**
 * §8.4 step 7 up to the header HMAC: unwraps each checked partial's share
 * with the reader's key under the label of its index, combines them, and
 * checks the result against the file's header HMAC. The caller zeroes the key.
 *
 * @throws KeywardError `UNWRAP_FAILED`, `KEY_TOO_WEAK`, `ESCROW_INVALID` (a share that cannot be combined, or shares that do not open the file)
 */
export async function combinePartials(checked: CheckedPartials, key: PrivateKeyInfo, parsed: ParsedHeader): Promise<Bytes> {
  const shares: Bytes[] = [];
  let fileKey: Bytes | null = null;
  try {
    for (const partial of checked.partials) {
      shares.push(await unwrapShareBytes(fromB64u(partial.wrappedShare, 'wrappedShare'), partial.issuer.index, key.privateKey));
    }
    fileKey = await combineShares(shares);
    try {
      await verifyHeaderHmac((await deriveFileKeys(fileKey, parsed.salt)).headerMacKey, parsed);
    } catch (cause) {
      throw new KeywardError('ESCROW_INVALID', { reason: `the members' shares do not open the file${isKeywardError(cause) ? ` (${cause.code})` : ''}` }, { cause });
    }
    return fileKey;
  } catch (error) {
    fileKey?.fill(0);
    throw error;
  } finally {
    for (const share of shares) share.fill(0);
  }
}
