/**
 * The escrow service's audit log: a hash chain. Each entry carries the hash
 * of the entry before it (`prev`) and its own (`hash`), so that changing,
 * removing or reordering an entry breaks the chain at that entry. The
 * service appends with `nextAuditEntry`; `keyward audit verify` and the
 * service's tests check an export with `verifyAuditLog`.
 *
 * hash = hex(SHA-256(utf8("keyward/audit") || 0x00 || canonical(entry without "hash")))
 *
 * The first entry's `prev` is 64 zeros. A log cut short at its end still
 * verifies: compare its `head` with one you kept to see that nothing was dropped.
 */
import { type Sha256, sha256, toHex, utf8, concat } from './bytes.ts';
import { canonicalJson, exactFields, isPlainObject, stringField, timeField } from './canonical.ts';
import { KeywardError } from './errors.ts';
import { jsonValue } from './format/signing.ts';

/** The export's `format`. */
export const AUDIT_FORMAT = 'keyward-audit/1';
/** `prev` of the first entry. */
export const AUDIT_GENESIS = '0'.repeat(64);

/**
 * What happened: an enrolment code issued, a person enrolled, an escrow blob stored; an officer, a
 * council or an authority registered, an authority or a council retired; a receipt uploaded; a search or an export by an officer; a recovery case opened,
 * verified or refused, a partial or recovery blob uploaded to it, and its blobs downloaded by the person.
 */
export const AUDIT_EVENTS = [
  'enrol-code',
  'enrol',
  'deposit',
  'officer',
  'council',
  'authority',
  'retire',
  'receipt',
  'search',
  'export',
  'case-open',
  'case-verify',
  'case-refuse',
  'case-upload',
  'case-download',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

/** One entry of the log. */
export interface AuditEntry {
  /** 1, 2, 3, ... with no gap. */
  seq: number;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  event: AuditEvent;
  /** The event's facts, strings only (identity IDs, file IDs, digests; never a code or a key). */
  data: Record<string, string>;
  /** `hash` of the entry before (64 lowercase hex digits), `AUDIT_GENESIS` for the first. */
  prev: string;
  /** This entry's hash (64 lowercase hex digits). */
  hash: string;
}

/** An export of the log (`GET /v1/audit`). */
export interface AuditLog {
  format: typeof AUDIT_FORMAT;
  entries: AuditEntry[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const broken = (seq: number, reason: string) => new KeywardError('AUDIT_BROKEN', { seq, reason });

/**
 * The hash of an entry: over everything but its `hash`, in canonical JSON, under its own context.
 *
 * @param hash - SHA-256 to use instead of WebCrypto's (the same bytes, computed at once)
 */
export async function auditEntryHash(entry: Omit<AuditEntry, 'hash'>, hash?: Sha256): Promise<string> {
  const { seq, at, event, data, prev } = entry;
  const input = concat(utf8('keyward/audit'), new Uint8Array([0]), utf8(canonicalJson({ seq, at, event, data, prev })));
  return toHex(await sha256(input, hash));
}

/**
 * The entry that follows `last` (or the first one).
 *
 * @param last - the log's last entry, `null` for an empty log
 * @param hash - as {@link auditEntryHash}
 */
export async function nextAuditEntry(last: Pick<AuditEntry, 'seq' | 'hash'> | null, event: AuditEvent, data: Record<string, string>, at: string, hash?: Sha256): Promise<AuditEntry> {
  const entry = { seq: last ? last.seq + 1 : 1, at, event, data: { ...data }, prev: last ? last.hash : AUDIT_GENESIS };
  return { ...entry, hash: await auditEntryHash(entry, hash) };
}

/**
 * Reads one entry strictly: its fields and no other, each of its type.
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseAuditEntry(value: unknown, where = 'the audit entry'): AuditEntry {
  const entry = exactFields(value, where, ['seq', 'at', 'event', 'data', 'prev', 'hash']);
  const { seq, event, data, prev, hash } = entry;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) throw malformed(`${where}.seq must be a whole number from 1`);
  if (typeof event !== 'string' || !(AUDIT_EVENTS as readonly string[]).includes(event)) throw malformed(`${where}.event must be one of ${AUDIT_EVENTS.join(', ')}`);
  if (!isPlainObject(data)) throw malformed(`${where}.data must be a JSON object`);
  const facts: Record<string, string> = {};
  for (const [key, fact] of Object.entries(data)) facts[key] = stringField(fact, `${where}.data.${key}`);
  if (typeof prev !== 'string' || !HEX64.test(prev)) throw malformed(`${where}.prev must be 64 lowercase hex digits`);
  if (typeof hash !== 'string' || !HEX64.test(hash)) throw malformed(`${where}.hash must be 64 lowercase hex digits`);
  return { seq, at: timeField(entry.at, `${where}.at`), event: event as AuditEvent, data: facts, prev, hash };
}

/**
 * Reads an export of the log strictly (a duplicate key in the text is refused too).
 *
 * @param input - the export's JSON text, or an already parsed value
 * @throws KeywardError `MALFORMED`
 */
export function parseAuditLog(input: unknown): AuditLog {
  const log = exactFields(jsonValue(input, 'the audit log'), 'the audit log', ['format', 'entries']);
  if (log.format !== AUDIT_FORMAT) throw malformed(`format must be ${AUDIT_FORMAT}`);
  if (!Array.isArray(log.entries)) throw malformed('entries must be an array');
  return { format: AUDIT_FORMAT, entries: log.entries.map((entry, i) => parseAuditEntry(entry, `entries[${i}]`)) };
}

/**
 * Checks the chain end to end: entry i (from 1) has `seq` i, its `hash` is
 * its content's, and its `prev` is the hash of entry i − 1.
 *
 * @returns how many entries, and the last one's hash (the head; `AUDIT_GENESIS` for an empty log)
 * @throws KeywardError `AUDIT_BROKEN` naming the first entry that does not hold
 */
export async function verifyAuditLog(entries: readonly AuditEntry[]): Promise<{ count: number; head: string }> {
  let prev = AUDIT_GENESIS;
  for (const [i, entry] of entries.entries()) {
    const expected = i + 1;
    if (entry.seq !== expected) throw broken(expected, `entry ${expected} is missing or out of place: entry ${entry.seq} is found there`);
    if ((await auditEntryHash(entry)) !== entry.hash) throw broken(expected, 'its content does not match its hash');
    if (entry.prev !== prev) throw broken(expected, 'it does not carry the hash of the entry before it');
    prev = entry.hash;
  }
  return { count: entries.length, head: prev };
}
