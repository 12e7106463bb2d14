/**
 * Every route of the escrow service, on PGlite and on a real PostgreSQL
 * (KEYWARD_TEST_DATABASE_URL; the PostgreSQL half fails without it). Each
 * refusal answers `{ code, message }` with the core's sentence and changes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { LightMyRequestResponse } from 'fastify';
import { type EscrowBlobV2, type PrivateIdentity, exportPublicIdentity, fromB64u, parseCouncil, publicIdentityFromSpki, signEscrowBlob, userMessage } from '../core/index.ts';
import { verifyAuditLog } from '../core/audit.ts';
import { type ServiceInfo, verifyAcknowledgement } from '../core/service.ts';
import { withoutSignature } from '../core/format/signing.ts';
import { makeIdentity } from '../core/test-support.ts';
import { BODY_LIMIT, buildService } from './app.ts';
import { exportAudit } from './audit-log.ts';
import type { Db } from './db.ts';
import { type DepositChecker, startDepositChecker } from './deposit-checker.ts';
import { issueEnrolmentCode } from './escrow.ts';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from './migrations.ts';
import { addAuthority, addCouncil, addOfficer, retireAuthority } from './registry.ts';
import { BACKENDS, type Owner, type TestDb, builtDepositWorker, makeOwner } from './test-support.ts';

const VECTORS = fileURLToPath(new URL('../core/testdata/vectors', import.meta.url));
let authority: PrivateIdentity;
let ada: Owner;
let bob: Owner;
let mallory: Owner;

beforeAll(async () => {
  authority = await makeIdentity();
  [ada, bob, mallory] = await Promise.all([makeOwner(authority, 12), makeOwner(authority, 1), makeOwner(authority, 1)]);
});

const FIRST = 'is alive at once, and ready only once the migrations are applied';
const json = (response: LightMyRequestResponse) => response.json<Record<string, unknown>>();

/** A refusal: the status, the code, and the core's sentence for it as the message. */
function expectRefused(response: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: response.statusCode, code: json(response).code }).toEqual({ status, code });
  const body = json(response);
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  expect(String(body.message)).toContain(userMessage(code as never).slice(0, 30));
}

describe.each(BACKENDS)('the escrow service on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;
  let app: FastifyInstance;
  let built: FastifyInstance | undefined;

  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });
  const audit = () => exportAudit(db);
  const depositCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM deposits'))[0]!.n;
  /** Registers `identity` as an authority the service keeps escrow for, unless an earlier test did. */
  const served = async (identity: PrivateIdentity, name: string) => {
    const known = await db.query('SELECT 1 FROM authorities WHERE identity_id = $1', [identity.id]);
    if (known.length === 0) await addAuthority(db, await exportPublicIdentity(identity, 'pem'), name);
  };
  /** Enrols `owner` with a fresh code, unless an earlier test did; the owners' blobs are for `authority`, registered. */
  const enrolled = async (owner: Owner, name: string) => {
    await served(authority, 'IT backup');
    const known = await db.query('SELECT 1 FROM people WHERE identity_id = $1', [owner.identity.id]);
    if (known.length > 0) return;
    const code = await issueEnrolmentCode(db, name);
    const response = await post('/v1/enrol', { code, identity: owner.publicPem });
    expect(response.statusCode).toBe(201);
  };

  // Deposits are checked as `keyward serve` checks them: on the built worker thread.
  let checks: DepositChecker | undefined;

  beforeAll(async () => {
    test = await open();
    db = test.db;
    checks = await startDepositChecker(await builtDepositWorker());
    expect(checks.runs).toMatch(/^worker thread, Ed25519 by libsodium/);
    app = await buildService({ db, depositChecks: checks });
    built = app;
  });
  // Each test runs on a migrated database, but the first, which watches the migrations arrive.
  beforeEach(async ({ task }) => {
    if (task.name !== FIRST) await migrate(db);
  });
  afterAll(async () => {
    await built?.close();
    await checks?.close();
    await test?.drop();
  });

  it(FIRST, async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expectRefused(await app.inject({ method: 'GET', url: '/readyz' }), 503, 'SERVICE_UNAVAILABLE');
    expect(await migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    // Migration 5: a blob is stored as it is (EXTERNAL), with no compression attempted first.
    expect(await db.query("SELECT attstorage FROM pg_attribute WHERE attrelid = 'deposits'::regclass AND attname = 'blob'")).toEqual([{ attstorage: 'e' }]);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect({ status: ready.statusCode, body: ready.json() }).toEqual({ status: 200, body: { status: 'ready', database: db.kind, schema: SCHEMA_VERSION } });
  });

  it('enrols a person once with a one-time code, and refuses an unknown or replayed code', async () => {
    const code = await issueEnrolmentCode(db, 'Ada Lovelace');
    const before = (await audit()).entries.length;
    const response = await post('/v1/enrol', { code, identity: ada.publicPem });
    expect(response.statusCode).toBe(201);
    expect(json(response)).toMatchObject({ identityId: ada.identity.id, name: 'Ada Lovelace' });

    expectRefused(await post('/v1/enrol', { code, identity: bob.publicPem }), 409, 'ENROL_CODE_USED');
    expectRefused(await post('/v1/enrol', { code: 'not-a-code-anyone-issued', identity: bob.publicPem }), 404, 'ENROL_CODE_UNKNOWN');
    expectRefused(await post('/v1/enrol', { code: await issueEnrolmentCode(db, 'Ada again'), identity: ada.publicPem }), 409, 'ALREADY_ENROLLED');
    expectRefused(await post('/v1/enrol', { code: await issueEnrolmentCode(db, 'Bob'), identity: 'not a key' }), 422, 'KEY_UNREADABLE');
    // Only the enrolment and the two codes issued since are in the log.
    const log = await audit();
    expect(log.entries.slice(before).map((e) => e.event)).toEqual(['enrol', 'enrol-code', 'enrol-code']);
    expect(log.entries.find((e) => e.event === 'enrol')?.data).toMatchObject({ identityId: ada.identity.id });
  });

  it('stores a deposit once and answers the same blob again with the same acknowledgement', async () => {
    await enrolled(ada, 'Ada');
    const blob = ada.blobs[0]!;
    const first = await post('/v1/deposits', blob);
    expect(first.statusCode).toBe(201);
    const ack = json(first);
    expect(ack).toMatchObject({ fileId: blob.fileId, serial: blob.serial, ownerId: ada.identity.id });
    expect(ack.escrowDigest).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const again = await post('/v1/deposits', blob);
    expect({ status: again.statusCode, body: json(again) }).toEqual({ status: 200, body: ack });
    // Signed by the service's own key; the retry's answer is the same bytes.
    expect(again.body).toBe(first.body);
    const info = (await app.inject({ method: 'GET', url: '/v1/service' })).json<ServiceInfo>();
    expect(ack).toMatchObject({ format: 'keyward-ack/1', service: info.keyId });
    await verifyAcknowledgement(ack, info, info.keyId);
    await expect(verifyAcknowledgement({ ...ack, storedAt: '2020-01-01T00:00:00.000Z' }, info, info.keyId)).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
    // Any white space: the blob is the same.
    const spaced = await app.inject({ method: 'POST', url: '/v1/deposits', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(blob, null, 2) });
    expect(json(spaced)).toEqual(ack);
    expect(await depositCount()).toBe(1);
    const deposits = (await audit()).entries.filter((e) => e.event === 'deposit');
    expect(deposits).toHaveLength(1);
    expect(deposits[0]!.data).toEqual({ fileId: blob.fileId, serial: blob.serial, ownerId: ada.identity.id, escrowDigest: ack.escrowDigest });
  });

  it('stores a council\'s escrow blob (v2 §8.3) from its enrolled owner, once the council is registered', async () => {
    const blob = JSON.parse(readFileSync(join(VECTORS, 'council-board.escrow.json'), 'utf8')) as EscrowBlobV2;
    // The owner's public identity, as the blob names it (the vectors' owner signs with a key of its own).
    const identity = await exportPublicIdentity(await publicIdentityFromSpki(fromB64u(blob.owner.publicKey), fromB64u(blob.owner.signingKey)), 'pem');
    const code = await issueEnrolmentCode(db, 'Zoë');
    expect(json(await post('/v1/enrol', { code, identity }))).toMatchObject({ identityId: blob.owner.id });
    // A council the service does not know: nobody here could gather its members' shares.
    const before = { log: await audit(), count: await depositCount() };
    expectRefused(await post('/v1/deposits', blob), 422, 'AUTHORITY_NOT_SERVED');
    expect({ log: await audit(), count: await depositCount() }).toEqual(before);
    await addCouncil(db, readFileSync(join(VECTORS, 'council-board.keyward-council.json'), 'utf8'));
    const stored = await post('/v1/deposits', blob);
    expect({ status: stored.statusCode, ack: json(stored) }).toMatchObject({ status: 201, ack: { fileId: blob.fileId, ownerId: blob.owner.id } });
  });

  it('refuses another blob for a stored file ID', async () => {
    await enrolled(ada, 'Ada');
    expect([200, 201]).toContain((await post('/v1/deposits', ada.blobs[0])).statusCode);
    const other = await signEscrowBlob(withoutSignature({ ...ada.blobs[0]!, description: 'another description' }), ada.identity);
    const before = await audit();
    expectRefused(await post('/v1/deposits', other), 409, 'DEPOSIT_CONFLICT');
    expect(await audit()).toEqual(before);
  });

  it('refuses a blob escrowed to an authority the service does not keep escrow for, and stores it once that authority is registered', async () => {
    await enrolled(ada, 'Ada');
    const stranger = await makeIdentity();
    const [blob] = (await makeOwner(stranger, 1, ada.identity)).blobs;
    const before = { log: await audit(), count: await depositCount() };
    expectRefused(await post('/v1/deposits', blob), 422, 'AUTHORITY_NOT_SERVED');
    expect({ log: await audit(), count: await depositCount() }).toEqual(before);
    // What the service keeps escrow for is public, like its key: the app checks an authority against it before it is pinned.
    const served = async () => (await app.inject({ method: 'GET', url: '/v1/authorities' })).json<{ authorities: { kind: string; id: string; name: string }[] }>().authorities;
    expect(await served()).toContainEqual({ kind: 'identity', id: authority.id, name: 'IT backup' });
    expect((await served()).map((a) => a.id)).not.toContain(stranger.id);
    // An identity registered as an officer is not an authority the service keeps escrow for.
    await addOfficer(db, await exportPublicIdentity(stranger, 'pem'), 'Stranger at the desk');
    expectRefused(await post('/v1/deposits', blob), 422, 'AUTHORITY_NOT_SERVED');
    expect(await depositCount()).toBe(before.count);
    // Registered (keyward service authority add): the same blob, sent again as the app does, is stored.
    const added = await addAuthority(db, await exportPublicIdentity(stranger, 'pem'), 'Branch office');
    expect(added.identityId).toBe(stranger.id);
    expect((await audit()).entries.at(-1)).toMatchObject({ seq: added.auditSeq, event: 'authority', data: { identityId: stranger.id, name: 'Branch office' } });
    expect((await post('/v1/deposits', blob)).statusCode).toBe(201);
    expect(await depositCount()).toBe(before.count + 1);
    const listed = await served();
    expect(listed.filter((a) => a.kind === 'identity')).toEqual([
      { kind: 'identity', id: authority.id, name: 'IT backup' },
      { kind: 'identity', id: stranger.id, name: 'Branch office' },
    ]);
    // The council registered by the test before: listed after the authorities.
    expect(listed.at(-1)).toMatchObject({ kind: 'council', name: 'Board' });
    await expect(addAuthority(db, await exportPublicIdentity(stranger, 'pem'), 'again')).rejects.toMatchObject({ code: 'ALREADY_ENROLLED' });

    // Retired (its key compromised or replaced): nothing more is stored for it, what was stays, and it is listed no more.
    const retired = await retireAuthority(db, 'identity', stranger.id);
    expect(retired).toMatchObject({ name: 'Branch office' });
    expect((await audit()).entries.at(-1)).toMatchObject({ seq: retired!.auditSeq, event: 'retire', data: { kind: 'identity', id: stranger.id, name: 'Branch office' } });
    const [later] = (await makeOwner(stranger, 1, ada.identity)).blobs;
    const afterRetiring = { log: await audit(), count: await depositCount() };
    expectRefused(await post('/v1/deposits', later), 422, 'AUTHORITY_NOT_SERVED');
    expect((await post('/v1/deposits', blob)).statusCode).toBe(200);
    expect({ log: await audit(), count: await depositCount() }).toEqual(afterRetiring);
    expect((await served()).map((a) => a.id)).not.toContain(stranger.id);
    expect(await retireAuthority(db, 'identity', stranger.id)).toBeNull();
    await expect(addAuthority(db, await exportPublicIdentity(stranger, 'pem'), 'back again')).rejects.toMatchObject({ code: 'ALREADY_ENROLLED' });
    // A council the same way; an identity's ID is no council's.
    const board = await parseCouncil(readFileSync(join(VECTORS, 'council-board.keyward-council.json'), 'utf8'));
    const [forBoard] = (await makeOwner(board, 1, ada.identity)).blobs;
    expect((await post('/v1/deposits', forBoard)).statusCode).toBe(201);
    expect(await retireAuthority(db, 'council', authority.id)).toBeNull();
    expect(await retireAuthority(db, 'council', board.id)).toMatchObject({ name: 'Board' });
    const [laterForBoard] = (await makeOwner(board, 1, ada.identity)).blobs;
    expectRefused(await post('/v1/deposits', laterForBoard), 422, 'AUTHORITY_NOT_SERVED');
    expect(await served()).toEqual([{ kind: 'identity', id: authority.id, name: 'IT backup' }]);
  });

  it('refuses a blob whose signature does not verify, and one from someone not enrolled', async () => {
    await enrolled(ada, 'Ada');
    const before = await audit();
    const count = await depositCount();
    const forged: EscrowBlobV2 = { ...ada.blobs[1]!, description: 'changed after signing' };
    expectRefused(await post('/v1/deposits', forged), 422, 'SIGNATURE_INVALID');
    expectRefused(await post('/v1/deposits', mallory.blobs[0]), 403, 'NOT_ENROLLED');
    // A v1 blob is not signed at all (v2 §4 check 1); a council's blob forged by someone else is refused by the core too.
    const v1 = await post('/v1/deposits', JSON.parse(readFileSync(join(VECTORS, 'escrow-basic.escrow.json'), 'utf8')));
    expectRefused(v1, 422, 'SIGNER_UNTRUSTED');
    expect({ log: await audit(), count: await depositCount() }).toEqual({ log: before, count });
  });

  it('refuses hostile bodies: too large, not JSON, a key twice, not a blob, not JSON at all', async () => {
    const before = await audit();
    const big = JSON.stringify({ ...ada.blobs[1]!, description: 'x'.repeat(BODY_LIMIT) });
    const send = (payload: string, type = 'application/json') => app.inject({ method: 'POST', url: '/v1/deposits', headers: { 'content-type': type }, payload });
    expectRefused(await send(big), 413, 'BODY_TOO_LARGE');
    expectRefused(await send('{"format":"keyward-escrow/2",'), 400, 'MALFORMED');
    // A key given twice: JSON.parse would keep the second, a strict reader refuses the object.
    const text = JSON.stringify(ada.blobs[1]!);
    const twice = await send(`{"description":"what the officer sees",${text.slice(1)}`);
    expectRefused(twice, 400, 'MALFORMED');
    expect(json(twice).message).toMatch(/twice|duplicate/i);
    expectRefused(await send(JSON.stringify({ format: 'keyward-escrow/2', hello: 1 })), 400, 'MALFORMED');
    expectRefused(await send(JSON.stringify({ blob: 'not here' })), 400, 'REQUEST_INVALID');
    expectRefused(await send(text, 'text/plain'), 415, 'REQUEST_INVALID');
    expectRefused(await post('/v1/enrol', { code: 'x', identity: 'y', admin: 'yes' }), 400, 'REQUEST_INVALID');
    expectRefused(await app.inject({ method: 'GET', url: '/v1/nothing' }), 404, 'REQUEST_INVALID');
    expect(await audit()).toEqual(before);
  });

  it('keeps one unbroken audit chain under concurrent deposits, each file stored once', async () => {
    await enrolled(ada, 'Ada');
    await enrolled(bob, 'Bob');
    const blobs = [...ada.blobs.slice(1), bob.blobs[0]!];
    const count = await depositCount();
    // Each blob twice, all at once (on PostgreSQL, over several connections).
    const responses = await Promise.all([...blobs, ...blobs].map((blob) => post('/v1/deposits', blob)));
    expect(responses.map((r) => r.statusCode).sort()).toEqual([...blobs.map(() => 200), ...blobs.map(() => 201)].sort());
    expect(await depositCount()).toBe(count + blobs.length);
    const log = await audit();
    expect((await verifyAuditLog(log.entries)).count).toBe(log.entries.length);
    expect(log.entries.filter((e) => e.event === 'deposit')).toHaveLength(count + blobs.length);
  });

  it('answers INTERNAL, with no detail of the failure, when the database fails', async () => {
    const failing: Db = {
      kind: db.kind,
      query: () => Promise.reject(new Error('connection to 10.0.0.7 failed: password for keyward_admin')),
      exec: () => Promise.reject(new Error('boom')),
      transaction: () => Promise.reject(new Error('connection to 10.0.0.7 failed: password for keyward_admin')),
      close: () => Promise.resolve(),
    };
    const broken = await buildService({ db: failing });
    try {
      const response = await broken.inject({ method: 'POST', url: '/v1/deposits', payload: ada.blobs[0]! as unknown as object });
      expectRefused(response, 500, 'INTERNAL');
      expect(response.body).not.toMatch(/10\.0\.0\.7|keyward_admin|at .*\.ts/);
      expectRefused(await broken.inject({ method: 'GET', url: '/readyz' }), 503, 'SERVICE_UNAVAILABLE');
    } finally {
      await broken.close();
    }
  });
});

describe('migrations on PostgreSQL', () => {
  it('are applied once when several instances start at the same moment', async () => {
    const test = await BACKENDS.find((b) => b.name === 'PostgreSQL')!.open();
    const others = [test.another!(), test.another!(), test.another!()];
    try {
      const applied = await Promise.all([test.db, ...others].map((db) => migrate(db)));
      expect(applied.flat().sort()).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await test.db.query('SELECT version FROM schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    } finally {
      await Promise.all(others.map((db) => db.close()));
      await test.drop();
    }
  });
});
