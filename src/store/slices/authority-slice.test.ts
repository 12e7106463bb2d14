// @vitest-environment happy-dom
import type { StoreApi } from 'zustand';
import type { StoreState } from '../app-store.ts';
import { bytesOf, createTestStore, keyIdOfPem, makeKeywardFile, recordingDownloader, testKeyPem } from '../test-adapters.ts';
import type { DecryptJob } from '../types.ts';

const ownerPubPem = testKeyPem('owner.pub.pem');
const authorityPem = testKeyPem('authority.pem');
const authorityPubPem = testKeyPem('authority.pub.pem');
const strangerPubPem = testKeyPem('stranger.pub.pem');
const newOwnerPem = testKeyPem('new-owner.pem');
const newOwnerPubPem = testKeyPem('new-owner.pub.pem');
const encryptedOwnerPem = testKeyPem('owner-encrypted.pem');
const plaintext = new Uint8Array(150_000).map((_, i) => (i * 17 + 3) & 0xff);

async function authorityStore() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  const imported = await store.getState().importAuthorityKey({ text: authorityPem, name: 'IT backup desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  return { store, download };
}

const escrowFile = (json: string, name = 'report.pdf.keyward-escrow.json') => new File([json], name, { type: 'application/json' });

async function settled(store: StoreApi<StoreState>): Promise<DecryptJob[]> {
  await vi.waitFor(
    () => {
      if (store.getState().decryptJobs.some((job) => job.status === 'queued' || job.status === 'running')) throw new Error('still decrypting');
    },
    { timeout: 30_000, interval: 20 },
  );
  return store.getState().decryptJobs;
}

describe('authority slice', () => {
  it('imports the authority key pair as its own, and refuses a public key without storing it', async () => {
    const { store } = await createTestStore();

    const refused = await store.getState().importAuthorityKey({ text: authorityPubPem, name: 'x' });
    expect(refused).toMatchObject({ error: { code: 'KEY_NOT_PRIVATE' } });
    expect(store.getState().keys).toEqual([]);
    expect(await store.getState().importAuthorityKey({ text: '  ', name: 'x' })).toMatchObject({ error: { code: 'KEY_MISSING' } });
    expect(await store.getState().importAuthorityKey({ text: 'hello', name: 'x' })).toMatchObject({ error: { code: 'KEY_UNREADABLE' } });

    const imported = await store.getState().importAuthorityKey({ text: authorityPem, name: 'IT backup desk' });
    expect(imported).toMatchObject({ key: { role: 'authority-own', name: 'IT backup desk', keyId: await keyIdOfPem(authorityPubPem) } });
  });

  it('opens an escrow blob with the authority key and shows it as verified', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'Q3 numbers' });

    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    const escrow = store.getState().escrowCase!;
    expect(escrow.verified).toBe(true);
    expect(escrow.error).toBeUndefined();
    expect(escrow.blob).toMatchObject({
      serial: made.serial,
      description: 'Q3 numbers',
      owner: { name: 'Ada Lovelace', keyId: await keyIdOfPem(ownerPubPem) },
      authority: { name: 'IT backup desk', keyId: await keyIdOfPem(authorityPubPem) },
    });
    expect(store.getState().escrowLoadError).toBeNull();
  });

  it('names the authority key an escrow blob for another authority is for', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: strangerPubPem });

    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    const escrow = store.getState().escrowCase!;
    expect(escrow.verified).toBe(false);
    expect(escrow.error).toMatchObject({ code: 'NO_MATCHING_KEY', keyIds: [await keyIdOfPem(strangerPubPem)] });
  });

  it('says an altered escrow blob was tampered with', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'Q3 numbers' });
    const altered = made.escrowJson.replace('Q3 numbers', 'Q4 numbers');

    await store.getState().loadEscrowBlob(escrowFile(altered));

    expect(store.getState().escrowCase).toMatchObject({ verified: false, error: { code: 'BLOB_TAMPERED' } });
    store.getState().recoverFile(made.file);
    expect(store.getState().decryptJobs).toEqual([]);
    expect(await store.getState().issueRecovery(newOwnerPubPem, '')).toMatchObject({ code: 'NO_ESCROW' });
  });

  it('shows why a dropped file is not an escrow blob, next to the drop zone', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    await store.getState().loadEscrowBlob(made.file);
    expect(store.getState().escrowLoadError).toMatchObject({ fileName: 'a.bin.keyward', error: { code: 'MALFORMED' } });
    expect(store.getState().escrowCase).toBeNull();

    await store.getState().loadEscrowBlob(new File([new Uint8Array(2_000_000)], 'huge.json'));
    expect(store.getState().escrowLoadError).toMatchObject({ fileName: 'huge.json', error: { code: 'NOT_A_BLOB' } });

    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));
    expect(store.getState().escrowLoadError).toBeNull();
    store.getState().closeEscrowCase();
    expect(store.getState().escrowCase).toBeNull();
  });

  it('decrypts the encrypted file an escrow blob belongs to', async () => {
    const { store, download } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    store.getState().recoverFile(made.file);
    const [job] = await settled(store);

    expect(job).toMatchObject({ via: 'escrow', status: 'done', meta: { name: 'report.pdf' } });
    store.getState().downloadDecrypted(job!.id);
    expect(download.saved[0]!.name).toBe('report.pdf');
    expect(await bytesOf(download.saved[0]!.blob)).toEqual(plaintext);
  });

  it('refuses to decrypt another file with the escrow blob (BLOB_MISMATCH)', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const other = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    store.getState().recoverFile(other.file);
    const [job] = await settled(store);

    expect(job).toMatchObject({ status: 'failed', error: { code: 'BLOB_MISMATCH' } });
    expect(job!.output).toBeUndefined();
  });

  it('issues a recovery blob that the owner opens with the new key pair', async () => {
    const { store, download } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    expect(await store.getState().issueRecovery(newOwnerPubPem, '  Ada (new laptop) ')).toBeNull();

    const newOwnerKeyId = await keyIdOfPem(newOwnerPubPem);
    const recovery = store.getState().escrowCase!.recovery!;
    expect(recovery).toMatchObject({ name: `${made.serial}.keyward-recovery.json`, ownerKeyId: newOwnerKeyId });
    expect(download.saved.map((s) => s.name)).toEqual([recovery.name]);
    const json = JSON.parse(await download.saved[0]!.blob.text());
    expect(json).toMatchObject({ format: 'keyward-recovery/1', serial: made.serial, owner: { name: 'Ada (new laptop)', keyId: newOwnerKeyId } });

    // The owner, in another browser, with only the new key pair.
    const owner = await createTestStore();
    await owner.store.getState().importKey({ text: newOwnerPem, name: 'Ada' });
    owner.store.getState().decryptWithRecovery(made.file, new File([download.saved[0]!.blob], recovery.name));
    const [job] = await settled(owner.store);
    expect(job).toMatchObject({ via: 'recovery', status: 'done', meta: { name: 'report.pdf' } });
    expect(await bytesOf(job!.output!)).toEqual(plaintext);
  });

  it('says which key a recovery blob is for when that key is not stored', async () => {
    const { store, download } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));
    await store.getState().issueRecovery(newOwnerPubPem, '');

    const owner = await createTestStore();
    await owner.store.getState().importKey({ text: testKeyPem('stranger.pem'), name: 'Someone else' });
    owner.store.getState().decryptWithRecovery(made.file, new File([download.saved[0]!.blob], 'r.json'));
    const [job] = await settled(owner.store);

    expect(job).toMatchObject({ status: 'failed', error: { code: 'NO_MATCHING_KEY', keyIds: [await keyIdOfPem(newOwnerPubPem)] } });
    expect(job!.output).toBeUndefined();
  });

  it('refuses a private key (even an encrypted one) as the owner’s new public key', async () => {
    const { store, download } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    expect(await store.getState().issueRecovery(newOwnerPem, '')).toMatchObject({ code: 'KEY_NOT_PUBLIC' });
    expect(await store.getState().issueRecovery(encryptedOwnerPem, '')).toMatchObject({ code: 'KEY_NOT_PUBLIC' });
    expect(await store.getState().issueRecovery('', '')).toMatchObject({ code: 'KEY_MISSING' });
    expect(await store.getState().issueRecovery(testKeyPem('weak-1024.pub.pem'), '')).toMatchObject({ code: 'KEY_TOO_WEAK' });
    expect(download.saved).toEqual([]);
    expect(store.getState().escrowCase!.recovery).toBeUndefined();
  });

  it('does not bring back a closed case when a recovery blob finishes late', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlob(escrowFile(made.escrowJson));

    const issuing = store.getState().issueRecovery(newOwnerPubPem, '');
    store.getState().closeEscrowCase();
    expect(await issuing).toBeNull();
    expect(store.getState().escrowCase).toBeNull();
  });
});
