/**
 * The desk (search, one deposit, export, receipt upload) and a person's own
 * view (me, my deposits, my events), on PGlite and PostgreSQL. Every refusal
 * answers its code and changes nothing: the audit log, the receipts and the
 * deposits are compared before and after. The chain verifies at the end.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  type Council,
  type EscrowBlobV2,
  type PrivateIdentity,
  type ReceiptV2,
  b64u,
  createCouncil,
  exportPublicIdentity,
  issueReceipt,
  serializeCouncil,
  signAs,
  signEscrowBlob,
  userMessage,
} from '../core/index.ts';
import { type AuditEntry, verifyAuditLog } from '../core/audit.ts';
import { canonicalDigest, signedBody, withoutSignature } from '../core/format/signing.ts';
import { type ServiceInfo, verifyAcknowledgement } from '../core/service.ts';
import { makeIdentity } from '../core/test-support.ts';
import { buildService } from './app.ts';
import { exportAudit } from './audit-log.ts';
import type { Db } from './db.ts';
import { EXPORT_MAX } from './desk.ts';
import { issueEnrolmentCode } from './escrow.ts';
import { migrate } from './migrations.ts';
import { addAuthority, addCouncil, addOfficer } from './registry.ts';
import { BACKENDS, type Owner, type SignedIn, type TestDb, bearer, makeOwner, signIn } from './test-support.ts';

let authority: PrivateIdentity;
let officer: PrivateIdentity;
let mia: PrivateIdentity;
let max: PrivateIdentity;
let stranger: PrivateIdentity;
let board: Council;
let ada: Owner;
let bob: Owner;
/** Ada's blobs, re-signed with descriptions to search for. */
let adaBlobs: EscrowBlobV2[];
const DESCRIPTIONS = ['Tax return 2026', 'Payroll March', 'Tax receipts scanned', 'Holiday photos'];

beforeAll(async () => {
  [authority, officer, mia, max, stranger] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  board = await createCouncil({ name: 'Board', threshold: 1, members: [{ name: 'Mia', identity: mia }, { name: 'Max', identity: max }] });
  [ada, bob] = await Promise.all([makeOwner(authority, DESCRIPTIONS.length), makeOwner(board, 2)]);
  adaBlobs = await Promise.all(ada.blobs.map((blob, i) => signEscrowBlob(withoutSignature({ ...blob, description: DESCRIPTIONS[i]! }), ada.identity)));
});

function expectRefused(response: LightMyRequestResponse, status: number, code: string): void {
  const body = response.json<{ code: string; message: string }>();
  expect({ status: response.statusCode, code: body.code }).toEqual({ status, code });
  expect(body.message).toContain(userMessage(code as never).slice(0, 30));
}

describe.each(BACKENDS)('the desk on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;
  let app: FastifyInstance;
  let info: ServiceInfo;
  const sessions: Record<'officer' | 'mia' | 'max' | 'ada' | 'bob', SignedIn> = {} as never;

  const get = (url: string, session?: SignedIn) => app.inject({ method: 'GET', url, headers: session ? bearer(session) : {} });
  const post = (url: string, payload: unknown, session?: SignedIn) => app.inject({ method: 'POST', url, payload: payload as object, headers: session ? bearer(session) : {} });
  /** What a refused request must leave as it was. */
  const state = async () => ({
    audit: await exportAudit(db),
    receipts: await db.query('SELECT * FROM receipts ORDER BY file_id, signer'),
    deposits: await db.query('SELECT file_id FROM deposits ORDER BY file_id'),
  });
  const enrol = async (owner: Owner, name: string) => {
    const code = await issueEnrolmentCode(db, name);
    expect((await post('/v1/enrol', { code, identity: owner.publicPem })).statusCode).toBe(201);
  };

  beforeAll(async () => {
    test = await open();
    db = test.db;
    await migrate(db);
    app = await buildService({ db });
    await addOfficer(db, await exportPublicIdentity(officer, 'pem'), 'Olive');
    await addCouncil(db, serializeCouncil(board));
    await addAuthority(db, await exportPublicIdentity(authority, 'pem'), 'IT backup');
    await enrol(ada, 'Ada');
    await enrol(bob, 'Bob');
    // Ada's and Bob's last blobs are never deposited: a receipt for one names a file the service does not hold.
    for (const blob of [...adaBlobs.slice(0, -1), bob.blobs[0]!]) expect((await post('/v1/deposits', blob)).statusCode).toBe(201);
    info = (await get('/v1/service')).json<ServiceInfo>();
    sessions.officer = await signIn(app, officer);
    sessions.mia = await signIn(app, mia);
    sessions.max = await signIn(app, max);
    sessions.ada = await signIn(app, ada.identity);
    sessions.bob = await signIn(app, bob.identity);
  });
  afterAll(async () => {
    await app.close();
    await test?.drop();
  });

  describe('receipts', () => {
    let receipt: ReceiptV2;
    beforeAll(async () => {
      receipt = await issueReceipt(adaBlobs[0]!, authority);
    });

    it('stores the authority\'s receipt from an officer once, and a member\'s own receipt for their council\'s file', async () => {
      const first = await post('/v1/receipts', receipt, sessions.officer);
      expect(first.statusCode).toBe(201);
      const answer = first.json<{ fileId: string; signer: string; uploadedAt: string; auditSeq: number }>();
      expect(answer).toMatchObject({ fileId: receipt.fileId, signer: authority.id });
      const again = await post('/v1/receipts', receipt, sessions.officer);
      expect({ status: again.statusCode, body: again.json() }).toEqual({ status: 200, body: answer });
      const entry = (await exportAudit(db)).entries.find((e) => e.seq === answer.auditSeq)!;
      expect({ event: entry.event, data: entry.data }).toEqual({
        event: 'receipt',
        data: { fileId: receipt.fileId, ownerId: ada.identity.id, by: officer.id, signer: authority.id, receiptDigest: await canonicalDigest(receipt) },
      });
      const mine = await issueReceipt(bob.blobs[0]!, mia);
      expect((await post('/v1/receipts', mine, sessions.mia)).statusCode).toBe(201);
    });

    it('refuses a member uploading someone else\'s receipt, an unknown file, a forged receipt and a stranger\'s, changing nothing', async () => {
      const before = await state();
      // Max's receipt, uploaded by Mia; the authority's, uploaded by Mia.
      expectRefused(await post('/v1/receipts', await issueReceipt(bob.blobs[0]!, max), sessions.mia), 403, 'NOT_PERMITTED');
      expectRefused(await post('/v1/receipts', await issueReceipt(adaBlobs[1]!, authority), sessions.mia), 403, 'NOT_PERMITTED');
      // A good receipt for a file the service does not hold.
      expectRefused(await post('/v1/receipts', await issueReceipt(adaBlobs.at(-1)!, authority), sessions.officer), 404, 'DEPOSIT_UNKNOWN');
      expectRefused(await post('/v1/receipts', await issueReceipt(bob.blobs[1]!, mia), sessions.mia), 404, 'DEPOSIT_UNKNOWN');
      // A member's own receipt, changed after signing.
      expectRefused(await post('/v1/receipts', { ...(await issueReceipt(bob.blobs[0]!, max)), receivedAt: '2020-01-01T00:00:00.000Z' }, sessions.max), 422, 'SIGNATURE_INVALID');
      // Changed after signing; signed by someone who is not the blob's authority.
      expectRefused(await post('/v1/receipts', { ...(await issueReceipt(adaBlobs[1]!, authority)), receivedAt: '2020-01-01T00:00:00.000Z' }, sessions.officer), 422, 'SIGNATURE_INVALID');
      // A stranger cannot issue one with the core (it checks the blob first), so the stranger signs one by hand.
      const honest = await issueReceipt(adaBlobs[1]!, authority);
      const unsigned = { ...honest, authority: { name: 'Stranger', id: stranger.id, publicKey: b64u(stranger.rsaSpki), signingKey: b64u(stranger.ed25519Spki) } };
      const strangers = { ...unsigned, signature: b64u(await signAs(stranger, 'keyward/v2 receipt', signedBody(unsigned))) };
      expectRefused(await post('/v1/receipts', strangers, sessions.officer), 422, 'SIGNER_UNTRUSTED');
      expectRefused(await post('/v1/receipts', { format: 'keyward-receipt/2', fileId: 'x' }, sessions.officer), 400, 'MALFORMED');
      // A person is no officer; no session at all.
      expectRefused(await post('/v1/receipts', await issueReceipt(adaBlobs[1]!, authority), sessions.ada), 403, 'NOT_PERMITTED');
      expectRefused(await post('/v1/receipts', await issueReceipt(adaBlobs[1]!, authority)), 401, 'SIGN_IN_REQUIRED');
      expect(await state()).toEqual(before);
    });
  });

  describe('one deposit', () => {
    it('is shown to an officer, a member and its owner, with the signed acknowledgement and its receipts', async () => {
      const blob = adaBlobs[0]!;
      for (const who of [sessions.officer, sessions.max, sessions.ada]) {
        const response = await get(`/v1/deposits/${blob.fileId}`, who);
        expect(response.statusCode).toBe(200);
        const body = response.json<{ blob: EscrowBlobV2; ack: unknown; receipts: ReceiptV2[] }>();
        expect(body.blob).toEqual(blob);
        await verifyAcknowledgement(body.ack, info, info.keyId);
        expect(body.receipts.map((r) => r.authority.id)).toEqual([authority.id]);
      }
    });

    it('refuses another person, an unknown file and no session, changing nothing', async () => {
      const before = await state();
      expectRefused(await get(`/v1/deposits/${adaBlobs[0]!.fileId}`, sessions.bob), 403, 'NOT_PERMITTED');
      expectRefused(await get(`/v1/deposits/${adaBlobs.at(-1)!.fileId}`, sessions.officer), 404, 'DEPOSIT_UNKNOWN');
      expectRefused(await get(`/v1/deposits/${adaBlobs[0]!.fileId}`), 401, 'SIGN_IN_REQUIRED');
      expectRefused(await get('/v1/deposits/not-a-file-id', sessions.officer), 400, 'REQUEST_INVALID');
      expect(await state()).toEqual(before);
    });
  });

  describe('a person\'s own view', () => {
    it('shows a person their identities, their deposits with signed acknowledgements and receipts, and the events about them only', async () => {
      expect((await get('/v1/me', sessions.ada)).json()).toEqual({ personId: ada.identity.id, name: 'Ada', identities: [ada.identity.id] });
      const mine = (await get('/v1/me/deposits', sessions.ada)).json<{ deposits: { fileId: string; description: string; ack: unknown; receipts: ReceiptV2[] }[] }>();
      expect(mine.deposits.map((d) => d.fileId).sort()).toEqual(adaBlobs.slice(0, -1).map((b) => b.fileId).sort());
      for (const d of mine.deposits) await verifyAcknowledgement(d.ack, info, info.keyId);
      expect(mine.deposits.find((d) => d.fileId === adaBlobs[0]!.fileId)!.receipts).toHaveLength(1);
      const events = (await get('/v1/me/events', sessions.ada)).json<{ head: { seq: number; hash: string }; entries: AuditEntry[] }>();
      const log = await exportAudit(db);
      expect(events.head).toEqual({ seq: log.entries.at(-1)!.seq, hash: log.entries.at(-1)!.hash });
      expect(events.entries).toEqual(log.entries.filter((e) => e.data.ownerId === ada.identity.id));
      expect(events.entries.map((e) => e.event)).toEqual(['deposit', 'deposit', 'deposit', 'receipt']);
    });

    it('counts every identity of one person (a later one, enrolled by a recovery case, has the same person_id)', async () => {
      const later = await makeIdentity();
      await db.query("INSERT INTO people (identity_id, name, public_key, signing_key, enrolled_at, person_id) VALUES ($1, 'Ada', 'k', $2, '2099-01-01T00:00:00.000Z', $3)", [
        later.id,
        b64u(later.ed25519Spki),
        ada.identity.id,
      ]);
      const session = await signIn(app, later);
      expect((await get('/v1/me', session)).json()).toEqual({ personId: ada.identity.id, name: 'Ada', identities: [ada.identity.id, later.id] });
      expect((await get('/v1/me/deposits', session)).json<{ deposits: unknown[] }>().deposits).toHaveLength(adaBlobs.length - 1);
      expect((await get(`/v1/deposits/${adaBlobs[0]!.fileId}`, session)).statusCode).toBe(200);
    });

    it('refuses the person\'s view to an identity that is no person, and the desk to a person, changing nothing', async () => {
      const before = await state();
      for (const url of ['/v1/me', '/v1/me/deposits', '/v1/me/events']) {
        expectRefused(await get(url, sessions.officer), 403, 'NOT_PERMITTED');
        expectRefused(await get(url), 401, 'SIGN_IN_REQUIRED');
      }
      expectRefused(await get('/v1/deposits?q=tax', sessions.ada), 403, 'NOT_PERMITTED');
      expectRefused(await post('/v1/exports', { fileIds: [adaBlobs[0]!.fileId] }, sessions.ada), 403, 'NOT_PERMITTED');
      expectRefused(await get('/v1/audit', sessions.ada), 403, 'NOT_PERMITTED');
      expectRefused(await get('/v1/audit', sessions.mia), 403, 'NOT_PERMITTED');
      expect(await state()).toEqual(before);
    });
  });

  describe('search', () => {
    type Page = { deposits: { fileId: string; description: string; ownerName: string; authority: { kind: string; id: string; name: string }; receipts: { by: string }[] }[]; next: string | null };
    const search = async (query: string, session = sessions.officer) => {
      const response = await get(`/v1/deposits?${query}`, session);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<Page>();
    };

    it('finds deposits by words of the description, owner, serial and date, in pages, and records each search', async () => {
      const tax = await search('q=tax');
      expect(tax.deposits.map((d) => d.description).sort()).toEqual(['Tax receipts scanned', 'Tax return 2026']);
      expect((await search('q=tax%20return')).deposits.map((d) => d.description)).toEqual(['Tax return 2026']);
      const first = tax.deposits.find((d) => d.description === 'Tax return 2026')!;
      expect(first).toMatchObject({ ownerName: 'Ada', authority: { kind: 'identity', id: authority.id, name: 'IT backup' }, receipts: [{ by: authority.id }] });
      expect((await search(`owner=${encodeURIComponent(bob.identity.id)}`, sessions.mia)).deposits.map((d) => d.fileId)).toEqual([bob.blobs[0]!.fileId]);
      expect((await search(`serial=${adaBlobs[1]!.serial}`)).deposits.map((d) => d.description)).toEqual(['Payroll March']);
      expect((await search('from=2999-01-01')).deposits).toEqual([]);
      expect((await search('to=2000-01-01')).deposits).toEqual([]);
      // Pages of two: each file once, in order.
      const seen: string[] = [];
      let page = await search('limit=2');
      for (;;) {
        seen.push(...page.deposits.map((d) => d.fileId));
        if (page.next === null) break;
        expect(page.deposits).toHaveLength(2);
        page = await search(`limit=2&after=${page.next}`);
      }
      expect(seen.sort()).toEqual([...adaBlobs.slice(0, -1), bob.blobs[0]!].map((b) => b.fileId).sort());
      const searches = (await exportAudit(db)).entries.filter((e) => e.event === 'search');
      expect(searches.at(-1)!.data.by).toBe(officer.id);
      expect(searches.some((e) => e.data.query === '{"q":"tax"}')).toBe(true);
    });

    it('refuses a limit over 500, a page end it did not give and an unknown filter, changing nothing', async () => {
      const before = await state();
      expectRefused(await get('/v1/deposits?limit=501', sessions.officer), 400, 'REQUEST_INVALID');
      expectRefused(await get('/v1/deposits?after=bm90LWpzb24', sessions.officer), 400, 'REQUEST_INVALID');
      expectRefused(await get('/v1/deposits?admin=1', sessions.officer), 400, 'REQUEST_INVALID');
      expectRefused(await get('/v1/deposits?q=tax'), 401, 'SIGN_IN_REQUIRED');
      expect(await state()).toEqual(before);
    });
  });

  describe('export', () => {
    it('gives a bundle of the blobs asked for, in that order, and records its digest', async () => {
      const ids = [bob.blobs[0]!.fileId, adaBlobs[0]!.fileId];
      const response = await post('/v1/exports', { fileIds: ids }, sessions.officer);
      expect(response.statusCode).toBe(200);
      const bundle = response.json<{ format: string; exportedAt: string; blobs: EscrowBlobV2[] }>();
      expect(bundle).toMatchObject({ format: 'keyward-bundle/1', blobs: [bob.blobs[0], adaBlobs[0]] });
      const entry = (await exportAudit(db)).entries.at(-1)!;
      expect({ event: entry.event, data: entry.data }).toEqual({ event: 'export', data: { by: officer.id, count: '2', digest: await canonicalDigest(bundle) } });
    });

    it('refuses an oversized list, an empty one, an unknown file and a person, changing nothing', async () => {
      const before = await state();
      const many = Array.from({ length: EXPORT_MAX + 1 }, (_, i) => `${String(i).padStart(4, '0')}${'A'.repeat(18)}`);
      expectRefused(await post('/v1/exports', { fileIds: many }, sessions.officer), 400, 'REQUEST_INVALID');
      expectRefused(await post('/v1/exports', { fileIds: [] }, sessions.officer), 400, 'REQUEST_INVALID');
      expectRefused(await post('/v1/exports', { fileIds: [adaBlobs[0]!.fileId, adaBlobs[0]!.fileId] }, sessions.officer), 400, 'REQUEST_INVALID');
      expectRefused(await post('/v1/exports', { fileIds: [adaBlobs[0]!.fileId, adaBlobs.at(-1)!.fileId] }, sessions.officer), 404, 'DEPOSIT_UNKNOWN');
      expectRefused(await post('/v1/exports', { fileIds: [adaBlobs[0]!.fileId] }, sessions.bob), 403, 'NOT_PERMITTED');
      expect(await state()).toEqual(before);
    });
  });

  it('keeps one unbroken audit chain through all of it', async () => {
    const log = await exportAudit(db);
    expect((await verifyAuditLog(log.entries)).count).toBe(log.entries.length);
    expect(new Set(log.entries.map((e) => e.event))).toEqual(new Set(['officer', 'council', 'authority', 'enrol-code', 'enrol', 'deposit', 'receipt', 'search', 'export']));
  });
});
