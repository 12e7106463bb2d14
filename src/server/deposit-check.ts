/**
 * A deposit's checks, from the request's text to what is stored: the
 * body's strict JSON, the blob's strict fields, its digest and both of its
 * owner's signatures (v2 §4 checks 1–6), all by the core. The service runs
 * them on a worker thread of their own (deposit-checker.ts), so that the
 * main thread, which every request waits on, does only the HTTP and the
 * database; the same function runs on the main thread where no worker is built.
 */
import { type Ed25519Verify, ESCROW_FORMAT, KeywardError, type PublicIdentityCache, checkSignedEscrow, escrowBlobText, escrowDigest, isPlainObject, parseEscrowBlobV2 } from '../core/index.ts';
import { parseJson } from '../core/json.ts';
import { sha256Now } from './node-crypto.ts';

/** A blob that passed the core's checks: what storing it needs, and no more. */
export interface CheckedDeposit {
  fileId: string;
  serial: string;
  /** The blob's owner (the core checked the blob is theirs). */
  ownerId: string;
  /** `escrowDigest` of the blob. */
  digest: string;
  /** The blob's canonical text (`escrowBlobText`): what is stored. */
  text: string;
  description: string;
  authority: { id: string; kind: string; name: string };
}

/** The longest `format` a body may name (every format's name is shorter). */
const FORMAT_LENGTH = 32;

/**
 * Checks a `POST /v1/deposits` body.
 *
 * @param body - the request's text (at most the service's body limit)
 * @param identities - the owners' keys read before (one RSA import per owner, not per blob)
 * @param verify - the signatures' Ed25519 (libsodium's where it loads); WebCrypto's without it
 * @throws KeywardError `REQUEST_INVALID` (not an object with a `format`), `SIGNER_UNTRUSTED` (a v1 blob), the core's codes (`MALFORMED`, `SIGNATURE_INVALID`, ...)
 */
export async function checkDeposit(body: string, identities: PublicIdentityCache, verify?: Ed25519Verify): Promise<CheckedDeposit> {
  const input = parseJson(body, { what: 'the request body' });
  if (!isPlainObject(input) || typeof input.format !== 'string' || input.format.length > FORMAT_LENGTH) {
    throw new KeywardError('REQUEST_INVALID', { reason: 'the body must be a JSON object with a format' });
  }
  // v2 §4 check 1: a v1 blob is not signed at all, and the service takes signed blobs only.
  if (input.format === ESCROW_FORMAT) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'a v1 escrow blob is not signed; the service stores signed (v2) blobs only' });
  }
  const parsed = parseEscrowBlobV2(input);
  const digest = await escrowDigest(parsed, sha256Now);
  const { blob, owner } = await checkSignedEscrow(parsed, undefined, identities, verify);
  const { id, kind, name } = blob.authority;
  return { fileId: blob.fileId, serial: blob.serial, ownerId: owner.id, digest, text: escrowBlobText(blob), description: blob.description, authority: { id, kind, name } };
}
