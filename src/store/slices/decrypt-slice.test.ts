// @vitest-environment happy-dom
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StoreApi } from 'zustand';
import type { StoreState } from '../app-store.ts';
import {
  type PrivateIdentity,
  exportPublicKey,
  importPrivateKey,
  issueRecoveryBlob,
  issueRecoveryV2,
  parseBlob,
  serializeBlob,
  serializeSigned,
} from '../../core/index.ts';
import {
  bytesOf,
  createTestStore,
  keyIdOfPem,
  makeIdentity,
  makeKeywardFile,
  makeSignedFile,
  recordingDownloader,
  resignedBy,
  storeWithIdentities,
  testKeyPem,
} from '../test-adapters.ts';
import type { DecryptJob } from '../types.ts';

const ownerPem = testKeyPem('owner.pem');
const ownerPubPem = testKeyPem('owner.pub.pem');
const authorityPubPem = testKeyPem('authority.pub.pem');
const strangerPubPem = testKeyPem('stranger.pub.pem');
const newOwnerPem = testKeyPem('new-owner.pem');
const vector = (name: string) => readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'testdata', 'vectors', name), 'utf8');
const plaintext = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) & 0xff);

async function ownerStore(adapters: Parameters<typeof createTestStore>[0] = {}) {
  const download = recordingDownloader();
  const { store } = await createTestStore({ download, ...adapters });
  const imported = await store.getState().importKey({ text: ownerPem, name: 'Ada' });
  if ('error' in imported) throw new Error(imported.error.message);
  return { store, download };
}

/** Waits until no row is queued or running, and returns the rows. */
async function settled(store: StoreApi<StoreState>): Promise<DecryptJob[]> {
  await vi.waitFor(
    () => {
      const busy = store.getState().decryptJobs.some((job) => job.status === 'queued' || job.status === 'running');
      if (busy) throw new Error('still decrypting');
    },
    { timeout: 30_000, interval: 20 },
  );
  return store.getState().decryptJobs;
}

describe('decrypt slice', () => {
  it('opens a file with the stored owner key and offers it under its original name', async () => {
    const { store, download } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, chunkSize: 65536 });

    store.getState().decryptFiles([made.file]);
    const [job] = await settled(store);

    expect(job).toMatchObject({ fileName: 'report.pdf.keyward', via: 'own-key', status: 'done', done: made.file.size });
    expect(job!.meta).toMatchObject({ name: 'report.pdf', size: plaintext.length });
    expect(await bytesOf(job!.output!)).toEqual(plaintext);

    store.getState().downloadDecrypted(job!.id);
    expect(download.saved.map((s) => s.name)).toEqual(['report.pdf']);
    expect(await bytesOf(download.saved[0]!.blob)).toEqual(plaintext);
  });

  it('names the key IDs a file is for when no stored key matches', async () => {
    const { store, download } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'secret.txt', ownerPublicPem: strangerPubPem, authorityPublicPem: authorityPubPem });

    store.getState().decryptFiles([made.file]);
    const [job] = await settled(store);

    expect(job!.status).toBe('failed');
    expect(job!.error?.code).toBe('NO_MATCHING_KEY');
    expect(job!.error?.keyIds).toEqual([await keyIdOfPem(strangerPubPem)]);
    expect(job!.error?.message).toContain(await keyIdOfPem(strangerPubPem));
    expect(job!.output).toBeUndefined();
    store.getState().downloadDecrypted(job!.id);
    expect(download.saved).toEqual([]);
  });

  it('refuses a file whose last chunk was changed and keeps no output', async () => {
    const { store, download } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'report.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem, chunkSize: 65536 });
    const bytes = await bytesOf(made.file);
    bytes[bytes.length - 40]! ^= 0x01;

    store.getState().decryptFiles([new File([bytes as Uint8Array<ArrayBuffer>], 'report.pdf.keyward')]);
    const [job] = await settled(store);

    expect(job!.status).toBe('failed');
    expect(job!.error?.code).toBe('CHUNK_TAMPERED');
    // 200 000 bytes in 65 536-byte chunks: chunks 0..3, the last is 3.
    expect(job!.error?.message).toContain('chunk 3');
    expect(job!.output).toBeUndefined();
    expect(job!.meta).toBeUndefined();
    store.getState().downloadDecrypted(job!.id);
    expect(download.saved).toEqual([]);
  });

  it('stays usable after a failure: the next good file still opens', async () => {
    const { store } = await ownerStore();
    const bad = new File([new TextEncoder().encode('not a keyward file at all')], 'notes.keyward');
    const good = await makeKeywardFile({ plaintext, name: 'good.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    store.getState().decryptFiles([bad, good.file]);
    const jobs = await settled(store);

    expect(jobs.map((j) => [j.fileName, j.status, j.error?.code])).toEqual([
      ['notes.keyward', 'failed', 'NOT_KEYWARD'],
      ['good.bin.keyward', 'done', undefined],
    ]);
  });

  it('decrypts small files side by side, a large one alone, and can cancel a queued file', async () => {
    const { store } = await ownerStore();
    const large = await makeKeywardFile({ plaintext: new Uint8Array(5_000_000).fill(7), name: 'large.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const a = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const b = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    store.getState().decryptFiles([a.file, b.file, large.file, a.file]);
    expect(store.getState().decryptJobs.map((j) => j.status)).toEqual(['running', 'running', 'queued', 'queued']);
    store.getState().cancelDecrypt(store.getState().decryptJobs[3]!.id);
    const jobs = await settled(store);

    expect(jobs.map((j) => j.status)).toEqual(['done', 'done', 'done', 'cancelled']);
    expect(jobs[2]!.meta?.size).toBe(5_000_000);
    expect(jobs[3]!.output).toBeUndefined();
  });

  it('streams into a file the person picked; a tampered file aborts it and offers nothing', async () => {
    /** A picked file: what was written, whether the browser was told to commit or discard it. */
    const pickedFile = (name: string) => {
      const state = { written: [] as Uint8Array[], committed: false, aborted: false };
      const handle = {
        name,
        createWritable: () =>
          Promise.resolve({
            write: (chunk: Uint8Array) => Promise.resolve(void state.written.push(chunk.slice())),
            close: () => Promise.resolve(void (state.committed = true)),
            abort: () => Promise.resolve(void (state.aborted = true)),
          }),
        getFile: () => Promise.resolve(new File(state.written as Uint8Array<ArrayBuffer>[], name)),
      } as unknown as FileSystemFileHandle;
      return { handle, state };
    };
    const good = pickedFile('a.bin');
    const bad = pickedFile('b.bin');
    const answers = [good.handle, bad.handle];
    const asked: string[] = [];
    const { store, download } = await ownerStore({ savePicker: { pick: (name) => Promise.resolve((asked.push(name), answers.shift() ?? null)) } });
    const a = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const b = await makeKeywardFile({ plaintext, name: 'b.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const tampered = new Uint8Array(await bytesOf(b.file));
    tampered[tampered.length - 5]! ^= 1;

    store.getState().decryptFiles([a.file, new File([tampered], 'b.bin.keyward')], { askWhereToSave: true });
    expect(store.getState().decryptJobs.map((j) => [j.status, j.awaitingTarget])).toEqual([
      ['queued', true],
      ['queued', true],
    ]);
    for (const job of store.getState().decryptJobs) await store.getState().chooseWhereToSaveDecrypted(job.id);
    const [opened, refused] = await settled(store);

    expect(asked).toEqual(['a.bin', 'b.bin']);
    expect(opened).toMatchObject({ status: 'done', savedAs: 'a.bin' });
    expect(good.state).toMatchObject({ committed: true, aborted: false });
    expect(await bytesOf(new Blob(good.state.written as Uint8Array<ArrayBuffer>[]))).toEqual(plaintext);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'CHUNK_TAMPERED' } });
    expect(refused!.output).toBeUndefined();
    expect(bad.state).toMatchObject({ committed: false, aborted: true });
    expect(download.saved).toEqual([]);
  });

  it('clears finished rows, all of them or only those opened one way', async () => {
    const { store } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    store.getState().decryptFiles([made.file]);
    await settled(store);

    store.getState().clearDecryptJobs(['escrow']);
    expect(store.getState().decryptJobs).toHaveLength(1);
    store.getState().clearDecryptJobs(['own-key', 'recovery']);
    expect(store.getState().decryptJobs).toHaveLength(0);
  });

  it('says where a recovery or escrow blob dropped among encrypted files belongs, instead of "not a Keyward file"', async () => {
    const { store } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    store.getState().decryptFiles([
      new File([vector('escrow-basic.recovery.json')], 'KW-1.keyward-recovery.json', { type: 'application/json' }),
      new File([made.escrowJson], 'a.bin.keyward-escrow.json'),
      new File(['{"not": "a blob"}'], 'other.json'),
    ]);
    const jobs = await settled(store);
    expect(jobs.map((j) => j.error?.code)).toEqual(['IS_RECOVERY_BLOB', 'IS_ESCROW_BLOB', 'NOT_KEYWARD']);
    expect(jobs[0]!.error?.message).toContain('Open a file with a recovery blob');
  });

  it('drops an earlier failure of a file once the same file opens', async () => {
    const { store } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'theirs.txt', ownerPublicPem: strangerPubPem, authorityPublicPem: authorityPubPem });
    const other = await makeKeywardFile({ plaintext, name: 'other.txt', ownerPublicPem: strangerPubPem, authorityPublicPem: authorityPubPem });
    store.getState().decryptFiles([made.file, other.file]);
    expect((await settled(store)).map((j) => j.status)).toEqual(['failed', 'failed']);

    // The person imports the key the error named and drops the file again: the old error is no longer true.
    const imported = await store.getState().importKey({ text: testKeyPem('stranger.pem'), name: 'Stranger' });
    expect('key' in imported).toBe(true);
    store.getState().decryptFiles([made.file]);
    const jobs = await settled(store);
    expect(jobs.map((j) => [j.fileName, j.status])).toEqual([
      ['other.txt.keyward', 'failed'],
      ['theirs.txt.keyward', 'done'],
    ]);
  });

  it('refuses an escrow blob given where a recovery blob is needed', async () => {
    const { store } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    store.getState().decryptWithRecovery(made.file, new File([made.escrowJson], 'a.bin.keyward-escrow.json'));
    const [job] = await settled(store);

    expect(job).toMatchObject({ via: 'recovery', status: 'failed', error: { code: 'NOT_RECOVERY_BLOB' } });
    expect(job!.output).toBeUndefined();
  });

  it('says a recovery blob is damaged when it is not a blob at all', async () => {
    const { store } = await ownerStore();
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    store.getState().decryptWithRecovery(made.file, new File(['{"format": 1}'], 'blob.json'));
    const [job] = await settled(store);

    expect(job).toMatchObject({ status: 'failed', error: { code: 'MALFORMED' } });
  });

  it('keeps a new-owner key pair usable next to the old one', async () => {
    const { store } = await ownerStore();
    const second = await store.getState().importKey({ text: newOwnerPem, name: 'Ada (new)' });
    expect('key' in second).toBe(true);
    const made = await makeKeywardFile({ plaintext, name: 'a.bin', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });

    store.getState().decryptFiles([made.file]);
    const [job] = await settled(store);

    expect(job!.status).toBe('done');
  });
});

describe('decrypt slice with identities (spec v2)', () => {
  let me: PrivateIdentity;
  let old: PrivateIdentity;
  let desk: PrivateIdentity;
  let stranger: PrivateIdentity;
  beforeAll(async () => {
    [me, old, desk, stranger] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  }, 60_000);

  it('says who signed each file it opens: "you" for an own identity, the identity ID of another, unsigned for v1', async () => {
    const { store } = await storeWithIdentities(me, desk);
    const signed = await makeSignedFile({ owner: me, authority: desk, plaintext, name: 'mine.pdf' });
    const v1 = await makeKeywardFile({ plaintext, name: 'old.pdf', ownerPublicPem: await exportPublicKey(me.encryption.publicKey, 'spki-pem'), authorityPublicPem: authorityPubPem });
    store.getState().decryptFiles([signed.file, v1.file]);
    const jobs = await settled(store);
    expect(jobs.map((j) => [j.fileName, j.status, j.signedBy])).toEqual([
      ['mine.pdf.keyward', 'done', { id: me.id, byMe: true }],
      ['old.pdf.keyward', 'done', null],
    ]);
    expect(await bytesOf(jobs[0]!.output!)).toEqual(plaintext);
  }, 60_000);

  it('opens a file with a recovery blob only from a pinned authority identity; any other issuer is refused with no output', async () => {
    const { store } = await storeWithIdentities(me, desk);
    // A file the owner's old (lost) identity signed, escrowed to the desk.
    const made = await makeSignedFile({ owner: old, authority: desk, plaintext, name: 'lost.pdf' });
    const recovery = await issueRecoveryV2(made.escrowBlob, desk, { newOwner: me, now: new Date(Date.UTC(2026, 10, 5)) });
    const blobFile = (text: string) => new File([text], 'lost.pdf.keyward-recovery.json', { type: 'application/json' });

    store.getState().decryptWithRecovery(made.file, blobFile(serializeSigned(recovery)));
    const [opened] = await settled(store);
    expect(opened).toMatchObject({ via: 'recovery', status: 'done', signedBy: { id: old.id, byMe: false } });
    expect(await bytesOf(opened!.output!)).toEqual(plaintext);
    store.getState().clearDecryptJobs();

    // Validly signed, but by an identity the owner never pinned: refused, nothing offered.
    const forged = await resignedBy(recovery, 'issuer', stranger, 'keyward/v2 recovery');
    store.getState().decryptWithRecovery(made.file, blobFile(serializeSigned(forged)));
    const [refused] = await settled(store);
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'SIGNER_UNTRUSTED' } });
    expect(refused!.output).toBeUndefined();
    store.getState().clearDecryptJobs();

    // An unsigned (v1) recovery blob names no issuer: refused once every pinned authority is an identity.
    const v1 = await makeKeywardFile({ plaintext, name: 'v1.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const v1Recovery = await issueRecoveryBlob(parseBlob(v1.escrowJson, 'keyward-escrow/1'), await importPrivateKey(testKeyPem('authority.pem')), { newOwner: me.encryption });
    store.getState().decryptWithRecovery(v1.file, blobFile(serializeBlob(v1Recovery)));
    const [unsigned] = await settled(store);
    expect(unsigned).toMatchObject({ status: 'failed', error: { code: 'SIGNER_UNTRUSTED' } });
    expect(unsigned!.output).toBeUndefined();
  }, 60_000);

  it('still opens a file with a v1 recovery blob while the pinned authority is a v1 key', async () => {
    const { store } = await storeWithIdentities(me, authorityPubPem);
    const v1 = await makeKeywardFile({ plaintext, name: 'v1.pdf', ownerPublicPem: ownerPubPem, authorityPublicPem: authorityPubPem });
    const v1Recovery = await issueRecoveryBlob(parseBlob(v1.escrowJson, 'keyward-escrow/1'), await importPrivateKey(testKeyPem('authority.pem')), { newOwner: me.encryption });
    store.getState().decryptWithRecovery(v1.file, new File([serializeBlob(v1Recovery)], 'v1.pdf.keyward-recovery.json'));
    const [job] = await settled(store);
    expect(job).toMatchObject({ status: 'done', signedBy: null });
    expect(await bytesOf(job!.output!)).toEqual(plaintext);
  }, 60_000);
});
