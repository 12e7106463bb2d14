// @vitest-environment node
/** The key store: CryptoKeys survive as they are, and a private key is never lost. */
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import type { IDBPDatabase } from 'idb';
import { KeywardError } from '../core/index.ts';
import { type KeywardDB, openKeywardDb, storageError } from './db.ts';
import { type KeyStore, type StoredIdentity, type StoredKey, confirmableId, createKeyStore, isIdentity, mergeKey } from './key-store.ts';

const NAME = 'keyward-test';
const OAEP = { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

let pair: CryptoKeyPair;
let signing: CryptoKeyPair;
beforeAll(async () => {
  // Non-extractable, as the app stores private keys unless the user keeps them exportable.
  pair = await crypto.subtle.generateKey(OAEP, false, ['encrypt', 'decrypt']);
  signing = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
});

/** The signing half of an identity over `pair` and `signing` (the ID is a stand-in: the store never computes it). */
function identity(id = 'SHA256:ident', withPrivate = true): StoredIdentity {
  return {
    id,
    rsaSpki: new Uint8Array([1, 2, 3]),
    ed25519Spki: new Uint8Array(44).fill(7),
    signingKey: signing.publicKey,
    ...(withPrivate ? { signingPrivateKey: signing.privateKey } : {}),
  };
}

function ownerKey(overrides: Partial<StoredKey> = {}): StoredKey {
  return {
    keyId: 'SHA256:owner',
    role: 'owner',
    name: 'My key',
    modulusBits: 2048,
    createdAt: 100,
    publicKey: pair.publicKey,
    privateKey: pair.privateKey,
    extractable: false,
    origin: 'generated',
    ...overrides,
  };
}

function authorityKey(overrides: Partial<StoredKey> = {}): StoredKey {
  return {
    keyId: 'SHA256:auth',
    role: 'authority',
    name: 'Bank',
    modulusBits: 2048,
    createdAt: 50,
    publicKey: pair.publicKey,
    extractable: false,
    origin: 'imported',
    ...overrides,
  };
}

describe('createKeyStore', () => {
  let factory: IDBFactory;
  let db: IDBPDatabase<KeywardDB>;
  let store: KeyStore;
  beforeEach(async () => {
    factory = new IDBFactory();
    db = await openKeywardDb(NAME, factory);
    store = createKeyStore(() => Promise.resolve(db));
  });
  afterEach(() => {
    db.close();
  });

  it('keeps a non-extractable RSA-OAEP private key across close and reopen: it decrypts and stays non-extractable', async () => {
    await store.put(ownerKey());
    db.close();

    db = await openKeywardDb(NAME, factory);
    const stored = await createKeyStore(() => Promise.resolve(db)).get('SHA256:owner');
    expect(stored?.privateKey).toBeInstanceOf(CryptoKey);
    const privateKey = stored!.privateKey!;
    expect(privateKey.extractable).toBe(false);
    expect(privateKey.type).toBe('private');
    expect(privateKey.usages).toEqual(['decrypt']);
    await expect(crypto.subtle.exportKey('pkcs8', privateKey)).rejects.toThrow();

    const message = new TextEncoder().encode('file key');
    const wrapped = await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, stored!.publicKey, message);
    const unwrapped = await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, privateKey, wrapped);
    expect(new Uint8Array(unwrapped)).toEqual(message);
  });

  it('keeps an identity across close and reopen: its non-extractable Ed25519 private key signs and stays non-extractable', async () => {
    await store.put(ownerKey({ identity: identity() }));
    db.close();

    db = await openKeywardDb(NAME, factory);
    const stored = await createKeyStore(() => Promise.resolve(db)).get('SHA256:owner');
    expect(stored && isIdentity(stored)).toBe(true);
    const { signingPrivateKey, signingKey, id, rsaSpki, ed25519Spki } = stored!.identity!;
    expect(id).toBe('SHA256:ident');
    expect(rsaSpki).toEqual(new Uint8Array([1, 2, 3]));
    expect(ed25519Spki).toEqual(new Uint8Array(44).fill(7));
    expect(signingPrivateKey).toBeInstanceOf(CryptoKey);
    expect(signingPrivateKey!.extractable).toBe(false);
    expect(signingPrivateKey!.usages).toEqual(['sign']);
    await expect(crypto.subtle.exportKey('pkcs8', signingPrivateKey!)).rejects.toThrow();
    const message = new TextEncoder().encode('keyward/v2 file');
    const signature = await crypto.subtle.sign('Ed25519', signingPrivateKey!, message);
    expect(await crypto.subtle.verify('Ed25519', signingKey, signature, message)).toBe(true);
  });

  it('adds the signing half to a v1 key once, never replacing a stored identity', async () => {
    await store.put(ownerKey({ backedUpAt: 7 }));
    const upgraded = await store.update('SHA256:owner', { identity: identity('SHA256:first') });
    expect(upgraded).toMatchObject({ keyId: 'SHA256:owner', backedUpAt: 7, identity: { id: 'SHA256:first' } });
    await expect(store.update('SHA256:owner', { identity: identity('SHA256:second') })).rejects.toMatchObject({ code: 'DB_FAILED' });
    expect((await store.get('SHA256:owner'))?.identity?.id).toBe('SHA256:first');
  });

  it('never drops a stored identity when the v1 form of its RSA key is stored again', async () => {
    await store.put(authorityKey({ identity: identity('SHA256:pinned', false), confirmedAt: 5 }));
    await store.put(authorityKey({ name: 'Bank again', createdAt: 999 }));
    expect(await store.get('SHA256:auth')).toMatchObject({ name: 'Bank', confirmedAt: 5, identity: { id: 'SHA256:pinned' } });
  });

  it('puts, gets, lists oldest first, updates and removes', async () => {
    expect(await store.list()).toEqual([]);
    expect(await store.get('SHA256:owner')).toBeUndefined();

    await store.put(ownerKey({ createdAt: 300 }));
    await store.put(authorityKey({ createdAt: 200 }));
    await store.put(authorityKey({ keyId: 'SHA256:aaa', createdAt: 200, name: 'Same time' }));
    expect((await store.list()).map((k) => k.keyId)).toEqual(['SHA256:aaa', 'SHA256:auth', 'SHA256:owner']);
    expect(await store.get('SHA256:auth')).toMatchObject({ role: 'authority', name: 'Bank', createdAt: 200 });
    expect((await db.getAllFromIndex('keys', 'by-role', 'authority')).map((k) => k.keyId).sort()).toEqual(['SHA256:aaa', 'SHA256:auth']);

    const renamed = await store.update('SHA256:auth', { name: 'Bank vault', confirmedAt: 400 });
    expect(renamed).toMatchObject({ keyId: 'SHA256:auth', name: 'Bank vault', confirmedAt: 400, role: 'authority' });
    expect(await store.get('SHA256:auth')).toEqual(renamed);
    await store.update('SHA256:owner', { backedUpAt: 500 });
    expect(await store.get('SHA256:owner')).toMatchObject({ backedUpAt: 500, name: 'My key' });

    await store.remove('SHA256:auth');
    await store.remove('SHA256:nothing'); // removing what is not there is not an error
    expect((await store.list()).map((k) => k.keyId)).toEqual(['SHA256:aaa', 'SHA256:owner']);
  });

  it('updates only the name and the two times, and never erases them with undefined', async () => {
    await store.put(authorityKey({ confirmedAt: 1 }));
    // A wider object type-checks as a patch (no excess-property check on variables), so the store filters.
    const patch = { name: undefined, confirmedAt: undefined, backedUpAt: 9, role: 'owner', keyId: 'SHA256:other' };
    const updated = await store.update('SHA256:auth', patch);
    expect(updated).toMatchObject({ keyId: 'SHA256:auth', role: 'authority', name: 'Bank', confirmedAt: 1, backedUpAt: 9 });
    expect(await store.get('SHA256:other')).toBeUndefined();
  });

  it('rejects an update of a key that is not stored', async () => {
    await expect(store.update('SHA256:gone', { name: 'x' })).rejects.toMatchObject({ name: 'KeywardError', code: 'DB_FAILED' });
    expect(await store.list()).toEqual([]);
  });

  it('never drops a stored private key when the public half is stored again', async () => {
    await store.put(ownerKey({ backedUpAt: 7 }));
    await store.put(authorityKey({ keyId: 'SHA256:owner', name: 'Backup authority', createdAt: 999, confirmedAt: 5 }));
    const stored = await store.get('SHA256:owner');
    expect(stored?.privateKey).toBeInstanceOf(CryptoKey);
    expect(stored).toMatchObject({ role: 'owner', name: 'My key', createdAt: 100, origin: 'generated', backedUpAt: 7, confirmedAt: 5 });
    expect(await store.list()).toHaveLength(1);
  });

  it('replaces a public-only key when its private key arrives, and a key by the same key and role', async () => {
    await store.put(authorityKey({ keyId: 'SHA256:owner', confirmedAt: 5 }));
    await store.put(ownerKey({ createdAt: 200 }));
    expect(await store.get('SHA256:owner')).toMatchObject({ role: 'owner', createdAt: 200, privateKey: expect.any(CryptoKey) });

    await store.put(ownerKey({ name: 'Renamed by re-import', createdAt: 300, extractable: true, origin: 'imported' }));
    expect(await store.get('SHA256:owner')).toMatchObject({ name: 'Renamed by re-import', createdAt: 300, extractable: true });
  });

  it('pins councils by council ID: kept across close and reopen with their members’ keys, the first pinning kept, removed', async () => {
    const { pinnableCouncil } = await import('../store/test-owner-councils.ts');
    const { council } = await pinnableCouncil();
    const other = await pinnableCouncil({ name: 'Board', threshold: 1, size: 2 });
    await store.putCouncil({ ...council, pinnedAt: 10 });
    await store.putCouncil({ ...other.council, pinnedAt: 5 });
    await store.putCouncil({ ...council, pinnedAt: 20 });
    db.close();

    db = await openKeywardDb(NAME, factory);
    const reopened = createKeyStore(() => Promise.resolve(db));
    const listed = await reopened.listCouncils();
    expect(listed.map((c) => [c.id, c.pinnedAt])).toEqual([
      [other.council.id, 5],
      [council.id, 10],
    ]);
    const stored = listed[1]!;
    expect(stored).toMatchObject({ name: 'Recovery council', threshold: 2, members: council.members });
    expect(stored.identities.map((i) => i.id)).toEqual(council.members.map((m) => m.id));
    expect(stored.identities[0]!.encryption.publicKey).toBeInstanceOf(CryptoKey);
    // The stored keys still work: a share wrapped for member 1 after the reload.
    const { shareLabel } = await import('../core/index.ts');
    await expect(
      crypto.subtle.encrypt({ name: 'RSA-OAEP', label: shareLabel(1) }, stored.identities[0]!.encryption.publicKey, new Uint8Array(33)),
    ).resolves.toBeInstanceOf(ArrayBuffer);

    await reopened.removeCouncil(council.id);
    expect((await reopened.listCouncils()).map((c) => c.id)).toEqual([other.council.id]);
  });

  it('turns IndexedDB failures into StorageError', async () => {
    await store.put(ownerKey());
    db.close();
    await expect(store.list()).rejects.toBeInstanceOf(KeywardError);
    await expect(store.put(ownerKey())).rejects.toMatchObject({ code: 'DB_FAILED' });
    const unopenable = createKeyStore(() => Promise.reject(storageError('DB_BLOCKED')));
    await expect(unopenable.get('SHA256:owner')).rejects.toMatchObject({ code: 'DB_BLOCKED' });
  });
});

describe('mergeKey', () => {
  it('takes the incoming key unless it would drop a stored private key', () => {
    const owner = ownerKey();
    const authority = authorityKey();
    expect(mergeKey(undefined, authority)).toBe(authority);
    expect(mergeKey(authority, owner)).toBe(owner);
    expect(mergeKey(owner, ownerKey({ name: 'new' }))).toMatchObject({ name: 'new' });
    expect(mergeKey(owner, authorityKey({ keyId: owner.keyId }))).toEqual(owner);
    expect(mergeKey(owner, authorityKey({ keyId: owner.keyId, confirmedAt: 3 }))).toEqual({ ...owner, confirmedAt: 3 });
    expect(mergeKey({ ...owner, confirmedAt: 1 }, authorityKey({ confirmedAt: 3 }))).toEqual({ ...owner, confirmedAt: 1 });
  });

  it('keeps an identity over its v1 form, and moves a confirmation only between the same identity', () => {
    const publicIdentity = authorityKey({ identity: identity('SHA256:a', false) });
    const privateIdentity = ownerKey({ keyId: publicIdentity.keyId, identity: identity('SHA256:a') });
    // The v1 form of a stored identity (public or private) never drops its signing half.
    expect(mergeKey(publicIdentity, authorityKey())).toEqual(publicIdentity);
    expect(mergeKey(privateIdentity, ownerKey({ keyId: publicIdentity.keyId, name: 'v1 backup' }))).toEqual(privateIdentity);
    // A confirmed v1 key ID does not pin the identity, nor one identity another.
    expect(mergeKey(privateIdentity, authorityKey({ confirmedAt: 3 }))).toEqual(privateIdentity);
    expect(mergeKey(privateIdentity, authorityKey({ identity: identity('SHA256:b', false), confirmedAt: 3 }))).toEqual(privateIdentity);
    expect(mergeKey(privateIdentity, authorityKey({ identity: identity('SHA256:a', false), confirmedAt: 3 }))).toEqual({ ...privateIdentity, confirmedAt: 3 });
    // A private key, or an identity, arriving for a lesser record replaces it; so does another identity.
    expect(mergeKey(publicIdentity, privateIdentity)).toBe(privateIdentity);
    const v1Owner = ownerKey({ keyId: publicIdentity.keyId });
    expect(mergeKey(v1Owner, privateIdentity)).toBe(privateIdentity);
    const other = authorityKey({ identity: identity('SHA256:b', false) });
    expect(mergeKey({ ...publicIdentity, confirmedAt: 9 }, other)).toBe(other);
  });

  it('names the ID to confirm: the identity ID of an identity, the key ID of a v1 key', () => {
    expect(confirmableId(authorityKey({ identity: identity('SHA256:a', false) }))).toBe('SHA256:a');
    expect(confirmableId(authorityKey())).toBe('SHA256:auth');
  });
});
