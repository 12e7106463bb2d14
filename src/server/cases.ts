/**
 * Recovery cases: a person who lost the private key of an enrolled identity
 * opens a case from a NEW identity (a request that identity signs); an
 * officer records how the person's identity was checked (the new identity
 * is then enrolled as the same person) or refuses the case; council members
 * upload their partial recovery blobs and officers an identity authority's
 * recovery blob; when every file of the case has its quorum the case is
 * `ready` and the applicant downloads the blobs. Every check of a request or
 * a blob is the core's (src/core/service-case.ts); every step is appended to
 * the audit log in the same transaction, with the lost identity as `ownerId`.
 *
 * States: open → verified → ready; open → refused (final).
 */
import type { FastifyInstance } from 'fastify';
import {
  type EscrowBlobV2,
  KeywardError,
  b64u,
  canonicalJson,
  checkSignedEscrow,
  parseEscrowBlobV2,
  randomBytes,
} from '../core/index.ts';
import { type CaseUpload, checkCaseRequest, checkCaseUpload, parseCaseUpload } from '../core/service-case.ts';
import { appendAudit, auditedTransaction } from './audit-log.ts';
import { type Session, requireRole, sessionOf } from './auth.ts';
import type { Db, Queryable } from './db.ts';
import { mustBeNewPerson } from './escrow.ts';

export const CASE_STATES = ['open', 'verified', 'refused', 'ready'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** What `POST /v1/cases` answers. */
export interface OpenedCase {
  caseId: string;
  state: 'open';
  openedAt: string;
  auditSeq: number;
  /** Every deposit of the lost identity, by the time it was stored. */
  files: string[];
}

/** One case in `GET /v1/cases`. */
export interface CaseSummary {
  caseId: string;
  state: CaseState;
  lostIdentityId: string;
  newIdentityId: string;
  /** The person's name (the lost identity's, as enrolled). */
  name: string;
  openedAt: string;
  /** How many files the case recovers. */
  files: number;
}

export interface CaseUploadView {
  kind: 'partial' | 'recovery';
  /** Who signed the blob: the member or the identity authority. */
  by: string;
  /** A partial's member index. */
  index?: number;
  at: string;
}

export interface CaseFileView {
  fileId: string;
  serial: string;
  /** Absent for the applicant until an officer verified the case: anyone may open a case for an enrolled identity. */
  description?: string;
  authority: { kind: 'identity' | 'council'; id: string; name: string; threshold?: number };
  uploads: CaseUploadView[];
}

export interface CaseStep {
  event: string;
  at: string;
  /** The identity that acted. */
  by: string;
  /** open: the person's note; verify: the method; refuse: the reason; upload: the file ID; download: empty. */
  detail: string;
}

/** `GET /v1/cases/:id`. */
export interface CaseView {
  caseId: string;
  state: CaseState;
  lostIdentityId: string;
  newIdentityId: string;
  /** The new identity's public keys (b64u SPKIs), which members issue partials for after computing its ID. */
  newIdentity: { publicKey: string; signingKey: string };
  name: string;
  openedAt: string;
  files: CaseFileView[];
  steps: CaseStep[];
}

/** What `POST /v1/cases/:id/uploads` answers. */
export interface UploadAnswer {
  caseId: string;
  fileId: string;
  kind: 'partial' | 'recovery';
  by: string;
  index?: number;
  at: string;
  auditSeq: number;
  /** The case's state after the upload (`ready` once every file has its quorum). */
  state: CaseState;
}

interface CaseRow {
  case_id: string;
  lost_identity_id: string;
  new_identity_id: string;
  new_public_key: string;
  new_signing_key: string;
  new_key_id: string;
  state: CaseState;
  opened_at: string;
}

interface UploadRow {
  file_id: string;
  issuer_id: string;
  kind: 'partial' | 'recovery';
  member_index: number | null;
  at: string;
  audit_seq: number;
  blob: string;
}

const SELECT_CASE = 'SELECT case_id, lost_identity_id, new_identity_id, new_public_key, new_signing_key, new_key_id, state, opened_at FROM cases';

async function caseRow(q: Queryable, caseId: string, lock = false): Promise<CaseRow> {
  const [row] = await q.query<CaseRow>(`${SELECT_CASE} WHERE case_id = $1${lock ? ' FOR UPDATE' : ''}`, [caseId]);
  if (!row) throw new KeywardError('CASE_UNKNOWN');
  return row;
}

function expectState(row: CaseRow, ...allowed: CaseState[]): void {
  if (!allowed.includes(row.state)) throw new KeywardError('CASE_STATE', { reason: `the case is ${row.state}, not ${allowed.join(' or ')}` });
}

/** Appends a case's audit entry and its step, in the caller's transaction. */
async function caseStep(tx: Queryable, event: 'case-open' | 'case-verify' | 'case-refuse' | 'case-upload' | 'case-download', row: Pick<CaseRow, 'case_id' | 'lost_identity_id'>, by: string, detail: string, extra: Record<string, string>, at: string): Promise<number> {
  const entry = await appendAudit(tx, event, { ownerId: row.lost_identity_id, caseId: row.case_id, by, ...extra }, at);
  await tx.query('INSERT INTO case_steps (audit_seq, case_id, event, at, by_id, detail) VALUES ($1, $2, $3, $4, $5, $6)', [entry.seq, row.case_id, event, at, by, detail]);
  return entry.seq;
}

/**
 * `POST /v1/cases`: a case for an enrolled identity, from a request signed by the new identity.
 *
 * @throws KeywardError the core's (`MALFORMED`, `SIGNATURE_INVALID`, key codes), `NOT_ENROLLED`,
 *   `ALREADY_ENROLLED` (the new identity is enrolled already), `CASE_STATE` (the new identity has an open or verified case;
 *   other new identities' cases for the same lost one do not stop it)
 */
export async function openCase(db: Db, input: unknown, now = new Date()): Promise<OpenedCase> {
  const { request, identity } = await checkCaseRequest(input);
  const caseId = b64u(randomBytes(15));
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const [lost] = await tx.query('SELECT identity_id FROM people WHERE identity_id = $1 AND revoked_at IS NULL', [request.lostIdentityId]);
    if (!lost) throw new KeywardError('NOT_ENROLLED', { reason: `${request.lostIdentityId} is not enrolled` });
    await mustBeNewPerson(tx, identity.id);
    // Another new identity's case for the same lost one does not stop this one: the officer verifies the person's own.
    const active = await tx.query<{ case_id: string }>("SELECT case_id FROM cases WHERE new_identity_id = $1 AND state IN ('open', 'verified')", [identity.id]);
    if (active.length > 0) throw new KeywardError('CASE_STATE', { reason: 'this new identity has a case open already' });
    const files = (await tx.query<{ file_id: string }>('SELECT file_id FROM deposits WHERE owner_id = $1 ORDER BY stored_at, file_id', [request.lostIdentityId])).map((r) => r.file_id);
    await tx.query(
      `INSERT INTO cases (case_id, lost_identity_id, new_identity_id, new_public_key, new_signing_key, new_key_id, request, state, opened_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8)`,
      [caseId, request.lostIdentityId, identity.id, b64u(identity.rsaSpki), b64u(identity.ed25519Spki), identity.encryption.keyId, canonicalJson(input), at],
    );
    for (const fileId of files) await tx.query('INSERT INTO case_files (case_id, file_id) VALUES ($1, $2)', [caseId, fileId]);
    const row = { case_id: caseId, lost_identity_id: request.lostIdentityId };
    const auditSeq = await caseStep(tx, 'case-open', row, identity.id, request.note, { newIdentityId: identity.id, files: String(files.length) }, at);
    return { caseId, state: 'open' as const, openedAt: at, auditSeq, files };
  });
}

/** `GET /v1/cases?state=` (officer, member): the newest first, at most 500. */
export async function listCases(db: Db, session: Session, state: CaseState | undefined): Promise<{ cases: CaseSummary[] }> {
  requireRole(session, 'officer', 'member');
  const rows = await db.query<CaseRow & { name: string; files: number }>(
    `SELECT c.case_id, c.lost_identity_id, c.new_identity_id, c.state, c.opened_at, p.name,
            (SELECT count(*)::int FROM case_files f WHERE f.case_id = c.case_id) AS files
       FROM cases c JOIN people p ON p.identity_id = c.lost_identity_id
      WHERE $1::text IS NULL OR c.state = $1
      ORDER BY c.opened_at DESC, c.case_id LIMIT 500`,
    [state ?? null],
  );
  return {
    cases: rows.map((r) => ({ caseId: r.case_id, state: r.state, lostIdentityId: r.lost_identity_id, newIdentityId: r.new_identity_id, name: r.name, openedAt: r.opened_at, files: r.files })),
  };
}

/** Officers and members see every case; anyone else only the case whose new identity they signed in with. */
function mayRead(session: Session, row: CaseRow): void {
  if (session.roles.has('officer') || session.roles.has('member')) return;
  if (session.identityId !== row.new_identity_id) throw new KeywardError('NOT_PERMITTED', { reason: 'only officers, council members and the applicant read a case' });
}

function authorityView(blob: EscrowBlobV2): CaseFileView['authority'] {
  const { authority } = blob;
  return authority.kind === 'council'
    ? { kind: 'council', id: authority.id, name: authority.name, threshold: authority.threshold }
    : { kind: 'identity', id: authority.id, name: authority.name };
}

/** `GET /v1/cases/:id` (officer, member, or the applicant). */
export async function readCase(db: Db, session: Session, caseId: string): Promise<CaseView> {
  const row = await caseRow(db, caseId);
  mayRead(session, row);
  const [person] = await db.query<{ name: string }>('SELECT name FROM people WHERE identity_id = $1', [row.lost_identity_id]);
  const files = await db.query<{ file_id: string; serial: string; blob: string }>(
    'SELECT d.file_id, d.serial, d.blob FROM case_files f JOIN deposits d ON d.file_id = f.file_id WHERE f.case_id = $1 ORDER BY d.stored_at, d.file_id',
    [caseId],
  );
  const uploads = await db.query<UploadRow>('SELECT file_id, issuer_id, kind, member_index, at, audit_seq, blob FROM case_uploads WHERE case_id = $1 ORDER BY audit_seq', [caseId]);
  // Whoever holds a new identity may open a case for any enrolled one: what the files are is shown to the
  // applicant only once an officer checked that they are the person.
  const describe = session.roles.has('officer') || session.roles.has('member') || row.state === 'verified' || row.state === 'ready';
  const steps = await db.query<{ event: string; at: string; by_id: string; detail: string }>('SELECT event, at, by_id, detail FROM case_steps WHERE case_id = $1 ORDER BY audit_seq', [caseId]);
  return {
    caseId,
    state: row.state,
    lostIdentityId: row.lost_identity_id,
    newIdentityId: row.new_identity_id,
    newIdentity: { publicKey: row.new_public_key, signingKey: row.new_signing_key },
    name: person?.name ?? '',
    openedAt: row.opened_at,
    files: files.map((f) => {
      const blob = parseEscrowBlobV2(f.blob);
      return {
        fileId: f.file_id,
        serial: f.serial,
        ...(describe ? { description: blob.description } : {}),
        authority: authorityView(blob),
        uploads: uploads
          .filter((u) => u.file_id === f.file_id)
          .map((u) => ({ kind: u.kind, by: u.issuer_id, ...(u.member_index === null ? {} : { index: u.member_index }), at: u.at })),
      };
    }),
    steps: steps.map((s) => ({ event: s.event, at: s.at, by: s.by_id, detail: s.detail })),
  };
}

/** True when every file of the case has its quorum: k distinct members of a council's blob, one recovery blob of an identity's. */
async function hasQuorum(tx: Queryable, caseId: string): Promise<boolean> {
  const files = await tx.query<{ blob: string; partials: number; recoveries: number }>(
    `SELECT d.blob,
            (SELECT count(*)::int FROM case_uploads u WHERE u.case_id = f.case_id AND u.file_id = f.file_id AND u.kind = 'partial') AS partials,
            (SELECT count(*)::int FROM case_uploads u WHERE u.case_id = f.case_id AND u.file_id = f.file_id AND u.kind = 'recovery') AS recoveries
       FROM case_files f JOIN deposits d ON d.file_id = f.file_id WHERE f.case_id = $1`,
    [caseId],
  );
  return files.every((f) => {
    const { authority } = parseEscrowBlobV2(f.blob);
    return authority.kind === 'council' ? f.partials >= authority.threshold : f.recoveries >= 1;
  });
}

/**
 * `POST /v1/cases/:id/verify` (officer): records how the person's identity was
 * checked and enrols the new identity as the same person (its `person_id` is
 * the lost identity's). A case with no file is `ready` at once.
 *
 * @throws KeywardError `NOT_PERMITTED`, `CASE_UNKNOWN`, `CASE_STATE` (not open, or another case for the lost identity is verified), `ALREADY_ENROLLED`
 */
export async function verifyCase(db: Db, session: Session, caseId: string, method: string, now = new Date()): Promise<{ caseId: string; state: CaseState; auditSeq: number }> {
  requireRole(session, 'officer');
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const row = await caseRow(tx, caseId, true);
    expectState(row, 'open');
    const [other] = await tx.query<{ case_id: string }>("SELECT case_id FROM cases WHERE lost_identity_id = $1 AND state = 'verified'", [row.lost_identity_id]);
    if (other) throw new KeywardError('CASE_STATE', { reason: `another case for this identity (${other.case_id}) is verified; one is verified at a time` });
    const [lost] = await tx.query<{ name: string; person_id: string }>('SELECT name, person_id FROM people WHERE identity_id = $1 AND revoked_at IS NULL', [row.lost_identity_id]);
    // The lost identity was revoked since the case was opened (a case that enrolled it was refused): it is no one to recover.
    if (!lost) throw new KeywardError('NOT_ENROLLED', { reason: `${row.lost_identity_id} was revoked` });
    await mustBeNewPerson(tx, row.new_identity_id);
    await tx.query('INSERT INTO people (identity_id, name, public_key, signing_key, enrolled_at, code_digest, person_id) VALUES ($1, $2, $3, $4, $5, NULL, $6)', [
      row.new_identity_id,
      lost.name,
      row.new_public_key,
      row.new_signing_key,
      at,
      lost.person_id,
    ]);
    const state: CaseState = (await hasQuorum(tx, caseId)) ? 'ready' : 'verified';
    await tx.query('UPDATE cases SET state = $2 WHERE case_id = $1', [caseId, state]);
    const auditSeq = await caseStep(tx, 'case-verify', row, session.identityId, method, { method, newIdentityId: row.new_identity_id, personId: lost.person_id }, at);
    return { caseId, state, auditSeq };
  });
}

/**
 * `POST /v1/cases/:id/refuse` (officer): a case is refused, for good. An
 * open case is only closed. A verified or ready one enrolled its new
 * identity as the person: that identity is revoked with it, so it holds no
 * person's role (it signs in as nothing), deposits nothing, reads none of
 * the person's records, is never enrolled again, and the case's blobs are
 * never handed out again. What it deposited and what the log says of it stay.
 *
 * @returns the case, and the identity revoked (a verified or ready case's new identity)
 * @throws KeywardError `NOT_PERMITTED`, `CASE_UNKNOWN`, `CASE_STATE` (refused already)
 */
export async function refuseCase(db: Db, session: Session, caseId: string, reason: string, now = new Date()): Promise<{ caseId: string; state: CaseState; auditSeq: number; revokedIdentityId?: string }> {
  requireRole(session, 'officer');
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const row = await caseRow(tx, caseId, true);
    expectState(row, 'open', 'verified', 'ready');
    await tx.query("UPDATE cases SET state = 'refused' WHERE case_id = $1", [caseId]);
    // Verifying enrolled the new identity as the person: an open case enrolled no one.
    const revokedIdentityId = row.state === 'open' ? null : row.new_identity_id;
    if (revokedIdentityId !== null) {
      const rows = await tx.query('UPDATE people SET revoked_at = $2, revoked_by_case = $3 WHERE identity_id = $1 AND revoked_at IS NULL RETURNING identity_id', [revokedIdentityId, at, caseId]);
      if (rows.length !== 1) throw new Error(`case ${caseId} is ${row.state} but its new identity is not an enrolled person`);
    }
    const revoked: Record<string, string> = revokedIdentityId === null ? {} : { revokedIdentityId };
    const auditSeq = await caseStep(tx, 'case-refuse', row, session.identityId, reason, { reason, ...revoked }, at);
    return { caseId, state: 'refused' as const, auditSeq, ...revoked };
  });
}

/**
 * Who may upload this blob: a member for a partial that member issued, for
 * a file whose council they sit on; an officer for a recovery blob.
 *
 * @throws KeywardError `NOT_PERMITTED`, `OUTSIDE_COUNCIL`
 */
function mayUpload(session: Session, upload: CaseUpload, escrow: EscrowBlobV2): void {
  if (upload.kind === 'recovery') {
    requireRole(session, 'officer');
    return;
  }
  requireRole(session, 'member');
  if (upload.blob.issuer.id !== session.identityId) {
    throw new KeywardError('OUTSIDE_COUNCIL', { reason: 'a member uploads the partials they issued, not another member\'s' });
  }
  if (escrow.authority.kind !== 'council' || !session.councils.includes(escrow.authority.id)) {
    throw new KeywardError('OUTSIDE_COUNCIL', { reason: 'the file is escrowed with a council this member is not in' });
  }
}

/**
 * `POST /v1/cases/:id/uploads`: a partial (member) or a recovery blob
 * (officer) for a file of a verified case and its new identity, checked by
 * the core. The same issuer's blob for a file again changes nothing (200, the
 * first one's answer). The upload that gives the last file its quorum makes the case `ready`.
 *
 * @returns the answer, and whether this request stored it
 * @throws KeywardError `MALFORMED`, `CASE_UNKNOWN`, `NOT_PERMITTED`, `OUTSIDE_COUNCIL`, `CASE_STATE` (not verified),
 *   `BLOB_MISMATCH`, and the core's `SIGNATURE_INVALID`, `SIGNER_UNTRUSTED`
 */
export async function uploadToCase(db: Db, session: Session, caseId: string, input: unknown, now = new Date()): Promise<{ answer: UploadAnswer; created: boolean }> {
  const read = parseCaseUpload(input);
  const row = await caseRow(db, caseId);
  const [file] = await db.query<{ blob: string; escrow_digest: string }>(
    'SELECT d.blob, d.escrow_digest FROM case_files f JOIN deposits d ON d.file_id = f.file_id WHERE f.case_id = $1 AND f.file_id = $2',
    [caseId, read.blob.fileId],
  );
  const escrowBlob = file ? parseEscrowBlobV2(file.blob) : undefined;
  if (escrowBlob) mayUpload(session, read, escrowBlob);
  else requireRole(session, read.kind === 'partial' ? 'member' : 'officer');
  // A retry of the upload that made the case ready is answered below; anything new needs `verified`.
  expectState(row, 'verified', 'ready');
  if (!file || !escrowBlob) throw new KeywardError('BLOB_MISMATCH', { reason: 'the blob is for a file that is not in this case' });
  const escrow = await checkSignedEscrow(escrowBlob, row.lost_identity_id);
  const upload = await checkCaseUpload(read, { escrow, escrowDigest: file.escrow_digest, newOwner: { id: row.new_identity_id, keyId: row.new_key_id } });
  const issuer = upload.blob.issuer.id;
  const index = upload.kind === 'partial' ? upload.blob.issuer.index : undefined;
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const current = await caseRow(tx, caseId, true);
    const [stored] = await tx.query<UploadRow>('SELECT file_id, issuer_id, kind, member_index, at, audit_seq, blob FROM case_uploads WHERE case_id = $1 AND file_id = $2 AND issuer_id = $3', [
      caseId,
      upload.blob.fileId,
      issuer,
    ]);
    const answer = (kind: UploadAnswer['kind'], on: string, seq: number, state: CaseState): UploadAnswer => ({
      caseId,
      fileId: upload.blob.fileId,
      kind,
      by: issuer,
      ...(index === undefined ? {} : { index }),
      at: on,
      auditSeq: seq,
      state,
    });
    if (stored) return { answer: answer(stored.kind, stored.at, stored.audit_seq, current.state), created: false };
    expectState(current, 'verified');
    const auditSeq = await caseStep(tx, 'case-upload', current, session.identityId, upload.blob.fileId, { fileId: upload.blob.fileId, kind: upload.kind, issuer, ...(index === undefined ? {} : { index: String(index) }) }, at);
    await tx.query('INSERT INTO case_uploads (case_id, file_id, issuer_id, kind, member_index, by_id, at, blob, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      caseId,
      upload.blob.fileId,
      issuer,
      upload.kind,
      index ?? null,
      session.identityId,
      at,
      canonicalJson(upload.blob),
      auditSeq,
    ]);
    const state: CaseState = (await hasQuorum(tx, caseId)) ? 'ready' : 'verified';
    if (state === 'ready') await tx.query("UPDATE cases SET state = 'ready' WHERE case_id = $1", [caseId]);
    return { answer: answer(upload.kind, at, auditSeq, state), created: true };
  });
}

/**
 * `GET /v1/cases/:id/blobs` (the applicant, once `ready`): every partial and recovery blob of the case, by upload.
 *
 * @throws KeywardError `CASE_UNKNOWN`, `NOT_PERMITTED` (anyone but the applicant), `CASE_STATE` (not ready)
 */
export async function caseBlobs(db: Db, session: Session, caseId: string, now = new Date()): Promise<{ partials: unknown[]; recoveries: unknown[] }> {
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const row = await caseRow(tx, caseId);
    if (session.identityId !== row.new_identity_id) throw new KeywardError('NOT_PERMITTED', { reason: 'only the applicant downloads a case\'s blobs' });
    expectState(row, 'ready');
    const uploads = await tx.query<UploadRow>('SELECT file_id, issuer_id, kind, member_index, at, audit_seq, blob FROM case_uploads WHERE case_id = $1 ORDER BY audit_seq', [caseId]);
    await caseStep(tx, 'case-download', row, session.identityId, '', { count: String(uploads.length) }, at);
    return {
      partials: uploads.filter((u) => u.kind === 'partial').map((u) => JSON.parse(u.blob) as unknown),
      recoveries: uploads.filter((u) => u.kind === 'recovery').map((u) => JSON.parse(u.blob) as unknown),
    };
  });
}

const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;
const caseParams = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{20}$' } },
} as const;
const openBody = {
  type: 'object',
  additionalProperties: false,
  required: ['request', 'signature'],
  properties: { request: { type: 'object' }, signature: { type: 'string', maxLength: 128 } },
} as const;
const textBody = (field: 'method' | 'reason') =>
  ({
    type: 'object',
    additionalProperties: false,
    required: [field],
    properties: { [field]: { type: 'string', minLength: 1, maxLength: 2000 } },
  }) as const;
/** An object with a `format`; the core reads the blob strictly after. */
const uploadBody = { type: 'object', required: ['format'], properties: { format: { type: 'string', maxLength: 32 } } } as const;
const listQuery = { type: 'object', additionalProperties: false, properties: { state: { type: 'string', enum: [...CASE_STATES] } } } as const;

/** The routes of recovery cases (`POST /v1/cases`, `GET /v1/cases`, `GET /v1/cases/:id`, verify, refuse, uploads, blobs). */
export function registerCaseRoutes(app: FastifyInstance, db: Db): void {
  app.post('/v1/cases', { schema: { body: openBody, querystring: noQuery } }, async (request, reply) => reply.code(201).send(await openCase(db, request.body, app.keywardNow())));

  app.get('/v1/cases', { schema: { querystring: listQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    return listCases(db, session, (request.query as { state?: CaseState }).state);
  });

  app.get('/v1/cases/:id', { schema: { params: caseParams, querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    return readCase(db, session, (request.params as { id: string }).id);
  });

  app.post('/v1/cases/:id/verify', { schema: { params: caseParams, body: textBody('method'), querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    return verifyCase(db, session, (request.params as { id: string }).id, (request.body as { method: string }).method, app.keywardNow());
  });

  app.post('/v1/cases/:id/refuse', { schema: { params: caseParams, body: textBody('reason'), querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    return refuseCase(db, session, (request.params as { id: string }).id, (request.body as { reason: string }).reason, app.keywardNow());
  });

  app.post('/v1/cases/:id/uploads', { schema: { params: caseParams, body: uploadBody, querystring: noQuery } }, async (request, reply) => {
    const session = await sessionOf(db, request);
    const { answer, created } = await uploadToCase(db, session, (request.params as { id: string }).id, request.body, app.keywardNow());
    return reply.code(created ? 201 : 200).send(answer);
  });

  app.get('/v1/cases/:id/blobs', { schema: { params: caseParams, querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    return caseBlobs(db, session, (request.params as { id: string }).id, app.keywardNow());
  });
}
