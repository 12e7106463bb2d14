/**
 * Recovery cases, on PGlite and on PostgreSQL: open (signed by the new
 * identity), verify or refuse (officer), uploads (members' partials, an
 * officer's recovery blob), ready, the applicant's download, and each step in
 * the person's own events. Every hostile request is refused with its code
 * and changes nothing: no case, upload, step, person or audit entry.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  type Council,
  type EscrowBlobV2,
  type PartialRecoveryBlob,
  type PrivateIdentity,
  type RecoveryBlobV2,
  b64u,
  checkPartials,
  checkRecoveryV2,
  createCouncil,
  exportPublicIdentity,
  fromB64u,
  issuePartialRecovery,
  issueRecoveryV2,
  parseHeader,
  serializeCouncil,
  signAs,
  userMessage,
} from '../core/index.ts';
import { type AuditEntry, verifyAuditLog } from '../core/audit.ts';
import { signedBody } from '../core/format/signing.ts';
import { signCaseRequest } from '../core/service-case.ts';
import { type SignInChallenge, signChallenge } from '../core/service.ts';
import { makeIdentity } from '../core/test-support.ts';
import { buildService } from './app.ts';
import type { Db } from './db.ts';
import { issueEnrolmentCode } from './escrow.ts';
import { migrate } from './migrations.ts';
import { addAuthority, addCouncil, addOfficer } from './registry.ts';
import { BACKENDS, type TestDb, escrowBlob } from './test-support.ts';

/** The IT department's own identity, the authority of identity-escrowed files. */
let authority: PrivateIdentity;
let officer: PrivateIdentity;
/** Council members: Alice, Carol and Erin sit on the board (2 of 3); Dave sits on another council. */
let alice: PrivateIdentity;
let carol: PrivateIdentity;
let erin: PrivateIdentity;
let dave: PrivateIdentity;
let board: Council;
let elsewhere: Council;
/** A person whose key is intact, who tries to read others' cases. */
let bob: PrivateIdentity;
/** Identities to lose and to replace them with: one pair per scenario. */
let pairs: { lost: PrivateIdentity; fresh: PrivateIdentity; blobs: EscrowBlobV2[] }[];
let bobBlob: EscrowBlobV2;
let nextPair = 0;


const SCENARIOS = 22;

beforeAll(async () => {
  const seven = await Promise.all(Array.from({ length: 7 }, () => makeIdentity()));
  [authority, officer, alice, carol, erin, dave, bob] = seven as [PrivateIdentity, PrivateIdentity, PrivateIdentity, PrivateIdentity, PrivateIdentity, PrivateIdentity, PrivateIdentity];
  board = await createCouncil({ name: 'Recovery board', threshold: 2, members: [{ name: 'Alice', identity: alice }, { name: 'Carol', identity: carol }, { name: 'Erin', identity: erin }] });
  elsewhere = await createCouncil({ name: 'Another board', threshold: 1, members: [{ name: 'Dave', identity: dave }] });
  const identities = await Promise.all(Array.from({ length: 2 * SCENARIOS }, () => makeIdentity()));
  pairs = [];
  for (let i = 0; i < SCENARIOS; i++) {
    const lost = identities[2 * i]!;
    // Two files for the board, one for the authority.
    const blobs = [await escrowBlob(lost, board, 3 * i + 1), await escrowBlob(lost, board, 3 * i + 2), await escrowBlob(lost, authority, 3 * i + 3)];
    pairs.push({ lost, fresh: identities[2 * i + 1]!, blobs });
  }
  bobBlob = await escrowBlob(bob, board, 1000);
});

/** `object` with changes, signed again under `context` by `by`. */
async function resigned<T extends { signature: string }>(object: T, changes: Partial<T>, by: PrivateIdentity, context: 'keyward/v2 partial' | 'keyward/v2 recovery'): Promise<T> {
  const next = { ...object, ...changes };
  return { ...next, signature: b64u(await signAs(by, context, signedBody(next))) };
}

const json = (response: LightMyRequestResponse) => response.json<Record<string, unknown>>();

/** A refusal: the status, the code, and the core's sentence for it as the message. */
function expectRefused(response: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: response.statusCode, code: json(response).code }).toEqual({ status, code });
  expect(String(json(response).message)).toContain(userMessage(code as never).slice(0, 30));
}

describe.each(BACKENDS)('recovery cases on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;
  let app: FastifyInstance | undefined;
  const tokens = new Map<string, string>();

  const request = (method: 'GET' | 'POST', url: string, as?: PrivateIdentity, payload?: unknown) =>
    app!.inject({
      method,
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      ...(as ? { headers: { authorization: `Bearer ${tokens.get(as.id)}` } } : {}),
    });
  const post = (url: string, payload: unknown, as?: PrivateIdentity) => request('POST', url, as, payload);
  const get = (url: string, as?: PrivateIdentity) => request('GET', url, as);

  /** Signs `identity` in (challenge, signature, session), keeping its token. */
  async function signIn(identity: PrivateIdentity): Promise<string[]> {
    const challenge = json(await post('/v1/sign-in/challenge', { identityId: identity.id })) as unknown as SignInChallenge;
    const response = await post('/v1/sign-in', { challenge, signature: await signChallenge(identity, challenge) });
    expect(response.statusCode).toBe(201);
    const session = json(response) as { token: string; roles: string[] };
    tokens.set(identity.id, session.token);
    return session.roles;
  }

  async function enrol(identity: PrivateIdentity, name: string): Promise<void> {
    const code = await issueEnrolmentCode(db, name);
    expect((await post('/v1/enrol', { code, identity: await exportPublicIdentity(identity, 'pem') })).statusCode).toBe(201);
  }

  /** Everything a case step may change: the case tables, the people, the audit log. */
  const snapshot = async () => ({
    cases: await db.query('SELECT * FROM cases ORDER BY case_id'),
    files: await db.query('SELECT * FROM case_files ORDER BY case_id, file_id'),
    uploads: await db.query('SELECT * FROM case_uploads ORDER BY case_id, file_id, issuer_id'),
    steps: await db.query('SELECT * FROM case_steps ORDER BY audit_seq'),
    people: await db.query('SELECT * FROM people ORDER BY identity_id'),
    audit: await db.query('SELECT seq, hash FROM audit_log ORDER BY seq'),
  });

  /** A person who lost their key, with three files deposited, and their new identity. */
  async function person(name = 'Ada Lovelace') {
    const pair = pairs[nextPair++]!;
    await enrol(pair.lost, name);
    for (const blob of pair.blobs) expect((await post('/v1/deposits', blob)).statusCode).toBe(201);
    return pair;
  }

  /** A person with a case opened by their new identity (signed in). */
  async function withCase(note = 'my laptop was stolen') {
    const pair = await person();
    const opened = await post('/v1/cases', await signCaseRequest(pair.fresh, { lostIdentityId: pair.lost.id, note }));
    expect(opened.statusCode).toBe(201);
    const caseId = json(opened).caseId as string;
    expect(await signIn(pair.fresh)).toEqual(['applicant']);
    return { ...pair, caseId, opened: json(opened) };
  }

  /** A verified case. */
  async function verified() {
    const c = await withCase();
    expect((await post(`/v1/cases/${c.caseId}/verify`, { method: 'passport seen at the desk' }, officer)).statusCode).toBe(200);
    return c;
  }

  const partial = (blob: EscrowBlobV2, member: PrivateIdentity, newOwner: PrivateIdentity) => issuePartialRecovery(blob, member, { newOwner });

  beforeAll(async () => {
    // Each database starts from the first pair again.
    nextPair = 0;
    test = await open();
    db = test.db;
    await migrate(db);
    app = await buildService({ db });
    await addOfficer(db, await exportPublicIdentity(officer, 'pem'), 'Olga Officer');
    await addCouncil(db, serializeCouncil(board));
    await addCouncil(db, serializeCouncil(elsewhere));
    await addAuthority(db, await exportPublicIdentity(authority, 'pem'), 'IT backup');
    await enrol(bob, 'Bob');
    expect((await post('/v1/deposits', bobBlob)).statusCode).toBe(201);
    for (const identity of [officer, alice, carol, erin, dave, bob]) await signIn(identity);
  });
  afterAll(async () => {
    await app?.close();
    await test?.drop();
  });

  it('runs a case from open to the applicant\'s download, each step in the person\'s own events', async () => {
    const { lost, fresh, blobs, caseId, opened } = await withCase();
    expect(opened).toMatchObject({ caseId: expect.stringMatching(/^[A-Za-z0-9_-]{20}$/), state: 'open', files: blobs.map((b) => b.fileId) });

    // The applicant, an officer and a member read it; the list shows it.
    const read = json(await get(`/v1/cases/${caseId}`, officer));
    expect(read).toMatchObject({ caseId, state: 'open', lostIdentityId: lost.id, newIdentityId: fresh.id, name: 'Ada Lovelace' });
    expect(read.files).toEqual([
      { fileId: blobs[0]!.fileId, serial: blobs[0]!.serial, description: blobs[0]!.description, authority: { kind: 'council', id: board.id, name: board.name, threshold: 2 }, uploads: [] },
      { fileId: blobs[1]!.fileId, serial: blobs[1]!.serial, description: blobs[1]!.description, authority: { kind: 'council', id: board.id, name: board.name, threshold: 2 }, uploads: [] },
      { fileId: blobs[2]!.fileId, serial: blobs[2]!.serial, description: blobs[2]!.description, authority: { kind: 'identity', id: authority.id, name: 'IT backup' }, uploads: [] },
    ]);
    expect(json(await get(`/v1/cases/${caseId}`, alice))).toEqual(read);
    expect(json(await get(`/v1/cases/${caseId}`, fresh))).toMatchObject({ caseId, state: 'open', newIdentityId: fresh.id });
    const listed = json(await get('/v1/cases?state=open', officer)).cases as { caseId: string }[];
    expect(listed.find((c) => c.caseId === caseId)).toMatchObject({ state: 'open', lostIdentityId: lost.id, newIdentityId: fresh.id, name: 'Ada Lovelace', files: 3 });
    expect((json(await get('/v1/cases', alice)).cases as { caseId: string }[]).some((c) => c.caseId === caseId)).toBe(true);
    expect((json(await get('/v1/cases?state=refused', alice)).cases as { caseId: string }[]).some((c) => c.caseId === caseId)).toBe(false);

    // The officer records the check: the new identity is the same person, enrolled.
    const verify = await post(`/v1/cases/${caseId}/verify`, { method: 'passport seen at the desk' }, officer);
    expect({ status: verify.statusCode, body: json(verify) }).toMatchObject({ status: 200, body: { caseId, state: 'verified' } });
    const [lostRow] = await db.query<{ person_id: string }>('SELECT person_id FROM people WHERE identity_id = $1', [lost.id]);
    expect(await db.query('SELECT name, person_id, code_digest FROM people WHERE identity_id = $1', [fresh.id])).toEqual([{ name: 'Ada Lovelace', person_id: lostRow!.person_id, code_digest: null }]);
    expect(await signIn(fresh)).toEqual(['person', 'applicant']);

    // Two of the board for each council file, the authority's recovery blob (sent by the officer) for the other.
    const p = await Promise.all([partial(blobs[0]!, alice, fresh), partial(blobs[0]!, carol, fresh), partial(blobs[1]!, erin, fresh), partial(blobs[1]!, carol, fresh)]);
    const recovery = await issueRecoveryV2(blobs[2]!, authority, { newOwner: fresh });
    const first = await post(`/v1/cases/${caseId}/uploads`, p[0], alice);
    expect({ status: first.statusCode, body: json(first) }).toMatchObject({ status: 201, body: { caseId, fileId: blobs[0]!.fileId, kind: 'partial', by: alice.id, index: 1, state: 'verified' } });
    expectRefused(await get(`/v1/cases/${caseId}/blobs`, fresh), 409, 'CASE_STATE');
    for (const [blob, by] of [[p[1], carol], [p[2], erin], [recovery, officer]] as const) {
      const response = await post(`/v1/cases/${caseId}/uploads`, blob, by);
      expect({ status: response.statusCode, state: json(response).state }).toEqual({ status: 201, state: 'verified' });
    }
    const last = await post(`/v1/cases/${caseId}/uploads`, p[3], carol);
    expect({ status: last.statusCode, state: json(last).state }).toEqual({ status: 201, state: 'ready' });
    const ready = json(await get(`/v1/cases/${caseId}`, fresh)) as { state: string; files: { uploads: { kind: string; by: string; index?: number }[] }[]; steps: { event: string; by: string; detail: string }[] };
    expect(ready.state).toBe('ready');
    expect(ready.files.map((f) => f.uploads.map(({ kind, by, index }) => ({ kind, by, index })))).toEqual([
      [{ kind: 'partial', by: alice.id, index: 1 }, { kind: 'partial', by: carol.id, index: 2 }],
      [{ kind: 'partial', by: erin.id, index: 3 }, { kind: 'partial', by: carol.id, index: 2 }],
      [{ kind: 'recovery', by: authority.id, index: undefined }],
    ]);

    // The applicant downloads them, and the core accepts them for the new key.
    const blobsAnswer = json(await get(`/v1/cases/${caseId}/blobs`, fresh)) as { partials: PartialRecoveryBlob[]; recoveries: RecoveryBlobV2[] };
    expect(blobsAnswer.partials).toEqual(p);
    expect(blobsAnswer.recoveries).toEqual([recovery]);
    for (const blob of blobs.slice(0, 2)) {
      const headerHmac = parseHeader(fromB64u(blob.prefix)).hmac;
      const checked = await checkPartials(blobsAnswer.partials.filter((x) => x.fileId === blob.fileId), fresh.encryption, [board], { fileId: blob.fileId, headerHmac });
      expect(checked.partials).toHaveLength(2);
    }
    expect((await checkRecoveryV2(blobsAnswer.recoveries[0]!, fresh.encryption, [authority.id])).issuer.id).toBe(authority.id);

    // Every step, with its time and who acted, in the case and in the person's events (under either identity).
    expect(ready.steps.map(({ event, by }) => ({ event, by }))).toEqual([
      { event: 'case-open', by: fresh.id },
      { event: 'case-verify', by: officer.id },
      { event: 'case-upload', by: alice.id },
      { event: 'case-upload', by: carol.id },
      { event: 'case-upload', by: erin.id },
      { event: 'case-upload', by: officer.id },
      { event: 'case-upload', by: carol.id },
    ]);
    expect(ready.steps.slice(0, 2).map((s) => s.detail)).toEqual(['my laptop was stolen', 'passport seen at the desk']);
    // The person's own view, signed in with the new identity, now one of theirs.
    const events = json(await get('/v1/me/events', fresh)).entries as AuditEntry[];
    const caseEvents = events.filter((e) => e.data.caseId === caseId);
    expect(caseEvents.map((e) => e.event)).toEqual(['case-open', 'case-verify', 'case-upload', 'case-upload', 'case-upload', 'case-upload', 'case-upload', 'case-download']);
    for (const entry of caseEvents) expect(entry.data).toMatchObject({ ownerId: lost.id, caseId });
    expect(caseEvents.at(-1)!.data).toMatchObject({ by: fresh.id, count: '5' });
    const log = json(await get('/v1/audit', officer)).entries as AuditEntry[];
    expect((await verifyAuditLog(log)).count).toBe(log.length);
  });

  it('makes a case without files ready when it is verified', async () => {
    const pair = pairs[nextPair++]!;
    await enrol(pair.lost, 'Ada Lovelace');
    const opened = await post('/v1/cases', await signCaseRequest(pair.fresh, { lostIdentityId: pair.lost.id }));
    expect(json(opened)).toMatchObject({ state: 'open', files: [] });
    const caseId = json(opened).caseId as string;
    expect(json(await post(`/v1/cases/${caseId}/verify`, { method: 'known to the officer' }, officer))).toMatchObject({ state: 'ready' });
    await signIn(pair.fresh);
    expect(json(await get(`/v1/cases/${caseId}/blobs`, pair.fresh))).toEqual({ partials: [], recoveries: [] });
  });

  it('refuses a case request with a bad signature or signed by another identity, changing nothing', async () => {
    const { lost, fresh } = await person();
    const signed = await signCaseRequest(fresh, { lostIdentityId: lost.id, note: 'lost it' });
    const byOther = await signCaseRequest(bob, { lostIdentityId: lost.id, note: 'lost it' });
    const before = await snapshot();
    expectRefused(await post('/v1/cases', { ...signed, request: { ...signed.request, note: 'changed' } }), 422, 'SIGNATURE_INVALID');
    // Bob's signature over a request that names the new identity.
    expectRefused(await post('/v1/cases', { ...byOther, request: { ...byOther.request, identity: signed.request.identity } }), 422, 'SIGNATURE_INVALID');
    expectRefused(await post('/v1/cases', { ...signed, admin: true }), 400, 'REQUEST_INVALID');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a case for an identity that is not enrolled, and one whose new identity is enrolled already', async () => {
    const { fresh } = await person();
    const before = await snapshot();
    const stranger = pairs[pairs.length - 1]!.lost;
    expectRefused(await post('/v1/cases', await signCaseRequest(fresh, { lostIdentityId: stranger.id })), 403, 'NOT_ENROLLED');
    expectRefused(await post('/v1/cases', await signCaseRequest(bob, { lostIdentityId: pairs[nextPair - 1]!.lost.id })), 409, 'ALREADY_ENROLLED');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a second case from the same new identity, but lets no one block a person\'s case by opening one first', async () => {
    const { lost, fresh, caseId } = await withCase();
    const before = await snapshot();
    expectRefused(await post('/v1/cases', await signCaseRequest(fresh, { lostIdentityId: lost.id, note: 'again' })), 409, 'CASE_STATE');
    expect(await snapshot()).toEqual(before);
    // Anyone may open a case for an enrolled identity: an impostor's open case does not stop the person's own.
    const impostor = pairs[nextPair++]!.fresh;
    const theirs = await post('/v1/cases', await signCaseRequest(impostor, { lostIdentityId: lost.id, note: 'it is me, really' }));
    expect(theirs.statusCode).toBe(201);
    const impostorCase = json(theirs).caseId as string;
    // One is verified at a time: the person's, and the other cannot be while it is verified.
    expect((await post(`/v1/cases/${caseId}/verify`, { method: 'passport seen at the desk' }, officer)).statusCode).toBe(200);
    const verified = await snapshot();
    expectRefused(await post(`/v1/cases/${impostorCase}/verify`, { method: 'a phone call' }, officer), 409, 'CASE_STATE');
    expect(await snapshot()).toEqual(verified);
    expect((await post(`/v1/cases/${impostorCase}/refuse`, { reason: 'not the person' }, officer)).statusCode).toBe(200);
    const states = await db.query<{ case_id: string; state: string }>('SELECT case_id, state FROM cases WHERE lost_identity_id = $1', [lost.id]);
    expect(new Map(states.map((row) => [row.case_id, row.state]))).toEqual(new Map([[caseId, 'verified'], [impostorCase, 'refused']]));
  });

  it('refuses a case verified by mistake: its new identity is revoked and is no one, and the person\'s own case is verified then', async () => {
    const { lost, fresh, blobs, caseId } = await withCase();
    // An impostor's case for the same person, verified by mistake: its identity is enrolled as the person, deposits, gets a partial.
    const impostor = pairs[nextPair++]!.fresh;
    const impostorCase = json(await post('/v1/cases', await signCaseRequest(impostor, { lostIdentityId: lost.id, note: 'it is me, really' }))).caseId as string;
    expect((await post(`/v1/cases/${impostorCase}/verify`, { method: 'a phone call' }, officer)).statusCode).toBe(200);
    expect(await signIn(impostor)).toEqual(['person', 'applicant']);
    const impostorBlob = await escrowBlob(impostor, board, 5000);
    expect((await post('/v1/deposits', impostorBlob)).statusCode).toBe(201);
    expect((await post(`/v1/cases/${impostorCase}/uploads`, await partial(blobs[0]!, alice, impostor), alice)).statusCode).toBe(201);
    // While it is verified, the person's own case waits.
    expectRefused(await post(`/v1/cases/${caseId}/verify`, { method: 'passport seen at the desk' }, officer), 409, 'CASE_STATE');
    // Enrolled as the person, its identity can be named as lost by someone else's case.
    const throughImpostor = json(await post('/v1/cases', await signCaseRequest(pairs[nextPair++]!.fresh, { lostIdentityId: impostor.id }))).caseId as string;

    const refuse = await post(`/v1/cases/${impostorCase}/refuse`, { reason: 'the caller was not Ada' }, officer);
    expect({ status: refuse.statusCode, body: json(refuse) }).toMatchObject({ status: 200, body: { caseId: impostorCase, state: 'refused', revokedIdentityId: impostor.id } });
    expect(await db.query('SELECT revoked_at, revoked_by_case FROM people WHERE identity_id = $1', [impostor.id])).toEqual([{ revoked_at: expect.stringMatching(/^\d{4}-/), revoked_by_case: impostorCase }]);

    // Its session is still a session, but of no one: no person's records, no deposit, no upload, no blobs, no new enrolment or case.
    const code = await issueEnrolmentCode(db, 'Mallory');
    const before = await snapshot();
    expectRefused(await get('/v1/me', impostor), 403, 'NOT_PERMITTED');
    expectRefused(await get('/v1/me/deposits', impostor), 403, 'NOT_PERMITTED');
    expectRefused(await get('/v1/me/events', impostor), 403, 'NOT_PERMITTED');
    expectRefused(await post('/v1/deposits', await escrowBlob(impostor, board, 5001)), 403, 'NOT_ENROLLED');
    expectRefused(await post(`/v1/cases/${impostorCase}/uploads`, await partial(blobs[0]!, carol, impostor), carol), 409, 'CASE_STATE');
    expectRefused(await get(`/v1/cases/${impostorCase}/blobs`, impostor), 409, 'CASE_STATE');
    expectRefused(await post(`/v1/cases/${impostorCase}/refuse`, { reason: 'twice' }, officer), 409, 'CASE_STATE');
    expectRefused(await post('/v1/enrol', { code, identity: await exportPublicIdentity(impostor, 'pem') }), 403, 'IDENTITY_REVOKED');
    expectRefused(await post('/v1/cases', await signCaseRequest(impostor, { lostIdentityId: bob.id })), 403, 'IDENTITY_REVOKED');
    expectRefused(await post('/v1/cases', await signCaseRequest(pairs[nextPair++]!.fresh, { lostIdentityId: impostor.id })), 403, 'NOT_ENROLLED');
    expectRefused(await post(`/v1/cases/${throughImpostor}/verify`, { method: 'a letter' }, officer), 403, 'NOT_ENROLLED');
    const challenge = json(await post('/v1/sign-in/challenge', { identityId: impostor.id })) as unknown as SignInChallenge;
    expectRefused(await post('/v1/sign-in', { challenge, signature: await signChallenge(impostor, challenge) }), 401, 'SIGN_IN_FAILED');
    // It may still read its own case, to see it was refused, and still without what the files are.
    const seen = json(await get(`/v1/cases/${impostorCase}`, impostor)) as { state: string; files: { description?: string }[] };
    expect(seen.state).toBe('refused');
    expect(seen.files.every((f) => f.description === undefined)).toBe(true);
    expect(await snapshot()).toEqual(before);
    // What it deposited stays, as the log says.
    expect(await db.query('SELECT owner_id FROM deposits WHERE file_id = $1', [impostorBlob.fileId])).toEqual([{ owner_id: impostor.id }]);

    // The person's own case is verified now; their records are theirs alone, and show the refusal.
    expect((await post(`/v1/cases/${caseId}/verify`, { method: 'passport seen at the desk' }, officer)).statusCode).toBe(200);
    expect(await signIn(fresh)).toEqual(['person', 'applicant']);
    expect((json(await get('/v1/me', fresh)).identities as string[]).sort()).toEqual([lost.id, fresh.id].sort());
    expect((json(await get('/v1/me/deposits', fresh)).deposits as { fileId: string }[]).map((d) => d.fileId)).toEqual(blobs.map((b) => b.fileId));
    expectRefused(await get(`/v1/deposits/${impostorBlob.fileId}`, fresh), 403, 'NOT_PERMITTED');
    expect((await get(`/v1/deposits/${blobs[0]!.fileId}`, fresh)).statusCode).toBe(200);
    // The desk finds the revoked identity's deposit under the person, marked as not theirs.
    const found = json(await get(`/v1/deposits?owner=${encodeURIComponent(lost.id)}`, officer)).deposits as { fileId: string; ownerRevokedAt?: string }[];
    expect(new Map(found.map((d) => [d.fileId, d.ownerRevokedAt]))).toEqual(new Map([...blobs.map((b) => [b.fileId, undefined] as const), [impostorBlob.fileId, expect.stringMatching(/^\d{4}-/)]]));
    const refusal = (json(await get('/v1/me/events', fresh)).entries as AuditEntry[]).find((e) => e.event === 'case-refuse' && e.data.caseId === impostorCase);
    expect(refusal?.data).toMatchObject({ ownerId: lost.id, by: officer.id, reason: 'the caller was not Ada', revokedIdentityId: impostor.id });
    const log = json(await get('/v1/audit', officer)).entries as AuditEntry[];
    expect((await verifyAuditLog(log)).count).toBe(log.length);
  });

  it('refuses a ready case: its blobs are handed out no more and its new identity is revoked', async () => {
    const pair = pairs[nextPair++]!;
    await enrol(pair.lost, 'Ada Lovelace');
    const caseId = json(await post('/v1/cases', await signCaseRequest(pair.fresh, { lostIdentityId: pair.lost.id }))).caseId as string;
    expect(json(await post(`/v1/cases/${caseId}/verify`, { method: 'badge checked' }, officer))).toMatchObject({ state: 'ready' });
    await signIn(pair.fresh);
    expect((await get(`/v1/cases/${caseId}/blobs`, pair.fresh)).statusCode).toBe(200);
    expect(json(await post(`/v1/cases/${caseId}/refuse`, { reason: 'the badge was forged' }, officer))).toMatchObject({ state: 'refused', revokedIdentityId: pair.fresh.id });
    const before = await snapshot();
    expectRefused(await get(`/v1/cases/${caseId}/blobs`, pair.fresh), 409, 'CASE_STATE');
    expectRefused(await get('/v1/me', pair.fresh), 403, 'NOT_PERMITTED');
    expect(await snapshot()).toEqual(before);
    // The steps say it was downloaded before it was refused.
    const steps = (json(await get(`/v1/cases/${caseId}`, officer)).steps as { event: string }[]).map((step) => step.event);
    expect(steps).toEqual(['case-open', 'case-verify', 'case-download', 'case-refuse']);
  });

  it('refuses a member outside the file\'s council, and a partial another member issued', async () => {
    const { fresh, blobs, caseId } = await verified();
    const fromAlice = await partial(blobs[0]!, alice, fresh);
    // Dave, a member of another council, signs a partial naming himself member 1 of the board.
    const fromDave = await resigned(fromAlice, { issuer: { ...fromAlice.issuer, name: 'Dave', id: dave.id, publicKey: b64u(dave.rsaSpki), signingKey: b64u(dave.ed25519Spki) } }, dave, 'keyward/v2 partial');
    const asElsewhere = await resigned(fromDave, { issuer: { ...fromDave.issuer, council: elsewhere.id } }, dave, 'keyward/v2 partial');
    // Alice signs a partial for the authority's file, which no council holds.
    const recovery = await issueRecoveryV2(blobs[2]!, authority, { newOwner: fresh });
    const { fileId, serial, headerHmac, escrowDigest } = recovery;
    const identityFile = await resigned(fromAlice, { fileId, serial, headerHmac, escrowDigest }, alice, 'keyward/v2 partial');
    const before = await snapshot();
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, fromDave, dave), 403, 'OUTSIDE_COUNCIL');
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, asElsewhere, dave), 403, 'OUTSIDE_COUNCIL');
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, identityFile, alice), 403, 'OUTSIDE_COUNCIL');
    // Carol sends Alice's partial.
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, fromAlice, carol), 403, 'OUTSIDE_COUNCIL');
    // A person who is no member sends a partial; a member sends a recovery blob, which is an officer's to send.
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, fromAlice, bob), 403, 'NOT_PERMITTED');
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, recovery, alice), 403, 'NOT_PERMITTED');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a blob for another identity than the case\'s new one, or for a file not in the case', async () => {
    const { fresh, blobs, caseId } = await verified();
    const forBob = await partial(blobs[0]!, alice, bob);
    const otherFile = await partial(bobBlob, alice, fresh);
    const recoveryForBob = await issueRecoveryV2(blobs[2]!, authority, { newOwner: bob });
    const before = await snapshot();
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, forBob, alice), 422, 'BLOB_MISMATCH');
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, otherFile, alice), 422, 'BLOB_MISMATCH');
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, recoveryForBob, officer), 422, 'BLOB_MISMATCH');
    // Changed after signing; signed by someone other than the authority.
    const good = await partial(blobs[0]!, alice, fresh);
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, { ...good, description: 'changed' }, alice), 422, 'SIGNATURE_INVALID');
    const recovery = await issueRecoveryV2(blobs[2]!, authority, { newOwner: fresh });
    const byOfficer = await resigned(recovery, { issuer: { ...recovery.issuer, id: officer.id, publicKey: b64u(officer.rsaSpki), signingKey: b64u(officer.ed25519Spki) } }, officer, 'keyward/v2 recovery');
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, byOfficer, officer), 422, 'SIGNER_UNTRUSTED');
    expect(await snapshot()).toEqual(before);
  });

  it('refuses uploads before the officer\'s check and after a refusal', async () => {
    const { fresh, blobs, caseId } = await withCase();
    const fromAlice = await partial(blobs[0]!, alice, fresh);
    let before = await snapshot();
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, fromAlice, alice), 409, 'CASE_STATE');
    expect(await snapshot()).toEqual(before);
    const refuse = await post(`/v1/cases/${caseId}/refuse`, { reason: 'nobody could vouch for them' }, officer);
    expect({ status: refuse.statusCode, body: json(refuse) }).toMatchObject({ status: 200, body: { caseId, state: 'refused' } });
    before = await snapshot();
    expectRefused(await post(`/v1/cases/${caseId}/uploads`, fromAlice, alice), 409, 'CASE_STATE');
    expectRefused(await post(`/v1/cases/${caseId}/verify`, { method: 'too late' }, officer), 409, 'CASE_STATE');
    expectRefused(await post(`/v1/cases/${caseId}/refuse`, { reason: 'twice' }, officer), 409, 'CASE_STATE');
    expect(await snapshot()).toEqual(before);
    // A refused case no longer blocks a new one; its applicant has no role left.
    const challenge = json(await post('/v1/sign-in/challenge', { identityId: fresh.id })) as unknown as SignInChallenge;
    expectRefused(await post('/v1/sign-in', { challenge, signature: await signChallenge(fresh, challenge) }), 401, 'SIGN_IN_FAILED');
  });

  it('counts the same member\'s partial once, answering it again without a change', async () => {
    const { fresh, blobs, caseId } = await verified();
    const fromAlice = await partial(blobs[0]!, alice, fresh);
    const first = await post(`/v1/cases/${caseId}/uploads`, fromAlice, alice);
    expect(first.statusCode).toBe(201);
    const before = await snapshot();
    const again = await post(`/v1/cases/${caseId}/uploads`, fromAlice, alice);
    expect({ status: again.statusCode, body: json(again) }).toEqual({ status: 200, body: json(first) });
    // Another partial of Alice's for the same file (issued again) counts once too.
    const reissued = await issuePartialRecovery(blobs[0]!, alice, { newOwner: fresh, now: new Date(Date.now() + 1000) });
    expect((await post(`/v1/cases/${caseId}/uploads`, reissued, alice)).statusCode).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect(json(await get(`/v1/cases/${caseId}`, fresh)).state).toBe('verified');
  });

  it('lets only officers, members and the applicant read a case, and only the applicant download its blobs', async () => {
    const { caseId } = await withCase();
    const before = await snapshot();
    expectRefused(await get(`/v1/cases/${caseId}`, bob), 403, 'NOT_PERMITTED');
    expectRefused(await get(`/v1/cases/${caseId}/blobs`, bob), 403, 'NOT_PERMITTED');
    expectRefused(await get(`/v1/cases/${caseId}/blobs`, officer), 403, 'NOT_PERMITTED');
    expectRefused(await get('/v1/cases', bob), 403, 'NOT_PERMITTED');
    expectRefused(await get(`/v1/cases/${caseId}`), 401, 'SIGN_IN_REQUIRED');
    expectRefused(await get('/v1/cases/AAAAAAAAAAAAAAAAAAAA', officer), 404, 'CASE_UNKNOWN');
    expectRefused(await get('/v1/cases/not-a-case', officer), 400, 'REQUEST_INVALID');
    expect(await snapshot()).toEqual(before);
  });

  it('shows the applicant what the files are only once an officer verified the case', async () => {
    const { fresh, blobs, caseId } = await withCase();
    const early = json(await get(`/v1/cases/${caseId}`, fresh)) as { files: { fileId: string; description?: string }[] };
    expect(early.files.map((f) => [f.fileId, 'description' in f])).toEqual(blobs.map((b) => [b.fileId, false]));
    expect((json(await get(`/v1/cases/${caseId}`, officer)) as typeof early).files.map((f) => f.description)).toEqual(blobs.map((b) => b.description));
    await post(`/v1/cases/${caseId}/verify`, { method: 'passport' }, officer);
    expect((json(await get(`/v1/cases/${caseId}`, fresh)) as typeof early).files.map((f) => f.description)).toEqual(blobs.map((b) => b.description));
  });

  it('lets an officer verify a case once, and no member or applicant verify or refuse it', async () => {
    const { fresh, caseId } = await verified();
    const before = await snapshot();
    expectRefused(await post(`/v1/cases/${caseId}/verify`, { method: 'again' }, officer), 409, 'CASE_STATE');
    expect(await snapshot()).toEqual(before);
    const other = await withCase();
    const beforeOther = await snapshot();
    expectRefused(await post(`/v1/cases/${other.caseId}/verify`, { method: 'I say so' }, alice), 403, 'NOT_PERMITTED');
    expectRefused(await post(`/v1/cases/${other.caseId}/verify`, { method: 'I say so' }, other.fresh), 403, 'NOT_PERMITTED');
    expectRefused(await post(`/v1/cases/${other.caseId}/refuse`, { reason: 'no' }, fresh), 403, 'NOT_PERMITTED');
    expect(await snapshot()).toEqual(beforeOther);
  });

  it('opens one case of two sent at once by one new identity, verifies one of two cases at once, and counts two last partials sent at once into one ready case', async () => {
    const pair = await person();
    const other = pairs[nextPair++]!;
    const [a, b] = await Promise.all([
      post('/v1/cases', await signCaseRequest(pair.fresh, { lostIdentityId: pair.lost.id, note: 'one' })),
      post('/v1/cases', await signCaseRequest(pair.fresh, { lostIdentityId: pair.lost.id, note: 'two' })),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    expect(await db.query('SELECT count(*)::int AS n FROM cases WHERE lost_identity_id = $1', [pair.lost.id])).toEqual([{ n: 1 }]);
    const mine = json(a.statusCode === 201 ? a : b).caseId as string;
    const opened = await post('/v1/cases', await signCaseRequest(other.fresh, { lostIdentityId: pair.lost.id }));
    expect(opened.statusCode).toBe(201);
    const theirs = json(opened).caseId as string;
    // Two officers' clicks at once: one case verified, the other refused with the case's code (not a unique violation).
    const verifies = await Promise.all([post(`/v1/cases/${mine}/verify`, { method: 'badge' }, officer), post(`/v1/cases/${theirs}/verify`, { method: 'badge' }, officer)]);
    expect(verifies.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    expect(json(verifies.find((r) => r.statusCode === 409)!).code).toBe('CASE_STATE');
    const [caseId, winner] = verifies[0].statusCode === 200 ? [mine, pair.fresh] : [theirs, other.fresh];
    expect(await db.query("SELECT case_id FROM cases WHERE lost_identity_id = $1 AND state = 'verified'", [pair.lost.id])).toEqual([{ case_id: caseId }]);
    const { blobs } = pair;
    for (const [blob, by] of [[blobs[0]!, alice], [blobs[1]!, alice]] as const) await post(`/v1/cases/${caseId}/uploads`, await partial(blob, by, winner), by);
    await post(`/v1/cases/${caseId}/uploads`, await issueRecoveryV2(blobs[2]!, authority, { newOwner: winner }), officer);
    const last = await Promise.all([post(`/v1/cases/${caseId}/uploads`, await partial(blobs[0]!, carol, winner), carol), post(`/v1/cases/${caseId}/uploads`, await partial(blobs[1]!, erin, winner), erin)]);
    expect(last.map((r) => r.statusCode)).toEqual([201, 201]);
    expect(last.map((r) => json(r).state).sort()).toEqual(['ready', 'verified']);
    expect(await db.query('SELECT state FROM cases WHERE case_id = $1', [caseId])).toEqual([{ state: 'ready' }]);
    const log = json(await get('/v1/audit', officer)).entries as AuditEntry[];
    expect((await verifyAuditLog(log)).count).toBe(log.length);
  });

  it('keeps the blobs from the applicant until every file has its quorum', async () => {
    const { fresh, blobs, caseId } = await verified();
    // One member of two for each council file, and the authority's file done.
    await post(`/v1/cases/${caseId}/uploads`, await partial(blobs[0]!, alice, fresh), alice);
    await post(`/v1/cases/${caseId}/uploads`, await partial(blobs[1]!, alice, fresh), alice);
    await post(`/v1/cases/${caseId}/uploads`, await issueRecoveryV2(blobs[2]!, authority, { newOwner: fresh }), officer);
    const before = await snapshot();
    expectRefused(await get(`/v1/cases/${caseId}/blobs`, fresh), 409, 'CASE_STATE');
    expect(await snapshot()).toEqual(before);
    expect(json(await get(`/v1/cases/${caseId}`, fresh)).state).toBe('verified');
  });
});
