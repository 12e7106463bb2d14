/**
 * What the service does, over a `Db`: enrolment codes, enrolment, deposits
 * and the audit log. Every check of a blob or an identity is the core's;
 * every write appends its audit entry in the same transaction, under one
 * lock, so the chain has no gap and no fork even with several instances on one database.
 */
import {
  type EscrowBlobV2,
  ESCROW_FORMAT,
  KeywardError,
  PublicIdentityCache,
  b64u,
  checkSignedEscrow,
  escrowBlobText,
  escrowDigest,
  importPublicIdentity,
  isPlainObject,
  parseEscrowBlobV2,
  randomBytes,
  sha256,
  toHex,
  utf8,
} from '../core/index.ts';
import { appendAudit, auditedTransaction, chainEntries, insertAuditEntries } from './audit-log.ts';
import { Batcher } from './batcher.ts';
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

/** A stored deposit's row, as the acknowledgement needs it. */
export interface DepositRow {
  file_id: string;
  serial: string;
  owner_id: string;
  escrow_digest: string;
  stored_at: string;
  audit_seq: number;
}

/** The acknowledgement of a stored deposit (unsigned; the route signs it). */
export const acknowledgement = (row: DepositRow): Acknowledgement => ({
  fileId: row.file_id,
  serial: row.serial,
  ownerId: row.owner_id,
  escrowDigest: row.escrow_digest,
  storedAt: row.stored_at,
  auditSeq: row.audit_seq,
});

/** A blob that passed the core's checks, waiting for its turn to be stored. */
export interface CheckedDeposit {
  blob: EscrowBlobV2;
  /** The blob's owner (the core checked the blob is theirs). */
  ownerId: string;
  /** `escrowDigest` of the blob. */
  digest: string;
}

/** What storing one checked blob came to: stored now, stored before, or its refusal. */
export type DepositOutcome = { ack: Acknowledgement; created: boolean } | KeywardError;

/**
 * Stores checked blobs in ONE transaction under the audit lock (a group
 * commit): after the lock, one query reads who is enrolled, what is stored
 * and the audit log's last entry, and one statement inserts the audit
 * entries and the deposits; then one commit. Each blob gets its own
 * outcome, in order: a blob whose owner is not enrolled, or whose file ID
 * is stored with another blob (also earlier in the same batch), is refused
 * alone (`NOT_ENROLLED`, `DEPOSIT_CONFLICT`) and the others are stored. If
 * the transaction fails, it throws and nothing is stored.
 */
export async function storeDeposits(db: Db, items: readonly CheckedDeposit[]): Promise<DepositOutcome[]> {
  const at = now();
  return auditedTransaction(db, async (tx) => {
    // A statement after the lock's: it reads what the transactions before this one committed.
    const [known] = await tx.query<{ enrolled: string[]; stored: DepositRow[]; last: { seq: number; hash: string } | null }>(
      `SELECT (SELECT coalesce(array_agg(identity_id), '{}') FROM people WHERE identity_id = ANY($1::text[])) AS enrolled,
              (SELECT coalesce(json_agg(json_build_object('file_id', file_id, 'serial', serial, 'owner_id', owner_id, 'escrow_digest', escrow_digest, 'stored_at', stored_at, 'audit_seq', audit_seq)), '[]')
                 FROM deposits WHERE file_id = ANY($2::text[])) AS stored,
              (SELECT json_build_object('seq', seq, 'hash', hash) FROM audit_log ORDER BY seq DESC LIMIT 1) AS last`,
      [[...new Set(items.map((item) => item.ownerId))], [...new Set(items.map((item) => item.blob.fileId))]],
      'keyward-store-deposits-read',
    );
    const enrolled = new Set(known!.enrolled);
    const stored = new Map(known!.stored.map((row) => [row.file_id, row]));
    // Decide each blob in order; a blob new to the service is stored with the next audit entry.
    const fresh: CheckedDeposit[] = [];
    // The row each blob is answered with (its audit_seq filled in below for a new one), or its refusal.
    const decided = items.map((item): KeywardError | { row: DepositRow; created: boolean } => {
      if (!enrolled.has(item.ownerId)) return new KeywardError('NOT_ENROLLED', { reason: `${item.ownerId} is not enrolled` });
      const found = stored.get(item.blob.fileId);
      if (found) {
        if (found.escrow_digest !== item.digest) return new KeywardError('DEPOSIT_CONFLICT', { reason: `file ${item.blob.serial} is stored with another blob` });
        return { row: found, created: false };
      }
      // Seen again later in this batch: the same blob is answered with this row, another is a conflict.
      const row: DepositRow = { file_id: item.blob.fileId, serial: item.blob.serial, owner_id: item.ownerId, escrow_digest: item.digest, stored_at: at, audit_seq: 0 };
      stored.set(item.blob.fileId, row);
      fresh.push(item);
      return { row, created: true };
    });
    if (fresh.length > 0) {
      const entries = await chainEntries(
        known!.last,
        fresh.map((item) => ({ event: 'deposit', data: { fileId: item.blob.fileId, serial: item.blob.serial, ownerId: item.ownerId, escrowDigest: item.digest }, at })),
      );
      const rows = fresh.map((item, i): DepositRow => {
        const row = stored.get(item.blob.fileId)!;
        row.audit_seq = entries[i]!.seq;
        return row;
      });
      // The deposits' 11 columns are $1 to $11; the audit entries' parameters follow.
      const audit = insertAuditEntries(entries, 12);
      await tx.query(
        `WITH audit AS (${audit.sql})
         INSERT INTO deposits (file_id, serial, owner_id, escrow_digest, blob, stored_at, audit_seq, description, authority_id, authority_kind, authority_name)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[], $10::text[], $11::text[])`,
        [
          rows.map((row) => row.file_id),
          rows.map((row) => row.serial),
          rows.map((row) => row.owner_id),
          rows.map((row) => row.escrow_digest),
          fresh.map((item) => escrowBlobText(item.blob)),
          rows.map((row) => row.stored_at),
          rows.map((row) => row.audit_seq),
          fresh.map((item) => item.blob.description),
          fresh.map((item) => item.blob.authority.id),
          fresh.map((item) => item.blob.authority.kind),
          fresh.map((item) => item.blob.authority.name),
          ...audit.params,
        ],
        'keyward-store-deposits-insert',
      );
    }
    return decided.map((outcome) => (outcome instanceof KeywardError ? outcome : { ack: acknowledgement(outcome.row), created: outcome.created }));
  });
}

/** The most deposits one transaction stores. */
const MAX_BATCH = 256;

/** Per database, in this process: the checked blobs waiting to be stored together. */
const queues = new WeakMap<Db, Batcher<CheckedDeposit, DepositOutcome>>();

function storesOf(db: Db): Batcher<CheckedDeposit, DepositOutcome> {
  let stores = queues.get(db);
  if (!stores) {
    stores = new Batcher((items) => storeDeposits(db, items), MAX_BATCH);
    queues.set(db, stores);
  }
  return stores;
}

/** The owners' keys read from blobs already checked in this process (one RSA import per owner, not per blob). */
const identities = new PublicIdentityCache();

/**
 * `POST /v1/deposits`: an escrow blob of v2, checked by the core (v2 §4
 * checks 1–6: strict fields, the owner's signature over the blob and over
 * the file), from an enrolled owner, stored once per file ID. Blobs that
 * arrive together are stored together (`storeDeposits`); each is answered
 * only once its transaction is committed.
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
  // A client's retry is checked again too (no query first: most blobs are new); storing finds it stored.
  const { blob, owner } = await checkSignedEscrow(parsed, undefined, identities);
  // Each is answered once the transaction that stores it (with the others of its batch) is committed.
  const outcome = await storesOf(db).submit({ blob, ownerId: owner.id, digest });
  if (outcome instanceof KeywardError) throw outcome;
  return outcome;
}
