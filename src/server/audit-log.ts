/**
 * The service's audit log in its database: every write appends its entry
 * in the same transaction as what it records, under one lock, so the chain
 * (core/audit.ts) has no gap and no fork even with several instances on one
 * database. `owner_id` (the entry's `data.ownerId`) lets a person read the
 * entries about their own files.
 */
import { type AuditEntry, type AuditEvent, type AuditLog, AUDIT_FORMAT, AUDIT_GENESIS, nextAuditEntry, parseAuditEntry } from '../core/audit.ts';
import { canonicalJson } from '../core/index.ts';
import type { Db, Queryable } from './db.ts';
import { sha256Now } from './node-crypto.ts';

/** Taken by every transaction that appends to the audit log. */
export const AUDIT_LOCK = 0x6b77_6131;

/** Appends one entry (inside `auditedTransaction`); `data.ownerId`, when present, is kept in `owner_id` too. */
export async function appendAudit(tx: Queryable, event: AuditEvent, data: Record<string, string>, at: string): Promise<AuditEntry> {
  const rows = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  const [entry] = await chainEntries(rows[0] ?? null, [{ event, data, at }]);
  const insert = insertAuditEntries([entry!]);
  await tx.query(insert.sql, insert.params);
  return entry!;
}

/**
 * The entries that follow `last` (the log's last entry, or `null` for an empty log), in order,
 * hashed with node:crypto's SHA-256. `appendAudit` writes one; a batch of deposits reads the
 * last entry and writes its entries together with its own rows (`storeDeposits`). node:crypto's
 * SHA-256, at once: no trip to WebCrypto's thread while the lock is held.
 */
export async function chainEntries(last: Pick<AuditEntry, 'seq' | 'hash'> | null, events: readonly { event: AuditEvent; data: Record<string, string>; at: string }[]): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (const { event, data, at } of events) {
    const entry = await nextAuditEntry(last, event, data, at, sha256Now);
    entries.push(entry);
    last = entry;
  }
  return entries;
}

/** The `INSERT` of entries into the audit log, its parameters numbered from `$first` (4 of them). */
export function insertAuditEntries(entries: readonly AuditEntry[], first = 1): { sql: string; params: unknown[] } {
  const [a, b, c, d] = [first, first + 1, first + 2, first + 3];
  return {
    sql: `INSERT INTO audit_log (seq, entry, hash, owner_id) SELECT * FROM unnest($${a}::int[], $${b}::text[], $${c}::text[], $${d}::text[])`,
    params: [entries.map((entry) => entry.seq), entries.map((entry) => canonicalJson(entry)), entries.map((entry) => entry.hash), entries.map((entry) => entry.data.ownerId ?? null)],
  };
}

/** A transaction that may append to the audit log: one at a time. */
export function auditedTransaction<T>(db: Db, work: (tx: Queryable) => Promise<T>): Promise<T> {
  // The lock is a statement of its own, before any read: each later statement sees what committed before it.
  return db.transaction(work, `SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`);
}

/** `GET /v1/audit`: the whole log, in order. */
export async function exportAudit(db: Queryable): Promise<AuditLog> {
  const rows = await db.query<{ entry: string }>('SELECT entry FROM audit_log ORDER BY seq');
  return { format: AUDIT_FORMAT, entries: rows.map((row) => parseAuditEntry(JSON.parse(row.entry))) };
}

/** `GET /v1/audit/head`: the last entry's number and hash (0 and `AUDIT_GENESIS` for an empty log). */
export async function auditHead(db: Queryable): Promise<{ seq: number; hash: string }> {
  const [last] = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: AUDIT_GENESIS };
}

/** The entries whose `data.ownerId` is one of `ownerIds`, in order. */
export async function auditEntriesOf(db: Queryable, ownerIds: readonly string[]): Promise<AuditEntry[]> {
  if (ownerIds.length === 0) return [];
  const rows = await db.query<{ entry: string }>('SELECT entry FROM audit_log WHERE owner_id = ANY($1::text[]) ORDER BY seq', [[...ownerIds]]);
  return rows.map((row) => parseAuditEntry(JSON.parse(row.entry)));
}
