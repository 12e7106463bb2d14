/**
 * What the service does, over a `Db`: enrolment codes, enrolment, deposits
 * and the audit log. Every check of a blob or an identity is the core's;
 * every write appends its audit entry in the same transaction, under one
 * lock, so the chain has no gap and no fork even with several instances on one database.
 */
import {
  ESCROW_FORMAT,
  KeywardError,
  b64u,
  canonicalJson,
  checkSignedEscrow,
  escrowDigest,
  importPublicIdentity,
  isPlainObject,
  parseEscrowBlobV2,
  randomBytes,
  sha256,
  toHex,
  utf8,
} from '../core/index.ts';
import { appendAudit, auditedTransaction } from './audit-log.ts';
import type { Db } from './db.ts';

/** The service's answer to a stored deposit: the same for the same blob sent again. */
export interface Acknowledgement {
  fileId: string;
  serial: string;
  ownerId: string;
  /** v2 §5: `b64u(SHA-256(canonical(blob)))`, the blob's own name, as a receipt names it. */
  escrowDigest: string;
  /** When the service first stored it (ISO 8601 UTC, milliseconds). */
  storedAt: string;
  /** The audit entry that records it. */
  auditSeq: number;
}

/** A person bound to their identity by an enrolment code. */
export interface Enrolment {
  identityId: string;
  name: string;
  enrolledAt: string;
  auditSeq: number;
}

const codeDigest = async (code: string) => toHex(await sha256(utf8(code)));
const now = () => new Date().toISOString();

/**
 * An officer issues a one-time enrolment code for a person (`keyward service enrol`).
 * Only the code's SHA-256 is stored; the code is shown once.
 */
export async function issueEnrolmentCode(db: Db, name: string): Promise<string> {
  const code = b64u(randomBytes(15));
  const digest = await codeDigest(code);
  const at = now();
  await auditedTransaction(db, async (tx) => {
    await tx.query('INSERT INTO enrolment_codes (code_digest, name, issued_at) VALUES ($1, $2, $3)', [digest, name, at]);
    await appendAudit(tx, 'enrol-code', { codeDigest: digest, name }, at);
  });
  return code;
}

/**
 * `POST /v1/enrol`: binds the code's person to a public identity (v2 §2, PEM or JWK Set), once.
 *
 * @throws KeywardError `ENROL_CODE_UNKNOWN`, `ENROL_CODE_USED`, `ALREADY_ENROLLED`, the core's key codes
 */
export async function enrol(db: Db, code: string, identityText: string): Promise<Enrolment> {
  const identity = await importPublicIdentity(identityText);
  const digest = await codeDigest(code);
  const at = now();
  return auditedTransaction(db, async (tx) => {
    const [issued] = await tx.query<{ name: string; used_at: string | null }>('SELECT name, used_at FROM enrolment_codes WHERE code_digest = $1', [digest]);
    if (!issued) throw new KeywardError('ENROL_CODE_UNKNOWN');
    if (issued.used_at !== null) throw new KeywardError('ENROL_CODE_USED');
    const [known] = await tx.query<{ identity_id: string }>('SELECT identity_id FROM people WHERE identity_id = $1', [identity.id]);
    if (known) throw new KeywardError('ALREADY_ENROLLED');
    await tx.query('UPDATE enrolment_codes SET used_at = $2, identity_id = $3 WHERE code_digest = $1', [digest, at, identity.id]);
    // The first identity of a person names the person (a later one, enrolled through a recovery case, carries the same person_id).
    await tx.query('INSERT INTO people (identity_id, name, public_key, signing_key, enrolled_at, code_digest, person_id) VALUES ($1, $2, $3, $4, $5, $6, $1)', [
      identity.id,
      issued.name,
      b64u(identity.rsaSpki),
      b64u(identity.ed25519Spki),
      at,
      digest,
    ]);
    const entry = await appendAudit(tx, 'enrol', { codeDigest: digest, name: issued.name, identityId: identity.id }, at);
    return { identityId: identity.id, name: issued.name, enrolledAt: at, auditSeq: entry.seq };
  });
}

interface DepositRow {
  file_id: string;
  serial: string;
  owner_id: string;
  escrow_digest: string;
  stored_at: string;
  audit_seq: number;
}

const SELECT_DEPOSIT = 'SELECT file_id, serial, owner_id, escrow_digest, stored_at, audit_seq FROM deposits';

const acknowledgement = (row: DepositRow): Acknowledgement => ({
  fileId: row.file_id,
  serial: row.serial,
  ownerId: row.owner_id,
  escrowDigest: row.escrow_digest,
  storedAt: row.stored_at,
  auditSeq: row.audit_seq,
});

/**
 * `POST /v1/deposits`: an escrow blob of v2, checked by the core (v2 §4
 * checks 1–6: strict fields, the owner's signature over the blob and over
 * the file), from an enrolled owner, stored once per file ID.
 *
 * @param input - the request's JSON value
 * @returns the acknowledgement, and whether this request stored it (false: the same blob was stored before)
 * @throws KeywardError the core's codes (`MALFORMED`, `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`, `ESCROW_INVALID`), `NOT_ENROLLED`, `DEPOSIT_CONFLICT`
 */
export async function deposit(db: Db, input: unknown): Promise<{ ack: Acknowledgement; created: boolean }> {
  // v2 §4 check 1: a v1 blob is not signed at all, and the service takes signed blobs only.
  if (isPlainObject(input) && input.format === ESCROW_FORMAT) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'a v1 escrow blob is not signed; the service stores signed (v2) blobs only' });
  }
  const parsed = parseEscrowBlobV2(input);
  const digest = await escrowDigest(parsed);
  // A client's retry of a stored blob: the very blob (by its digest) passed every check when it was stored.
  const [again] = await db.query<DepositRow>(`${SELECT_DEPOSIT} WHERE file_id = $1 AND escrow_digest = $2`, [parsed.fileId, digest]);
  if (again) return { ack: acknowledgement(again), created: false };
  const { blob, owner } = await checkSignedEscrow(parsed, undefined);
  const at = now();
  return auditedTransaction(db, async (tx) => {
    const [person] = await tx.query<{ identity_id: string }>('SELECT identity_id FROM people WHERE identity_id = $1', [owner.id]);
    if (!person) throw new KeywardError('NOT_ENROLLED', { reason: `${owner.id} is not enrolled` });
    const [stored] = await tx.query<DepositRow>(`${SELECT_DEPOSIT} WHERE file_id = $1`, [blob.fileId]);
    if (stored) {
      if (stored.escrow_digest !== digest) throw new KeywardError('DEPOSIT_CONFLICT', { reason: `file ${blob.serial} is stored with another blob` });
      return { ack: acknowledgement(stored), created: false };
    }
    const entry = await appendAudit(tx, 'deposit', { fileId: blob.fileId, serial: blob.serial, ownerId: owner.id, escrowDigest: digest }, at);
    const row: DepositRow = { file_id: blob.fileId, serial: blob.serial, owner_id: owner.id, escrow_digest: digest, stored_at: at, audit_seq: entry.seq };
    await tx.query(
      'INSERT INTO deposits (file_id, serial, owner_id, escrow_digest, blob, stored_at, audit_seq, description, authority_id, authority_kind) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [row.file_id, row.serial, row.owner_id, row.escrow_digest, canonicalJson(blob), row.stored_at, row.audit_seq, blob.description, blob.authority.id, blob.authority.kind],
    );
    return { ack: acknowledgement(row), created: true };
  });
}
