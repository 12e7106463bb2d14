// @vitest-environment happy-dom
/**
 * The keys slice with real crypto (in-process) over the in-memory key store.
 * Test keys are read from src/core/testdata/keys with `testKeyPem`: Vite's
 * `server.fs.deny` refuses `*.pem?raw` imports in the happy-dom transform.
 */
import { storageError } from '../../io/db.ts';
import { createPrivateKey } from 'node:crypto';
import {
  exportPrivateIdentity,
  exportPublicIdentity,
  exportPublicKey,
  generateIdentity,
  identityFromKeyPair,
  importPrivateIdentity,
  importPrivateKey,
  importPublicIdentity,
} from '../../core/index.ts';
import type { KeyStore } from '../../io/key-store.ts';
import { createTestStore, keyIdOfPem, memoryKeyStore, recordingDownloader, testKeyPem } from '../test-adapters.ts';
import { backupStatus, cannotBeBackedUp, ownKeyPair, unconfirmedAuthority } from './keys-slice.ts';
import { unsavedWork } from './session-slice.ts';

const PASSPHRASE = testKeyPem('owner-encrypted.passphrase.txt').trim();

async function setup() {
  const download = recordingDownloader();
  let clock = Date.UTC(2026, 10, 28, 9, 0);
  const { store, adapters } = await createTestStore({ download, now: () => (clock += 1000) });
  return { store, download, keyStore: adapters.keyStore };
}

/** The result of `importKey`, or the test fails with the error it returned. */
function stored<T>(result: { key: T } | { error: { code: string; message: string } }): T {
  if ('error' in result) throw new Error(`import failed: ${result.error.code} ${result.error.message}`);
  return result.key;
}

function failed(result: { key: unknown } | { error: { code: string } }): string {
  if (!('error' in result)) throw new Error('import was expected to fail');
  return result.error.code;
}

/** The key `generateKey` made, or the test fails with the error it returned. */
const made = stored;

describe('generateKey', () => {
  it('stores nothing until the backup is downloaded, then stores the key non-extractable; the backup re-imports', async () => {
    const { store, download, keyStore } = await setup();
    const key = made(await store.getState().generateKey({ name: '  Ada Lovelace ', bits: 3072, role: 'owner' }));

    expect(key).toMatchObject({ name: 'Ada Lovelace', role: 'owner', modulusBits: 3072, origin: 'generated' });
    // Only in memory: a reload now loses an unused key, never leaves one that can never be backed up.
    expect(store.getState().keys).toEqual([]);
    expect(await keyStore.list()).toEqual([]);
    expect(store.getState().newKey?.key.keyId).toBe(key.keyId);
    expect(store.getState().newKey?.key.privateKey?.extractable).toBe(true);
    expect(store.getState().backupProblem(key.keyId)).toBeNull();
    // Leaving now would lose it: the page asks first.
    expect(unsavedWork(store.getState())).toBe('new-key');

    expect(await store.getState().exportPrivateBackup(key.keyId, 'correct horse battery')).toBeNull();
    expect(download.saved.map((s) => s.name)).toEqual(['Ada-Lovelace.backup.pem']);
    const pem = await download.saved[0]!.blob.text();
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    // A new key is an identity; its backup holds both private keys.
    expect(pem.match(/-----BEGIN ENCRYPTED PRIVATE KEY-----/g)).toHaveLength(2);
    const reopened = await importPrivateIdentity(pem, { passphrase: 'correct horse battery' });
    expect(reopened.encryption.keyId).toBe(key.keyId);
    expect(reopened.id).toBe(key.identity?.id);

    expect(store.getState().newKey).toBeNull();
    expect(unsavedWork(store.getState())).toBeNull();
    const [saved] = store.getState().keys;
    expect(saved).toMatchObject({ keyId: key.keyId, name: 'Ada Lovelace', extractable: false });
    expect(saved?.privateKey?.extractable).toBe(false);
    // The signing key too: stored so that it can sign here, never be read out.
    expect(saved?.identity?.id).toBe(key.identity?.id);
    expect(saved?.identity?.signingPrivateKey?.extractable).toBe(false);
    expect(saved?.backedUpAt).toBeGreaterThan(0);
    expect((await keyStore.get(key.keyId))?.backedUpAt).toBe(saved?.backedUpAt);
    // Saved: it can be used, never read out.
    expect(store.getState().backupProblem(key.keyId)?.code).toBe('KEY_NOT_EXTRACTABLE');
    expect((await store.getState().exportPrivateBackup(key.keyId, 'correct horse battery'))?.code).toBe('KEY_NOT_EXTRACTABLE');
    expect(download.saved).toHaveLength(1);
  }, 60_000);

  it('stores the key without a backup only when the person declines one, and records that', async () => {
    const { store, download } = await setup();
    const key = made(await store.getState().generateKey({ name: 'Ada', bits: 3072, role: 'owner' }));
    expect(await store.getState().keepNewKeyWithoutBackup()).toBeNull();

    expect(store.getState().newKey).toBeNull();
    const [saved] = store.getState().keys;
    expect(saved).toMatchObject({ keyId: key.keyId, extractable: false });
    expect(saved?.backedUpAt).toBeUndefined();
    expect(saved?.backupDeclinedAt).toBeGreaterThan(0);
    expect(cannotBeBackedUp(saved!)).toBe(false);
    expect(download.saved).toEqual([]);
  }, 60_000);

  it('forgets a discarded key pair without storing it', async () => {
    const { store } = await setup();
    made(await store.getState().generateKey({ name: 'Ada', bits: 3072, role: 'owner' }));
    store.getState().discardNewKey();
    expect(store.getState().newKey).toBeNull();
    expect(store.getState().keys).toEqual([]);
  }, 60_000);

  it('refuses an empty name with NAME_REQUIRED and makes nothing', async () => {
    const { store } = await setup();
    const result = await store.getState().generateKey({ name: '   ', bits: 3072, role: 'authority-own' });
    expect(failed(result)).toBe('NAME_REQUIRED');
    expect(store.getState().newKey).toBeNull();
  });

  it('keeps the stored private key exportable when asked, so a backup can be made later', async () => {
    const { store, download } = await setup();
    const key = made(await store.getState().generateKey({ name: 'Exportable', bits: 3072, role: 'owner', keepExportable: true }));
    expect(await store.getState().keepNewKeyWithoutBackup()).toBeNull();

    expect(store.getState().keys[0]).toMatchObject({ extractable: true });
    expect(store.getState().keys[0]?.privateKey?.extractable).toBe(true);
    expect(await store.getState().exportPrivateBackup(key.keyId, 'another passphrase')).toBeNull();
    expect(await download.saved[0]!.blob.text()).toContain('ENCRYPTED PRIVATE KEY');
  }, 60_000);

  it('refuses a short backup passphrase, downloads and stores nothing', async () => {
    const { store, download } = await setup();
    const key = made(await store.getState().generateKey({ name: 'Ada', bits: 3072, role: 'owner' }));

    const error = await store.getState().exportPrivateBackup(key.keyId, 'short');
    expect(error).toEqual({ code: 'PASSPHRASE_SHORT', message: 'Choose a passphrase of at least 8 characters (spaces at either end do not count).' });
    expect((await store.getState().exportPrivateBackup(key.keyId, '          '))?.code).toBe('PASSPHRASE_SHORT');
    expect(download.saved).toEqual([]);
    expect(store.getState().newKey?.key.keyId).toBe(key.keyId);
    expect(store.getState().keys).toEqual([]);
  }, 60_000);
});

describe('a stored key that can never be backed up (left before its backup)', () => {
  it('is recognised, and keeping it anyway is recorded', async () => {
    const { store, keyStore } = await setup();
    const pair = stored(await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' }));
    // What older versions stored at Create: non-extractable, no backup, no decision.
    const stuck = { ...pair, backedUpAt: undefined };
    await keyStore.put({ ...stuck, origin: 'generated' });
    await store.getState().loadKeys();

    expect(cannotBeBackedUp(store.getState().keys[0]!)).toBe(true);
    await store.getState().declineBackup(pair.keyId);
    expect(cannotBeBackedUp(store.getState().keys[0]!)).toBe(false);
    expect(store.getState().keys[0]?.backupDeclinedAt).toBeGreaterThan(0);
  });
});

describe('importKey', () => {
  const cases = [
    { format: 'PKCS#8', pem: 'owner.pem', pub: 'owner.pub.pem' },
    { format: 'PKCS#1', pem: 'owner-pkcs1.pem', pub: 'owner-pkcs1.pub.pem' },
    { format: 'encrypted PKCS#8', pem: 'owner-encrypted.pem', pub: 'owner-encrypted.pub.pem', passphrase: PASSPHRASE },
  ];
  it.each(cases)('stores a $format private key as my key pair, non-extractable, with the key ID of its public key', async (c) => {
    const { store } = await setup();
    const key = stored(await store.getState().importKey({ text: testKeyPem(c.pem), name: 'Ada', ...(c.passphrase ? { passphrase: c.passphrase } : {}) }));

    expect(key.keyId).toBe(await keyIdOfPem(testKeyPem(c.pub)));
    expect(key).toMatchObject({ role: 'owner', name: 'Ada', modulusBits: 3072, extractable: false, origin: 'imported' });
    expect(key.privateKey?.extractable).toBe(false);
    // The key file the user imported from is its backup.
    expect(key.backedUpAt).toBe(key.createdAt);
    expect(store.getState().backupProblem(key.keyId)?.code).toBe('KEY_NOT_EXTRACTABLE');
  });

  it('stores a private JWK, and keeps it exportable when asked', async () => {
    const { store, download } = await setup();
    const jwk = JSON.stringify(createPrivateKey(testKeyPem('owner.pem')).export({ format: 'jwk' }));
    const key = stored(await store.getState().importKey({ text: jwk, name: 'From JWK', keepExportable: true }));

    expect(key.keyId).toBe(await keyIdOfPem(testKeyPem('owner.pub.pem')));
    expect(key).toMatchObject({ role: 'owner', extractable: true });
    expect(key.privateKey?.extractable).toBe(true);
    expect(await store.getState().exportPrivateBackup(key.keyId, 'correct horse battery')).toBeNull();
    expect((await importPrivateKey(await download.saved[0]!.blob.text(), { passphrase: 'correct horse battery' })).keyId).toBe(key.keyId);
  }, 60_000);

  it.each([
    { format: 'SPKI PEM', text: () => testKeyPem('authority.pub.pem') },
    { format: 'PKCS#1 public PEM', text: () => testKeyPem('owner-pkcs1.pub.pem') },
    { format: 'public JWK', text: () => JSON.stringify(createPrivateKey(testKeyPem('authority.pem')).export({ format: 'jwk' })).replace(/,"(d|p|q|dp|dq|qi)":"[^"]*"/g, '') },
  ])('stores a $format public key as an unconfirmed backup authority', async (c) => {
    const { store } = await setup();
    const key = stored(await store.getState().importKey({ text: c.text(), name: 'IT backup desk' }));

    expect(key).toMatchObject({ role: 'authority', name: 'IT backup desk', extractable: false });
    expect(key.privateKey).toBeUndefined();
    expect(key.confirmedAt).toBeUndefined();
    expect(key.backedUpAt).toBeUndefined();
  });

  it.each([
    { what: 'a 1024-bit key', text: () => testKeyPem('weak-1024.pem'), code: 'KEY_TOO_WEAK', message: 'This RSA key is too weak (1024 bits)' },
    { what: 'a 1024-bit public key', text: () => testKeyPem('weak-1024.pub.pem'), code: 'KEY_TOO_WEAK', message: 'at least 2048 bits' },
    { what: 'an EC key', text: () => testKeyPem('ec-p256.pem'), code: 'KEY_UNSUPPORTED', message: 'cannot be used for Keyward' },
    { what: 'text that is no key', text: () => 'hello', code: 'KEY_UNREADABLE', message: 'This is not a key Keyward can read' },
    { what: 'nothing', text: () => '  \n', code: 'KEY_MISSING', message: 'Paste a key' },
    { what: 'an encrypted key without passphrase', text: () => testKeyPem('owner-encrypted.pem'), code: 'PASSPHRASE_REQUIRED', message: 'Enter the passphrase' },
  ])('refuses $what with $code and stores nothing', async (c) => {
    const { store } = await setup();
    const result = await store.getState().importKey({ text: c.text(), name: 'X' });

    expect(failed(result)).toBe(c.code);
    if ('error' in result) expect(result.error.message).toContain(c.message);
    expect(store.getState().keys).toEqual([]);
  });

  it('refuses a wrong passphrase with PASSPHRASE_WRONG', async () => {
    const { store } = await setup();
    const result = await store.getState().importKey({ text: testKeyPem('owner-encrypted.pem'), name: 'X', passphrase: 'not the passphrase' });

    expect(result).toEqual({
      error: { code: 'PASSPHRASE_WRONG', message: 'The passphrase is wrong, or the encrypted key is damaged. Check the passphrase and try again.' },
    });
    expect(store.getState().keys).toEqual([]);
  });

  it('refuses a new key without a name (NAME_REQUIRED), never naming it after a default', async () => {
    const { store } = await setup();
    expect(failed(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: '  ' }))).toBe('NAME_REQUIRED');
    expect(failed(await store.getState().importKey({ text: testKeyPem('owner.pem'), name: '' }))).toBe('NAME_REQUIRED');
    expect(store.getState().keys).toEqual([]);
  });

  it('refuses the wrong kind of key for the form that asks', async () => {
    const { store } = await setup();
    expect(failed(await store.getState().importKey({ text: testKeyPem('owner.pub.pem'), name: 'X', accept: 'private' }))).toBe('KEY_NOT_PRIVATE');
    expect(failed(await store.getState().importKey({ text: testKeyPem('authority.pem'), name: 'X', accept: 'public' }))).toBe('KEY_NOT_PUBLIC');
    expect(store.getState().keys).toEqual([]);
  });

  it('keeps the private key when the public half of a stored key pair is imported again', async () => {
    const { store, keyStore } = await setup();
    const pair = stored(await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' }));

    const again = stored(await store.getState().importKey({ text: testKeyPem('owner.pub.pem'), name: 'Ada public' }));
    expect(again.keyId).toBe(pair.keyId);
    expect(again).toMatchObject({ role: 'owner', name: 'Ada' });
    expect(again.privateKey).toBe(pair.privateKey);
    expect(await keyStore.get(pair.keyId)).toMatchObject({ role: 'owner', name: 'Ada', privateKey: pair.privateKey });
    expect(store.getState().keys).toHaveLength(1);

    // As a backup authority, the own key is refused with a sentence that names it.
    const asAuthority = await store.getState().importKey({ text: testKeyPem('owner.pub.pem'), name: 'IT', accept: 'public' });
    expect(failed(asAuthority)).toBe('KEY_IS_OWN');
    if ('error' in asAuthority) expect(asAuthority.error.message).toContain('“Ada”');
    expect(store.getState().keys[0]).toMatchObject({ role: 'owner', privateKey: pair.privateKey });
  });

  it('keeps the confirmation when an authority key is imported again', async () => {
    const { store } = await setup();
    const authority = stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk', accept: 'public' }));
    await store.getState().confirmAuthority(authority.keyId);
    const confirmedAt = store.getState().keys[0]?.confirmedAt;
    expect(confirmedAt).toBeGreaterThan(0);

    const again = stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: '', accept: 'public' }));
    expect(again).toMatchObject({ name: 'IT backup desk', confirmedAt, createdAt: authority.createdAt });
  });

  it('refuses to store a key in a second role', async () => {
    const { store } = await setup();
    stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT backup desk' }));

    const result = await store.getState().importKey({ text: testKeyPem('authority.pem'), name: 'Mine?' });
    expect(failed(result)).toBe('KEY_EXISTS');
    expect(store.getState().keys).toMatchObject([{ role: 'authority', name: 'IT backup desk' }]);
    expect(store.getState().keys[0]?.privateKey).toBeUndefined();
  });

  it('stores a private key in the role the caller names (the authority’s own key pair)', async () => {
    const { store } = await setup();
    const key = stored(await store.getState().importKey({ text: testKeyPem('authority.pem'), name: 'Desk', privateRole: 'authority-own' }));
    expect(key.role).toBe('authority-own');
  });
});

describe('confirm, rename, export and delete', () => {
  it('confirms an authority, renames keys and exports public keys as PEM and JWK', async () => {
    const { store, download } = await setup();
    const authority = stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT' }));
    await store.getState().confirmAuthority(authority.keyId);
    await store.getState().renameKey(authority.keyId, '  IT backup desk ');
    await store.getState().renameKey(authority.keyId, '   ');
    expect(store.getState().keys[0]).toMatchObject({ name: 'IT backup desk' });
    expect(store.getState().keys[0]?.confirmedAt).toBeGreaterThan(0);

    expect(await store.getState().exportPublicKey(authority.keyId, 'spki-pem')).toBeNull();
    expect(await store.getState().exportPublicKey(authority.keyId, 'jwk')).toBeNull();
    expect(download.saved.map((s) => s.name)).toEqual(['IT-backup-desk.pub.pem', 'IT-backup-desk.pub.jwk.json']);
    expect(await keyIdOfPem(await download.saved[0]!.blob.text())).toBe(authority.keyId);
    expect(await keyIdOfPem(await download.saved[1]!.blob.text())).toBe(authority.keyId);
  });

  it('deletes a key', async () => {
    const { store, keyStore } = await setup();
    const generated = made(await store.getState().generateKey({ name: 'Ada', bits: 3072, role: 'owner' }));
    await store.getState().keepNewKeyWithoutBackup();
    const authority = stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT' }));

    await store.getState().deleteKey(generated.keyId);
    expect(store.getState().keys.map((k) => k.keyId)).toEqual([authority.keyId]);
    expect(await keyStore.get(generated.keyId)).toBeUndefined();
    expect(store.getState().backupProblem(generated.keyId)?.code).toBe('KEY_GONE');
    expect((await store.getState().exportPublicKey(generated.keyId, 'jwk'))?.code).toBe('KEY_GONE');
  }, 60_000);

  it('resolves a storage failure to the error to show where the person clicked, and keeps the list as stored', async () => {
    const memory = memoryKeyStore();
    const failing = () => Promise.reject(storageError('DB_FAILED'));
    const keyStore: KeyStore = { ...memory, remove: failing, update: failing };
    const { store } = await createTestStore({ keyStore });
    const authority = stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT' }));

    expect(await store.getState().deleteKey(authority.keyId)).toMatchObject({ code: 'DB_FAILED' });
    expect(await store.getState().confirmAuthority(authority.keyId)).toMatchObject({ code: 'DB_FAILED' });
    expect(await store.getState().renameKey(authority.keyId, 'Desk')).toMatchObject({ code: 'DB_FAILED' });
    expect(await store.getState().renameKey(authority.keyId, '  ')).toMatchObject({ code: 'NAME_REQUIRED' });
    expect(store.getState().keys).toMatchObject([{ keyId: authority.keyId, name: 'IT' }]);
    expect(store.getState().keys[0]!.confirmedAt).toBeUndefined();
    // One way to fail: the result, not a notice as well.
    expect(store.getState().notices).toEqual([]);
    expect(await memory.get(authority.keyId)).toBeDefined();
  });
});

describe('selectors', () => {
  it('finds my key pair and an authority still to confirm, and says what is known about each backup', async () => {
    const { store } = await setup();
    const generated = made(await store.getState().generateKey({ name: 'New', bits: 3072, role: 'owner', keepExportable: true }));
    await store.getState().keepNewKeyWithoutBackup();
    const imported = stored(await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Old' }));
    const authority = stored(await store.getState().importKey({ text: testKeyPem('authority.pub.pem'), name: 'IT' }));
    const keys = () => store.getState().keys;
    const byId = (keyId: string) => keys().find((k) => k.keyId === keyId)!;

    expect(ownKeyPair(keys())?.keyId).toBe(generated.keyId);
    expect(unconfirmedAuthority(keys())?.keyId).toBe(authority.keyId);
    expect(backupStatus(byId(generated.keyId))).toBe('missing');
    expect(backupStatus(byId(imported.keyId))).toBe('imported');
    expect(backupStatus(byId(authority.keyId))).toBe('none');

    await store.getState().exportPrivateBackup(generated.keyId, 'correct horse battery');
    await store.getState().confirmAuthority(authority.keyId);
    expect(backupStatus(byId(generated.keyId))).toBe('exported');
    expect(unconfirmedAuthority(keys())).toBeUndefined();
  }, 60_000);
});

describe('identities (spec v2 §2)', () => {
  it('pins an authority identity by its identity ID; its v1 form changes nothing; another identity over the same RSA key must be confirmed again', async () => {
    const { store } = await setup();
    const desk = await generateIdentity({ bits: 3072, extractable: true });
    const key = stored(await store.getState().importKey({ text: await exportPublicIdentity(desk, 'pem'), name: 'IT backup desk', accept: 'public' }));
    expect(key).toMatchObject({ role: 'authority', keyId: desk.encryption.keyId, identity: { id: desk.id } });
    expect(key.privateKey).toBeUndefined();
    expect(key.identity?.signingPrivateKey).toBeUndefined();
    expect(unconfirmedAuthority(store.getState().keys)?.keyId).toBe(key.keyId);
    expect(await store.getState().confirmAuthority(key.keyId)).toBeNull();
    const confirmedAt = store.getState().keys[0]!.confirmedAt;
    expect(confirmedAt).toBeGreaterThan(0);

    // The RSA key alone (v1 form) of the pinned identity: the identity and its pin stay.
    const v1Form = await exportPublicKey(desk.encryption.publicKey, 'spki-pem');
    stored(await store.getState().importKey({ text: v1Form, name: '', accept: 'public' }));
    expect(store.getState().keys).toHaveLength(1);
    expect(store.getState().keys[0]).toMatchObject({ identity: { id: desk.id }, confirmedAt });

    // The same RSA key in another identity (a new signing key): a different ID, not pinned until confirmed.
    const other = await identityFromKeyPair(desk.encryption);
    const replaced = stored(await store.getState().importKey({ text: await exportPublicIdentity(other, 'jwk'), name: '', accept: 'public' }));
    expect(replaced.identity?.id).toBe(other.id);
    expect(replaced.name).toBe('IT backup desk');
    expect(replaced.confirmedAt).toBeUndefined();
    expect(unconfirmedAuthority(store.getState().keys)?.keyId).toBe(key.keyId);
  }, 60_000);

  it('confirms only the identity whose ID was compared: one replaced meanwhile (another tab) is refused with KEY_CHANGED', async () => {
    const { store, keyStore } = await setup();
    const desk = await generateIdentity({ bits: 3072, extractable: true });
    const shown = stored(await store.getState().importKey({ text: await exportPublicIdentity(desk, 'pem'), name: 'IT backup desk', accept: 'public' }));
    // Another tab stores another identity over the same RSA key; this tab still shows the first one's ID.
    const other = await identityFromKeyPair(desk.encryption);
    await keyStore.put({ ...shown, identity: { ...shown.identity!, id: other.id, ed25519Spki: other.ed25519Spki, signingKey: other.signingKey } });
    expect((await store.getState().confirmAuthority(shown.keyId, desk.id))?.code).toBe('KEY_CHANGED');
    expect((await keyStore.get(shown.keyId))?.confirmedAt).toBeUndefined();
    // The ID shown now (after the re-read) is the one that can be confirmed.
    expect(store.getState().keys[0]?.identity?.id).toBe(other.id);
    expect(await store.getState().confirmAuthority(shown.keyId, other.id)).toBeNull();
    expect((await keyStore.get(shown.keyId))?.confirmedAt).toBeGreaterThan(0);
  }, 60_000);

  it('imports a private identity as my key pair and exports its public identity as two PEM blocks and as a JWK Set', async () => {
    const { store, download } = await setup();
    const mine = await generateIdentity({ bits: 3072, extractable: true });
    const backup = await exportPrivateIdentity(mine, 'encrypted-pem', { passphrase: 'correct horse battery', iterations: 1000 });
    expect(failed(await store.getState().importKey({ text: backup, name: 'Ada', accept: 'private' }))).toBe('PASSPHRASE_REQUIRED');
    const key = stored(await store.getState().importKey({ text: backup, name: 'Ada', passphrase: 'correct horse battery', accept: 'private' }));
    expect(key).toMatchObject({ role: 'owner', keyId: mine.encryption.keyId, extractable: false, identity: { id: mine.id } });
    expect(key.privateKey?.extractable).toBe(false);
    expect(key.identity?.signingPrivateKey?.extractable).toBe(false);
    // Its public identity is refused where an authority's key belongs.
    expect(failed(await store.getState().importKey({ text: await exportPublicIdentity(mine, 'pem'), name: 'X', accept: 'public' }))).toBe('KEY_IS_OWN');
    // A public identity is refused where a private key is needed, before anything is imported.
    expect(failed(await store.getState().importKey({ text: await exportPublicIdentity(mine, 'pem'), name: 'X', accept: 'private' }))).toBe('KEY_NOT_PRIVATE');

    expect(await store.getState().exportPublicKey(key.keyId, 'spki-pem')).toBeNull();
    expect(await store.getState().exportPublicKey(key.keyId, 'jwk')).toBeNull();
    const [pem, jwk] = await Promise.all(download.saved.map((s) => s.blob.text()));
    expect(download.saved.map((s) => s.name)).toEqual(['Ada.pub.pem', 'Ada.pub.jwk.json']);
    expect(pem!.match(/-----BEGIN PUBLIC KEY-----/g)).toHaveLength(2);
    expect((await importPublicIdentity(pem!)).id).toBe(mine.id);
    expect((await importPublicIdentity(jwk!)).id).toBe(mine.id);
  }, 60_000);

  it('adds a signing key to a v1 key pair once: a new identity ID, the same key ID, as exportable as the RSA key', async () => {
    const { store, download } = await setup();
    const fixed = stored(await store.getState().importKey({ text: testKeyPem('owner.pem'), name: 'Ada' }));
    const loose = stored(await store.getState().importKey({ text: testKeyPem('new-owner.pem'), name: 'Loose', keepExportable: true }));
    expect(fixed.identity).toBeUndefined();

    expect(await store.getState().addSigningKey(fixed.keyId)).toBeNull();
    const upgraded = store.getState().keys.find((k) => k.keyId === fixed.keyId)!;
    expect(upgraded.identity?.id).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(upgraded.identity?.id).not.toBe(fixed.keyId);
    expect(upgraded.identity?.signingPrivateKey?.extractable).toBe(false);
    expect(upgraded).toMatchObject({ name: 'Ada', backedUpAt: fixed.backedUpAt });
    // Once an identity, it stays the same one: its ID may already have been sent.
    expect(await store.getState().addSigningKey(fixed.keyId)).toBeNull();
    expect(store.getState().keys.find((k) => k.keyId === fixed.keyId)?.identity?.id).toBe(upgraded.identity?.id);

    expect(await store.getState().addSigningKey(loose.keyId)).toBeNull();
    const looseNow = store.getState().keys.find((k) => k.keyId === loose.keyId)!;
    expect(looseNow.identity?.signingPrivateKey?.extractable).toBe(true);
    // Its backup now holds both private keys, under the identity's ID.
    expect(await store.getState().exportPrivateBackup(loose.keyId, 'correct horse battery')).toBeNull();
    expect((await importPrivateIdentity(await download.saved[0]!.blob.text(), { passphrase: 'correct horse battery' })).id).toBe(looseNow.identity?.id);

    expect((await store.getState().addSigningKey('SHA256:gone'))?.code).toBe('KEY_GONE');
  }, 60_000);
});

describe('councils (spec v2 §8.1)', () => {
  it('reads a council file without storing it, pins it once compared, loads it again with the keys, and unpins it', async () => {
    const { pinnableCouncil } = await import('../test-owner-councils.ts');
    const { hasPinnedAuthority } = await import('./keys-slice.ts');
    const { council, text } = await pinnableCouncil();
    const keyStore = memoryKeyStore();
    const { store } = await createTestStore({ keyStore, now: () => 1234 });

    const read = await store.getState().readCouncil(text);
    if ('error' in read) throw new Error(read.error.message);
    expect(read.council).toMatchObject({ id: council.id, name: 'Recovery council', threshold: 2, members: council.members });
    expect(store.getState().councils).toEqual([]);
    expect(await keyStore.listCouncils()).toEqual([]);

    // Pinned only under the ID that was shown.
    expect((await store.getState().pinCouncil(read.council, 'SHA256:' + '0'.repeat(64)))?.code).toBe('KEY_CHANGED');
    expect(await keyStore.listCouncils()).toEqual([]);
    expect(await store.getState().pinCouncil(read.council, council.id)).toBeNull();
    const [pinned] = store.getState().councils;
    expect(pinned).toMatchObject({ id: council.id, pinnedAt: 1234 });
    // Exactly the council's fields are stored, nothing the page added.
    expect(Object.keys(pinned!).sort()).toEqual(['format', 'id', 'identities', 'members', 'name', 'pinnedAt', 'threshold']);
    expect(hasPinnedAuthority(store.getState())).toBe(true);

    // A reload: the council comes back with the keys.
    const { store: reloaded } = await createTestStore({ keyStore });
    await reloaded.getState().loadKeys();
    expect(reloaded.getState().councils.map((c) => c.id)).toEqual([council.id]);

    expect(await reloaded.getState().removeCouncil(council.id)).toBeNull();
    expect(reloaded.getState().councils).toEqual([]);
    expect(hasPinnedAuthority(reloaded.getState())).toBe(false);
  });

  it('refuses an empty or unsound council file with its code', async () => {
    const { pinnableCouncil } = await import('../test-owner-councils.ts');
    const { text } = await pinnableCouncil({ size: 2, threshold: 2 });
    const { store } = await createTestStore();
    const codeOf = async (input: string) => {
      const result = await store.getState().readCouncil(input);
      return 'error' in result ? result.error.code : 'read';
    };
    expect(await codeOf('  ')).toBe('MALFORMED');
    expect(await codeOf(text.replace('"threshold":2', '"threshold":3'))).toBe('MALFORMED');
    expect(await codeOf(text.replace('"format":"keyward-council/2"', '"format":"keyward-council/3"'))).toBe('MALFORMED');
    expect(await codeOf(text)).toBe('read');
  });
});
