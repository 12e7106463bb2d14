// @vitest-environment happy-dom
import { createTestStore, makeSignedFile, recordingDownloader, resignedBy } from '../test-adapters.ts';
import { fakeService } from '../test-desk-service.ts';
import { identityPem, testIdentity } from '../test-identities.ts';
import type { DeskFilters } from '../types.ts';

const owner = await testIdentity('owner.pem');
const authority = await testIdentity('authority.pem');
const officer = await testIdentity('stranger.pem');
const plaintext = new Uint8Array(5000).map((_, i) => i & 0xff);
const minutes = await makeSignedFile({ owner, authority, plaintext, name: 'minutes.pdf', description: 'Board minutes November' });
const budget = await makeSignedFile({ owner, authority, plaintext, name: 'budget.xlsx', description: 'Budget for 2027' });
// Escrowed to someone else: this desk's check cannot pass it.
const elsewhere = await makeSignedFile({ owner, authority: officer, plaintext, name: 'other.txt', description: 'Another authority' });

const none: DeskFilters = { owner: '', serial: '', words: '', from: '', to: '' };

async function desk(options: { signIn?: boolean } = {}) {
  const service = fakeService();
  service.know(officer, 'Olive Officer', ['officer']);
  service.know(owner, 'Ada Lovelace', ['person']);
  await service.deposit(minutes.escrowJson, '2026-11-02T09:00:00.000Z');
  await service.deposit(budget.escrowJson, '2026-11-20T09:00:00.000Z');
  await service.deposit(elsewhere.escrowJson, '2026-11-21T09:00:00.000Z');
  const download = recordingDownloader();
  const { store } = await createTestStore({ download, serviceClient: () => Promise.resolve(service.client) });
  await store.getState().loadDesk();
  // The authority's own identity, which the escrow check uses.
  const imported = await store.getState().importAuthorityKey({ text: await identityPem(authority, 'private'), name: 'IT backup desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  if (options.signIn !== false) expect(await store.getState().signInAtDesk({ text: await identityPem(officer, 'private') })).toBeNull();
  return { store, service, download };
}

describe('desk slice: signing in', () => {
  it('signs an officer in with a pasted private identity, stores nothing of it, and keeps the token out of the state', async () => {
    const { store } = await desk();
    expect(store.getState().deskSignedIn).toEqual({ identityId: officer.id, name: 'Olive Officer', roles: ['officer'], expiresAt: '2026-12-01T11:00:00.000Z' });
    expect(store.getState().keys.map((k) => k.name)).toEqual(['IT backup desk']);
    expect(JSON.stringify(store.getState().deskSignedIn)).not.toContain('token');
  });

  it('refuses a person who is neither officer nor council member with NOT_PERMITTED, and keeps no session', async () => {
    const { store } = await desk({ signIn: false });
    const refused = await store.getState().signInAtDesk({ text: await identityPem(owner, 'private') });
    expect(refused?.code).toBe('NOT_PERMITTED');
    expect(store.getState().deskSignedIn).toBeNull();
    expect((await store.getState().searchDeposits(none))?.code).toBe('SIGN_IN_REQUIRED');
  });

  it('shows the service’s refusal of an identity it does not know, and refuses a public identity before any request', async () => {
    const { store, service } = await desk({ signIn: false });
    expect((await store.getState().signInAtDesk({ text: await identityPem(authority, 'private') }))?.code).toBe('SIGN_IN_FAILED');
    const before = service.requests.length;
    expect((await store.getState().signInAtDesk({ text: await identityPem(officer, 'public') }))?.code).toBe('KEY_NOT_PRIVATE');
    expect(service.requests.length).toBe(before);
  });

  it('forgets a session the service no longer takes, so the desk asks to sign in again', async () => {
    const { store, service } = await desk();
    service.expireSessions();
    expect((await store.getState().searchDeposits(none))?.code).toBe('SIGN_IN_REQUIRED');
    expect(store.getState().deskSignedIn).toBeNull();
  });

  it('keeps what an officer found for that officer only: another identity signing in next sees none of it', async () => {
    const { store, service } = await desk();
    const member = await testIdentity('rsa4096.pem');
    service.know(member, 'Mia Member', ['member']);
    expect(await store.getState().searchDeposits(none)).toBeNull();
    service.expireSessions();
    expect((await store.getState().checkAuditLog())?.code).toBe('SIGN_IN_REQUIRED');
    // The same officer again: the search is still there.
    expect(await store.getState().signInAtDesk({ text: await identityPem(officer, 'private') })).toBeNull();
    expect(store.getState().deskSearch?.deposits).toHaveLength(3);
    service.expireSessions();
    await store.getState().searchDeposits(none);
    expect(await store.getState().signInAtDesk({ text: await identityPem(member, 'private') })).toBeNull();
    expect(store.getState().deskSignedIn?.roles).toEqual(['member']);
    expect(store.getState().deskSearch).toBeNull();
  });
});

describe('desk slice: search, export, receipts', () => {
  it('finds deposits by serial, by a description word and by date, page by page', async () => {
    const { store, service } = await desk();
    expect(await store.getState().searchDeposits({ ...none, serial: budget.serial })).toBeNull();
    expect(store.getState().deskSearch?.deposits.map((d) => d.fileId)).toEqual([budget.fileId]);
    expect(service.requests.at(-1)).toContain(`serial=${encodeURIComponent(budget.serial)}`);

    expect(await store.getState().searchDeposits({ ...none, words: 'minutes' })).toBeNull();
    expect(store.getState().deskSearch?.deposits.map((d) => d.fileId)).toEqual([minutes.fileId]);

    // Both dates are included whole.
    expect(await store.getState().searchDeposits({ ...none, from: '2026-11-20', to: '2026-11-21' })).toBeNull();
    expect(store.getState().deskSearch?.deposits.map((d) => d.fileId)).toEqual([budget.fileId, elsewhere.fileId]);
    // The service's `to` is exclusive: the day after is asked for.
    expect(service.requests.at(-1)).toContain('from=2026-11-20&to=2026-11-22');
  });

  it('asks for the next page after the last deposit shown and adds it', async () => {
    const { store, service } = await desk();
    for (let i = 0; i < 110; i++) {
      const made = await makeSignedFile({ owner, authority, plaintext: new Uint8Array([i]), name: `f${String(i)}`, description: 'bulk' });
      await service.deposit(made.escrowJson, `2026-11-25T09:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`);
    }
    expect(await store.getState().searchDeposits({ ...none, words: 'bulk' })).toBeNull();
    expect(store.getState().deskSearch?.deposits).toHaveLength(100);
    const next = store.getState().deskSearch?.next;
    expect(next).toBeTruthy();
    expect(await store.getState().moreDeposits()).toBeNull();
    expect(service.requests.at(-1)).toContain(`after=${encodeURIComponent(next!)}`);
    expect(store.getState().deskSearch?.deposits).toHaveLength(110);
    expect(new Set(store.getState().deskSearch?.deposits.map((d) => d.fileId)).size).toBe(110);
    expect(store.getState().deskSearch?.next).toBeNull();
  });

  it('exports the results, downloads the bundle, checks its blobs here and uploads a receipt only for those the check passed', async () => {
    const { store, service, download } = await desk();
    await store.getState().searchDeposits(none);
    expect(await store.getState().exportDeposits()).toBeNull();

    expect(download.saved.map((s) => s.name)).toEqual([expect.stringMatching(/^keyward-bundle-\d{4}-\d{2}-\d{2}\.json$/)]);
    const bundle = JSON.parse(await download.saved[0]!.blob.text()) as { blobs: { fileId: string }[] };
    expect(bundle.blobs.map((b) => b.fileId)).toEqual([minutes.fileId, budget.fileId, elsewhere.fileId]);
    // The escrow check of authority mode holds them, each checked with the authority's identity.
    const checked = store.getState().escrowList;
    expect(checked.map((i) => [i.verified, i.error?.code])).toEqual([[true, undefined], [true, undefined], [false, 'NO_MATCHING_KEY']]);

    expect(await store.getState().uploadReceipts()).toBeNull();
    const blobs = store.getState().deskBundle!.blobs;
    expect(blobs.map((b) => (b.upload && 'error' in b.upload ? b.upload.error.code : b.upload?.signer))).toEqual([authority.id, authority.id, undefined]);
    expect([...service.receipts.keys()]).toEqual([minutes.fileId, budget.fileId]);

    // The one the check refused gets no receipt: its own error is shown.
    expect(await store.getState().uploadReceipt(elsewhere.fileId)).toBeNull();
    const refused = store.getState().deskBundle!.blobs[2]!.upload;
    expect(refused && 'error' in refused && refused.error.code).toBe('NO_MATCHING_KEY');
    expect(service.receipts.has(elsewhere.fileId)).toBe(false);
  });

  it('uploads receipt files one by one, each with the service’s answer: a forged one is refused, and a non-receipt is not sent', async () => {
    const { store, service } = await desk();
    const { issueReceipt, serializeSigned } = await import('../../core/index.ts');
    const good = await issueReceipt(minutes.escrowBlob, authority, { name: 'IT backup desk' });
    // Signed by someone holding another key in the authority's name.
    const forged = await resignedBy(await issueReceipt(budget.escrowBlob, authority, { name: 'IT backup desk' }), 'authority', officer, 'keyward/v2 receipt');
    const files = [
      new File([serializeSigned(good)], `${minutes.serial}.keyward-receipt.json`),
      new File([serializeSigned(forged)], `${budget.serial}.keyward-receipt.json`),
      new File([budget.escrowJson], 'budget.keyward-escrow.json'),
    ];
    const before = service.requests.filter((r) => r === 'POST /v1/receipts').length;
    expect(await store.getState().uploadReceiptFiles(files)).toBeNull();
    const outcome = store.getState().deskReceiptFiles.map((f) => ('error' in f.upload ? f.upload.error.code : 'stored'));
    expect(outcome[0]).toBe('stored');
    expect(['SIGNER_UNTRUSTED', 'SIGNATURE_INVALID']).toContain(outcome[1]);
    expect(outcome[2]).toBe('NOT_A_RECEIPT');
    expect(service.requests.filter((r) => r === 'POST /v1/receipts').length - before).toBe(2);
    expect([...service.receipts.keys()]).toEqual([minutes.fileId]);
  });
});

describe('desk slice: a council member at the desk', () => {
  it('exports a council’s blob, passes it through this member’s check and uploads the member’s receipt', async () => {
    const { testCouncil, makeCouncilFile } = await import('../test-councils.ts');
    const bob = await testIdentity('rsa4096.pem');
    const council = await testCouncil([{ name: 'Alice', identity: authority }, { name: 'Bob', identity: bob }], 2);
    const shared = await makeCouncilFile({ owner, council, plaintext, name: 'shared.bin', description: 'Council file' });
    const { store, service } = await desk({ signIn: false });
    service.know(authority, 'Alice', ['member']);
    await service.deposit(shared.escrowJson, '2026-11-30T09:00:00.000Z');
    // Alice's identity is this desk's (the check's key) and signs her in too.
    const alice = store.getState().keys.find((k) => k.role === 'authority-own');
    expect(await store.getState().signInAtDesk({ keyId: alice!.keyId })).toBeNull();
    expect(store.getState().deskSignedIn?.roles).toEqual(['member']);

    expect(await store.getState().searchDeposits({ ...none, words: 'council' })).toBeNull();
    expect(await store.getState().exportDeposits()).toBeNull();
    expect(store.getState().escrowCase).toMatchObject({ verified: true, member: { index: 1 } });
    expect(await store.getState().uploadReceipt(shared.fileId)).toBeNull();
    expect(store.getState().deskBundle?.blobs[0]?.upload).toMatchObject({ signer: authority.id });
    expect([...service.receipts.keys()]).toEqual([shared.fileId]);
  });
});

describe('desk slice: the audit log', () => {
  it('downloads the log and shows its head once the chain verifies here', async () => {
    const { store, service, download } = await desk();
    expect(await store.getState().checkAuditLog()).toBeNull();
    expect(store.getState().deskAudit).toEqual({ fileName: expect.stringMatching(/^keyward-audit-.*\.json$/), count: service.audit.length, head: service.audit.at(-1)!.hash });
    expect(download.saved.at(-1)?.name).toMatch(/^keyward-audit-/);
  });

  it('names the first entry that does not hold, and still keeps the copy', async () => {
    const { store, service, download } = await desk();
    service.audit[1] = { ...service.audit[1]!, data: { ...service.audit[1]!.data, serial: 'changed' } };
    expect(await store.getState().checkAuditLog()).toBeNull();
    const audit = store.getState().deskAudit;
    expect(audit && 'error' in audit && audit.error.code).toBe('AUDIT_BROKEN');
    expect(audit && 'error' in audit && audit.error.message).toContain('at entry 2');
    expect(download.saved.at(-1)?.name).toMatch(/^keyward-audit-/);
  });
});
