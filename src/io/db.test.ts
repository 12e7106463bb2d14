// @vitest-environment node
/** Opening Keyward's database: the schema, upgrades, and every way opening fails. */
import 'fake-indexeddb/auto';
import { IDBFactory, forceCloseDatabase } from 'fake-indexeddb';
import { type DBSchema, openDB, unwrap } from 'idb';
import {
  KEYWARD_DB_VERSION,
  type KeywardDB,
  type StorageErrorCode,
  storageError,
  lazyKeywardDb,
  openKeywardDb,
  openVersionedDb,
  toStorageError,
  withStorageErrors,
} from './db.ts';
import { KeywardError } from '../core/index.ts';
import { createKeyStore, type StoredKey } from './key-store.ts';
import type { StoredCouncil } from './records.ts';
import { createRegisterStore, type RegisterEntry } from './register-store.ts';

const NAME = 'keyward-test';

/** A raw connection at `version` that ignores `versionchange`, like an old tab that never closes. */
function holdOpen(factory: IDBFactory, version: number): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = factory.open(NAME, version);
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      reject(request.error ?? new Error('open failed'));
    };
  });
}

async function expectStorageError(promise: Promise<unknown>, code: StorageErrorCode): Promise<KeywardError> {
  const error: unknown = await promise.then(
    () => expect.unreachable('should have rejected'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeywardError);
  expect((error as KeywardError).code).toBe(code);
  return error as KeywardError;
}

async function publicKey(): Promise<CryptoKey> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  return pair.publicKey;
}

const entry: RegisterEntry = {
  fileId: 'f1',
  serial: 'KW-0001',
  name: 'notes.txt',
  size: 12,
  type: 'text/plain',
  encryptedAt: 1_700_000_000_000,
  description: 'first',
  owner: { name: 'Ann', keyId: 'SHA256:owner' },
  authority: { name: 'Bank', keyId: 'SHA256:auth' },
  escrowBlob: '{"v":1}\n',
};

describe('openKeywardDb', () => {
  let factory: IDBFactory;
  beforeEach(() => {
    factory = new IDBFactory();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('creates the schema: keys by keyId with by-role, register by fileId with by-date, councils by id, outbox by fileId, service by key', async () => {
    const db = await openKeywardDb(NAME, factory);
    expect(db.version).toBe(KEYWARD_DB_VERSION);
    expect([...db.objectStoreNames].sort()).toEqual(['councils', 'keys', 'outbox', 'register', 'service']);
    const tx = db.transaction(['keys', 'register']);
    const keys = tx.objectStore('keys');
    const register = tx.objectStore('register');
    expect(keys.keyPath).toBe('keyId');
    expect([...keys.indexNames]).toEqual(['by-role']);
    expect(keys.index('by-role').keyPath).toBe('role');
    expect(register.keyPath).toBe('fileId');
    expect([...register.indexNames]).toEqual(['by-date']);
    expect(register.index('by-date').keyPath).toBe('encryptedAt');
    await tx.done;
    expect(db.transaction('outbox').store.keyPath).toBe('fileId');
    expect(db.transaction('service').store.keyPath).toBe('key');
    db.close();
  });

  it('opens an existing v1 database without touching its data', async () => {
    const first = await openKeywardDb(NAME, factory);
    await createRegisterStore(() => Promise.resolve(first)).add(entry);
    first.close();
    const again = await openKeywardDb(NAME, factory);
    expect(await again.get('register', 'f1')).toEqual(entry);
    again.close();
  });

  // Data written at v1 must reach step 2 (the pinned councils) intact; a later step tests the same way.
  it('upgrades a v1 database to the current one: keys and register intact, empty councils, outbox and service stores added', async () => {
    const v1 = await openVersionedDb<KeywardDB>(factory, NAME, 1, (db) => {
      // Step 1 exactly as db.ts runs it.
      db.createObjectStore('keys', { keyPath: 'keyId' }).createIndex('by-role', 'role');
      db.createObjectStore('register', { keyPath: 'fileId' }).createIndex('by-date', 'encryptedAt');
    });
    const key: StoredKey = {
      keyId: 'SHA256:auth',
      role: 'authority',
      name: 'Bank',
      modulusBits: 3072,
      createdAt: 1,
      publicKey: await publicKey(),
      extractable: false,
      origin: 'imported',
      confirmedAt: 2,
    };
    await createKeyStore(() => Promise.resolve(v1)).put(key);
    await createRegisterStore(() => Promise.resolve(v1)).add(entry);
    v1.close();

    const v2 = await openKeywardDb(NAME, factory);
    expect(v2.version).toBe(KEYWARD_DB_VERSION);
    expect([...v2.objectStoreNames].sort()).toEqual(['councils', 'keys', 'outbox', 'register', 'service']);
    expect(await v2.getAllFromIndex('register', 'by-date')).toEqual([entry]);
    const stored = await v2.get('keys', 'SHA256:auth');
    expect(stored).toMatchObject({ ...key, publicKey: expect.any(CryptoKey) });
    expect(stored?.publicKey.algorithm).toEqual(key.publicKey.algorithm);
    expect(await v2.getAll('councils')).toEqual([]);
    expect(v2.transaction('councils').store.keyPath).toBe('id');
    v2.close();
  });

  // Version 3 (the escrow service): a v2 database keeps its keys, register and councils.
  it('upgrades a v2 database to v3: keys, register and councils intact, empty outbox and service stores added', async () => {
    const v2 = await openVersionedDb<KeywardDB>(factory, NAME, 2, (db, oldVersion) => {
      // Steps 1 and 2 exactly as db.ts runs them.
      if (oldVersion < 1) {
        db.createObjectStore('keys', { keyPath: 'keyId' }).createIndex('by-role', 'role');
        db.createObjectStore('register', { keyPath: 'fileId' }).createIndex('by-date', 'encryptedAt');
      }
      db.createObjectStore('councils', { keyPath: 'id' });
    });
    await createRegisterStore(() => Promise.resolve(v2)).add(entry);
    const council = { id: 'SHA256:council', pinnedAt: 5 } as unknown as StoredCouncil;
    await v2.put('councils', council);
    v2.close();

    const v3 = await openKeywardDb(NAME, factory);
    expect(v3.version).toBe(3);
    expect([...v3.objectStoreNames].sort()).toEqual(['councils', 'keys', 'outbox', 'register', 'service']);
    expect(await v3.getAll('register')).toEqual([entry]);
    expect(await v3.getAll('councils')).toEqual([council]);
    expect(await v3.getAll('outbox')).toEqual([]);
    expect(await v3.getAll('service')).toEqual([]);
    v3.close();
  });

  // The harness for future upgrade steps: data written by this code must reach a later step intact.
  it('hands its data to a later `if (oldVersion < 4)` step intact', async () => {
    const current = await openKeywardDb(NAME, factory);
    await createRegisterStore(() => Promise.resolve(current)).add(entry);
    current.close();

    interface KeywardDBv4 extends DBSchema {
      keys: KeywardDB['keys'];
      councils: KeywardDB['councils'];
      outbox: KeywardDB['outbox'];
      service: KeywardDB['service'];
      register: { key: string; value: RegisterEntry; indexes: { 'by-date': number; 'by-serial': string } };
    }
    const seen: { oldVersion: number; register: RegisterEntry[] }[] = [];
    vi.stubGlobal('indexedDB', factory); // idb's openDB always uses the global
    const v4 = await openDB<KeywardDBv4>(NAME, 4, {
      upgrade(_db, oldVersion, _newVersion, tx) {
        if (oldVersion < 4) {
          tx.objectStore('register').createIndex('by-serial', 'serial', { unique: true });
          // A step may read what earlier versions wrote; only IDB requests are awaited inside it.
          void tx.objectStore('register').getAll().then((register) => {
            seen.push({ oldVersion, register });
          });
        }
      },
    });
    expect(seen).toEqual([{ oldVersion: 3, register: [entry] }]);
    expect(await v4.getFromIndex('register', 'by-serial', 'KW-0001')).toEqual(entry);
    v4.close();
  });

  it('closes itself and calls onBlocking when a newer version wants to upgrade', async () => {
    const onBlocking = vi.fn();
    const old = await openKeywardDb(NAME, factory, { onBlocking });
    const newer = await openVersionedDb(factory, NAME, KEYWARD_DB_VERSION + 1, () => undefined);
    expect(onBlocking).toHaveBeenCalledOnce();
    expect(newer.version).toBe(KEYWARD_DB_VERSION + 1);
    expect(() => old.transaction('keys')).toThrow(); // closed: its tab must reload
    newer.close();
  });

  it('rejects with DB_BLOCKED when an old connection does not close, and leaks no connection', async () => {
    const holder = await holdOpen(factory, KEYWARD_DB_VERSION);
    const upgrade = vi.fn();
    await expectStorageError(openVersionedDb(factory, NAME, KEYWARD_DB_VERSION + 1, upgrade), 'DB_BLOCKED');

    // When the old tab finally closes, the pending open completes and is closed
    // at once, so it does not block the next upgrade in turn.
    holder.close();
    const next = await openVersionedDb(factory, NAME, KEYWARD_DB_VERSION + 2, () => undefined);
    expect(upgrade).toHaveBeenCalledOnce();
    expect(next.version).toBe(KEYWARD_DB_VERSION + 2);
    next.close();
  });

  it('rejects with DB_TOO_NEW when a newer version wrote the database', async () => {
    (await holdOpen(factory, KEYWARD_DB_VERSION + 4)).close();
    const error = await expectStorageError(openKeywardDb(NAME, factory), 'DB_TOO_NEW');
    expect((error.cause as DOMException).name).toBe('VersionError');
  });

  it('rejects with DB_UNAVAILABLE when the browser has no IndexedDB', async () => {
    vi.stubGlobal('indexedDB', undefined);
    await expectStorageError(openKeywardDb(NAME), 'DB_UNAVAILABLE');
  });

  it('rejects with DB_UNAVAILABLE when the browser refuses to open (private mode, sandbox)', async () => {
    const refusing = {
      open() {
        throw new DOMException('The operation is insecure.', 'SecurityError');
      },
    } as unknown as IDBFactory;
    await expectStorageError(openKeywardDb(NAME, refusing), 'DB_UNAVAILABLE');

    // Firefox's old private windows: the request fails with InvalidStateError.
    const failing = {
      open() {
        const request = new EventTarget() as EventTarget & { error: DOMException };
        request.error = new DOMException('A mutation operation was attempted', 'InvalidStateError');
        setTimeout(() => request.dispatchEvent(new Event('error')));
        return request;
      },
    } as unknown as IDBFactory;
    await expectStorageError(openKeywardDb(NAME, failing), 'DB_UNAVAILABLE');
  });

  it('rejects with DB_FAILED and commits nothing when an upgrade step throws', async () => {
    const boom = new Error('step 1 bug');
    const error = await expectStorageError(
      openVersionedDb<KeywardDB>(factory, NAME, 1, (db) => {
        db.createObjectStore('keys', { keyPath: 'keyId' });
        throw boom;
      }),
      'DB_FAILED',
    );
    expect(error.cause).toBe(boom);
    const db = await openKeywardDb(NAME, factory); // the half-made schema was rolled back
    expect([...db.objectStoreNames].sort()).toEqual(['councils', 'keys', 'outbox', 'register', 'service']);
    db.close();
  });

  it('calls onTerminated when the browser closes the connection', async () => {
    const onTerminated = vi.fn();
    const db = await openKeywardDb(NAME, factory, { onTerminated });
    forceCloseDatabase(unwrap(db) as unknown as typeof IDBDatabase);
    expect(onTerminated).toHaveBeenCalledOnce();
  });
});

describe('lazyKeywardDb', () => {
  let factory: IDBFactory;
  beforeEach(() => {
    factory = new IDBFactory();
  });

  it('opens once and shares the connection', async () => {
    const db = lazyKeywardDb(NAME, factory);
    const a = await db();
    expect(await db()).toBe(a);
    a.close();
  });

  it('reopens after a newer tab took over, and then reports DB_TOO_NEW', async () => {
    const onBlocking = vi.fn();
    const db = lazyKeywardDb(NAME, factory, { onBlocking });
    await db();
    const newer = await openVersionedDb(factory, NAME, KEYWARD_DB_VERSION + 1, () => undefined);
    expect(onBlocking).toHaveBeenCalledOnce();
    await expectStorageError(db(), 'DB_TOO_NEW');
    newer.close();
  });

  it('reopens after the connection was terminated', async () => {
    const db = lazyKeywardDb(NAME, factory);
    const first = await db();
    forceCloseDatabase(unwrap(first) as unknown as typeof IDBDatabase);
    const second = await db();
    expect(second).not.toBe(first);
    expect(await second.count('keys')).toBe(0);
    second.close();
  });

  it('tries again after a failed open instead of caching the failure', async () => {
    let refuse = true;
    const flaky = {
      open(name: string, version: number) {
        if (refuse) throw new DOMException('The operation is insecure.', 'SecurityError');
        return factory.open(name, version);
      },
    } as unknown as IDBFactory;
    const db = lazyKeywardDb(NAME, flaky);
    await expectStorageError(db(), 'DB_UNAVAILABLE');
    refuse = false;
    const opened = await db();
    expect([...opened.objectStoreNames].sort()).toEqual(['councils', 'keys', 'outbox', 'register', 'service']);
    opened.close();
  });
});

describe('storage errors', () => {
  it('has a sentence for every code, saying what happened and what to do', () => {
    for (const code of ['DB_UNAVAILABLE', 'DB_BLOCKED', 'DB_TOO_NEW', 'DB_FAILED'] as const) {
      const error = storageError(code);
      expect(error.name).toBe('KeywardError');
      expect(error.code).toBe(code);
      expect(error.message.length, code).toBeGreaterThan(40);
      expect(error.message, code).toMatch(/\.$/);
    }
  });

  it('wraps IndexedDB failures as DB_FAILED and passes StorageErrors through', async () => {
    const quota = new DOMException('full', 'QuotaExceededError');
    const wrapped = toStorageError(quota);
    expect(wrapped.code).toBe('DB_FAILED');
    expect(wrapped.cause).toBe(quota);
    const blocked = storageError('DB_BLOCKED');
    expect(toStorageError(blocked)).toBe(blocked);
    await expectStorageError(withStorageErrors(() => Promise.reject(quota)), 'DB_FAILED');
    expect(await withStorageErrors(() => Promise.resolve(7))).toBe(7);
  });
});
