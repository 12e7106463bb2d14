// @vitest-environment happy-dom
/**
 * Recovery cases through the store, over an in-memory escrow service: the
 * owner opens a case from a new identity (kept across a reload), an officer
 * verifies it, two members of the 2-of-3 council upload partials issued in
 * the page, and the owner opens the file with them. Each check the app makes
 * of what the service hands it has a test that names it.
 */
import { b64u, exportPublicIdentity, importPublicIdentity, issuePartialRecovery, issueRecoveryV2, parseSignedObject, serializeSigned } from '../../core/index.ts';
import type { PrivateIdentity } from '../../core/index.ts';
import { bytesOf, createTestStore, makeIdentity, makeSignedFile, type recordingDownloader, storeWithIdentities } from '../test-adapters.ts';
import { fakeCaseService, memoryCaseAdapters } from '../test-case-service.ts';
import { makeCouncilFile, testCouncil } from '../test-councils.ts';
import { identityPem, testIdentity } from '../test-identities.ts';
import { pinnableCouncil } from '../test-owner-councils.ts';
import type { Adapters } from '../types.ts';

const plaintext = new Uint8Array(70_000).map((_, i) => (i * 13 + 5) & 0xff);

async function world() {
  const [pinnable, owner, newOwner, outsider, officer] = await Promise.all([
    pinnableCouncil(),
    testIdentity('owner.pem'),
    testIdentity('new-owner.pem'),
    testIdentity('member-3.pem'),
    makeIdentity(),
  ]);
  const made = await makeCouncilFile({ owner, council: pinnable.council, plaintext, name: 'plan.pdf' });
  // Another owner's file, escrowed to a council of one whose member is `outsider`.
  const otherCouncil = await testCouncil([{ name: 'Dora', identity: outsider }], 1, 'Other council');
  const other = await makeCouncilFile({ owner: officer, council: otherCouncil, plaintext: new Uint8Array(100), name: 'other.txt' });
  const service = fakeCaseService({ officers: [officer.id], deposits: [made.escrowBlob, other.escrowBlob] });
  return { ...pinnable, owner, newOwner, outsider, officer, made, other, service };
}
type World = Awaited<ReturnType<typeof world>>;

/** The owner's new browser: the new identity imported, the council pinned, the service configured. */
async function ownerStore(w: World, cases: Adapters['cases'] = memoryCaseAdapters(w.service.client)) {
  const test = await createTestStore({ cases });
  const own = await test.store.getState().importKey({ text: await identityPem(w.newOwner, 'private'), name: 'Ada Lovelace', accept: 'private' });
  if ('error' in own) throw new Error(own.error.message);
  expect(await test.store.getState().pinCouncil(w.council, w.council.id)).toBeNull();
  return test;
}

async function deskStore(w: World, identity: PrivateIdentity) {
  const test = await createTestStore({ cases: memoryCaseAdapters(w.service.client) });
  expect(await test.store.getState().caseSignIn({ text: await identityPem(identity, 'private') })).toBeNull();
  return test;
}

async function openedAndVerified(w: World) {
  const owner = await ownerStore(w);
  expect(await owner.store.getState().openCase({ lostIdentityId: w.owner.id, note: 'laptop stolen' })).toBeNull();
  const officer = await deskStore(w, w.officer);
  expect(await officer.store.getState().listCases('open')).toBeNull();
  const [listed] = officer.store.getState().deskCases;
  expect(await officer.store.getState().openDeskCase(listed!.caseId)).toBeNull();
  expect(await officer.store.getState().verifyCase('passport seen in person')).toBeNull();
  return { owner, officer, caseId: listed!.caseId };
}

const uploads = (w: World) => w.service.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/uploads'));

describe('recovery cases', () => {
  it('opens a case signed by the new identity, keeps it across a reload, and opens the file once two members uploaded partials', async () => {
    const w = await world();
    const kept = new Map<string, unknown>();
    const owner = await ownerStore(w, memoryCaseAdapters(w.service.client, kept));
    expect(await owner.store.getState().openCase({ lostIdentityId: w.owner.id, note: 'laptop stolen' })).toBeNull();
    const mine = owner.store.getState().myCase!;
    expect(mine.identityId).toBe(w.newOwner.id);
    expect(mine.detail).toMatchObject({ state: 'open', lostIdentityId: w.owner.id, newIdentityId: w.newOwner.id });
    expect(mine.detail!.steps).toEqual([expect.objectContaining({ event: 'case-open', by: w.newOwner.id })]);
    // The fake checked the signature over canonical(request) with the new identity's signing key.
    const sent = w.service.requests.find((r) => r.path === '/v1/cases')!.body as { request: { identity: string; note: string } };
    expect(sent.request.identity).toBe(await exportPublicIdentity(w.newOwner, 'pem'));
    expect(sent.request.note).toBe('laptop stolen');

    // A reload: a new store over the same kept values finds the case again.
    const reloaded = await ownerStore(w, memoryCaseAdapters(w.service.client, kept));
    await reloaded.store.getState().loadMyCase();
    expect(reloaded.store.getState().myCase?.detail?.caseId).toBe(mine.caseId);

    const officer = await deskStore(w, w.officer);
    expect(officer.store.getState().caseDesk?.roles).toEqual(['officer']);
    expect(await officer.store.getState().listCases('open')).toBeNull();
    expect(officer.store.getState().deskCases.map((c) => c.caseId)).toEqual([mine.caseId]);
    expect(await officer.store.getState().openDeskCase(mine.caseId)).toBeNull();
    expect(await officer.store.getState().verifyCase('passport seen in person')).toBeNull();
    expect(officer.store.getState().deskCase?.state).toBe('verified');
    // Verified: the service enrolled the new identity as the same person, and this browser records it.
    expect(reloaded.store.getState().enrolment).toBeNull();
    expect(await reloaded.store.getState().refreshMyCase()).toBeNull();
    expect(reloaded.store.getState().enrolment).toMatchObject({ identityId: w.newOwner.id, name: 'Ada Lovelace' });
    expect(kept.get('enrolment')).toMatchObject({ identityId: w.newOwner.id });

    const [grace, alan] = [await deskStore(w, w.members[0]!), await deskStore(w, w.members[1]!)];
    expect(await grace.store.getState().openDeskCase(mine.caseId)).toBeNull();
    expect(await grace.store.getState().uploadPartial(w.made.fileId)).toBeNull();
    expect(grace.store.getState().deskUploads[w.made.fileId]).toEqual({ done: true });
    // One member of a 2-of-3 council: not ready.
    expect(await reloaded.store.getState().refreshMyCase()).toBeNull();
    expect(reloaded.store.getState().myCase?.detail?.state).toBe('verified');
    expect(await reloaded.store.getState().downloadCaseBlobs()).toMatchObject({ code: 'CASE_STATE' });

    expect(await alan.store.getState().openDeskCase(mine.caseId)).toBeNull();
    expect(await alan.store.getState().uploadPartial(w.made.fileId)).toBeNull();
    expect(await reloaded.store.getState().refreshMyCase()).toBeNull();
    const ready = reloaded.store.getState().myCase!.detail!;
    expect(ready.state).toBe('ready');
    expect(ready.files[0]!.uploads.map((u) => [u.by, u.index])).toEqual([[w.members[0]!.id, 1], [w.members[1]!.id, 2]]);
    expect(ready.steps.map((s) => [s.event, s.by])).toEqual([
      ['case-open', w.newOwner.id],
      ['case-verify', w.officer.id],
      ['case-upload', w.members[0]!.id],
      ['case-upload', w.members[1]!.id],
    ]);

    expect(await reloaded.store.getState().downloadCaseBlobs()).toBeNull();
    expect(reloaded.store.getState().myCase?.blobs?.map((b) => [b.fileId, b.texts.length])).toEqual([[w.made.fileId, 2]]);
    expect(reloaded.store.getState().decryptWithCase(w.made.fileId, w.made.file)).toBeNull();
    await vi.waitFor(() => {
      expect(['done', 'failed']).toContain(reloaded.store.getState().decryptJobs[0]?.status);
    }, { timeout: 30_000 });
    const job = reloaded.store.getState().decryptJobs[0]!;
    expect(job.error).toBeUndefined();
    expect(await bytesOf(job.output!)).toEqual(plaintext);
  }, 120_000);

  it('signs in with this desk’s own stored identity, as the desk does, and says KEY_GONE for one no longer stored', async () => {
    const [owner, authority] = await Promise.all([testIdentity('owner.pem'), makeIdentity()]);
    const service = fakeCaseService({ officers: [authority.id], deposits: [] });
    const desk = await createTestStore({ cases: memoryCaseAdapters(service.client) });
    const imported = await desk.store.getState().importAuthorityKey({ text: await identityPem(authority, 'private'), name: 'IT backup desk' });
    if ('error' in imported) throw new Error(imported.error.message);
    const stored = desk.store.getState().keys.find((k) => k.role === 'authority-own')!;
    expect(await desk.store.getState().caseSignIn({ keyId: 'SHA256:' + '0'.repeat(64) })).toMatchObject({ code: 'KEY_GONE' });
    expect(desk.store.getState().caseDesk).toBeNull();
    expect(await desk.store.getState().caseSignIn({ keyId: stored.keyId })).toBeNull();
    expect(desk.store.getState().caseDesk).toMatchObject({ identityId: authority.id, roles: ['officer'] });
    // An owner's own key pair is not a desk identity, even with its private key here.
    const own = await desk.store.getState().importKey({ text: await identityPem(owner, 'private'), name: 'Ada', accept: 'private' });
    if ('error' in own) throw new Error(own.error.message);
    desk.store.getState().caseSignOut();
    expect(await desk.store.getState().caseSignIn({ keyId: own.key.keyId })).toMatchObject({ code: 'KEY_GONE' });
  });

  it('lets the officer who holds the authority identity issue and upload the recovery blob of a file escrowed to it, and the owner opens the file', async () => {
    const [owner, newOwner, authority, colleague] = await Promise.all([testIdentity('owner.pem'), testIdentity('new-owner.pem'), makeIdentity(), makeIdentity()]);
    const made = await makeSignedFile({ owner, authority, plaintext, name: 'lost.pdf' });
    const service = fakeCaseService({ officers: [authority.id, colleague.id], deposits: [made.escrowBlob] });
    const mine = await storeWithIdentities(newOwner, authority, { cases: memoryCaseAdapters(service.client) });
    expect(await mine.store.getState().openCase({ lostIdentityId: owner.id, note: 'laptop stolen' })).toBeNull();
    const caseId = mine.store.getState().myCase!.caseId;

    const desk = await createTestStore({ cases: memoryCaseAdapters(service.client) });
    expect(await desk.store.getState().caseSignIn({ text: await identityPem(authority, 'private') })).toBeNull();
    expect(await desk.store.getState().openDeskCase(caseId)).toBeNull();
    // Not before the case is verified: the service refuses, and the desk says why.
    expect(await desk.store.getState().uploadRecovery(made.fileId)).toMatchObject({ code: 'CASE_STATE' });
    expect(await desk.store.getState().verifyCase('passport seen in person')).toBeNull();

    // Another officer's identity is not the file's authority: nothing is issued or sent.
    const other = await createTestStore({ cases: memoryCaseAdapters(service.client) });
    expect(await other.store.getState().caseSignIn({ text: await identityPem(colleague, 'private') })).toBeNull();
    expect(await other.store.getState().openDeskCase(caseId)).toBeNull();
    const sentBefore = service.requests.filter((r) => r.path.endsWith('/uploads')).length;
    expect(await other.store.getState().uploadRecovery(made.fileId)).toMatchObject({ code: 'NOT_PERMITTED' });
    expect(other.store.getState().deskUploads[made.fileId]).toMatchObject({ error: { code: 'NOT_PERMITTED' } });
    expect(service.requests.filter((r) => r.path.endsWith('/uploads')).length).toBe(sentBefore);
    // Nor is a partial issued for a file that has no council.
    expect(await desk.store.getState().uploadPartial(made.fileId)).toMatchObject({ code: 'OUTSIDE_COUNCIL' });

    expect(await desk.store.getState().uploadRecovery(made.fileId)).toBeNull();
    expect(desk.store.getState().deskUploads[made.fileId]).toEqual({ done: true });
    expect(desk.store.getState().deskCase?.state).toBe('ready');
    expect(desk.store.getState().deskCase?.files[0]!.uploads).toEqual([expect.objectContaining({ kind: 'recovery', by: authority.id })]);

    expect(await mine.store.getState().refreshMyCase()).toBeNull();
    expect(await mine.store.getState().downloadCaseBlobs()).toBeNull();
    expect(mine.store.getState().decryptWithCase(made.fileId, made.file)).toBeNull();
    await vi.waitFor(() => {
      expect(['done', 'failed']).toContain(mine.store.getState().decryptJobs[0]?.status);
    }, { timeout: 30_000 });
    const job = mine.store.getState().decryptJobs[0]!;
    expect(job.error).toBeUndefined();
    expect(job.via).toBe('recovery');
    expect(await bytesOf(job.output!)).toEqual(plaintext);
  }, 120_000);

  it('lets an officer without the authority identity upload a recovery blob issued where that key is kept, from what the desk downloaded', async () => {
    const [owner, newOwner, authority, colleague] = await Promise.all([testIdentity('owner.pem'), testIdentity('new-owner.pem'), makeIdentity(), makeIdentity()]);
    const made = await makeSignedFile({ owner, authority, plaintext, name: 'lost.pdf' });
    const service = fakeCaseService({ officers: [colleague.id], deposits: [made.escrowBlob] });
    const mine = await storeWithIdentities(newOwner, authority, { cases: memoryCaseAdapters(service.client) });
    expect(await mine.store.getState().openCase({ lostIdentityId: owner.id, note: 'laptop stolen' })).toBeNull();
    const caseId = mine.store.getState().myCase!.caseId;
    const desk = await createTestStore({ cases: memoryCaseAdapters(service.client) });
    const saved = (desk.adapters.download as ReturnType<typeof recordingDownloader>).saved;
    expect(await desk.store.getState().caseSignIn({ text: await identityPem(colleague, 'private') })).toBeNull();
    expect(await desk.store.getState().openDeskCase(caseId)).toBeNull();
    expect(await desk.store.getState().verifyCase('called back on the HR number')).toBeNull();

    // What keyward reissue needs: the file's deposited blob and the case's new identity (its ID computed here).
    expect(await desk.store.getState().downloadCaseEscrow(made.fileId)).toBeNull();
    expect(await desk.store.getState().downloadCaseIdentity()).toBeNull();
    expect(saved.map((f) => f.name)).toEqual([`${made.escrowBlob.serial}.escrow.json`, `case-${caseId}.pub.pem`]);
    const escrow = parseSignedObject(await saved[0]!.blob.text());
    expect(escrow).toMatchObject({ kind: 'escrow-v2', blob: { fileId: made.fileId } });
    const newPublic = await importPublicIdentity(await saved[1]!.blob.text());
    expect(newPublic.id).toBe(newOwner.id);

    // Issued where the authority's key is kept.
    const issued = (blob: Parameters<typeof issueRecoveryV2>[0], to: PrivateIdentity | Awaited<ReturnType<typeof importPublicIdentity>>) =>
      issueRecoveryV2(blob, authority, { newOwner: to });
    const text = (value: unknown, name = 'recovery.json') => new File([typeof value === 'string' ? value : serializeSigned(value as never)], name, { type: 'application/json' });
    const sent = () => service.requests.filter((r) => r.path.endsWith('/uploads')).length;
    // The escrow blob itself, a recovery blob for another identity, or one too large to be one: refused here, nothing sent.
    expect(await desk.store.getState().uploadIssuedRecovery(made.fileId, text(await saved[0]!.blob.text()))).toMatchObject({ code: 'BLOB_MISMATCH' });
    expect(await desk.store.getState().uploadIssuedRecovery(made.fileId, text(await issued(made.escrowBlob, colleague)))).toMatchObject({ code: 'BLOB_MISMATCH' });
    const another = await makeSignedFile({ owner, authority, plaintext: new Uint8Array(10), name: 'other.txt' });
    expect(await desk.store.getState().uploadIssuedRecovery(made.fileId, text(await issued(another.escrowBlob, newPublic)))).toMatchObject({ code: 'BLOB_MISMATCH' });
    expect(await desk.store.getState().uploadIssuedRecovery(made.fileId, text('x'.repeat(262_145)))).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect(desk.store.getState().deskUploads[made.fileId]).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
    expect(sent()).toBe(0);

    expect(await desk.store.getState().uploadIssuedRecovery(made.fileId, text(await issued(made.escrowBlob, newPublic)))).toBeNull();
    expect(desk.store.getState().deskUploads[made.fileId]).toEqual({ done: true });
    expect(desk.store.getState().deskCase?.state).toBe('ready');
    expect(sent()).toBe(1);
  }, 120_000);

  it('refuses a case for the identity it is opened from, and without an identity here, sending nothing', async () => {
    const w = await world();
    const owner = await ownerStore(w);
    expect(await owner.store.getState().openCase({ lostIdentityId: w.newOwner.id, note: '' })).toMatchObject({ code: 'KEY_IS_ESCROWED_OWNER' });
    const empty = await createTestStore({ cases: memoryCaseAdapters(w.service.client) });
    expect(await empty.store.getState().openCase({ lostIdentityId: w.owner.id, note: '' })).toMatchObject({ code: 'NO_OWNER_KEY' });
    expect(w.service.requests).toEqual([]);
    expect(owner.store.getState().myCase).toBeNull();
  }, 60_000);

  it('makes no request and says so when no service is configured', async () => {
    const w = await world();
    const owner = await ownerStore(w, memoryCaseAdapters(null));
    await owner.store.getState().loadMyCase();
    expect(owner.store.getState().caseService).toBe('none');
    expect(await owner.store.getState().openCase({ lostIdentityId: w.owner.id, note: '' })).toMatchObject({ code: 'SERVICE_UNREACHABLE' });
    expect(w.service.requests).toEqual([]);
  }, 60_000);

  it('does not show a case the service says another identity opened', async () => {
    const w = await world();
    const owner = await ownerStore(w);
    w.service.tamper.detail = (detail) => ({ ...detail, newIdentityId: w.outsider.id });
    expect(await owner.store.getState().openCase({ lostIdentityId: w.owner.id, note: '' })).toMatchObject({ code: 'CASE_UNKNOWN' });
    expect(owner.store.getState().myCase?.detail).toBeUndefined();
  }, 60_000);

  it('signs the applicant in again when the session ended', async () => {
    const w = await world();
    const owner = await ownerStore(w);
    expect(await owner.store.getState().openCase({ lostIdentityId: w.owner.id, note: '' })).toBeNull();
    w.service.expireSessions();
    expect(await owner.store.getState().refreshMyCase()).toBeNull();
    expect(w.service.requests.filter((r) => r.path === '/v1/sign-in')).toHaveLength(2);
  }, 60_000);

  it('keeps only the blobs issued to this identity', async () => {
    const w = await world();
    const { owner, caseId } = await openedAndVerified(w);
    for (const member of w.members.slice(0, 2)) {
      const desk = await deskStore(w, member);
      expect(await desk.store.getState().openDeskCase(caseId)).toBeNull();
      expect(await desk.store.getState().uploadPartial(w.made.fileId)).toBeNull();
    }
    // The service slips in a partial issued to someone else.
    const foreign = serializeSigned(await issuePartialRecovery(w.made.escrowBlob, w.members[2]!, { newOwner: w.outsider }));
    w.service.tamper.blobs = (found) => ({ ...found, partials: [...found.partials, JSON.parse(foreign)] });
    expect(await owner.store.getState().refreshMyCase()).toBeNull();
    expect(await owner.store.getState().downloadCaseBlobs()).toBeNull();
    const texts = owner.store.getState().myCase!.blobs![0]!.texts;
    expect(texts).toHaveLength(2);
    for (const text of texts) {
      const parsed = parseSignedObject(text);
      expect(parsed.kind === 'partial' && parsed.blob.owner.id).toBe(w.newOwner.id);
    }
  }, 120_000);

  it('opens a file escrowed to an identity authority with the signed recovery blob the case gives', async () => {
    const [owner, newOwner, authority, officer] = await Promise.all([testIdentity('owner.pem'), testIdentity('new-owner.pem'), testIdentity('authority.pem'), makeIdentity()]);
    const made = await makeSignedFile({ owner, authority, plaintext, name: 'plan.pdf' });
    const service = fakeCaseService({ officers: [officer.id], deposits: [made.escrowBlob] });
    const { store } = await storeWithIdentities(newOwner, authority, { cases: memoryCaseAdapters(service.client) });
    expect(await store.getState().openCase({ lostIdentityId: owner.id, note: '' })).toBeNull();
    const caseId = store.getState().myCase!.caseId;
    // The authority's officer uploaded its recovery blob and the case is ready (what the service decides).
    service.cases.get(caseId)!.detail.state = 'ready';
    const recovery = serializeSigned(await issueRecoveryV2(made.escrowBlob, authority, { newOwner }));
    service.tamper.blobs = (found) => ({ ...found, recoveries: [JSON.parse(recovery)] });
    expect(await store.getState().refreshMyCase()).toBeNull();
    expect(await store.getState().downloadCaseBlobs()).toBeNull();
    const kept = store.getState().myCase?.blobs;
    expect(kept?.map((b) => b.fileId)).toEqual([made.escrowBlob.fileId]);
    expect(kept?.[0]?.texts.map((t) => JSON.parse(t) as unknown)).toEqual([JSON.parse(recovery)]);
    expect(store.getState().decryptWithCase(made.escrowBlob.fileId, made.file)).toBeNull();
    await vi.waitFor(() => {
      expect(['done', 'failed']).toContain(store.getState().decryptJobs[0]?.status);
    }, { timeout: 30_000 });
    expect(store.getState().decryptJobs[0]?.error).toBeUndefined();
    expect(await bytesOf(store.getState().decryptJobs[0]!.output!)).toEqual(plaintext);
    expect(store.getState().decryptWithCase('another file', made.file)).toMatchObject({ code: 'NOT_A_BLOB' });
  }, 60_000);

  describe('a council member at the desk', () => {
    it('is refused OUTSIDE_COUNCIL for a file of another council, and uploads nothing', async () => {
      const w = await world();
      const { caseId } = await openedAndVerified(w);
      const dora = await deskStore(w, w.outsider);
      expect(await dora.store.getState().openDeskCase(caseId)).toBeNull();
      expect(await dora.store.getState().uploadPartial(w.made.fileId)).toMatchObject({ code: 'OUTSIDE_COUNCIL' });
      expect(dora.store.getState().deskUploads[w.made.fileId]).toMatchObject({ error: { code: 'OUTSIDE_COUNCIL' } });
      expect(uploads(w)).toEqual([]);
    }, 60_000);

    it('refuses a deposit the service says is the file’s but is not (BLOB_MISMATCH)', async () => {
      const w = await world();
      const { caseId } = await openedAndVerified(w);
      w.service.tamper.deposit = () => structuredClone(w.other.escrowBlob);
      const grace = await deskStore(w, w.members[0]!);
      expect(await grace.store.getState().openDeskCase(caseId)).toBeNull();
      expect(await grace.store.getState().uploadPartial(w.made.fileId)).toMatchObject({ code: 'BLOB_MISMATCH' });
      expect(uploads(w)).toEqual([]);
    }, 60_000);

    it('refuses to issue for an identity whose keys are not the case’s new identity (KEY_CHANGED)', async () => {
      const w = await world();
      const { caseId } = await openedAndVerified(w);
      // The service names the case's new identity, but hands over another identity's keys.
      w.service.tamper.detail = (detail) => ({ ...detail, newIdentity: { publicKey: b64u(w.outsider.rsaSpki), signingKey: b64u(w.outsider.ed25519Spki) } });
      const grace = await deskStore(w, w.members[0]!);
      expect(await grace.store.getState().openDeskCase(caseId)).toBeNull();
      expect(await grace.store.getState().uploadPartial(w.made.fileId)).toMatchObject({ code: 'KEY_CHANGED' });
      expect(uploads(w)).toEqual([]);
    }, 60_000);

    it('signs in with a private identity held in memory only, and refuses a public one', async () => {
      const w = await world();
      const { store, adapters } = await createTestStore({ cases: memoryCaseAdapters(w.service.client) });
      expect(await store.getState().caseSignIn({ text: await identityPem(w.members[0]!, 'public') })).toMatchObject({ code: 'KEY_NOT_PRIVATE' });
      expect(await store.getState().caseSignIn({ text: await identityPem(w.members[0]!, 'private') })).toBeNull();
      expect(store.getState().caseDesk).toMatchObject({ identityId: w.members[0]!.id, roles: ['member'] });
      expect(await adapters.keyStore.list()).toEqual([]);
      expect(store.getState().keys).toEqual([]);
      store.getState().caseSignOut();
      expect(await store.getState().listCases('verified')).toMatchObject({ code: 'SIGN_IN_REQUIRED' });
    }, 60_000);

    it('an officer refuses a case with a reason, which is final', async () => {
      const w = await world();
      const owner = await ownerStore(w);
      expect(await owner.store.getState().openCase({ lostIdentityId: w.owner.id, note: '' })).toBeNull();
      const officer = await deskStore(w, w.officer);
      expect(await officer.store.getState().openDeskCase(owner.store.getState().myCase!.caseId)).toBeNull();
      expect(await officer.store.getState().refuseCase('  ')).toMatchObject({ code: 'REQUEST_INVALID' });
      expect(await officer.store.getState().refuseCase('could not reach the person')).toBeNull();
      expect(officer.store.getState().deskCase?.state).toBe('refused');
      expect(await officer.store.getState().verifyCase('too late')).toMatchObject({ code: 'CASE_STATE' });
    }, 60_000);
  });
});
