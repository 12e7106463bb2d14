// @vitest-environment node
/** The escrow register: entries kept newest first, and an escrow blob never overwritten. */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { IDBPDatabase } from 'idb';
import { type KeywardDB, openKeywardDb } from './db.ts';
import { type RegisterEntry, type RegisterStore, createRegisterStore } from './register-store.ts';

function entry(fileId: string, encryptedAt: number, overrides: Partial<RegisterEntry> = {}): RegisterEntry {
  return {
    fileId,
    serial: `KW-${fileId}`,
    name: `${fileId}.pdf`,
    size: 1024,
    type: 'application/pdf',
    encryptedAt,
    description: '',
    owner: { name: 'Ann', keyId: 'SHA256:owner' },
    authority: { name: 'Bank', keyId: 'SHA256:auth' },
    escrowBlob: `{ "fileId": "${fileId}" }\n`,
    ...overrides,
  };
}

describe('createRegisterStore', () => {
  let db: IDBPDatabase<KeywardDB>;
  let register: RegisterStore;
  beforeEach(async () => {
    db = await openKeywardDb('keyward-test', new IDBFactory());
    register = createRegisterStore(() => Promise.resolve(db));
  });
  afterEach(() => {
    db.close();
  });

  it('adds, gets and lists newest first', async () => {
    expect(await register.list()).toEqual([]);
    await register.add(entry('b', 2000));
    await register.add(entry('a', 3000));
    await register.add(entry('c', 1000));
    expect((await register.list()).map((e) => e.fileId)).toEqual(['a', 'b', 'c']);
    expect(await register.get('b')).toEqual(entry('b', 2000));
    expect(await register.get('zzz')).toBeUndefined();
  });

  it('keeps the escrow blob text byte for byte', async () => {
    const escrowBlob = '{\n  "v": 1,\n  "note": "café ☕ \\u0000"\n}\r\n';
    await register.add(entry('x', 1, { escrowBlob, description: 'Ünïcode ✓' }));
    expect((await register.get('x'))?.escrowBlob).toBe(escrowBlob);
  });

  it('never overwrites an entry for the same file', async () => {
    await register.add(entry('a', 1, { escrowBlob: 'first' }));
    await expect(register.add(entry('a', 2, { escrowBlob: 'second' }))).rejects.toMatchObject({ name: 'KeywardError', code: 'DB_FAILED' });
    expect((await register.get('a'))?.escrowBlob).toBe('first');
  });

  it('records a receipt once: the first one stays, and an entry that is gone is an error', async () => {
    await register.add(entry('a', 1));
    const first = { json: '{"format":"keyward-receipt/2"}\n', receivedAt: 5 };
    expect(await register.addReceipt('a', first)).toMatchObject({ fileId: 'a', receipt: first });
    expect(await register.addReceipt('a', { json: 'second', receivedAt: 9 })).toMatchObject({ receipt: first });
    expect((await register.get('a'))?.receipt).toEqual(first);
    await expect(register.addReceipt('gone', first)).rejects.toMatchObject({ name: 'KeywardError', code: 'DB_FAILED' });
    expect(await register.get('gone')).toBeUndefined();
  });

  it('removes one entry and clears all', async () => {
    await register.add(entry('a', 1));
    await register.add(entry('b', 2));
    await register.remove('a');
    expect((await register.list()).map((e) => e.fileId)).toEqual(['b']);
    await register.clear();
    expect(await register.list()).toEqual([]);
  });
});
