/**
 * The authority's desk and a person's own view: search, one deposit, bundle
 * export and receipt upload (officers and council members), and what a
 * signed-in person may read about their own files. Every read of the desk
 * (search, export) and every upload is written to the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { KeywardError, b64u, canonicalJson, fromB64u, fromUtf8, parseEscrowBlobV2, parseReceipt, utf8, verifyReceipt } from '../core/index.ts';
import { canonicalDigest } from '../core/format/signing.ts';
import { appendAudit, auditEntriesOf, auditHead, auditedTransaction } from './audit-log.ts';
import { type Session, requireRole, sessionOf } from './auth.ts';
import type { Db, Queryable } from './db.ts';
import { type DepositRow as StoredDepositRow, acknowledgement } from './escrow.ts';
import { type ServiceKey, signAck } from './service-key.ts';

/** The most results one search page holds, and the most files one export takes. */
export const SEARCH_LIMIT_MAX = 500;
export const SEARCH_LIMIT_DEFAULT = 50;
export const EXPORT_MAX = 1000;
export const BUNDLE_FORMAT = 'keyward-bundle/1';

const FILE_ID = { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } as const;
const IDENTITY_ID = { type: 'string', pattern: '^SHA256:[0-9a-f]{64}$' } as const;
const DAY_OR_TIME = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z)?$' } as const;
const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

const searchQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    /** An identity ID: the deposits of every identity of that person. */
    owner: IDENTITY_ID,
    serial: { type: 'string', pattern: '^[A-Za-z0-9-]{1,32}$' },
    /** Words of the description, all of them (full text, `simple` configuration). */
    q: { type: 'string', minLength: 1, maxLength: 200 },
    /** `stored_at` from (inclusive) and to (exclusive): a day or an ISO 8601 UTC time. */
    from: DAY_OR_TIME,
    to: DAY_OR_TIME,
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
    /** The `next` of the page before. */
    after: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,200}$' },
  },
} as const;

interface SearchFilters {
  owner?: string;
  serial?: string;
  q?: string;
  from?: string;
  to?: string;
  limit?: string;
  after?: string;
}

type DepositRow = StoredDepositRow & { description: string };

const requestInvalid = (reason: string) => new KeywardError('REQUEST_INVALID', { reason });

/** A page's end, `next`: b64u(canonical([storedAt, fileId])). */
const cursorOf = (row: { stored_at: string; file_id: string }) => b64u(utf8(canonicalJson([row.stored_at, row.file_id])));

function readCursor(after: string): [string, string] {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(fromB64u(after)));
  } catch {
    throw requestInvalid('after is not a page end this service gave');
  }
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'string')) throw requestInvalid('after is not a page end this service gave');
  return value as [string, string];
}

/** The receipts stored for these files, each as its JSON, by file. */
async function receiptsOf(db: Queryable, fileIds: readonly string[]): Promise<Map<string, { signer: string; uploaded_at: string; receipt: string }[]>> {
  const byFile = new Map<string, { signer: string; uploaded_at: string; receipt: string }[]>();
  if (fileIds.length === 0) return byFile;
  const rows = await db.query<{ file_id: string; signer: string; uploaded_at: string; receipt: string }>(
    'SELECT file_id, signer, uploaded_at, receipt FROM receipts WHERE file_id = ANY($1::text[]) ORDER BY uploaded_at, signer',
    [[...fileIds]],
  );
  for (const row of rows) byFile.set(row.file_id, [...(byFile.get(row.file_id) ?? []), row]);
  return byFile;
}

/** The identities of a signed-in person (every identity with their `person_id` that is not revoked). */
async function identitiesOf(db: Queryable, session: Session): Promise<string[]> {
  if (session.personId === null) throw new KeywardError('NOT_PERMITTED', { reason: 'this is shown to an enrolled person about their own files' });
  // A revoked identity (a case refused after it was verified) was never the person's: its deposits and log entries are not shown as theirs.
  const rows = await db.query<{ identity_id: string }>('SELECT identity_id FROM people WHERE person_id = $1 AND revoked_at IS NULL ORDER BY enrolled_at, identity_id', [session.personId]);
  return rows.map((row) => row.identity_id);
}

/**
 * How many deposits, in order, a word search tests before it asks the words' index instead:
 * words found in more than about 1 deposit in 150 fill a page from the first ones; rarer
 * words (or words never found together) are looked up in the index, and only their deposits read.
 */
export const WORD_WINDOW = 8000;

/**
 * The file IDs of a page (`take` deposits, in `stored_at, file_id` order) that pass the
 * filters `where` and, if `words` is given, contain all of those words.
 *
 * Without words, the filters' own indexes give the page in order. With words, no single plan
 * is quick for both common and rare words: walking deposits in order stops early when the
 * words are common but reads every deposit when they are rare, and the words' index is quick
 * for rare words but reads every match of common ones. So the first `window` deposits that
 * pass the other filters are tested in order, stopping at a full page; only if they hold too
 * few matches, and there are more deposits than the window, are all the matches looked up
 * through the words' index and sorted. Both steps give exact answers.
 */
export async function pageOf(db: Queryable, where: readonly string[], params: readonly unknown[], words: string | undefined, take: number, window = WORD_WINDOW): Promise<string[]> {
  const clause = (extra: readonly string[]) => (extra.length > 0 ? `WHERE ${extra.join(' AND ')}` : '');
  const n = params.length;
  if (words === undefined) {
    const rows = await db.query<{ file_id: string }>(`SELECT d.file_id FROM deposits d ${clause(where)} ORDER BY d.stored_at, d.file_id LIMIT $${n + 1}`, [...params, take]);
    return rows.map((row) => row.file_id);
  }
  // The window, tested in order until a page is found.
  const hits = (
    await db.query<{ file_id: string }>(
      `SELECT w.file_id FROM (SELECT d.file_id, d.stored_at, d.description_words FROM deposits d ${clause(where)} ORDER BY d.stored_at, d.file_id LIMIT $${n + 1}) w
        WHERE w.description_words @@ plainto_tsquery('simple', $${n + 2}) ORDER BY w.stored_at, w.file_id LIMIT $${n + 3}`,
      [...params, window, words, take],
    )
  ).map((row) => row.file_id);
  if (hits.length >= take) return hits;
  // Too few: if the window held every deposit that passes the filters, that is the answer.
  const [counted] = await db.query<{ tested: number }>(`SELECT count(*)::int AS tested FROM (SELECT 1 FROM deposits d ${clause(where)} LIMIT $${n + 1}) w`, [...params, window]);
  if (counted!.tested < window) return hits;
  // Otherwise the words are rare here: all their deposits (from the words' index), sorted.
  const rest = await db.query<{ file_id: string }>(
    `WITH m AS MATERIALIZED (SELECT d.file_id, d.stored_at FROM deposits d ${clause([...where, `d.description_words @@ plainto_tsquery('simple', $${n + 1})`])})
     SELECT file_id FROM m ORDER BY stored_at, file_id LIMIT $${n + 2}`,
    [...params, words, take],
  );
  return rest.map((row) => row.file_id);
}

export function registerDesk(app: FastifyInstance, db: Db, serviceKey: () => Promise<ServiceKey>): void {
  const now = () => app.keywardNow().toISOString();

  app.get('/v1/deposits', { schema: { querystring: searchQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    requireRole(session, 'officer', 'member');
    const filters = request.query as SearchFilters;
    const limit = filters.limit === undefined ? SEARCH_LIMIT_DEFAULT : Number(filters.limit);
    if (limit > SEARCH_LIMIT_MAX) throw requestInvalid(`limit is at most ${SEARCH_LIMIT_MAX}`);
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filters.owner !== undefined) {
      where.push(`d.owner_id IN (SELECT identity_id FROM people WHERE person_id = (SELECT person_id FROM people WHERE identity_id = ${param(filters.owner)}))`);
    }
    if (filters.serial !== undefined) where.push(`d.serial = ${param(filters.serial.toUpperCase())}`);
    if (filters.from !== undefined) where.push(`d.stored_at >= ${param(filters.from)}`);
    if (filters.to !== undefined) where.push(`d.stored_at < ${param(filters.to)}`);
    if (filters.after !== undefined) {
      const [storedAt, fileId] = readCursor(filters.after);
      where.push(`(d.stored_at, d.file_id) > (${param(storedAt)}, ${param(fileId)})`);
    }
    const search = async () => {
      const found = await pageOf(db, where, params, filters.q, limit + 1);
      const rows = await db.query<DepositRow & { owner_name: string; owner_revoked_at: string | null; authority_kind: string; authority_id: string; authority_name: string }>(
        `SELECT d.file_id, d.serial, d.description, d.owner_id, p.name AS owner_name, p.revoked_at AS owner_revoked_at, d.authority_kind, d.authority_id, d.authority_name, d.stored_at, d.escrow_digest
           FROM deposits d JOIN people p ON p.identity_id = d.owner_id
          WHERE d.file_id = ANY($1::text[])
          ORDER BY d.stored_at, d.file_id`,
        [found],
      );
      const page = rows.slice(0, limit);
      return { more: rows.length > limit, page, receipts: await receiptsOf(db, page.map((row) => row.file_id)) };
    };
    // The search is recorded with its filters (never its results) while it runs; the answer waits for both.
    const [{ more, page, receipts }] = await Promise.all([
      search(),
      auditedTransaction(db, (tx) => appendAudit(tx, 'search', { by: session.identityId, query: canonicalJson({ ...filters }) }, now())),
    ]);
    return {
      deposits: page.map((row) => ({
        fileId: row.file_id,
        serial: row.serial,
        description: row.description,
        ownerId: row.owner_id,
        ownerName: row.owner_name,
        // A revoked owner (enrolled by a case refused afterwards) was never the person it is named after.
        ...(row.owner_revoked_at === null ? {} : { ownerRevokedAt: row.owner_revoked_at }),
        authority: { kind: row.authority_kind, id: row.authority_id, name: row.authority_name },
        storedAt: row.stored_at,
        escrowDigest: row.escrow_digest,
        receipts: (receipts.get(row.file_id) ?? []).map((r) => ({ by: r.signer, at: r.uploaded_at })),
      })),
      next: more ? cursorOf(page.at(-1)!) : null,
    };
  });

  app.get(
    '/v1/deposits/:fileId',
    { schema: { querystring: noQuery, params: { type: 'object', additionalProperties: false, required: ['fileId'], properties: { fileId: FILE_ID } } } },
    async (request) => {
      const session = await sessionOf(db, request);
      requireRole(session, 'officer', 'member', 'person');
      const { fileId } = request.params as { fileId: string };
      const [row] = await db.query<DepositRow & { blob: string; person_id: string; revoked_at: string | null }>(
        `SELECT d.file_id, d.serial, d.owner_id, d.escrow_digest, d.stored_at, d.audit_seq, d.description, d.blob, p.person_id, p.revoked_at
           FROM deposits d JOIN people p ON p.identity_id = d.owner_id WHERE d.file_id = $1`,
        [fileId],
      );
      const desk = session.roles.has('officer') || session.roles.has('member');
      if (!row) throw new KeywardError('DEPOSIT_UNKNOWN');
      // A revoked identity's deposit is not the person's, though it carries their person_id.
      if (!desk && (row.person_id !== session.personId || row.revoked_at !== null)) throw new KeywardError('NOT_PERMITTED', { reason: 'this file is another person\'s' });
      const receipts = (await receiptsOf(db, [fileId])).get(fileId) ?? [];
      return { blob: JSON.parse(row.blob) as unknown, ack: await signAck(await serviceKey(), acknowledgement(row)), receipts: receipts.map((r) => JSON.parse(r.receipt) as unknown) };
    },
  );

  app.post(
    '/v1/exports',
    {
      schema: {
        querystring: noQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['fileIds'],
          properties: { fileIds: { type: 'array', minItems: 1, maxItems: EXPORT_MAX, uniqueItems: true, items: FILE_ID } },
        },
      },
    },
    async (request) => {
      const session = await sessionOf(db, request);
      requireRole(session, 'officer', 'member');
      const { fileIds } = request.body as { fileIds: string[] };
      const rows = await db.query<{ file_id: string; blob: string }>('SELECT file_id, blob FROM deposits WHERE file_id = ANY($1::text[])', [fileIds]);
      const blobs = new Map(rows.map((row) => [row.file_id, row.blob]));
      const missing = fileIds.find((id) => !blobs.has(id));
      if (missing !== undefined) throw new KeywardError('DEPOSIT_UNKNOWN', { reason: `no deposit for file ${missing}` });
      const bundle = { format: BUNDLE_FORMAT, exportedAt: now(), blobs: fileIds.map((id) => JSON.parse(blobs.get(id)!) as unknown) };
      const digest = await canonicalDigest(bundle);
      await auditedTransaction(db, (tx) => appendAudit(tx, 'export', { by: session.identityId, count: String(fileIds.length), digest }, bundle.exportedAt));
      return bundle;
    },
  );

  app.post(
    '/v1/receipts',
    { schema: { querystring: noQuery, body: { type: 'object', required: ['format'], properties: { format: { type: 'string', maxLength: 32 } } } } },
    async (request, reply) => {
      const session = await sessionOf(db, request);
      requireRole(session, 'officer', 'member');
      const receipt = parseReceipt(request.body);
      // An officer uploads the authority's receipts; a member (who is no officer) their own only.
      if (!session.roles.has('officer') && receipt.authority.id !== session.identityId) {
        throw new KeywardError('NOT_PERMITTED', { reason: 'a council member uploads the receipts they signed themselves' });
      }
      const [stored] = await db.query<{ blob: string; owner_id: string }>('SELECT blob, owner_id FROM deposits WHERE file_id = $1', [receipt.fileId]);
      if (!stored) throw new KeywardError('DEPOSIT_UNKNOWN');
      await verifyReceipt(receipt, parseEscrowBlobV2(JSON.parse(stored.blob)));
      const receiptDigest = await canonicalDigest(receipt);
      const at = now();
      const { answer, created } = await auditedTransaction(db, async (tx) => {
        const [known] = await tx.query<{ uploaded_at: string; audit_seq: number }>('SELECT uploaded_at, audit_seq FROM receipts WHERE file_id = $1 AND signer = $2', [
          receipt.fileId,
          receipt.authority.id,
        ]);
        // This signer's receipt for this file is held already: answered as it was stored.
        if (known) return { answer: { fileId: receipt.fileId, signer: receipt.authority.id, uploadedAt: known.uploaded_at, auditSeq: known.audit_seq }, created: false };
        const entry = await appendAudit(tx, 'receipt', { fileId: receipt.fileId, ownerId: stored.owner_id, by: session.identityId, signer: receipt.authority.id, receiptDigest }, at);
        await tx.query('INSERT INTO receipts (file_id, signer, uploaded_by, receipt, receipt_digest, uploaded_at, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
          receipt.fileId,
          receipt.authority.id,
          session.identityId,
          canonicalJson(receipt),
          receiptDigest,
          at,
          entry.seq,
        ]);
        return { answer: { fileId: receipt.fileId, signer: receipt.authority.id, uploadedAt: at, auditSeq: entry.seq }, created: true };
      });
      return reply.code(created ? 201 : 200).send(answer);
    },
  );

  app.get('/v1/me', { schema: { querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    const identities = await identitiesOf(db, session);
    const [first] = await db.query<{ name: string }>('SELECT name FROM people WHERE identity_id = $1', [session.personId]);
    return { personId: session.personId, name: first?.name ?? session.name, identities };
  });

  app.get('/v1/me/deposits', { schema: { querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    const identities = await identitiesOf(db, session);
    const rows = await db.query<DepositRow>(
      'SELECT file_id, serial, owner_id, escrow_digest, stored_at, audit_seq, description FROM deposits WHERE owner_id = ANY($1::text[]) ORDER BY stored_at, file_id',
      [identities],
    );
    const receipts = await receiptsOf(db, rows.map((row) => row.file_id));
    const key = await serviceKey();
    return {
      deposits: await Promise.all(
        rows.map(async (row) => ({
          fileId: row.file_id,
          serial: row.serial,
          description: row.description,
          storedAt: row.stored_at,
          ack: await signAck(key, acknowledgement(row)),
          receipts: (receipts.get(row.file_id) ?? []).map((r) => JSON.parse(r.receipt) as unknown),
        })),
      ),
    };
  });

  app.get('/v1/me/events', { schema: { querystring: noQuery } }, async (request) => {
    const session = await sessionOf(db, request);
    const identities = await identitiesOf(db, session);
    // The head first: every entry listed is at or before it.
    const head = await auditHead(db);
    const entries = (await auditEntriesOf(db, identities)).filter((entry) => entry.seq <= head.seq);
    return { head, entries };
  });
}
