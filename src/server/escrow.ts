/**
 * What the service does, over a `Db`: enrolment codes, enrolment, deposits
 * and the audit log. Every check of a blob or an identity is the core's;
 * every write appends its audit entry in the same transaction, under one
 * lock, so the chain has no gap and no fork even with several instances on one database.
 */
import { KeywardError, b64u, importPublicIdentity, randomBytes, sha256, toHex, utf8 } from '../core/index.ts';
import { AUDIT_LOCK, appendAudit, auditedTransaction, chainEntries, insertAuditEntries } from './audit-log.ts';
import { Batcher } from './batcher.ts';
import type { Db, Queryable } from './db.ts';
import type { CheckedDeposit } from './deposit-check.ts';

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
 * An identity about to be enrolled (by a code, or by a recovery case) must be new to the service's people.
 *
 * @throws KeywardError `IDENTITY_REVOKED` (revoked when a case that enrolled it was refused), `ALREADY_ENROLLED`
 */
export async function mustBeNewPerson(tx: Queryable, identityId: string): Promise<void> {
  const [known] = await tx.query<{ revoked_by_case: string | null }>('SELECT revoked_by_case FROM people WHERE identity_id = $1', [identityId]);
  if (known?.revoked_by_case) throw new KeywardError('IDENTITY_REVOKED', { reason: `${identityId} was revoked when case ${known.revoked_by_case} was refused` });
  if (known) throw new KeywardError('ALREADY_ENROLLED', { reason: `${identityId} is enrolled already` });
}

/**
 * `POST /v1/enrol`: binds the code's person to a public identity (v2 §2, PEM or JWK Set), once.
 *
 * @throws KeywardError `ENROL_CODE_UNKNOWN`, `ENROL_CODE_USED`, `ALREADY_ENROLLED`, `IDENTITY_REVOKED`, the core's key codes
 */
export async function enrol(db: Db, code: string, identityText: string): Promise<Enrolment> {
  const identity = await importPublicIdentity(identityText);
  const digest = await codeDigest(code);
  const at = now();
  return auditedTransaction(db, async (tx) => {
    const [issued] = await tx.query<{ name: string; used_at: string | null }>('SELECT name, used_at FROM enrolment_codes WHERE code_digest = $1', [digest]);
    if (!issued) throw new KeywardError('ENROL_CODE_UNKNOWN');
    if (issued.used_at !== null) throw new KeywardError('ENROL_CODE_USED');
    await mustBeNewPerson(tx, identity.id);
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

/** What storing one checked blob came to: stored now, stored before, or its refusal. */
export type DepositOutcome = { ack: Acknowledgement; created: boolean } | KeywardError;

/** What the database says about a batch: who of its owners is enrolled, which of its files are stored, which of its authorities are served, the audit log's last entry. */
interface Known {
  enrolled: string[];
  stored: DepositRow[];
  /** `authorityKey`s of the batch's authorities that are registered and not retired (an authority, or a council). */
  served: string[];
  last: { seq: number; hash: string } | null;
}

/**
 * What a batch's decisions rest on: the owners and authorities known to be
 * refused (asked about and not enrolled, not served) and the rows stored for
 * its file IDs. What was not asked about yet is guessed to be fine; the
 * statement that stores checks it.
 */
interface Decisive {
  notEnrolled: ReadonlySet<string>;
  notServed: ReadonlySet<string>;
  stored: readonly DepositRow[];
}

/** Of `asked`, what `known` did not list: the ones refused. */
const missing = (asked: readonly string[], known: readonly string[]) => {
  const listed = new Set(known);
  return asked.filter((key) => !listed.has(key));
};

/** Each blob's outcome against what is known (its audit_seq filled in once chained), and the blobs new to the service, in order. */
function decide(items: readonly CheckedDeposit[], known: Decisive, at: string) {
  const stored = new Map(known.stored.map((row) => [row.file_id, row]));
  const fresh: { item: CheckedDeposit; row: DepositRow }[] = [];
  const decided = items.map((item): KeywardError | { row: DepositRow; created: boolean } => {
    if (known.notEnrolled.has(item.ownerId)) return new KeywardError('NOT_ENROLLED', { reason: `${item.ownerId} is not enrolled` });
    const found = stored.get(item.fileId);
    if (found) {
      if (found.escrow_digest !== item.digest) return new KeywardError('DEPOSIT_CONFLICT', { reason: `file ${item.serial} is stored with another blob` });
      return { row: found, created: false };
    }
    if (known.notServed.has(authorityKey(item))) {
      const { kind, name, id } = item.authority;
      return new KeywardError('AUTHORITY_NOT_SERVED', { reason: `the blob is escrowed to the ${kind} ${JSON.stringify(name)} (${id}), which is not registered with the service` });
    }
    // Seen again later in this batch: the same blob is answered with this row, another is a conflict.
    const row: DepositRow = { file_id: item.fileId, serial: item.serial, owner_id: item.ownerId, escrow_digest: item.digest, stored_at: at, audit_seq: 0 };
    stored.set(item.fileId, row);
    fresh.push({ item, row });
    return { row, created: true };
  });
  return { decided, fresh };
}

/** How a blob's authority is named in `Known.served`: its kind and its ID (an identity ID, or a council ID). */
const authorityKey = (item: CheckedDeposit) => `${item.authority.kind}:${item.authority.id}`;

/** The owners, the file IDs and the authorities the database is asked about. */
const askedAbout = (items: readonly CheckedDeposit[]): [owners: string[], fileIds: string[], authorities: string[]] => [
  [...new Set(items.map((item) => item.ownerId))],
  [...new Set(items.map((item) => item.fileId))],
  [...new Set(items.map(authorityKey))],
];

/** The read of `Known`, its owners `$1`, its file IDs `$2`, its authorities `$3` (`authorityKey`). */
const READ_KNOWN = `SELECT (SELECT coalesce(array_agg(identity_id), '{}') FROM people WHERE identity_id = ANY($1::text[]) AND revoked_at IS NULL) AS enrolled,
       (SELECT coalesce(json_agg(json_build_object('file_id', file_id, 'serial', serial, 'owner_id', owner_id, 'escrow_digest', escrow_digest, 'stored_at', stored_at, 'audit_seq', audit_seq)), '[]')
          FROM deposits WHERE file_id = ANY($2::text[])) AS stored,
       (SELECT coalesce(array_agg(key), '{}') FROM unnest($3::text[]) AS key
          WHERE key IN (SELECT 'identity:' || identity_id FROM authorities WHERE retired_at IS NULL
                        UNION ALL SELECT 'council:' || council_id FROM councils WHERE retired_at IS NULL)) AS served,
       (SELECT json_build_object('seq', seq, 'hash', hash) FROM audit_log ORDER BY seq DESC LIMIT 1) AS last`;

/** The INSERT of the fresh blobs' rows, from the 11 arrays at `$first`. */
const insertDeposits = (first: number) =>
  `INSERT INTO deposits (file_id, serial, owner_id, escrow_digest, blob, stored_at, audit_seq, description, authority_id, authority_kind, authority_name)
   SELECT * FROM unnest(${['text', 'text', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'text'].map((type, i) => `$${first + i}::${type}[]`).join(', ')})`;

/** Chains the fresh blobs' audit entries after `last` and gives the parameters of their rows and entries (11 + 4). */
async function freshRows(fresh: readonly { item: CheckedDeposit; row: DepositRow }[], last: Known['last'], at: string) {
  const entries = await chainEntries(
    last,
    fresh.map(({ item }) => ({ event: 'deposit', data: { fileId: item.fileId, serial: item.serial, ownerId: item.ownerId, escrowDigest: item.digest }, at })),
  );
  fresh.forEach(({ row }, i) => {
    row.audit_seq = entries[i]!.seq;
  });
  const rows = fresh.map(({ row }) => row);
  const params = [
    rows.map((row) => row.file_id),
    rows.map((row) => row.serial),
    rows.map((row) => row.owner_id),
    rows.map((row) => row.escrow_digest),
    fresh.map(({ item }) => item.text),
    rows.map((row) => row.stored_at),
    rows.map((row) => row.audit_seq),
    fresh.map(({ item }) => item.description),
    fresh.map(({ item }) => item.authority.id),
    fresh.map(({ item }) => item.authority.kind),
    fresh.map(({ item }) => item.authority.name),
  ];
  return { entries, params };
}

const outcomes = (decided: ReturnType<typeof decide>['decided']): DepositOutcome[] =>
  decided.map((outcome) => (outcome instanceof KeywardError ? outcome : { ack: acknowledgement(outcome.row), created: outcome.created }));

/**
 * The one statement that stores a batch when this process's guess holds
 * (owners `$1`, file IDs `$2`, authorities `$3`, the log's last entry
 * `$4`/`$5`, the rows `$6`–`$16`, the audit entries `$17`–`$20`). It takes
 * the audit lock without waiting, and inserts only if it got the lock, every
 * owner is enrolled, every authority served, no file is stored and the log's last entry is the one guessed;
 * either way it answers with what it read (`Known`), whether it got the
 * lock and whether it stored.
 */
const STORE_IF_GUESSED = `WITH known AS (${READ_KNOWN}),
lock AS (SELECT pg_try_advisory_xact_lock(${AUDIT_LOCK}) AS held),
go AS (SELECT 1 FROM known, lock WHERE lock.held AND cardinality(known.enrolled) = cardinality($1::text[]) AND json_array_length(known.stored) = 0
         AND cardinality(known.served) = cardinality($3::text[])
         AND (known.last ->> 'seq')::int IS NOT DISTINCT FROM $4::int AND known.last ->> 'hash' IS NOT DISTINCT FROM $5::text),
audit AS (${insertAuditEntries([], 17).sql} WHERE EXISTS (SELECT 1 FROM go)),
deposit AS (${insertDeposits(6)} WHERE EXISTS (SELECT 1 FROM go))
SELECT known.enrolled, known.stored, known.served, known.last, lock.held, EXISTS (SELECT 1 FROM go) AS done FROM known, lock`;

/** What `STORE_IF_GUESSED` answers: what it read, whether it got the audit lock, whether it stored. */
type Answer = Known & { held: boolean; done: boolean };

/** How many times a batch tries the one statement before it waits for the audit lock in a transaction. */
const GUESSES = 3;

/** Per database, in this process: the audit log's last entry as this process last saw it (`undefined`: not yet known). */
const lastSeen = new WeakMap<Db, Known['last'] | undefined>();

/** PostgreSQL's unique_violation: another writer took this sequence number or stored this file after the statement's snapshot. */
const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505';

/**
 * Stores checked blobs together (a group commit), each with its own
 * outcome, in order: a blob whose owner is not enrolled, whose file ID
 * is stored with another blob (also earlier in the same batch), or whose
 * authority is not registered (an authority or a council), is refused
 * alone (`NOT_ENROLLED`, `DEPOSIT_CONFLICT`, `AUTHORITY_NOT_SERVED`); the same blob sent again is
 * answered as before; the others are stored, each with its audit entry,
 * in one transaction. If that transaction fails, it throws and nothing is stored.
 *
 * Usually one statement does it all (`STORE_IF_GUESSED`, one round trip,
 * commit included): it guesses that every blob is new, from an enrolled
 * owner and for a registered authority, and that the log ends where this process last saw it. A wrong guess
 * stores nothing and brings what is true, and the next try decides with it.
 * If another transaction holds the audit lock, or the guesses keep failing
 * (several instances writing at once), the batch takes the lock in a
 * transaction, reads and inserts (`storeLocked`). Every insert into the log
 * holds the audit lock; the log's primary key refuses a sequence number
 * taken since a statement's snapshot (a unique violation, tried again).
 */
export async function storeDeposits(db: Db, items: readonly CheckedDeposit[]): Promise<DepositOutcome[]> {
  const at = now();
  // Before the first answer: every blob new, every owner enrolled, every authority served.
  const known = { notEnrolled: new Set<string>(), notServed: new Set<string>(), stored: [] as DepositRow[] };
  let last = lastSeen.get(db) ?? null;
  for (let guess = 0; guess < GUESSES; guess++) {
    const { decided, fresh } = decide(items, known, at);
    if (fresh.length === 0) return outcomes(decided);
    const { entries, params } = await freshRows(fresh, last, at);
    const [owners, fileIds, authorities] = askedAbout(fresh.map(({ item }) => item));
    let answer: Answer;
    try {
      [answer] = (await db.query<Answer>(
        STORE_IF_GUESSED,
        [owners, fileIds, authorities, last?.seq ?? null, last?.hash ?? null, ...params, ...insertAuditEntries(entries, 17).params],
        'keyward-store-deposits',
      )) as [Answer];
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another writer got there first: what was read before may be out of date too.
      lastSeen.delete(db);
      last = null;
      known.notEnrolled.clear();
      known.notServed.clear();
      known.stored.length = 0;
      continue;
    }
    if (answer.done) {
      lastSeen.set(db, entries.at(-1));
      return outcomes(decided);
    }
    if (!answer.held) break;
    // What the statement read is about the fresh blobs only: a blob that becomes fresh in the next guess (it
    // conflicted with one now refused) may bring an owner or an authority not asked about yet, guessed fine again.
    for (const owner of missing(owners, answer.enrolled)) known.notEnrolled.add(owner);
    for (const authority of missing(authorities, answer.served)) known.notServed.add(authority);
    known.stored.push(...answer.stored);
    last = answer.last;
  }
  return storeLocked(db, items, at);
}

/**
 * The batch in one transaction under the audit lock (a statement after the
 * lock's reads what the transactions before it committed): one query reads
 * who is enrolled, what is stored, which authorities are served and the log's last entry, one statement
 * inserts the audit entries and the deposits; then one commit.
 */
async function storeLocked(db: Db, items: readonly CheckedDeposit[], at: string): Promise<DepositOutcome[]> {
  const result = await auditedTransaction(db, async (tx) => {
    const [owners, fileIds, authorities] = askedAbout(items);
    const [known] = (await tx.query<Known>(READ_KNOWN, [owners, fileIds, authorities], 'keyward-store-deposits-read')) as [Known];
    const { decided, fresh } = decide(items, { notEnrolled: new Set(missing(owners, known.enrolled)), notServed: new Set(missing(authorities, known.served)), stored: known.stored }, at);
    let last = known.last;
    if (fresh.length > 0) {
      const { entries, params } = await freshRows(fresh, known.last, at);
      // The deposits' 11 columns are $1 to $11; the audit entries' parameters follow.
      const audit = insertAuditEntries(entries, 12);
      await tx.query(`WITH audit AS (${audit.sql}) ${insertDeposits(1)}`, [...params, ...audit.params], 'keyward-store-deposits-insert');
      last = entries.at(-1)!;
    }
    return { decided, last };
  });
  lastSeen.set(db, result.last);
  return outcomes(result.decided);
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

/**
 * `POST /v1/deposits`, once its blob is checked (deposit-check.ts): from
 * an enrolled owner, stored once per file ID. Blobs that arrive together
 * are stored together (`storeDeposits`); each is answered only once its
 * batch is committed.
 *
 * @returns the acknowledgement, and whether this request stored it (false: the same blob was stored before)
 * @throws KeywardError `NOT_ENROLLED`, `DEPOSIT_CONFLICT`, `AUTHORITY_NOT_SERVED`
 */
export async function deposit(db: Db, checked: CheckedDeposit): Promise<{ ack: Acknowledgement; created: boolean }> {
  // A client's retry is checked again too (no query first: most blobs are new); storing finds it stored.
  const outcome = await storesOf(db).submit(checked);
  if (outcome instanceof KeywardError) throw outcome;
  return outcome;
}
