/**
 * Keyward v2 §5: the receipt, the authority's signed answer to a good escrow
 * blob, and the owner's check of it.
 */
import { b64u } from '../bytes.ts';
import { b64uField, exactFields, idField, isPlainObject, stringField, timeField } from '../canonical.ts';
import { KeywardError } from '../errors.ts';
import { type PrivateIdentity, signAs } from '../keys/identity.ts';
import { FILE_ID_LENGTH, RECEIPT_FORMAT, SIGNATURE_LENGTH } from './constants.ts';
import { checkAnyEscrow } from './council-escrow.ts';
import { type EscrowBlobV2, escrowDigest } from './escrow-v2.ts';
import { isSerial } from './serial.ts';
import { identityFields, jsonValue, namedIdentity, signedBody, verifySigned } from './signing.ts';

/** A receipt of v2 §5. */
export interface ReceiptV2 {
  format: typeof RECEIPT_FORMAT;
  fileId: string;
  serial: string;
  /** `b64u(SHA-256(canonical(escrow blob)))`, its signature included. */
  escrowDigest: string;
  owner: { id: string };
  /** The issuer: the authority's name and public identity. */
  authority: { name: string; id: string; publicKey: string; signingKey: string };
  receivedAt: string;
  /** The authority's Ed25519 signature over the rest (context `keyward/v2 receipt`). */
  signature: string;
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const FIELDS = ['format', 'fileId', 'serial', 'escrowDigest', 'owner', 'authority', 'receivedAt', 'signature'];

/**
 * Reads a receipt strictly: every field of §5 and no other, each of its type.
 *
 * @param input - the receipt's JSON text, or an already parsed value
 * @throws KeywardError `MALFORMED`
 */
export function parseReceipt(input: unknown): ReceiptV2 {
  const value = jsonValue(input, 'the receipt');
  if (!isPlainObject(value)) throw malformed('the receipt must be a JSON object');
  if (value.format !== RECEIPT_FORMAT) throw malformed(`format must be ${RECEIPT_FORMAT}`);
  const receipt = exactFields(value, 'the receipt', FIELDS);
  const owner = exactFields(receipt.owner, 'owner', ['id']);
  const authority = identityFields(receipt.authority, 'authority', ['name']);
  b64uField(receipt.fileId, 'fileId', FILE_ID_LENGTH);
  if (!isSerial(receipt.serial)) throw malformed('serial must look like KW-XXXX-XXXX-XXXX-XXXX');
  b64uField(receipt.escrowDigest, 'escrowDigest', 32);
  b64uField(authority.publicKey, 'authority.publicKey');
  b64uField(authority.signingKey, 'authority.signingKey', 44);
  b64uField(receipt.signature, 'signature', SIGNATURE_LENGTH);
  return {
    format: RECEIPT_FORMAT,
    fileId: receipt.fileId as string,
    serial: receipt.serial,
    escrowDigest: receipt.escrowDigest as string,
    owner: { id: idField(owner.id, 'owner.id') },
    authority: {
      name: stringField(authority.name, 'authority.name'),
      id: idField(authority.id, 'authority.id'),
      publicKey: authority.publicKey as string,
      signingKey: authority.signingKey as string,
    },
    receivedAt: timeField(receipt.receivedAt, 'receivedAt'),
    signature: receipt.signature as string,
  };
}

/**
 * The authority's receipt for an escrow blob, or a council member's for a
 * council's blob (§8.3). The blob is checked first (all eight checks of §4,
 * or of §8.3 as a member): a receipt is only ever issued for a good blob.
 *
 * @param options - `name`: the issuer's name in the receipt (default: the blob's `authority.name`,
 *   or for a member its name in the council); `now`: `receivedAt`
 * @throws KeywardError as `checkEscrowBlob` and `checkEscrowAsMember`
 */
export async function issueReceipt(blob: EscrowBlobV2, authority: PrivateIdentity, options: { name?: string; now?: Date } = {}): Promise<ReceiptV2> {
  const checked = await checkAnyEscrow(blob, authority);
  const name = options.name ?? ('council' in checked ? checked.council.members[checked.index - 1]!.name : checked.blob.authority.name);
  const unsigned = parseReceipt({
    format: RECEIPT_FORMAT,
    fileId: checked.blob.fileId,
    serial: checked.blob.serial,
    escrowDigest: await escrowDigest(checked.blob),
    owner: { id: checked.owner.id },
    authority: { name, id: authority.id, publicKey: b64u(authority.rsaSpki), signingKey: b64u(authority.ed25519Spki) },
    receivedAt: (options.now ?? new Date()).toISOString(),
    signature: b64u(new Uint8Array(SIGNATURE_LENGTH)),
  });
  return { ...unsigned, signature: b64u(await signAs(authority, 'keyward/v2 receipt', signedBody(unsigned))) };
}

/**
 * The owner's check of a receipt for a blob it made (§5), in order. For a
 * council's blob, a receipt from any member of that council is accepted (§8.3).
 *
 * @throws KeywardError `MALFORMED` (syntax, or `authority.id` not its keys'), `SIGNATURE_INVALID`,
 *   `SIGNER_UNTRUSTED` (not the authority, or a member of the council, the blob was made for), `BLOB_MISMATCH` (another blob)
 */
export async function verifyReceipt(input: ReceiptV2, blob: EscrowBlobV2): Promise<void> {
  const receipt = parseReceipt(input);
  const authority = await namedIdentity(receipt.authority, 'authority');
  await verifySigned(receipt, authority.signingKey, 'keyward/v2 receipt', 'receipt');
  const issuers = blob.authority.kind === 'council' ? blob.authority.members.map((m) => m.id) : [blob.authority.id];
  if (!issuers.includes(authority.id)) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the receipt is signed by ${authority.id}, not the blob's authority` });
  }
  const named = receipt.fileId === blob.fileId && receipt.serial === blob.serial && receipt.owner.id === blob.owner.id;
  if (!named || receipt.escrowDigest !== (await escrowDigest(blob))) {
    throw new KeywardError('BLOB_MISMATCH', { reason: 'the receipt is for another escrow blob' });
  }
}
