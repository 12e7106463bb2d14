/**
 * Signing in to the service (a signed challenge), sessions, roles, the
 * service's own key, officers and councils, CORS: on PGlite and PostgreSQL.
 * Every refused sign-in or request answers its code and changes nothing.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { type PrivateIdentity, exportPublicIdentity, userMessage, utf8 } from '../core/index.ts';
import { verifyAuditLog } from '../core/audit.ts';
import { signingInput } from '../core/keys/ed25519.ts';
import { SERVICE_FORMAT, type SignInChallenge, serviceKeyId, signInChallengeBody } from '../core/service.ts';
import { b64u, fromB64u } from '../core/bytes.ts';
import { makeIdentity } from '../core/test-support.ts';
import { buildService } from './app.ts';
import { exportAudit } from './audit-log.ts';
import { CHALLENGE_LIFETIME_MS, SESSION_LIFETIME_MS } from './auth.ts';
import type { Db } from './db.ts';
import { issueEnrolmentCode } from './escrow.ts';
import { MIGRATIONS, migrate } from './migrations.ts';
import { addCouncil, addOfficer } from './registry.ts';
import { BACKENDS, type TestDb, bearer, councilText, signIn, signedChallenge } from './test-support.ts';

let officer: PrivateIdentity;
let person: PrivateIdentity;
let member: PrivateIdentity;
let stranger: PrivateIdentity;

beforeAll(async () => {
  [officer, person, member, stranger] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
});

const START = Date.parse('2026-12-06T12:00:00.000Z');

function expectRefused(response: LightMyRequestResponse, status: number, code: string): void {
  const body = response.json<{ code: string; message: string }>();
  expect({ status: response.statusCode, code: body.code }).toEqual({ status, code });
  expect(body.message).toContain(userMessage(code as never).slice(0, 30));
}

/** Signs `body` under `context` with the identity's key (for a signature made under another context). */
const signUnder = async (identity: PrivateIdentity, context: string, challenge: SignInChallenge) =>
  b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, identity.signingPrivateKey, signingInput(utf8(context), signInChallengeBody(challenge)))));

describe.each(BACKENDS)('signing in on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;
  let app: FastifyInstance;
  let clock = START;

  /** Everything a refused request must leave as it was. */
  const state = async () => ({
    sessions: await db.query('SELECT * FROM sessions ORDER BY token_digest'),
    challenges: await db.query('SELECT nonce_digest, used_at FROM challenges ORDER BY nonce_digest'),
    audit: await exportAudit(db),
  });
  const signInWith = (payload: unknown) => app.inject({ method: 'POST', url: '/v1/sign-in', payload: payload as object });

  beforeAll(async () => {
    test = await open();
    db = test.db;
    await migrate(db);
    app = await buildService({ db, now: () => new Date(clock) });
    await addOfficer(db, await exportPublicIdentity(officer, 'pem'), 'Olive Officer');
    const code = await issueEnrolmentCode(db, 'Pat Person');
    expect((await app.inject({ method: 'POST', url: '/v1/enrol', payload: { code, identity: await exportPublicIdentity(person, 'pem') } })).statusCode).toBe(201);
    await addCouncil(db, await councilText('Board', 1, [{ name: 'Mia Member', identity: member }, { name: 'Olive', identity: officer }]));
  });
  beforeEach(() => {
    clock = START;
  });
  afterAll(async () => {
    await app.close();
    await test?.drop();
  });

  it('describes its own key, the same from every instance on the database', async () => {
    const info = (await app.inject({ method: 'GET', url: '/v1/service' })).json<{ format: string; keyId: string; signingKey: string }>();
    expect(info.format).toBe(SERVICE_FORMAT);
    expect(info.keyId).toBe(await serviceKeyId(fromB64u(info.signingKey)));
    const second = await buildService({ db });
    try {
      expect((await second.inject({ method: 'GET', url: '/v1/service' })).json()).toEqual(info);
    } finally {
      await second.close();
    }
  });

  it('signs in an officer, a person and a council member with their roles', async () => {
    expect(await signIn(app, officer)).toMatchObject({ identityId: officer.id, name: 'Olive Officer', roles: ['officer', 'member'] });
    expect(await signIn(app, person)).toMatchObject({ identityId: person.id, name: 'Pat Person', roles: ['person'] });
    const signed = await signIn(app, member);
    expect(signed).toMatchObject({ identityId: member.id, name: 'Mia Member', roles: ['member'] });
    expect(signed.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(signed.expiresAt).toBe(new Date(START + SESSION_LIFETIME_MS).toISOString());
    // Only the token's SHA-256 is kept.
    expect(JSON.stringify(await db.query('SELECT * FROM sessions'))).not.toContain(signed.token);
  });

  it('refuses a wrong signature, a signature under another context and an identity with no role, changing nothing', async () => {
    const before = await state();
    expectRefused(await signInWith(await signedChallenge(app, officer, (c) => signUnder(stranger, 'keyward/v2 sign-in', c))), 401, 'SIGN_IN_FAILED');
    expectRefused(await signInWith(await signedChallenge(app, officer, (c) => signUnder(officer, 'keyward/v2 receipt', c))), 401, 'SIGN_IN_FAILED');
    expectRefused(await signInWith(await signedChallenge(app, stranger)), 401, 'SIGN_IN_FAILED');
    const after = await state();
    expect({ sessions: after.sessions, audit: after.audit }).toEqual({ sessions: before.sessions, audit: before.audit });
    // The three challenges issued are still unused.
    expect(after.challenges.filter((c) => (c as { used_at: string | null }).used_at !== null)).toEqual(before.challenges.filter((c) => (c as { used_at: string | null }).used_at !== null));
  });

  it('refuses a replayed nonce, an expired challenge, and a challenge changed or not issued by this service', async () => {
    const signed = await signedChallenge(app, officer);
    expect((await signInWith(signed)).statusCode).toBe(201);
    let before = await state();
    expectRefused(await signInWith(signed), 401, 'SIGN_IN_FAILED');
    expect(await state()).toEqual(before);

    const late = await signedChallenge(app, officer);
    clock = START + CHALLENGE_LIFETIME_MS;
    before = await state();
    expectRefused(await signInWith(late), 401, 'SIGN_IN_FAILED');
    // A challenge names its own expiry, signed: moving it later breaks the signature, and the service kept its own copy.
    const { signChallenge } = await import('../core/service.ts');
    const extended = { ...late.challenge, expiresAt: new Date(clock + 60_000).toISOString() };
    expectRefused(await signInWith({ challenge: extended, signature: await signChallenge(officer, extended) }), 401, 'SIGN_IN_FAILED');
    clock = START;
    // A stranger's challenge, taken over and signed by the officer: the service did not issue it for the officer.
    const strangers = await signedChallenge(app, stranger);
    const taken = { ...strangers.challenge, identityId: officer.id };
    expectRefused(await signInWith({ challenge: taken, signature: await signChallenge(officer, taken) }), 401, 'SIGN_IN_FAILED');
    // A challenge of another service (another key ID), with a nonce the service never gave.
    const foreign = { ...taken, service: `SHA256:${'0'.repeat(64)}`, nonce: b64u(new Uint8Array(32).fill(3)) };
    expectRefused(await signInWith({ challenge: foreign, signature: await signChallenge(officer, foreign) }), 401, 'SIGN_IN_FAILED');
    expectRefused(await signInWith({ challenge: { ...taken, extra: 'x' }, signature: 'x' }), 400, 'MALFORMED');
    const after = await state();
    expect({ sessions: after.sessions, audit: after.audit }).toEqual({ sessions: before.sessions, audit: before.audit });
  });

  it('answers a missing, forged or expired token SIGN_IN_REQUIRED, and a role the route needs NOT_PERMITTED', async () => {
    const audit = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/v1/audit', headers });
    const officerSession = await signIn(app, officer);
    expect((await audit(bearer(officerSession))).statusCode).toBe(200);
    expectRefused(await audit(), 401, 'SIGN_IN_REQUIRED');
    expectRefused(await audit({ authorization: `Bearer ${b64u(new Uint8Array(32).fill(5))}` }), 401, 'SIGN_IN_REQUIRED');
    expectRefused(await audit({ authorization: `Basic ${officerSession.token}` }), 401, 'SIGN_IN_REQUIRED');
    expectRefused(await audit(bearer(await signIn(app, person))), 403, 'NOT_PERMITTED');
    expectRefused(await audit(bearer(await signIn(app, member))), 403, 'NOT_PERMITTED');
    clock = START + SESSION_LIFETIME_MS;
    expectRefused(await audit(bearer(officerSession)), 401, 'SIGN_IN_REQUIRED');
    // The head of the log is public.
    const head = (await app.inject({ method: 'GET', url: '/v1/audit/head' })).json<{ seq: number; hash: string }>();
    const log = await exportAudit(db);
    expect(head).toEqual({ seq: log.entries.length, hash: log.entries.at(-1)!.hash });
  });

  it('registers an officer and a council once each, in the audit log', async () => {
    const before = await exportAudit(db);
    await expect(addOfficer(db, await exportPublicIdentity(officer, 'pem'), 'Olive again')).rejects.toMatchObject({ code: 'ALREADY_ENROLLED' });
    await expect(addCouncil(db, await councilText('Board', 1, [{ name: 'Mia Member', identity: member }, { name: 'Olive', identity: officer }]))).rejects.toMatchObject({ code: 'ALREADY_ENROLLED' });
    await expect(addCouncil(db, '{"format":"keyward-council/2"}')).rejects.toMatchObject({ code: 'MALFORMED' });
    expect(await exportAudit(db)).toEqual(before);
    const events = before.entries.filter((e) => e.event === 'officer' || e.event === 'council');
    expect(events.map((e) => e.event)).toEqual(['officer', 'council']);
    expect(events[0]!.data).toEqual({ identityId: officer.id, name: 'Olive Officer' });
    expect(events[1]!.data).toMatchObject({ name: 'Board', threshold: '1', members: JSON.stringify([member.id, officer.id]) });
    expect((await verifyAuditLog(before.entries)).count).toBe(before.entries.length);
  });

  it('answers CORS for the configured app origins only, preflights included', async () => {
    const origin = 'https://keyward.example.org';
    const withCors = await buildService({ db, appOrigins: [origin] });
    try {
      const preflight = (from: string) =>
        withCors.inject({
          method: 'OPTIONS',
          url: '/v1/sign-in',
          headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
        });
      const allowed = await preflight(origin);
      expect(allowed.statusCode).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe(origin);
      expect(String(allowed.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
      expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
      const get = await withCors.inject({ method: 'GET', url: '/v1/service', headers: { origin } });
      expect(get.headers['access-control-allow-origin']).toBe(origin);
      expect((await withCors.inject({ method: 'GET', url: '/v1/service', headers: { origin: 'https://evil.example' } })).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
    // No origin configured: no CORS header at all.
    const plain = await app.inject({ method: 'GET', url: '/v1/service', headers: { origin } });
    expect(plain.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe.each(BACKENDS)('migration 2 on $name', ({ open }) => {
  it('fills the new columns of rows stored before it', async () => {
    const test = await open();
    try {
      const { db } = test;
      await db.exec(MIGRATIONS[0]!.sql);
      await db.exec("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL); INSERT INTO schema_migrations VALUES (1, 'v1', '2026-12-01T00:00:00.000Z')");
      const id = `SHA256:${'1'.repeat(64)}`;
      await db.exec(`INSERT INTO enrolment_codes VALUES ('d', 'Ada', 't', 't', '${id}');
        INSERT INTO people VALUES ('${id}', 'Ada', 'k', 's', 't', 'd');
        INSERT INTO deposits VALUES ('f', 'KW-1', '${id}', 'e', '{"authority":{"id":"SHA256:aa","kind":"identity","name":"Backup Authority"},"description":"tax 2026"}', 't', 2);
        INSERT INTO audit_log VALUES (1, '{"data":{"name":"Ada"}}', 'h1'), (2, '{"data":{"ownerId":"${id}"}}', 'h2');`);
      expect(await migrate(db)).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
      expect(await db.query('SELECT person_id FROM people')).toEqual([{ person_id: id }]);
      expect(await db.query('SELECT description, authority_id, authority_kind, authority_name FROM deposits')).toEqual([
        { description: 'tax 2026', authority_id: 'SHA256:aa', authority_kind: 'identity', authority_name: 'Backup Authority' },
      ]);
      expect(await db.query('SELECT seq, owner_id FROM audit_log ORDER BY seq')).toEqual([{ seq: 1, owner_id: null }, { seq: 2, owner_id: id }]);
    } finally {
      await test.drop();
    }
  });
});
