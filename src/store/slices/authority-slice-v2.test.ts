// @vitest-environment happy-dom
import { downloadZip } from 'client-zip';
import type { StoreApi } from 'zustand';
import type { StoreState } from '../app-store.ts';
import { bytesOf, createTestStore, makeSignedFile, recordingDownloader, testKeyPem } from '../test-adapters.ts';
import { identityPem, ownerFields, resignedEscrow, testIdentity } from '../test-identities.ts';
import type { DecryptJob, EscrowListItem } from '../types.ts';

const plaintext = new Uint8Array(150_000).map((_, i) => (i * 13 + 5) & 0xff);
const owner = await testIdentity('owner.pem');
const authority = await testIdentity('authority.pem');
const stranger = await testIdentity('stranger.pem');
const newOwner = await testIdentity('new-owner.pem');
const good = await makeSignedFile({ plaintext, name: 'report.pdf', owner, authority, description: 'Q3 numbers' });

async function authorityStore() {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download });
  const imported = await store.getState().importAuthorityKey({ text: await identityPem(authority, 'private'), name: 'IT backup desk' });
  if ('error' in imported) throw new Error(imported.error.message);
  return { store, download };
}

const escrowFile = (json: string, name = 'report.pdf.keyward-escrow.json') => new File([json], name, { type: 'application/json' });

async function checked(store: StoreApi<StoreState>): Promise<EscrowListItem[]> {
  await vi.waitFor(
    () => {
      if (store.getState().escrowList.some((item) => item.checking)) throw new Error('still checking');
    },
    { timeout: 30_000, interval: 20 },
  );
  return store.getState().escrowList;
}

async function settled(store: StoreApi<StoreState>): Promise<DecryptJob[]> {
  await vi.waitFor(
    () => {
      if (store.getState().decryptJobs.some((job) => job.status === 'queued' || job.status === 'running')) throw new Error('still decrypting');
    },
    { timeout: 30_000, interval: 20 },
  );
  return store.getState().decryptJobs;
}

/** The forgeries of the requirements, each refused by the check that names it (spec v2 §4, in order). */
async function forgeries(): Promise<[string, string, string][]> {
  const { b64u, wrapFileKey } = await import('../../core/index.ts');
  const forStranger = await makeSignedFile({ plaintext, name: 'x.bin', owner, authority: stranger });
  const strangerAsOwner = await ownerFields(stranger, 'Ada Lovelace');
  // The owner dodging escrow: a random key wrapped for the authority, the blob signed by the owner.
  const wrappedKey = b64u(await wrapFileKey(crypto.getRandomValues(new Uint8Array(32)), authority.encryption.publicKey));
  return [
    ['extra-field.json', good.escrowJson.replace('{', '{"note":"hi",'), 'MALFORMED'],
    ['altered.json', good.escrowJson.replace('Q3 numbers', 'Q4 numbers'), 'SIGNATURE_INVALID'],
    // Someone else signs a blob for the owner's file: validly signed, but not by the file's author.
    ['re-signed.json', await resignedEscrow(good.escrowJson, stranger, (b) => ({ ...b, owner: strangerAsOwner })), 'SIGNER_UNTRUSTED'],
    ['for-another-desk.json', forStranger.escrowJson, 'NO_MATCHING_KEY'],
    ['evading.json', await resignedEscrow(good.escrowJson, owner, (b) => ({ ...b, wrappedKey })), 'ESCROW_INVALID'],
  ];
}

describe('authority slice, signed (v2) escrow blobs', () => {
  it('checks a good blob whole and shows what it proved: the owner’s identity and the file it opens', async () => {
    const { store } = await authorityStore();
    await store.getState().loadEscrowBlobs([escrowFile(good.escrowJson)]);

    const escrow = store.getState().escrowCase!;
    expect(escrow).toMatchObject({ verified: true, ownerKeyId: owner.encryption.keyId, blob: { serial: good.serial, owner: { id: owner.id } } });
    expect(escrow.error).toBeUndefined();
  });

  it('refuses each forged blob with the code that blames it, never as checked', async () => {
    const { store } = await authorityStore();
    for (const [name, json, code] of await forgeries()) {
      await store.getState().loadEscrowBlobs([escrowFile(json, name)]);
      const outcome = store.getState().escrowCase ?? store.getState().escrowLoadError;
      expect([name, outcome?.error?.code, store.getState().escrowCase?.verified ?? false]).toEqual([name, code, false]);
    }
  });

  it('checks a register of good and forged blobs, each on its own, and downloads receipts for the good ones only', async () => {
    const { store, download } = await authorityStore();
    const second = await makeSignedFile({ plaintext, name: 'b.bin', owner, authority });
    const forged = await forgeries();
    await store.getState().loadEscrowBlobs([escrowFile(good.escrowJson, 'a.json'), ...forged.map(([name, json]) => escrowFile(json, name)), escrowFile(second.escrowJson, 'b.json')]);

    const items = await checked(store);
    expect(items.map((i) => [i.fileName, i.verified ? 'checked' : i.error?.code])).toEqual([
      ['a.json', 'checked'],
      ...forged.map(([name, , code]) => [name, code]),
      ['b.json', 'checked'],
    ]);

    expect(await store.getState().downloadReceipts()).toBeNull();
    expect(download.saved).toHaveLength(1);
    expect(download.saved[0]!.name).toMatch(/^keyward-receipts-\d{4}-\d{2}-\d{2}\.zip$/);
    expect(store.getState().escrowList.filter((i) => i.receipt).map((i) => i.receipt!.name)).toEqual([
      `${good.serial}.keyward-receipt.json`,
      `${second.serial}.keyward-receipt.json`,
    ]);
  });

  it('downloads a receipt signed by its identity, which verifies against the blob', async () => {
    const { store, download } = await authorityStore();
    await store.getState().loadEscrowBlobs([escrowFile(good.escrowJson)]);

    expect(await store.getState().downloadReceipt()).toBeNull();

    expect(download.saved.map((s) => s.name)).toEqual([`${good.serial}.keyward-receipt.json`]);
    expect(store.getState().escrowCase!.receipt).toEqual({ name: `${good.serial}.keyward-receipt.json` });
    const { parseSignedObject, verifyReceipt } = await import('../../core/index.ts');
    const receipt = parseSignedObject(await download.saved[0]!.blob.text());
    const blob = parseSignedObject(good.escrowJson);
    if (receipt.kind !== 'receipt' || blob.kind !== 'escrow-v2') throw new Error('not a receipt for a v2 blob');
    await verifyReceipt(receipt.receipt, blob.blob);
    expect(receipt.receipt).toMatchObject({ serial: good.serial, owner: { id: owner.id }, authority: { id: authority.id, name: 'IT backup desk' } });
  });

  it('issues no receipt and no recovery blob for a forged blob', async () => {
    const { store, download } = await authorityStore();
    const altered = (await forgeries())[1]![1];
    await store.getState().loadEscrowBlobs([escrowFile(altered)]);

    expect(await store.getState().downloadReceipt()).toMatchObject({ code: 'NO_ESCROW' });
    expect(await store.getState().issueRecovery(await identityPem(newOwner, 'public'), '', newOwner.id)).toMatchObject({ code: 'NO_ESCROW' });
    store.getState().recoverFile(good.file);
    expect(store.getState().decryptJobs).toEqual([]);
    expect(download.saved).toEqual([]);
  });

  it('issues a signed recovery blob for the owner’s new identity, once its identity ID was compared', async () => {
    const { store, download } = await authorityStore();
    await store.getState().loadEscrowBlobs([escrowFile(good.escrowJson)]);
    const newPublic = await identityPem(newOwner, 'public');

    // A v1 public key cannot be named by a signed recovery blob; nor can the lost identity, nor the authority.
    expect(await store.getState().checkRecoveryKey(testKeyPem('new-owner.pub.pem'))).toMatchObject({ error: { code: 'KEY_UNSUPPORTED', message: expect.stringContaining('issued to the owner’s new identity') } });
    expect(await store.getState().checkRecoveryKey(await identityPem(owner, 'public'))).toMatchObject({ error: { code: 'KEY_IS_ESCROWED_OWNER' } });
    expect(await store.getState().checkRecoveryKey(await identityPem(authority, 'public'))).toMatchObject({ error: { code: 'KEY_IS_AUTHORITY' } });
    expect(await store.getState().checkRecoveryKey(await identityPem(newOwner, 'private'))).toMatchObject({ error: { code: 'KEY_NOT_PUBLIC' } });
    expect(await store.getState().checkRecoveryKey(newPublic)).toEqual({ keyId: newOwner.encryption.keyId, modulusBits: 2048, identityId: newOwner.id });

    // The RSA key ID is not what was compared: the identity ID is.
    expect(await store.getState().issueRecovery(newPublic, '', newOwner.encryption.keyId)).toMatchObject({ code: 'KEY_NOT_CONFIRMED' });
    expect(await store.getState().issueRecovery(newPublic, 'Ada (new laptop)', newOwner.id)).toBeNull();

    const name = `${good.serial}.keyward-recovery.json`;
    expect(store.getState().escrowCase!.recovery).toMatchObject({ name, ownerKeyId: newOwner.id, signed: true });
    const json = JSON.parse(await download.saved[0]!.blob.text()) as unknown;
    expect(json).toMatchObject({ format: 'keyward-recovery/2', serial: good.serial, owner: { name: 'Ada (new laptop)', id: newOwner.id }, issuer: { id: authority.id } });

    // The owner opens the file with it and the new identity, having pinned this authority.
    const { openSource, parseSignedObject, collectBytes } = await import('../../core/index.ts');
    const { blobSource } = await import('../../io/remote-pieces.ts');
    const recovery = parseSignedObject(await download.saved[0]!.blob.text());
    if (recovery.kind !== 'recovery-v2') throw new Error('not a v2 recovery blob');
    const opened = await openSource(blobSource(good.file), { recovery: recovery.blob, key: newOwner.encryption, trusted: [authority.id] });
    expect(await collectBytes(opened.plaintext)).toEqual(plaintext);
  });

  it('decrypts the file with a good blob, and refuses another file', async () => {
    const { store, download } = await authorityStore();
    const other = await makeSignedFile({ plaintext, name: 'other.bin', owner, authority });
    await store.getState().loadEscrowBlobs([escrowFile(good.escrowJson)]);

    store.getState().recoverFile(good.file);
    store.getState().recoverFile(other.file);
    const [mine, wrong] = await settled(store);

    expect(mine).toMatchObject({ via: 'escrow', status: 'done', meta: { name: 'report.pdf' } });
    store.getState().downloadDecrypted(mine!.id);
    expect(await bytesOf(download.saved[0]!.blob)).toEqual(plaintext);
    expect(wrong).toMatchObject({ status: 'failed' });
    expect(wrong!.output).toBeUndefined();
  });

  it('opens a file with a v2 blob only after checking the blob whole: an evading blob is refused before any output', async () => {
    const { adapters } = await createTestStore();
    const evading = (await forgeries())[4]!;
    expect(evading[2]).toBe('ESCROW_INVALID');
    await expect(adapters.crypto.run('decrypt', { file: good.file, unlock: { kind: 'escrow-v2', blobText: evading[1], authority } })).rejects.toMatchObject({
      code: 'ESCROW_INVALID',
    });
    const opened = await adapters.crypto.run('decrypt', { file: good.file, unlock: { kind: 'escrow-v2', blobText: good.escrowJson, authority } });
    expect(await bytesOf(opened.output)).toEqual(plaintext);
  });

  it('checks the v2 blobs of the owner’s register zip, each on its own, beside a v1 blob', async () => {
    const { store } = await authorityStore();
    const { makeKeywardFile } = await import('../test-adapters.ts');
    const v1 = await makeKeywardFile({ plaintext, name: 'old.bin', ownerPublicPem: testKeyPem('owner.pub.pem'), authorityPublicPem: testKeyPem('authority.pub.pem') });
    const altered = good.escrowJson.replace('Q3 numbers', 'Q4 numbers');
    const entries = [
      { name: 'register.csv', input: 'serial\r\n' },
      { name: `${good.serial}.keyward-escrow.json`, input: good.escrowJson },
      { name: 'altered.keyward-escrow.json', input: altered },
      { name: `${v1.serial}.keyward-escrow.json`, input: v1.escrowJson },
    ];
    await store.getState().loadEscrowBlobs([new File([await downloadZip(entries).blob()], 'register.zip', { type: 'application/zip' })]);

    const items = await checked(store);
    expect(items.map((i) => [i.fileName, i.verified ? i.blob!.format : i.error?.code])).toEqual([
      [`register.zip › ${good.serial}.keyward-escrow.json`, 'keyward-escrow/2'],
      ['register.zip › altered.keyward-escrow.json', 'SIGNATURE_INVALID'],
      [`register.zip › ${v1.serial}.keyward-escrow.json`, 'keyward-escrow/1'],
    ]);
    expect(store.getState().escrowSkipped).toEqual(['register.zip › register.csv']);
  });

  it('says a receipt or a recovery blob dropped at the desk is not an escrow blob', async () => {
    const { store, download } = await authorityStore();
    await store.getState().loadEscrowBlobs([escrowFile(good.escrowJson)]);
    await store.getState().downloadReceipt();
    await store.getState().issueRecovery(await identityPem(newOwner, 'public'), '', newOwner.id);
    const [receipt, recovery] = download.saved;

    await store.getState().loadEscrowBlobs([new File([receipt!.blob], receipt!.name)]);
    expect(store.getState().escrowLoadError).toMatchObject({ error: { code: 'NOT_A_BLOB', message: expect.stringContaining('it is a receipt, which the owner imports') } });
    await store.getState().loadEscrowBlobs([new File([recovery!.blob], recovery!.name)]);
    expect(store.getState().escrowLoadError).toMatchObject({ error: { code: 'NOT_ESCROW_BLOB' } });
  });
});
