// @vitest-environment happy-dom
import { downloadZip } from 'client-zip';
import { zipSync } from 'fflate';
import type { StoreApi } from 'zustand';
import type { StoreState } from '../app-store.ts';
import { bytesOf, createTestStore, keyIdOfPem, makeKeywardFile, recordingDownloader, testKeyPem } from '../test-adapters.ts';
import type { DecryptJob, EscrowListItem } from '../types.ts';

const ownerPubPem = testKeyPem('owner.pub.pem');
const authorityPem = testKeyPem('authority.pem');
const authorityPubPem = testKeyPem('authority.pub.pem');
const strangerPubPem = testKeyPem('stranger.pub.pem');
const newOwnerPem = testKeyPem('new-owner.pem');
const newOwnerPubPem = testKeyPem('new-owner.pub.pem');
const encryptedOwnerPem = testKeyPem('owner-encrypted.pem');
const newOwnerKeyId = await keyIdOfPem(newOwnerPubPem);
const plaintext = new Uint8Array(150_000).map((_, i) => (i * 17 + 3) & 0xff);

async function authorityStore() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  const imported = await store.getState().importAuthorityKey({ text: authorityPem, name: 'IT backup desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  return { store, download };
}

const escrowFile = (json: string, name = 'report.pdf.keyward-escrow.json') => new File([json], name, { type: 'application/json' });

/** A zip as the owner's register export makes it: `register.csv` and `SERIAL.keyward-escrow.json` entries. */
async function registerZip(blobs: { serial: string; escrowJson: string }[], name = 'keyward-escrow-register-2026-12-01.zip'): Promise<File> {
  const entries = [{ name: 'register.csv', input: 'serial\r\n' }, ...blobs.map((b) => ({ name: `${b.serial}.keyward-escrow.json`, input: b.escrowJson }))];
  return new File([await downloadZip(entries).blob()], name, { type: 'application/zip' });
}

/** Waits until every blob of the list has been checked. */
async function checked(store: StoreApi<StoreState>): Promise<EscrowListItem[]> {
  await vi.waitFor(
    () => {
      if (store.getState().escrowList.some((item) => item.checking)) throw new Error('still checking');
    },
    { timeout: 30_000, interval: 20 },
  );
  return store.getState().escrowList;
}

const judged = (items: EscrowListItem[]) => items.map((i) => [i.fileName, i.verified ? 'verified' : i.error?.code]);

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

    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

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

    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

    const escrow = store.getState().escrowCase!;
    expect(escrow.verified).toBe(false);
    expect(escrow.error).toMatchObject({ code: 'NO_MATCHING_KEY', keyIds: [await keyIdOfPem(strangerPubPem)] });
  });

  it('says an altered escrow blob was tampered with', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'Q3 numbers' });
    const altered = made.escrowJson.replace('Q3 numbers', 'Q4 numbers');

    await store.getState().loadEscrowBlobs([escrowFile(altered)]);

    expect(store.getState().escrowCase).toMatchObject({ verified: false, error: { code: 'BLOB_TAMPERED' } });
    store.getState().recoverFile(made.file);
    expect(store.getState().decryptJobs).toEqual([]);
    expect(await store.getState().issueRecovery(newOwnerPubPem, '', newOwnerKeyId)).toMatchObject({ code: 'NO_ESCROW' });
  });

  it('shows why a dropped file is not an escrow blob, next to the drop zone', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    await store.getState().loadEscrowBlobs([made.file]);
    expect(store.getState().escrowLoadError).toMatchObject({ fileName: 'a.bin.keyward', error: { code: 'MALFORMED' } });
    expect(store.getState().escrowCase).toBeNull();

    await store.getState().loadEscrowBlobs([new File([new Uint8Array(2_000_000)], 'huge.json')]);
    expect(store.getState().escrowLoadError).toMatchObject({ fileName: 'huge.json', error: { code: 'NOT_A_BLOB' } });

    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);
    expect(store.getState().escrowLoadError).toBeNull();
    store.getState().closeEscrowCase();
    expect(store.getState().escrowCase).toBeNull();
  });

  it('decrypts the encrypted file an escrow blob belongs to', async () => {
    const { store, download } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

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
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

    store.getState().recoverFile(other.file);
    const [job] = await settled(store);

    expect(job).toMatchObject({ status: 'failed', error: { code: 'BLOB_MISMATCH' } });
    expect(job!.output).toBeUndefined();
  });

  it('issues a recovery blob that the owner opens with the new key pair', async () => {
    const { store, download } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

    expect(await store.getState().issueRecovery(newOwnerPubPem, '  Ada (new laptop) ', newOwnerKeyId)).toBeNull();

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
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);
    await store.getState().issueRecovery(newOwnerPubPem, '', newOwnerKeyId);

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
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

    expect(await store.getState().issueRecovery(newOwnerPem, '', newOwnerKeyId)).toMatchObject({ code: 'KEY_NOT_PUBLIC' });
    expect(await store.getState().issueRecovery(encryptedOwnerPem, '', newOwnerKeyId)).toMatchObject({ code: 'KEY_NOT_PUBLIC' });
    expect(await store.getState().issueRecovery('', '', newOwnerKeyId)).toMatchObject({ code: 'KEY_MISSING' });
    expect(await store.getState().issueRecovery(testKeyPem('weak-1024.pub.pem'), '', newOwnerKeyId)).toMatchObject({ code: 'KEY_TOO_WEAK' });
    expect(download.saved).toEqual([]);
    expect(store.getState().escrowCase!.recovery).toBeUndefined();
  });

  it('does not bring back a closed case when a recovery blob finishes late', async () => {
    const { store } = await authorityStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

    const issuing = store.getState().issueRecovery(newOwnerPubPem, '', newOwnerKeyId);
    store.getState().closeEscrowCase();
    expect(await issuing).toBeNull();
    expect(store.getState().escrowCase).toBeNull();
  });
  it('checks many blobs at once, each on its own: one bad blob never hides the good ones', async () => {
    const { store } = await authorityStore();
    const good = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'First' });
    const good2 = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, description: 'Second' });
    const stranger = await makeKeywardFile({ plaintext, name: 'c.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: strangerPubPem });

    await store.getState().loadEscrowBlobs([
      escrowFile(good.escrowJson, 'a.json'),
      escrowFile(good2.escrowJson.replace('Second', 'Altered'), 'altered.json'),
      escrowFile('{"format":"keyward-escrow/1"}', 'broken.json'),
      escrowFile(stranger.escrowJson, 'stranger.json'),
      escrowFile(good2.escrowJson, 'b.json'),
    ]);

    expect(judged(await checked(store))).toEqual([
      ['a.json', 'verified'],
      ['altered.json', 'BLOB_TAMPERED'],
      ['broken.json', 'MALFORMED'],
      ['stranger.json', 'NO_MATCHING_KEY'],
      ['b.json', 'verified'],
    ]);
    expect(store.getState().escrowCase).toBeNull();
    const [first, , , , last] = store.getState().escrowList;
    expect(first!.blob).toMatchObject({ serial: good.serial, description: 'First', owner: { name: 'Ada Lovelace' } });

    // Only a verified blob opens as a case; closing it goes back to the list.
    store.getState().openEscrowCase(store.getState().escrowList[1]!.id);
    expect(store.getState().escrowCase).toBeNull();
    store.getState().openEscrowCase(last!.id);
    expect(store.getState().escrowCase).toMatchObject({ verified: true, blob: { serial: good2.serial } });
    store.getState().closeEscrowCase();
    expect(store.getState().escrowCase).toBeNull();
    expect(store.getState().escrowList).toHaveLength(5);
  });

  it('reads every escrow blob of the owner’s register zip, and issues a recovery blob from one', async () => {
    const { store, download } = await authorityStore();
    const a = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const b = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    await store.getState().loadEscrowBlobs([await registerZip([a, b], 'register.zip')]);

    expect(judged(await checked(store))).toEqual([
      [`register.zip › ${a.serial}.keyward-escrow.json`, 'verified'],
      [`register.zip › ${b.serial}.keyward-escrow.json`, 'verified'],
    ]);
    expect(store.getState().escrowSkipped).toEqual(['register.zip › register.csv']);

    store.getState().openEscrowCase(store.getState().escrowList[1]!.id);
    expect(await store.getState().issueRecovery(newOwnerPubPem, '', newOwnerKeyId)).toBeNull();
    expect(download.saved.map((s) => s.name)).toEqual([`${b.serial}.keyward-recovery.json`]);
  });

  it('lists a hostile zip with its error next to the blobs dropped with it', async () => {
    const { store } = await authorityStore();
    const good = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const tricky = zipSync({ '../../escape.keyward-escrow.json': new TextEncoder().encode(good.escrowJson) });
    const bomb = zipSync({ 'bomb.keyward-escrow.json': new Uint8Array(5_000_000) }, { level: 9 });

    await store.getState().loadEscrowBlobs([
      new File([tricky], 'tricky.zip', { type: 'application/zip' }),
      new File([bomb], 'bomb.zip', { type: 'application/zip' }),
      escrowFile(good.escrowJson, 'a.json'),
    ]);

    expect(judged(await checked(store))).toEqual([
      ['tricky.zip', 'ZIP_UNSAFE_NAME'],
      ['bomb.zip › bomb.keyward-escrow.json', 'ZIP_ENTRY_TOO_LARGE'],
      ['a.json', 'verified'],
    ]);
  });

  it('shows the new key’s ID before issuing, and refuses an authority’s key or the key the file was made for', async () => {
    const { store, download } = await authorityStore();
    // A backup authority's public key stored here too (owner mode's `authority` role).
    await store.getState().importKey({ text: strangerPubPem, name: 'Other desk', accept: 'public' });
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    await store.getState().loadEscrowBlobs([escrowFile(made.escrowJson)]);

    expect(await store.getState().checkRecoveryKey(newOwnerPubPem)).toEqual({ keyId: newOwnerKeyId, modulusBits: 2048 });
    expect(await store.getState().checkRecoveryKey(authorityPubPem)).toMatchObject({ error: { code: 'KEY_IS_AUTHORITY' } });
    expect(await store.getState().checkRecoveryKey(strangerPubPem)).toMatchObject({ error: { code: 'KEY_IS_AUTHORITY' } });
    expect(await store.getState().checkRecoveryKey(ownerPubPem)).toMatchObject({ error: { code: 'KEY_IS_ESCROWED_OWNER' } });
    expect(await store.getState().checkRecoveryKey(newOwnerPem)).toMatchObject({ error: { code: 'KEY_NOT_PUBLIC' } });

    // Issuing checks the same, and needs the key ID that was compared with the owner.
    expect(await store.getState().issueRecovery(authorityPubPem, '', await keyIdOfPem(authorityPubPem))).toMatchObject({ code: 'KEY_IS_AUTHORITY' });
    expect(await store.getState().issueRecovery(ownerPubPem, '', await keyIdOfPem(ownerPubPem))).toMatchObject({ code: 'KEY_IS_ESCROWED_OWNER' });
    expect(await store.getState().issueRecovery(newOwnerPubPem, '', '')).toMatchObject({ code: 'KEY_NOT_CONFIRMED' });
    expect(await store.getState().issueRecovery(newOwnerPubPem, '', await keyIdOfPem(strangerPubPem))).toMatchObject({ code: 'KEY_NOT_CONFIRMED' });
    expect(download.saved).toEqual([]);
    expect(await store.getState().issueRecovery(newOwnerPubPem, '', newOwnerKeyId)).toBeNull();
    expect(download.saved).toHaveLength(1);
  });
  it('checks again, once its authority key pair is imported, a blob that was for a key not stored here', async () => {
    const { store } = await authorityStore();
    const forOther = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: strangerPubPem });
    const good = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    // Opened alone, as the case...
    await store.getState().loadEscrowBlobs([escrowFile(forOther.escrowJson)]);
    expect(store.getState().escrowCase).toMatchObject({ verified: false, error: { code: 'NO_MATCHING_KEY' } });
    const imported = await store.getState().importAuthorityKey({ text: testKeyPem('stranger.pem'), name: 'Other desk' });
    expect('key' in imported).toBe(true);
    expect(store.getState().escrowCase).toMatchObject({ verified: true });
    expect(store.getState().escrowCase!.error).toBeUndefined();

    // ...and in a list.
    const { store: second } = await authorityStore();
    await second.getState().loadEscrowBlobs([escrowFile(forOther.escrowJson, 'other.json'), escrowFile(good.escrowJson, 'good.json')]);
    expect(judged(await checked(second))).toEqual([['other.json', 'NO_MATCHING_KEY'], ['good.json', 'verified']]);
    await second.getState().importAuthorityKey({ text: testKeyPem('stranger.pem'), name: 'Other desk' });
    expect(judged(second.getState().escrowList)).toEqual([['other.json', 'verified'], ['good.json', 'verified']]);
    expect(second.getState().escrowList[0]!.error).toBeUndefined();
  });

  it('says a zip without any escrow blob holds nothing to check', async () => {
    const { store } = await authorityStore();
    await store.getState().loadEscrowBlobs([new File([zipSync({ 'notes.txt': new TextEncoder().encode('hello') })], 'notes.zip', { type: 'application/zip' })]);
    expect(judged(await checked(store))).toEqual([['notes.zip', 'ZIP_NO_BLOBS']]);
    expect(store.getState().escrowSkipped).toEqual(['notes.zip › notes.txt']);
  });
});
