/**
 * The escrow service's recovery case, as the app, the CLI and the service
 * read it: the request a person signs with their NEW identity to open a case
 * for the identity they lost (context `keyward/v2 case`), and the check the
 * service makes of each blob uploaded to a case (a council member's partial,
 * v2 §8.4, or an identity authority's recovery blob, v2 §6), reusing the
 * format's own parsers and checks. Pure: no network, no storage.
 */
import { type Bytes, b64u, equalBytes, fromB64u, utf8 } from './bytes.ts';
import { canonicalJson, exactFields, idField, isPlainObject, stringField, timeField } from './canonical.ts';
import { KeywardError } from './errors.ts';
import { SIGNATURE_LENGTH } from './format/constants.ts';
import type { SignedEscrow } from './format/escrow-v2.ts';
import { type PartialRecoveryBlob, isPartialValue, parsePartialRecovery, verifyPartials } from './format/partial.ts';
import { type RecoveryBlobV2, checkRecoveryV2, parseRecoveryBlobV2 } from './format/recovery-v2.ts';
import { jsonValue } from './format/signing.ts';
import { type PrivateIdentity, type PublicIdentity, exportPublicIdentity, importPublicIdentity, signAs, verifySignature } from './keys/identity.ts';

/** The case request's `format`. */
export const CASE_FORMAT = 'keyward-case/1';
/** The longest `note` a case request may carry (characters). */
export const CASE_NOTE_MAX = 2000;
/** The longest public identity text a case request may carry (two PEM blocks of a 4096-bit RSA key are about 1 KB). */
export const CASE_IDENTITY_MAX = 16_384;

/** What a person who lost their key asks: recover `lostIdentityId`'s files for `identity`. */
export interface CaseRequest {
  format: typeof CASE_FORMAT;
  /** The identity whose private key was lost (an enrolled identity ID). */
  lostIdentityId: string;
  /** The NEW public identity (v2 §2) as text: its two PEM blocks or its JWK Set. It signs the request. */
  identity: string;
  /** What the person tells the officer (free text, may be empty). */
  note: string;
  createdAt: string;
}

/** `POST /v1/cases`'s body: the request and the new identity's signature over it. */
export interface SignedCaseRequest {
  request: CaseRequest;
  /** `b64u(Ed25519(signingInput("keyward/v2 case", canonical(request))))` by the new identity. */
  signature: string;
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });

/**
 * Reads a signed case request strictly: `{ request, signature }`, the
 * request's five fields and no other, each of its type.
 *
 * @param input - its JSON text (a key twice is refused), or an already parsed value
 * @throws KeywardError `MALFORMED`
 */
export function parseCaseRequest(input: unknown): SignedCaseRequest {
  const value = jsonValue(input, 'the case request');
  const outer = exactFields(value, 'the case request', ['request', 'signature']);
  const request = exactFields(outer.request, 'request', ['format', 'lostIdentityId', 'identity', 'note', 'createdAt']);
  if (request.format !== CASE_FORMAT) throw malformed(`request.format must be ${CASE_FORMAT}`);
  const identity = stringField(request.identity, 'request.identity');
  if (identity.length === 0 || identity.length > CASE_IDENTITY_MAX) throw malformed(`request.identity must be 1 to ${CASE_IDENTITY_MAX} characters`);
  const note = stringField(request.note, 'request.note');
  if (note.length > CASE_NOTE_MAX) throw malformed(`request.note must be at most ${CASE_NOTE_MAX} characters`);
  const signature = stringField(outer.signature, 'signature');
  if (fromB64u(signature, 'signature').length !== SIGNATURE_LENGTH) throw malformed(`signature must be ${SIGNATURE_LENGTH} bytes`);
  return {
    request: {
      format: CASE_FORMAT,
      lostIdentityId: idField(request.lostIdentityId, 'request.lostIdentityId'),
      identity,
      note,
      createdAt: timeField(request.createdAt, 'request.createdAt'),
    },
    signature,
  };
}

/** The bytes the new identity signs: `canonical(request)` (under the context `keyward/v2 case`). */
export function caseRequestBody(request: CaseRequest): Bytes {
  return utf8(canonicalJson(request));
}

/**
 * Signs a case request with the NEW identity (its public half goes in the request as PEM).
 *
 * @param options - the lost identity's ID, the note, `now` (default: the current time)
 */
export async function signCaseRequest(identity: PrivateIdentity, options: { lostIdentityId: string; note?: string; now?: Date }): Promise<SignedCaseRequest> {
  const request: CaseRequest = {
    format: CASE_FORMAT,
    lostIdentityId: options.lostIdentityId,
    identity: await exportPublicIdentity(identity, 'pem'),
    note: options.note ?? '',
    createdAt: (options.now ?? new Date()).toISOString(),
  };
  const signed = parseCaseRequest({ request, signature: b64u(new Uint8Array(SIGNATURE_LENGTH)) });
  return { request: signed.request, signature: b64u(await signAs(identity, 'keyward/v2 case', caseRequestBody(signed.request))) };
}

/**
 * Checks a signed case request: strict syntax, the new identity readable
 * (v2 §2), its signature over the request, and a new identity that is not the lost one.
 *
 * @returns the request and the new public identity
 * @throws KeywardError `MALFORMED`, the key codes of `importPublicIdentity`, `SIGNATURE_INVALID`
 */
export async function checkCaseRequest(input: unknown): Promise<{ request: CaseRequest; identity: PublicIdentity }> {
  const { request, signature } = parseCaseRequest(input);
  const identity = await importPublicIdentity(request.identity);
  const ok = await verifySignature(identity.signingKey, 'keyward/v2 case', caseRequestBody(request), fromB64u(signature, 'signature'));
  if (!ok) throw new KeywardError('SIGNATURE_INVALID', { reason: 'the case request is not signed by the identity it names' });
  if (identity.id === request.lostIdentityId) throw malformed('the new identity is the lost one');
  return { request, identity };
}

/** A blob uploaded to a case, read (not yet checked). */
export type CaseUpload = { kind: 'partial'; blob: PartialRecoveryBlob } | { kind: 'recovery'; blob: RecoveryBlobV2 };

/**
 * Reads an uploaded blob strictly: a council member's partial (§8.4) when its
 * `issuer.kind` is `"member"`, else an identity's recovery blob (§6).
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseCaseUpload(input: unknown): CaseUpload {
  if (!isPlainObject(input)) throw malformed('the upload must be a recovery blob (a JSON object)');
  return isPartialValue(input) ? { kind: 'partial', blob: parsePartialRecovery(input) } : { kind: 'recovery', blob: parseRecoveryBlobV2(input) };
}

/** The file of a case an upload must be for, and the case's new identity. */
export interface CaseUploadTarget {
  /** The stored escrow blob, as `checkSignedEscrow` read it (its council for a council's blob). */
  escrow: SignedEscrow;
  /** v2 §5 `escrowDigest` of that blob. */
  escrowDigest: string;
  /** The case's new identity: its ID and its RSA key ID. */
  newOwner: { id: string; keyId: string };
}

/**
 * Checks an upload against its file and the case: for the case's new
 * identity, issued from this very escrow blob (fileId, header HMAC and
 * escrow digest); a partial passes §8.4 steps 1–5 with the blob's council as
 * the only pinned one (its issuer is that council's member of its index, its
 * signature verifies); a recovery blob passes §6 steps 1–4 with the blob's
 * identity authority as the only trusted issuer.
 *
 * @throws KeywardError `BLOB_MISMATCH` (another identity, file or escrow blob; a partial for an identity's file or the reverse),
 *   `MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`
 */
export async function checkCaseUpload(upload: CaseUpload, target: CaseUploadTarget): Promise<CaseUpload> {
  const { blob } = upload;
  const { escrow } = target;
  const hmac = escrow.parsed.hmac;
  if (blob.owner.id !== target.newOwner.id || blob.owner.keyId !== target.newOwner.keyId) {
    throw new KeywardError('BLOB_MISMATCH', { reason: 'the blob is for another identity than the case\'s new one' });
  }
  if (blob.fileId !== escrow.blob.fileId || !equalBytes(fromB64u(blob.headerHmac, 'headerHmac'), hmac) || blob.escrowDigest !== target.escrowDigest) {
    throw new KeywardError('BLOB_MISMATCH', { reason: 'the blob is for another file or another escrow blob' });
  }
  if (upload.kind === 'partial') {
    if (!escrow.council) throw new KeywardError('BLOB_MISMATCH', { reason: 'a partial recovery blob for a file escrowed with one identity, not a council' });
    const { partials } = await verifyPartials([upload.blob], target.newOwner.keyId, [escrow.council], { fileId: escrow.blob.fileId, headerHmac: hmac });
    return { kind: 'partial', blob: partials[0]! };
  }
  if (escrow.blob.authority.kind !== 'identity') throw new KeywardError('BLOB_MISMATCH', { reason: 'a recovery blob for a file escrowed with a council: its members send partials' });
  const { blob: checked } = await checkRecoveryV2(upload.blob, { keyId: target.newOwner.keyId }, [escrow.blob.authority.id]);
  return { kind: 'recovery', blob: checked };
}
