// @vitest-environment happy-dom
/**
 * The owner's store with a pinned council (spec v2 §8): encrypting to it
 * gives a council escrow blob and a register row that names the council; a
 * receipt from any of its members confirms the row, one from anyone else does not.
 */
import { issueReceipt, parseSignedObject, serializeSigned } from '../../core/index.ts';
import { formatDate } from '../format.ts';
import { createTestStore, resignedBy } from '../test-adapters.ts';
import { identityPem, testIdentity } from '../test-identities.ts';
import { pinnableCouncil } from '../test-owner-councils.ts';
import { escrowState } from './register-slice.ts';

async function ownerWithCouncil() {
  const [pinnable, owner] = await Promise.all([pinnableCouncil(), testIdentity('owner.pem')]);
  const { store, adapters } = await createTestStore();
  const own = await store.getState().importKey({ text: await identityPem(owner, 'private'), name: 'Ada Lovelace', accept: 'private' });
  if ('error' in own) throw new Error(own.error.message);
  expect(await store.getState().pinCouncil(pinnable.council, pinnable.council.id)).toBeNull();
  await store.getState().loadRegister();
  return { ...pinnable, owner, store, adapters };
}

async function encryptOne(store: Awaited<ReturnType<typeof ownerWithCouncil>>['store'], authorityKeyId: string) {
  store.getState().encryptFiles([new File([new Uint8Array(5000).fill(9)], 'plan.txt', { type: 'text/plain' })], { description: 'Plan', authorityKeyId });
  await vi.waitFor(() => {
    expect(['done', 'failed']).toContain(store.getState().encryptJobs[0]?.status);
  }, { timeout: 30_000 });
  return store.getState().encryptJobs[0]!;
}

describe('the owner and a pinned council', () => {
  it('escrows to the council: a council escrow blob signed by the owner, and a register row naming the council', async () => {
    const { council, owner, store, adapters } = await ownerWithCouncil();
    const job = await encryptOne(store, council.id);
    expect(job.status).toBe('done');
    const parsed = parseSignedObject(job.escrowJson!);
    if (parsed.kind !== 'escrow-v2') throw new Error(`a ${parsed.kind}`);
    expect(parsed.blob.owner.id).toBe(owner.id);
    expect(parsed.blob.authority).toEqual({ kind: 'council', name: 'Recovery council', id: council.id, threshold: 2, members: council.members });
    expect(parsed.blob.shares).toHaveLength(3);

    const [entry] = store.getState().register;
    expect(entry!.authority).toEqual({ name: 'Recovery council', keyId: council.id, identityId: council.id, council: { threshold: 2, members: 3 } });
    expect(entry!.escrowBlob).toBe(job.escrowJson);
    expect(await adapters.registerStore.get(entry!.fileId)).toEqual(entry);
    expect(escrowState(entry!, undefined)).toBe('Escrowed, not yet confirmed');
  }, 60_000);

  it('fails the row, registers nothing, for a council no longer pinned', async () => {
    const { council, store } = await ownerWithCouncil();
    expect(await store.getState().removeCouncil(council.id)).toBeNull();
    const job = await encryptOne(store, council.id);
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('NO_AUTHORITY');
    expect(store.getState().register).toEqual([]);
  }, 60_000);

  it('confirms a row with a receipt from any member, "MEMBER (COUNCIL)", and refuses one from outside the council', async () => {
    const { council, members, store } = await ownerWithCouncil();
    const job = await encryptOne(store, council.id);
    const parsed = parseSignedObject(job.escrowJson!);
    if (parsed.kind !== 'escrow-v2') throw new Error(`a ${parsed.kind}`);
    const receiptFile = (text: string) => new File([text], `${job.serial!}.keyward-receipt.json`, { type: 'application/json' });
    const receipt = await issueReceipt(parsed.blob, members[1]!, { name: 'Alan', now: new Date(Date.UTC(2026, 10, 4, 8, 0)) });

    // Validly signed, in a member's name, by someone who is not one.
    const outsider = await testIdentity('new-owner.pem');
    const forged = await resignedBy(receipt, 'authority', outsider, 'keyward/v2 receipt');
    expect((await store.getState().importReceipt(receiptFile(serializeSigned(forged))))?.code).toBe('SIGNER_UNTRUSTED');
    expect(store.getState().register[0]!.receipt).toBeUndefined();

    expect(await store.getState().importReceipt(receiptFile(serializeSigned(receipt)))).toBeNull();
    const [entry] = store.getState().register;
    // Named as in the council the owner pinned, not as the receipt names itself.
    expect(entry!.receipt).toEqual({ json: serializeSigned(receipt), receivedAt: Date.UTC(2026, 10, 4, 8, 0), member: { id: members[1]!.id, name: 'Alan Turing' } });
    expect(escrowState(entry!, undefined)).toBe(`Confirmed by Alan Turing (Recovery council) on ${formatDate(Date.UTC(2026, 10, 4, 8, 0))}`);
  }, 60_000);
});

describe('opening a file with partials (spec v2 §8.4), in the store', () => {
  async function newOwnerStore() {
    const { councilRecoveryFixture } = await import('../test-owner-councils.ts');
    const made = await councilRecoveryFixture({ plaintext: new Uint8Array(20_000).fill(4), name: 'memo.txt' });
    const { store } = await createTestStore();
    const own = await store.getState().importKey({ text: made.newOwnerPem, name: 'Ada (new)', accept: 'private' });
    if ('error' in own) throw new Error(own.error.message);
    expect(await store.getState().pinCouncil(made.council, made.council.id)).toBeNull();
    return { made, store };
  }
  const ended = async (store: Awaited<ReturnType<typeof newOwnerStore>>['store'], index: number) => {
    await vi.waitFor(() => {
      expect(['done', 'failed']).toContain(store.getState().decryptJobs[index]?.status);
    }, { timeout: 30_000 });
    return store.getState().decryptJobs[index]!;
  };

  it('opens with k partials; one partial alone, or a partial with a full recovery blob, opens nothing', async () => {
    const { made, store } = await newOwnerStore();
    store.getState().decryptWithRecovery(made.file, [await made.partial(3), await made.partial(2)]);
    expect((await ended(store, 0)).status).toBe('done');

    store.getState().decryptWithRecovery(made.file, await made.partial(1));
    expect((await ended(store, 1)).error?.code).toBe('QUORUM_NOT_MET');

    // A full recovery blob is opened alone, never mixed with partials: the core reads each as a partial, strictly.
    const full = new File([made.escrowJson], 'escrow.json', { type: 'application/json' });
    store.getState().decryptWithRecovery(made.file, [await made.partial(1), full]);
    expect((await ended(store, 2)).error?.code).toBe('MALFORMED');
    expect(store.getState().decryptJobs.filter((job) => job.output).map((job) => job.id)).toEqual([store.getState().decryptJobs[0]!.id]);
  }, 60_000);

  it('says a partial dropped among encrypted files is a recovery blob', async () => {
    const { made, store } = await newOwnerStore();
    store.getState().decryptFiles([await made.partial(1)]);
    expect((await ended(store, 0)).error?.code).toBe('IS_RECOVERY_BLOB');
  }, 60_000);
});
