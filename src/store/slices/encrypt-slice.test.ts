// @vitest-environment happy-dom
import type { StoreApi } from 'zustand';
import { type CryptoClient, createInlineCrypto } from '../../io/crypto-client.ts';
import { storageError } from '../../io/db.ts';
import type { Downloader } from '../../io/download.ts';
import type { StoreState } from '../app-store.ts';
import type { PrivateIdentity } from '../../core/index.ts';
import { bytesOf, createTestStore, keyIdOfPem, makeIdentity, memoryRegisterStore, storeWithIdentities, testKeyPem } from '../test-adapters.ts';
import type { EncryptJob } from '../types.ts';
import { batchProgress } from '../jobs.ts';
import { confirmedAuthorities, notDownloaded } from './encrypt-slice.ts';
import { ownKeyPair } from './keys-slice.ts';
import { unsavedWork } from './session-slice.ts';

const bytes = (length: number, seed: number) => new Uint8Array(length).map((_, i) => (i * seed + (i >> 9)) & 0xff);
const report = bytes(300_000, 31);
const notes = bytes(1_000, 7);

/** Records every download, zips with their entries. */
function zipRecorder() {
  const saved: { name: string; blob: Blob }[] = [];
  const zips: { name: string; files: { name: string; blob: Blob }[] }[] = [];
  const download: Downloader = {
    save(blob, name) {
      saved.push({ name, blob });
    },
    saveZip(files, name) {
      zips.push({ name, files: files.map((f) => ({ name: f.name, blob: f.blob })) });
      return Promise.resolve();
    },
  };
  return { download, saved, zips };
}

/** An owner key pair and a confirmed authority, imported through the store as the first-run screen does. */
async function ownerStore(options: { secondAuthority?: boolean; adapters?: Parameters<typeof createTestStore>[0] } = {}) {
  const recorder = zipRecorder();
  let clock = Date.UTC(2026, 10, 28, 12, 0);
  const { store } = await createTestStore({ download: recorder.download, now: () => (clock += 60_000), ...options.adapters });
  const owner = await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada Lovelace' });
  if ('error' in owner) throw new Error(owner.error.message);
  const authority = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk' });
  if ('error' in authority) throw new Error(authority.error.message);
  await store.getState().confirmAuthority(authority.key.keyId);
  let second = '';
  if (options.secondAuthority) {
    const other = await store.getState().importKey({ text: testKeyPem('stranger.pub.pem'), name: 'Legal hold' });
    if ('error' in other) throw new Error(other.error.message);
    await store.getState().confirmAuthority(other.key.keyId);
    second = other.key.keyId;
  }
  return { store, ...recorder, ownerKeyId: owner.key.keyId, authorityKeyId: authority.key.keyId, secondAuthorityKeyId: second };
}

/** Waits until no row is queued or running, and returns the rows. */
async function settled(store: StoreApi<StoreState>): Promise<EncryptJob[]> {
  await vi.waitFor(
    () => {
      if (store.getState().encryptJobs.some((job) => job.status === 'queued' || job.status === 'running')) throw new Error('still encrypting');
    },
    { timeout: 30_000, interval: 20 },
  );
  return store.getState().encryptJobs;
}

/** Opens a `.keyward` output with the owner's stored key pair, through the core (not the store). */
async function openWithOwnerKey(store: StoreApi<StoreState>, output: Blob) {
  const { collectBytes, openFile, streamFromBytes } = await import('../../core/index.ts');
  const owner = ownKeyPair(store.getState().keys)!;
  const opened = await openFile(streamFromBytes(await bytesOf(output)), {
    keys: [{ keyId: owner.keyId, modulusBits: owner.modulusBits, publicKey: owner.publicKey, privateKey: owner.privateKey! }],
  });
  return { meta: opened.meta, plaintext: await collectBytes(opened.plaintext) };
}

/** Opens a `.keyward` output with its escrow blob and the authority's private key, as the authority would. */
async function openWithEscrow(output: Blob, escrowJson: string) {
  const { collectBytes, importPrivateKey, openFile, parseBlob, streamFromBytes } = await import('../../core/index.ts');
  const key = await importPrivateKey(testKeyPem('authority.pem'));
  const opened = await openFile(streamFromBytes(await bytesOf(output)), { blob: parseBlob(escrowJson, 'keyward-escrow/1'), key });
  return collectBytes(opened.plaintext);
}

const file = (data: Uint8Array, name: string, type = 'application/octet-stream') => new File([data as Uint8Array<ArrayBuffer>], name, { type, lastModified: Date.UTC(2026, 0, 2) });

describe('encrypt slice', () => {
  it('encrypts two files for the owner, escrows each for the authority and registers them newest first', async () => {
    const { store, ownerKeyId, authorityKeyId } = await ownerStore();

    store.getState().encryptFiles([file(report, 'Quarterly report.pdf', 'application/pdf'), file(notes, 'notes.txt', 'text/plain')], {
      description: 'Q3 numbers',
      authorityKeyId,
    });
    // Small files run side by side.
    expect(store.getState().encryptJobs.map((j) => j.status)).toEqual(['running', 'running']);
    const jobs = await settled(store);

    expect(jobs.map((j) => [j.fileName, j.status, j.outputName, j.escrowName])).toEqual([
      ['Quarterly report.pdf', 'done', 'Quarterly report.pdf.keyward', 'Quarterly report.pdf.keyward-escrow.json'],
      ['notes.txt', 'done', 'notes.txt.keyward', 'notes.txt.keyward-escrow.json'],
    ]);
    const [first, second] = jobs as [EncryptJob, EncryptJob];
    expect(first.serial).toMatch(/^KW-[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(second.serial).not.toBe(first.serial);
    expect(first.done).toBe(report.length);

    // The owner opens each output with their own key.
    const opened = await openWithOwnerKey(store, first.output!);
    expect(opened.plaintext).toEqual(report);
    expect(opened.meta).toMatchObject({ name: 'Quarterly report.pdf', type: 'application/pdf', size: report.length, lastModified: Date.UTC(2026, 0, 2) });
    expect((await openWithOwnerKey(store, second.output!)).plaintext).toEqual(notes);

    // The escrow blob carries what spec §5 says, and the authority opens the file with it.
    const escrow = JSON.parse(first.escrowJson!) as Record<string, unknown>;
    expect(escrow).toMatchObject({
      format: 'keyward-escrow/1',
      serial: first.serial,
      description: 'Q3 numbers',
      owner: { name: 'Ada Lovelace', keyId: ownerKeyId },
      authority: { name: 'IT backup desk', keyId: authorityKeyId },
    });
    expect(ownerKeyId).toBe(await keyIdOfPem(testKeyPem('owner.pub.pem')));
    expect(authorityKeyId).toBe(await keyIdOfPem(testKeyPem('authority.pub.pem')));
    expect(await openWithEscrow(first.output!, first.escrowJson!)).toEqual(report);

    // The register holds both, newest (last finished) first, with the escrow blob exactly as offered.
    const register = store.getState().register;
    expect(register[0]!.encryptedAt).toBeGreaterThan(register[1]!.encryptedAt);
    expect(register.map((e) => [e.name, e.serial, e.size]).sort()).toEqual([
      ['Quarterly report.pdf', first.serial, report.length],
      ['notes.txt', second.serial, notes.length],
    ]);
    expect(register.find((e) => e.name === 'Quarterly report.pdf')).toMatchObject({
      description: 'Q3 numbers',
      type: 'application/pdf',
      owner: { name: 'Ada Lovelace', keyId: ownerKeyId },
      authority: { name: 'IT backup desk', keyId: authorityKeyId },
      escrowBlob: first.escrowJson,
    });
  });

  it('downloads each output on its own and all of them as one zip with distinct names', async () => {
    const { store, saved, zips, authorityKeyId } = await ownerStore();
    const twice = file(notes, 'notes.txt');
    // The same file dropped twice: two rows, two fresh file keys, two serials.
    store.getState().encryptFiles([twice, twice, file(new Uint8Array(0), 'empty.txt')], { description: '', authorityKeyId });
    const jobs = await settled(store);
    expect(jobs.map((j) => j.status)).toEqual(['done', 'done', 'done']);
    expect(new Set(jobs.map((j) => j.serial)).size).toBe(3);

    // Outputs that exist only in this tab: leaving now would lose them.
    expect(notDownloaded(store.getState().encryptJobs)).toHaveLength(3);
    expect(unsavedWork(store.getState())).toBe('outputs');
    store.getState().downloadEncrypted(jobs[0]!.id);
    expect(store.getState().encryptJobs[0]).toMatchObject({ fileDownloaded: true });
    expect(store.getState().encryptJobs[0]!.escrowDownloaded).toBeUndefined();
    store.getState().downloadEscrow(jobs[0]!.id);
    expect(store.getState().encryptJobs[0]).toMatchObject({ fileDownloaded: true, escrowDownloaded: true });
    expect(notDownloaded(store.getState().encryptJobs).map((j) => j.id)).toEqual([jobs[1]!.id, jobs[2]!.id]);
    expect(saved.map((s) => s.name)).toEqual(['notes.txt.keyward', 'notes.txt.keyward-escrow.json']);
    expect(await bytesOf(saved[0]!.blob)).toEqual(await bytesOf(jobs[0]!.output!));
    expect(await saved[1]!.blob.text()).toBe(jobs[0]!.escrowJson);

    expect(await store.getState().downloadAllEncrypted()).toBeNull();
    expect(notDownloaded(store.getState().encryptJobs)).toEqual([]);
    expect(unsavedWork(store.getState())).toBeNull();
    expect(zips).toHaveLength(1);
    expect(zips[0]!.name).toBe('keyward-encrypted.zip');
    expect(zips[0]!.files.map((f) => f.name)).toEqual([
      'notes.txt.keyward',
      'notes.txt.keyward-escrow.json',
      'notes.txt (2).keyward',
      'notes.txt (2).keyward-escrow.json',
      'empty.txt.keyward',
      'empty.txt.keyward-escrow.json',
    ]);
    expect(await zips[0]!.files[3]!.blob.text()).toBe(jobs[1]!.escrowJson);
    expect((await openWithOwnerKey(store, zips[0]!.files[4]!.blob)).plaintext).toEqual(new Uint8Array(0));
  });

  it('offers download names without separators or bidi controls, while the row keeps the name as given', async () => {
    const { store, authorityKeyId } = await ownerStore();
    store.getState().encryptFiles([file(notes, '\u202egnp.exe'), file(notes, '<b>a/b</b>.txt')], { description: '', authorityKeyId });
    const jobs = await settled(store);
    expect(jobs.map((j) => [j.fileName, j.outputName, j.escrowName])).toEqual([
      ['\u202egnp.exe', 'gnp.exe.keyward', 'gnp.exe.keyward-escrow.json'],
      ['<b>a/b</b>.txt', '<b>a_b<_b>.txt.keyward', '<b>a_b<_b>.txt.keyward-escrow.json'],
    ]);
    // The metadata inside the file keeps the real name.
    expect((await openWithOwnerKey(store, jobs[0]!.output!)).meta.name).toBe('\u202egnp.exe');
  });

  it('cancels a running file: no output, nothing registered; a queued file is cancelled before it starts', async () => {
    const { store, saved, authorityKeyId } = await ownerStore();
    const big = file(bytes(24 * 1024 * 1024, 3), 'big.iso');
    store.getState().encryptFiles([big, file(notes, 'later.txt')], { description: '', authorityKeyId });
    const [running, queued] = store.getState().encryptJobs as [EncryptJob, EncryptJob];
    expect(running.status).toBe('running');
    store.getState().cancelEncrypt(running.id);
    store.getState().cancelEncrypt(queued.id);

    const jobs = await settled(store);
    expect(jobs.map((j) => j.status)).toEqual(['cancelled', 'cancelled']);
    expect(jobs.every((j) => j.output === undefined && j.escrowJson === undefined && j.serial === undefined)).toBe(true);
    store.getState().downloadEncrypted(running.id);
    store.getState().downloadEscrow(running.id);
    expect(await store.getState().downloadAllEncrypted()).toBeNull();
    expect(saved).toEqual([]);
    await store.getState().loadRegister();
    expect(store.getState().register).toEqual([]);

    // Still usable afterwards.
    store.getState().encryptFiles([file(notes, 'after.txt')], { description: '', authorityKeyId });
    expect((await settled(store))[2]!.status).toBe('done');
  });

  it('fails only the row whose authority was removed; the next file still encrypts', async () => {
    const { store, authorityKeyId, secondAuthorityKeyId } = await ownerStore({ secondAuthority: true });
    // A large file runs alone: the others wait, and the key is deleted while they do.
    store.getState().encryptFiles([file(bytes(6_000_000, 5), 'first.bin')], { description: '', authorityKeyId: secondAuthorityKeyId });
    store.getState().encryptFiles([file(notes, 'orphan.txt')], { description: '', authorityKeyId });
    store.getState().encryptFiles([file(notes, 'next.txt')], { description: 'to legal', authorityKeyId: secondAuthorityKeyId });
    await store.getState().deleteKey(authorityKeyId);

    const [first, orphan, next] = (await settled(store)) as [EncryptJob, EncryptJob, EncryptJob];
    expect(first.status).toBe('done');
    expect(orphan.status).toBe('failed');
    expect(orphan.error?.code).toBe('NO_AUTHORITY');
    expect(orphan.error?.message).toMatch(/backup authority chosen for this file is no longer stored here/);
    expect(orphan.output).toBeUndefined();
    expect(next.status).toBe('done');
    expect(JSON.parse(next.escrowJson!)).toMatchObject({ description: 'to legal', authority: { name: 'Legal hold', keyId: secondAuthorityKeyId } });
    expect(store.getState().register.map((e) => e.name)).toEqual(['next.txt', 'first.bin']);
  });

  it('refuses an authority key that was never confirmed, and a file that changed while it was read', async () => {
    const { store, authorityKeyId } = await ownerStore();
    const unconfirmed = await store.getState().importKey({ text: testKeyPem('new-owner.pub.pem'), name: 'Unchecked' });
    if ('error' in unconfirmed) throw new Error(unconfirmed.error.message);
    /** A file that claims more bytes than it delivers, as one truncated on disk after it was chosen. */
    class ShrunkFile extends File {
      override get size() {
        return super.size + 10;
      }
    }
    store.getState().encryptFiles([file(notes, 'unchecked.txt')], { description: '', authorityKeyId: unconfirmed.key.keyId });
    store.getState().encryptFiles([new ShrunkFile([notes], 'shrunk.txt')], { description: '', authorityKeyId });
    store.getState().encryptFiles([file(notes, 'fine.txt')], { description: '', authorityKeyId });

    const jobs = await settled(store);
    expect(jobs.map((j) => [j.status, j.error?.code])).toEqual([
      ['failed', 'NO_AUTHORITY'],
      ['failed', 'SIZE_MISMATCH'],
      ['done', undefined],
    ]);
    expect(jobs[1]!.error?.message).toContain('does not match the size recorded in the file');
    expect(store.getState().register.map((e) => e.name)).toEqual(['fine.txt']);
  });

  it('adds finished files to a loaded register without reading it back after each one', async () => {
    const registerStore = memoryRegisterStore();
    const list = vi.spyOn(registerStore, 'list');
    const { store, authorityKeyId } = await ownerStore({ adapters: { registerStore } });
    await store.getState().loadRegister();
    store.getState().encryptFiles([file(notes, 'a.txt'), file(notes, 'b.txt'), file(notes, 'c.txt')], { description: '', authorityKeyId });
    await settled(store);
    expect(list).toHaveBeenCalledTimes(1);
    const shown = store.getState().register;
    expect(shown.map((e) => e.name).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(shown.map((e) => e.encryptedAt)).toEqual(shown.map((e) => e.encryptedAt).sort((x, y) => y - x));
    expect((await registerStore.list()).map((e) => e.fileId)).toEqual(shown.map((e) => e.fileId));
  });

  it('waits for the person to pick where each output goes, then streams it into the picked file', async () => {
    const written: Uint8Array[] = [];
    let committed = false;
    const handle = {
      name: 'report (encrypted).keyward',
      createWritable: () =>
        Promise.resolve({
          write: (chunk: Uint8Array) => Promise.resolve(void written.push(chunk.slice())),
          close: () => Promise.resolve(void (committed = true)),
          abort: () => Promise.resolve(),
        }),
      getFile: () => Promise.resolve(new File(written as Uint8Array<ArrayBuffer>[], 'report (encrypted).keyward')),
    } as unknown as FileSystemFileHandle;
    const asked: string[] = [];
    let answer: FileSystemFileHandle | null = null;
    const savePicker = { pick: (name: string) => Promise.resolve((asked.push(name), answer)) };
    const { store, saved, authorityKeyId } = await ownerStore({ adapters: { savePicker } });
    expect(store.getState().canChooseWhereToSave).toBe(true);

    store.getState().encryptFiles([file(report, 'report.pdf'), file(notes, 'notes.txt')], { description: '', authorityKeyId, askWhereToSave: true });
    const [picked, dropped] = store.getState().encryptJobs as [EncryptJob, EncryptJob];
    expect([picked.status, picked.awaitingTarget, dropped.awaitingTarget]).toEqual(['queued', true, true]);

    // The picker closed without a choice: the row keeps waiting; a cancelled row never asks again.
    expect(await store.getState().chooseWhereToSave(picked.id)).toBeNull();
    expect(store.getState().encryptJobs[0]!).toMatchObject({ status: 'queued', awaitingTarget: true });
    store.getState().cancelEncrypt(dropped.id);
    expect(store.getState().encryptJobs[1]!.status).toBe('cancelled');
    expect(await store.getState().chooseWhereToSave(dropped.id)).toBeNull();

    answer = handle;
    await store.getState().chooseWhereToSave(picked.id);
    const [done] = await settled(store);
    expect(asked).toEqual(['report.pdf.keyward', 'report.pdf.keyward']);
    expect(done).toMatchObject({ status: 'done', savedAs: 'report (encrypted).keyward', awaitingTarget: false });
    expect(done!.temp).toBeUndefined();
    expect(committed).toBe(true);
    expect((await openWithOwnerKey(store, done!.output!)).plaintext).toEqual(report);
    expect(saved).toEqual([]);
  });

  it('clears finished rows and keeps running ones; the batch progress covers every row not cancelled', async () => {
    const { store, authorityKeyId } = await ownerStore();
    store.getState().encryptFiles([file(notes, 'a.txt'), file(report, 'b.pdf')], { description: '', authorityKeyId });
    const jobs = await settled(store);
    expect(batchProgress(jobs)).toEqual({ count: 2, finished: 2, succeeded: 2, done: notes.length + report.length, total: notes.length + report.length, busy: false });

    store.getState().encryptFiles([file(bytes(24 * 1024 * 1024, 3), 'big.iso')], { description: '', authorityKeyId });
    store.getState().clearEncryptJobs();
    expect(store.getState().encryptJobs.map((j) => j.fileName)).toEqual(['big.iso']);
    expect(batchProgress(store.getState().encryptJobs)).toMatchObject({ count: 1, finished: 0, busy: true });
    store.getState().cancelEncrypt(store.getState().encryptJobs[0]!.id);
    await settled(store);
    expect(batchProgress(store.getState().encryptJobs)).toEqual({ count: 0, finished: 0, succeeded: 0, done: 0, total: 0, busy: false });
  });

  it('offers only confirmed authority keys, and encrypts for the stored owner key pair', async () => {
    const { store, ownerKeyId, authorityKeyId } = await ownerStore();
    await store.getState().importKey({ text: testKeyPem('new-owner.pub.pem'), name: 'Unchecked' });
    expect(confirmedAuthorities(store.getState().keys).map((k) => k.keyId)).toEqual([authorityKeyId]);
    expect(ownKeyPair(store.getState().keys)?.keyId).toBe(ownerKeyId);
  });

  it('encrypts for the key pair the person chose, not silently the first; a row keeps the key chosen when dropped', async () => {
    const { store, ownerKeyId, authorityKeyId } = await ownerStore();
    const second = await store.getState().importKey({ text: testKeyPem('new-owner.pem'), name: 'Ada 2027' });
    if ('error' in second) throw new Error(second.error.message);
    // Nothing chosen yet: the first key pair, shown as such by the panel.
    expect(ownKeyPair(store.getState().keys, store.getState().encryptOwnerKeyId)?.keyId).toBe(ownerKeyId);

    store.getState().chooseEncryptOwner(second.key.keyId);
    store.getState().encryptFiles([file(notes, 'for-new.txt')], { description: '', authorityKeyId });
    store.getState().chooseEncryptOwner(ownerKeyId);
    store.getState().encryptFiles([file(notes, 'for-old.txt')], { description: '', authorityKeyId });
    await settled(store);

    const byName = (name: string) => store.getState().register.find((e) => e.name === name)!;
    expect(byName('for-new.txt').owner).toEqual({ name: 'Ada 2027', keyId: second.key.keyId });
    expect(byName('for-old.txt').owner).toEqual({ name: 'Ada Lovelace', keyId: ownerKeyId });
    const { openFile, streamFromBytes } = await import('../../core/index.ts');
    const { parsed } = await openFile(streamFromBytes(await bytesOf(store.getState().encryptJobs[0]!.output!)), {
      keys: [{ ...second.key, privateKey: second.key.privateKey! }],
    });
    expect(parsed.header.recipients.map((r) => r.keyId)).toContain(second.key.keyId);
    expect(parsed.header.recipients.map((r) => r.keyId)).not.toContain(ownerKeyId);
  });

  it('fails a row when there is no owner key pair', async () => {
    const { store } = await createTestStore();
    const authority = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT' });
    if ('error' in authority) throw new Error(authority.error.message);
    await store.getState().confirmAuthority(authority.key.keyId);
    store.getState().encryptFiles([file(notes, 'a.txt')], { description: '', authorityKeyId: authority.key.keyId });
    const [job] = await settled(store);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'NO_OWNER_KEY' } });
  });

  it('lets a Cancel that arrives just as the file finished win: nothing offered, nothing registered', async () => {
    const real = await createInlineCrypto();
    let finished!: () => void;
    const workerDone = new Promise<void>((resolve) => (finished = resolve));
    let release!: () => void;
    const answer = new Promise<void>((resolve) => (release = resolve));
    // The Worker finished the file, but its answer reaches the page after the user pressed Cancel.
    const late: CryptoClient = {
      async run(op, args) {
        const result = await real.run(op, args);
        if (op === 'encrypt') {
          finished();
          await answer;
        }
        return result;
      },
      dispose() {},
    };
    const { store, saved, authorityKeyId } = await ownerStore({ adapters: { crypto: late } });
    store.getState().encryptFiles([file(notes, 'late.txt')], { description: '', authorityKeyId });
    const id = store.getState().encryptJobs[0]!.id;
    await workerDone;
    store.getState().cancelEncrypt(id);
    release();
    const [job] = await settled(store);
    expect(job).toMatchObject({ status: 'cancelled' });
    expect(job!.output).toBeUndefined();
    store.getState().downloadEscrow(id);
    expect(saved).toEqual([]);
    expect(store.getState().register).toEqual([]);
  });

  it('keeps a finished file done when only reloading the register fails, and says so in a notice', async () => {
    const registerStore = memoryRegisterStore();
    const flaky = { ...registerStore, list: () => Promise.reject(storageError('DB_FAILED')) };
    const { store, authorityKeyId } = await ownerStore({ adapters: { registerStore: flaky } });
    store.getState().encryptFiles([file(notes, 'kept.txt')], { description: '', authorityKeyId });
    const [job] = await settled(store);
    await vi.waitFor(() => {
      expect(store.getState().notices.map((n) => n.text)).toEqual([storageError('DB_FAILED').message]);
    });
    expect(store.getState().encryptJobs[0]).toMatchObject({ status: 'done', serial: job!.serial });
    expect((await registerStore.list()).map((e) => e.serial)).toEqual([job!.serial]);
  });
});

describe('encrypt slice with identities (spec v2)', () => {
  let owner: PrivateIdentity;
  let desk: PrivateIdentity;
  beforeAll(async () => {
    [owner, desk] = await Promise.all([makeIdentity(), makeIdentity()]);
  }, 60_000);

  it('signs the file with the owner identity and escrows a signed v2 blob that the pinned authority identity checks', async () => {
    const { store, authorityKeyId } = await storeWithIdentities(owner, desk);
    await store.getState().loadRegister();
    store.getState().encryptFiles([file(report, 'report.pdf', 'application/pdf')], { description: 'Q3', authorityKeyId });
    const [job] = await settled(store);
    expect(job).toMatchObject({ status: 'done' });

    // A v2 file, signed by the owner's identity: a reader told to expect it opens it, and sees the signer.
    const { collectBytes, openFile, streamFromBytes, parseSignedObject, checkEscrowBlob } = await import('../../core/index.ts');
    const bytes = await bytesOf(job!.output!);
    expect(new TextDecoder().decode(bytes.subarray(0, 10))).toBe('KEYWARD/2\n');
    const opened = await openFile(streamFromBytes(bytes), { keys: [owner.encryption] }, {}, { expectSigner: owner.id });
    expect(opened.signer?.id).toBe(owner.id);
    expect(await collectBytes(opened.plaintext)).toEqual(report);

    // The escrow blob is v2, signed by the owner, made for the pinned identity; all eight intake checks pass.
    const parsed = parseSignedObject(job!.escrowJson!);
    if (parsed.kind !== 'escrow-v2') throw new Error(`escrow blob is ${parsed.kind}`);
    expect(parsed.blob.authority).toMatchObject({ id: desk.id, keyId: desk.encryption.keyId, name: 'IT backup desk' });
    const checked = await checkEscrowBlob(parsed.blob, desk, { expectOwner: owner.id });
    expect(checked.owner.id).toBe(owner.id);

    // The register names both identities: the file's signer and the authority a receipt must come from.
    expect(store.getState().register[0]).toMatchObject({
      escrowBlob: job!.escrowJson,
      owner: { keyId: owner.encryption.keyId, identityId: owner.id },
      authority: { keyId: desk.encryption.keyId, identityId: desk.id },
    });
  }, 60_000);

  it('signs the file but escrows a v1 blob to an authority pinned by a v1 key ID', async () => {
    const { store, authorityKeyId } = await storeWithIdentities(owner, testKeyPem('authority.pub.pem'));
    await store.getState().loadRegister();
    store.getState().encryptFiles([file(notes, 'notes.txt', 'text/plain')], { description: '', authorityKeyId });
    const [job] = await settled(store);
    expect(job).toMatchObject({ status: 'done' });
    expect(new TextDecoder().decode((await bytesOf(job!.output!)).subarray(0, 10))).toBe('KEYWARD/2\n');
    expect(JSON.parse(job!.escrowJson!)).toMatchObject({ format: 'keyward-escrow/1', authority: { keyId: authorityKeyId } });
    expect(await openWithEscrow(job!.output!, job!.escrowJson!)).toEqual(notes);
    const [entry] = store.getState().register;
    expect(entry?.owner.identityId).toBe(owner.id);
    expect(entry?.authority.identityId).toBeUndefined();
  }, 60_000);
});
