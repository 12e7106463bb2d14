/**
 * The bench's preload (bench-service.ts): many deposits stored in bulk SQL,
 * with the audit chain the service would have written for them, so that a
 * service is measured with a million blobs in its tables.
 *
 * Rows: `ceil(count / 100)` people (enrolment code, `enrol-code` and `enrol`
 * audit entries each), then `count` deposits spread over the past year,
 * each from one of those people, each with its `deposit` audit entry. Every
 * blob is the canonical JSON of one real signed blob (so each row has the
 * size and shape of a real one) with its `fileId` (16 random bytes),
 * `serial` (the core's, from that fileId), `createdAt`, `description` (a few
 * words from a list) and `owner.id` replaced: the owner's signature over it
 * would not verify, but the service checks a blob when it arrives, never
 * after. Its `escrowDigest` is the SHA-256 of that text, as the service's.
 *
 * How it is fast: Node computes each row's small fields and the chain's
 * hashes (node:crypto, one pass); each batch of 10,000 rows travels as a few
 * text arrays (`unnest`), and the database builds the blob and entry texts
 * from one template each (`replace`), in one INSERT of both tables.
 * `verifyStoredChain` reads the whole chain back and verifies it with the
 * core's own hash, proving the templates and the hashes agree.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type AuditEntry, type AuditEvent, AUDIT_GENESIS, auditEntryHash, parseAuditEntry } from '../src/core/audit.ts';
import { type Bytes, type EscrowBlobV2, b64u, canonicalJson, serialFromFileId } from '../src/core/index.ts';
import type { Db } from '../src/server/db.ts';

const BATCH = 10_000;
const PER_OWNER = 100;
const DAY = 86_400_000;

/** Words of the preloaded descriptions (full-text search finds them). */
export const WORDS = (
  'budget contract invoice payroll design roadmap minutes report audit tender offer draft final review ' +
  'quarterly annual summary plan forecast salary pension claim patent licence board memo strategy legal ' +
  'merger proposal research results clinical trial dataset backup archive scan passport lease deed will ' +
  'insurance policy tax return statement ledger export import customer supplier vendor project alpha beta ' +
  'gamma delta north south east west berlin paris london madrid tokyo lisbon oslo vienna prague dublin'
).split(' ');

/** The hash of an audit entry, as core/audit.ts computes it (node:crypto, synchronous). */
function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, at, event, data, prev } = entry;
  return createHash('sha256').update('keyward/audit\0').update(canonicalJson({ seq, at, event, data, prev })).digest('hex');
}

/** node:crypto's SHA-256, handed to the core's `auditEntryHash` as the service does. */
const sha256Now = (bytes: Bytes): Bytes => createHash('sha256').update(bytes).digest();

/** A unique number that stands for a `seq` in the entry template. */
const SEQ_MARK = 987_654_321;

/**
 * A template cut at its `@X@` marks: the SQL that joins its text pieces (parameters from `$first`)
 * with the columns the marks name, and those pieces.
 */
function concatenation(text: string, columns: Record<string, string>, first: number): { sql: string; pieces: string[] } {
  const parts = text.split(/(@[A-Z]@)/);
  const pieces: string[] = [];
  const sql = parts.map((part, i) => {
    if (i % 2 === 1) {
      if (!(part in columns)) throw new Error(`no column for ${part}`);
      return columns[part]!;
    }
    pieces.push(part);
    return `$${first + pieces.length - 1}::text`;
  });
  return { sql: sql.join(' || '), pieces };
}

export interface Preloaded {
  owners: number;
  deposits: number;
  auditEntries: number;
  /** Some of what was stored, for the searches: owners' identity IDs, serials, days (YYYY-MM-DD) that hold deposits. */
  samples: { owners: string[]; serials: string[]; days: string[] };
}

/**
 * Stores `count` deposits (and their people and audit chain) in an empty, migrated database.
 *
 * @param sample - one real signed blob: the shape of every row
 */
export async function preloadDeposits(db: Db, count: number, sample: EscrowBlobV2, progress: (done: number, nodeMs: number, sqlMs: number) => void): Promise<Preloaded> {
  const [existing] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  if (existing!.n !== 0) throw new Error('the preload needs an empty audit log');
  const owners = Math.ceil(count / PER_OWNER);
  const start = Date.now() - 366 * DAY;
  const iso = (ms: number) => new Date(ms).toISOString();
  let last: { seq: number; hash: string } | null = null;
  const append = (event: AuditEvent, data: Record<string, string>, at: string): AuditEntry => {
    const body = { seq: last ? last.seq + 1 : 1, at, event, data, prev: last ? last.hash : AUDIT_GENESIS };
    const entry = { ...body, hash: entryHash(body) };
    last = entry;
    return entry;
  };

  // People: an enrolment code each, used at once. Their keys are the sample owner's; their IDs are their own.
  const ownerIds: string[] = [];
  for (let from = 0; from < owners; from += BATCH) {
    const rows = { digest: [] as string[], name: [] as string[], id: [] as string[], at: [] as string[], seq: [] as number[], entry: [] as string[], hash: [] as string[] };
    for (let i = from; i < Math.min(owners, from + BATCH); i++) {
      const digest = randomBytes(32).toString('hex');
      const id = `SHA256:${randomBytes(32).toString('hex')}`;
      const name = `Person ${i + 1}`;
      const at = iso(start + i * 2);
      for (const entry of [append('enrol-code', { codeDigest: digest, name }, at), append('enrol', { codeDigest: digest, name, identityId: id }, at)]) {
        rows.seq.push(entry.seq);
        rows.entry.push(canonicalJson(entry));
        rows.hash.push(entry.hash);
      }
      ownerIds.push(id);
      rows.digest.push(digest);
      rows.name.push(name);
      rows.id.push(id);
      rows.at.push(at);
    }
    await db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO enrolment_codes (code_digest, name, issued_at, used_at, identity_id) SELECT d, n, a, a, i FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(d, n, i, a)`,
        [rows.digest, rows.name, rows.id, rows.at],
      );
      await tx.query(
        `INSERT INTO people (identity_id, name, public_key, signing_key, enrolled_at, code_digest, person_id) SELECT i, n, $5, $6, a, d, i FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(d, n, i, a)`,
        [rows.digest, rows.name, rows.id, rows.at, sample.owner.publicKey, sample.owner.signingKey],
      );
      await tx.query('INSERT INTO audit_log (seq, entry, hash) SELECT * FROM unnest($1::int[], $2::text[], $3::text[])', [rows.seq, rows.entry, rows.hash]);
    });
  }

  // Deposits: the blob and the audit entry are built by the database from these templates.
  const blobTemplate = canonicalJson({ ...sample, fileId: '@F@', serial: '@S@', createdAt: '@C@', description: '@D@', owner: { ...sample.owner, id: '@O@' } });
  const [beforeF, afterF] = splitOnce(blobTemplate, '@F@');
  const entryTemplate = canonicalJson({ seq: SEQ_MARK, at: '@A@', event: 'deposit', data: { fileId: '@F@', serial: '@S@', ownerId: '@O@', escrowDigest: '@E@' }, prev: '@P@', hash: '@H@' }).replace(
    `"seq":${SEQ_MARK}`,
    '"seq":@Q@',
  );
  // $1–$9 the columns, $10 to $12 the authority, then the templates' pieces.
  const FIRST_PIECE = 13;
  const blob = concatenation(blobTemplate, { '@F@': 'f', '@S@': 's', '@C@': 'a', '@D@': 'd', '@O@': 'o' }, FIRST_PIECE);
  const entry = concatenation(entryTemplate, { '@Q@': 'q::text', '@A@': 'a', '@F@': 'f', '@S@': 's', '@O@': 'o', '@E@': 'e', '@P@': 'p', '@H@': 'h' }, FIRST_PIECE + blob.pieces.length);
  // Bulk load: the tables' secondary indexes are dropped and made again after (the same definitions, read from pg_indexes).
  const indexes = await db.query<{ name: string; definition: string }>(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('deposits', 'audit_log')
     AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
  );
  for (const index of indexes) await db.exec(`DROP INDEX ${index.name}`);
  const span = 365 * DAY - owners * 2;
  let random = 1;
  const next = () => {
    random = (Math.imul(random, 1_103_515_245) + 12_345) >>> 0;
    return random;
  };
  const samples: Preloaded['samples'] = { owners: [], serials: [], days: [] };
  let nodeMs = 0;
  let sqlMs = 0;
  for (let from = 0; from < count; from += BATCH) {
    const t0 = performance.now();
    const n = Math.min(count, from + BATCH) - from;
    const cols = { f: [] as string[], s: [] as string[], a: [] as string[], d: [] as string[], o: [] as string[], e: [] as string[], q: [] as number[], p: [] as string[], h: [] as string[] };
    const ids = randomBytes(16 * n);
    for (let k = 0; k < n; k++) {
      const i = from + k;
      const raw = ids.subarray(16 * k, 16 * (k + 1));
      const fileId = b64u(raw);
      const serial = serialFromFileId(raw);
      const at = iso(start + owners * 2 + Math.floor((i * span) / count));
      const description = Array.from({ length: 3 + (next() % 4) }, () => WORDS[next() % WORDS.length]).join(' ');
      const owner = ownerIds[next() % owners]!;
      const text = `${beforeF}${fileId}${afterF}`.replace('@S@', serial).replace('@C@', at).replace('@D@', description).replace('@O@', owner);
      const digest = createHash('sha256').update(text).digest('base64url');
      const entry = append('deposit', { fileId, serial, ownerId: owner, escrowDigest: digest }, at);
      if (i % Math.max(1, Math.floor(count / 200)) === 0) {
        samples.serials.push(serial);
        samples.days.push(at.slice(0, 10));
        samples.owners.push(owner);
      }
      cols.f.push(fileId);
      cols.s.push(serial);
      cols.a.push(at);
      cols.d.push(description);
      cols.o.push(owner);
      cols.e.push(digest);
      cols.q.push(entry.seq);
      cols.p.push(entry.prev);
      cols.h.push(entry.hash);
    }
    const t1 = performance.now();
    nodeMs += t1 - t0;
    await db.transaction(async (tx) => {
      await tx.query(
        `WITH r AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::text[]) AS r(f, s, a, d, o, e, q, p, h)),
         stored AS (INSERT INTO deposits (file_id, serial, owner_id, escrow_digest, blob, stored_at, audit_seq, description, authority_id, authority_kind, authority_name)
                    SELECT f, s, o, e, ${blob.sql}, a, q, d, $10, $11, $12 FROM r)
         INSERT INTO audit_log (seq, entry, hash, owner_id) SELECT q, ${entry.sql}, h, o FROM r`,
        [cols.f, cols.s, cols.a, cols.d, cols.o, cols.e, cols.q, cols.p, cols.h, sample.authority.id, sample.authority.kind, sample.authority.name, ...blob.pieces, ...entry.pieces],
      );
    });
    sqlMs += performance.now() - t1;
    if ((from + n) % 100_000 === 0 || from + n === count) progress(from + n, nodeMs, sqlMs);
  }
  const indexed = performance.now();
  for (const index of indexes) await db.exec(index.definition);
  progress(count, nodeMs, sqlMs + performance.now() - indexed);
  // Vacuumed as well as analysed, as autovacuum would long have left them in a service that stored these over time:
  // otherwise autovacuum takes up the million new rows during the measured deposits.
  await db.exec('VACUUM (ANALYZE)');
  return { owners, deposits: count, auditEntries: 2 * owners + count, samples };
}

function splitOnce(text: string, mark: string): [string, string] {
  const at = text.indexOf(mark);
  if (at < 0 || text.indexOf(mark, at + 1) >= 0) throw new Error(`the template must hold ${mark} once`);
  return [text.slice(0, at), text.slice(at + mark.length)];
}

/**
 * Reads the whole audit log back in order and checks it with the core's
 * own entry hash (`auditEntryHash`, WebCrypto), as `verifyAuditLog` does,
 * a batch at a time; and that each stored blob's digest is that of its text, on a sample.
 *
 * @throws Error naming the first entry that does not hold
 */
export async function verifyStoredChain(db: Db): Promise<{ count: number; head: string }> {
  let prev = AUDIT_GENESIS;
  let seq = 0;
  for (;;) {
    const rows = await db.query<{ seq: number; entry: string; hash: string }>('SELECT seq, entry, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 20000', [seq]);
    if (rows.length === 0) break;
    const entries = rows.map((row) => parseAuditEntry(JSON.parse(row.entry)));
    const hashes = await Promise.all(entries.map((entry) => auditEntryHash(entry, sha256Now)));
    for (const [i, entry] of entries.entries()) {
      seq += 1;
      if (entry.seq !== seq || rows[i]!.seq !== seq) throw new Error(`audit entry ${seq} is missing or out of place`);
      if (hashes[i] !== entry.hash || rows[i]!.hash !== entry.hash) throw new Error(`audit entry ${seq}: its content does not match its hash`);
      if (entry.prev !== prev) throw new Error(`audit entry ${seq} does not carry the hash of the entry before it`);
      prev = entry.hash;
    }
  }
  const sample = await db.query<{ blob: string; escrow_digest: string }>('SELECT blob, escrow_digest FROM deposits ORDER BY file_id LIMIT 1000');
  for (const row of sample) {
    if (createHash('sha256').update(row.blob).digest('base64url') !== row.escrow_digest) throw new Error('a stored blob does not match its escrowDigest');
  }
  return { count: seq, head: prev };
}
