// @vitest-environment happy-dom
import type { Downloader } from '../../io/download.ts';
import type { RegisterEntry } from '../../io/register-store.ts';
import { type PrivateIdentity, issueReceipt, serializeSigned } from '../../core/index.ts';
import { formatDate } from '../format.ts';
import { createTestStore, makeIdentity, makeSignedFile, memoryRegisterStore, resignedBy, testKeyPem } from '../test-adapters.ts';
import { escrowState } from './register-slice.ts';

const OWNER = { name: 'Ada Lovelace', keyId: `SHA256:${'a'.repeat(64)}` };
const AUTHORITY = { name: 'IT backup desk', keyId: `SHA256:${'b'.repeat(64)}` };

function entry(n: number, change: Partial<RegisterEntry> = {}): RegisterEntry {
  const serial = `KW-000${n}-0000-0000-0000`;
  return {
    fileId: `file-${n}`,
    serial,
    name: `file ${n}.txt`,
    size: 1000 * n,
    type: 'text/plain',
    encryptedAt: Date.UTC(2026, 10, n, 9, 30),
    description: `description ${n}`,
    owner: OWNER,
    authority: AUTHORITY,
    escrowBlob: `{"format":"keyward-escrow/1","serial":"${serial}"}`,
    ...change,
  };
}

function zipRecorder(fail = false) {
  const saved: { name: string; blob: Blob }[] = [];
  const zips: { name: string; files: { name: string; blob: Blob; lastModified?: Date }[] }[] = [];
  const download: Downloader = {
    save(blob, name) {
      saved.push({ name, blob });
    },
    saveZip(files, name) {
      if (fail) return Promise.reject(new Error('disk full'));
      zips.push({ name, files: [...files] });
      return Promise.resolve();
    },
  };
  return { download, saved, zips };
}

async function storeWith(entries: RegisterEntry[], fail = false) {
  const registerStore = memoryRegisterStore();
  for (const e of entries) await registerStore.add(e);
  const recorder = zipRecorder(fail);
  const { store } = await createTestStore({ registerStore, download: recorder.download, now: () => Date.UTC(2026, 10, 28, 15) });
  await store.getState().loadRegister();
  return { store, ...recorder };
}

describe('register slice', () => {
  it('loads the register newest first', async () => {
    const { store } = await storeWith([entry(1), entry(3), entry(2)]);
    expect(store.getState().registerLoaded).toBe(true);
    expect(store.getState().register.map((e) => e.serial)).toEqual(['KW-0003-0000-0000-0000', 'KW-0002-0000-0000-0000', 'KW-0001-0000-0000-0000']);
  });

  it('downloads an escrow blob again, byte for byte, under a safe name', async () => {
    const { store, saved } = await storeWith([entry(1), entry(2, { name: '\u202egnp.exe' })]);
    store.getState().downloadRegisterEscrow('file-1');
    store.getState().downloadRegisterEscrow('file-2');
    store.getState().downloadRegisterEscrow('no-such-file');
    expect(saved.map((s) => s.name)).toEqual(['file 1.txt.keyward-escrow.json', 'gnp.exe.keyward-escrow.json']);
    expect(await saved[0]!.blob.text()).toBe(entry(1).escrowBlob);
  });

  it('exports the register as a zip: register.csv and every escrow blob, named by serial', async () => {
    const tricky = entry(2, { name: 'a, "quoted" name.txt', description: '=HYPERLINK("http://evil")', owner: { name: '@owner', keyId: OWNER.keyId } });
    const { store, zips } = await storeWith([entry(1), tricky]);

    expect(await store.getState().exportRegister()).toBeNull();
    expect(zips).toHaveLength(1);
    const zip = zips[0]!;
    expect(zip.name).toBe('keyward-escrow-register-2026-11-28.zip');
    expect(zip.files.map((f) => f.name)).toEqual(['register.csv', 'KW-0002-0000-0000-0000.keyward-escrow.json', 'KW-0001-0000-0000-0000.keyward-escrow.json']);
    expect(await zip.files[1]!.blob.text()).toBe(tricky.escrowBlob);
    expect(zip.files[2]!.lastModified).toEqual(new Date(entry(1).encryptedAt));

    const csv = await zip.files[0]!.blob.text();
    expect(csv.split('\r\n')).toEqual([
      'serial,file,size,encryptedAt,description,owner,ownerKeyId,authority,authorityKeyId,escrowBlob',
      // Quoted as RFC 4180 says; a leading = or @ is defused so that a spreadsheet shows text, not a formula.
      `KW-0002-0000-0000-0000,"a, ""quoted"" name.txt",2000,2026-11-02T09:30:00.000Z,"'=HYPERLINK(""http://evil"")",'@owner,${OWNER.keyId},IT backup desk,${AUTHORITY.keyId},KW-0002-0000-0000-0000.keyward-escrow.json`,
      `KW-0001-0000-0000-0000,file 1.txt,1000,2026-11-01T09:30:00.000Z,description 1,Ada Lovelace,${OWNER.keyId},IT backup desk,${AUTHORITY.keyId},KW-0001-0000-0000-0000.keyward-escrow.json`,
      '',
    ]);
  });

  it('exports nothing when the register is empty, and reports a failed zip as a sentence', async () => {
    const empty = await storeWith([]);
    expect(await empty.store.getState().exportRegister()).toBeNull();
    expect(empty.zips).toEqual([]);

    const failing = await storeWith([entry(1)], true);
    const error = await failing.store.getState().exportRegister();
    expect(error?.code).toBe('INTERNAL');
    expect(error?.message).toMatch(/^Something went wrong inside Keyward/);
  });

  it('gains an entry when a file is encrypted in this browser', async () => {
    const { store } = await storeWith([entry(1)]);
    const owner = await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' });
    const authority = await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT' });
    if ('error' in owner || 'error' in authority) throw new Error('import failed');
    await store.getState().confirmAuthority(authority.key.keyId);

    store.getState().encryptFiles([new File(['hello'], 'hello.txt')], { description: 'greeting', authorityKeyId: authority.key.keyId });
    await vi.waitFor(() => {
      expect(store.getState().register).toHaveLength(2);
    }, { timeout: 20_000 });
    const [fresh] = store.getState().register;
    expect(fresh).toMatchObject({ name: 'hello.txt', size: 5, description: 'greeting', serial: store.getState().encryptJobs[0]!.serial });
    expect(fresh!.escrowBlob).toBe(store.getState().encryptJobs[0]!.escrowJson);
  });
});

describe('receipts (spec v2 §5)', () => {
  let owner: PrivateIdentity;
  let desk: PrivateIdentity;
  let stranger: PrivateIdentity;
  beforeAll(async () => {
    [owner, desk, stranger] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()]);
  }, 60_000);

  /** A register holding one file escrowed (v2) to `desk`, and the authority's receipt for it. */
  async function withEscrowedFile() {
    const made = await makeSignedFile({ owner, authority: desk, plaintext: new Uint8Array(1000).fill(3), name: 'report.pdf' });
    const registerStore = memoryRegisterStore();
    await registerStore.add(
      entry(1, {
        fileId: made.fileId,
        serial: made.serial,
        escrowBlob: made.escrowJson,
        owner: { ...OWNER, identityId: owner.id },
        authority: { name: 'IT backup desk', keyId: desk.encryption.keyId, identityId: desk.id },
      }),
    );
    await registerStore.add(entry(2));
    const { store } = await createTestStore({ registerStore });
    await store.getState().loadRegister();
    const receipt = await issueReceipt(made.escrowBlob, desk, { name: 'Bank vault', now: new Date(Date.UTC(2026, 10, 3, 14, 0)) });
    return { store, registerStore, made, receipt };
  }
  const receiptFile = (text: string) => new File([text], 'report.pdf.keyward-receipt.json', { type: 'application/json' });
  const entryFor = (store: Awaited<ReturnType<typeof withEscrowedFile>>['store'], fileId: string) => store.getState().register.find((e) => e.fileId === fileId)!;

  it('confirms a file with the receipt of the pinned authority, and says so with the owner’s name for it', async () => {
    const { store, registerStore, made, receipt } = await withEscrowedFile();
    const before = entryFor(store, made.fileId);
    expect(escrowState(before, 'IT backup desk')).toBe('Escrowed, not yet confirmed');
    expect(escrowState(entryFor(store, 'file-2'), undefined)).toBe('unsigned (v1)');

    expect(await store.getState().importReceipt(receiptFile(serializeSigned(receipt)))).toBeNull();
    const after = entryFor(store, made.fileId);
    expect(after.receipt).toEqual({ json: serializeSigned(receipt), receivedAt: Date.UTC(2026, 10, 3, 14, 0) });
    expect((await registerStore.get(made.fileId))?.receipt).toEqual(after.receipt);
    // NAME is the owner's own name for the authority, not the name the receipt gives itself.
    expect(escrowState(after, 'IT backup desk')).toBe(`Confirmed by IT backup desk on ${formatDate(Date.UTC(2026, 10, 3, 14, 0))}`);
  }, 60_000);

  it('refuses a receipt that does not verify, with its code, and changes nothing', async () => {
    const { store, made, receipt } = await withEscrowedFile();
    const good = serializeSigned(receipt);
    const cases: [string, string, string][] = [
      ['changed after signing', good.replace(receipt.receivedAt, '2027-01-01T00:00:00.000Z'), 'SIGNATURE_INVALID'],
      ['signed by another identity', serializeSigned(await resignedBy(receipt, 'authority', stranger, 'keyward/v2 receipt')), 'SIGNER_UNTRUSTED'],
      ['for a file not in the register', serializeSigned({ ...receipt, fileId: 'A'.repeat(22) }), 'BLOB_MISMATCH'],
      ['an escrow blob, not a receipt', made.escrowJson, 'NOT_A_RECEIPT'],
      ['not JSON', 'hello', 'MALFORMED'],
    ];
    for (const [what, text, code] of cases) {
      expect((await store.getState().importReceipt(receiptFile(text)))?.code, what).toBe(code);
      expect(entryFor(store, made.fileId).receipt, what).toBeUndefined();
    }
    // A receipt for another blob of the same file (the digest differs) is refused too.
    const otherBlob = await makeSignedFile({ owner, authority: desk, plaintext: new Uint8Array(10), name: 'x' });
    const forOther = await issueReceipt(otherBlob.escrowBlob, desk);
    expect((await store.getState().importReceipt(receiptFile(serializeSigned({ ...forOther, fileId: made.fileId }))))?.code).toBe('SIGNATURE_INVALID');
    expect(entryFor(store, made.fileId).receipt).toBeUndefined();
  }, 60_000);
});
