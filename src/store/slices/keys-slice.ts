/** Keys: the owner's key pairs, authorities' public keys, and an authority's own key pair. */
import type { StateCreator } from 'zustand';
import { MIN_PASSPHRASE_LENGTH } from '../../core/index.ts';
import type { StoredKey } from '../../io/key-store.ts';
import { toUiError, appError } from '../errors.ts';
import { keyKindOf } from '../key-text.ts';
import { keyFileName } from '../names.ts';
import type { Adapters, AppState, KeysSlice, UiError } from '../types.ts';

/** A backup passphrase is the only thing between a lost backup file and the private key: the core's rule, as for `keyward keygen --passphrase`. */
export const MIN_BACKUP_PASSPHRASE_LENGTH = MIN_PASSPHRASE_LENGTH;


export const createKeysSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], KeysSlice> =>
  (set, get) => {
    const now = adapters.now ?? Date.now;
    const refresh = async () => {
      set({ keys: await adapters.keyStore.list(), keysLoaded: true });
    };
    const find = (keyId: string) => get().keys.find((k) => k.keyId === keyId);
    /**
     * Runs a small key-store change and re-reads the list either way; resolves
     * to the change's failure (or the re-read's), for the person to see next to
     * what they clicked.
     */
    const guarded = async (change: () => Promise<void>): Promise<UiError | null> => {
      let failure: UiError | null = null;
      try {
        await change();
      } catch (error) {
        failure = toUiError(error);
      }
      try {
        await refresh();
      } catch (error) {
        failure ??= toUiError(error);
      }
      return failure;
    };

    /** Stores the new key pair (non-extractable unless asked otherwise) once its backup is downloaded or declined. */
    const storeNewKey = async (patch: { backedUpAt: number } | { backupDeclinedAt: number }): Promise<StoredKey> => {
      const pending = get().newKey;
      if (!pending) throw new Error('no new key pair to store');
      let privateKey = pending.key.privateKey!;
      if (!pending.keepExportable) {
        const pkcs8 = await adapters.crypto.run('exportPrivateKey', { key: privateKey, format: 'pkcs8-pem' });
        const reimported = await adapters.crypto.run('importKey', { text: pkcs8, extractable: false });
        if (reimported.kind !== 'private') throw new Error('re-import lost the private key');
        privateKey = reimported.privateKey;
      }
      const stored: StoredKey = { ...pending.key, privateKey, extractable: pending.keepExportable, createdAt: now(), ...patch };
      await adapters.keyStore.put(stored);
      set({ newKey: null });
      await refresh();
      return stored;
    };

    return {
      keys: [],
      keysLoaded: false,
      newKey: null,

      loadKeys: refresh,

      async generateKey({ name, bits, role, keepExportable = false }) {
        if (name.trim() === '') return { error: appError('NAME_REQUIRED') };
        try {
          // Extractable, and only in memory: nothing is stored until its backup is downloaded or
          // explicitly declined (storeNewKey), so a reload before then loses an unused key, never
          // leaves one that exists only here and can never be backed up.
          const pair = await adapters.crypto.run('generateKey', { bits, extractable: true });
          const key: StoredKey = {
            keyId: pair.keyId,
            role,
            name: name.trim(),
            modulusBits: pair.modulusBits,
            createdAt: now(),
            publicKey: pair.publicKey,
            privateKey: pair.privateKey,
            extractable: keepExportable,
            origin: 'generated',
          };
          set({ newKey: { key, keepExportable } });
          return { key };
        } catch (error) {
          return { error: toUiError(error) };
        }
      },

      async keepNewKeyWithoutBackup() {
        try {
          await storeNewKey({ backupDeclinedAt: now() });
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      discardNewKey() {
        set({ newKey: null });
      },

      declineBackup(keyId) {
        return guarded(async () => {
          await adapters.keyStore.update(keyId, { backupDeclinedAt: now() });
        });
      },

      async importKey({ text, name, passphrase, privateRole = 'owner', publicRole = 'authority', keepExportable = false, accept = 'any' }) {
        if (text.trim() === '') return { error: appError('KEY_MISSING') };
        const kind = keyKindOf(text);
        if (typeof kind !== 'string') return { error: kind };
        // Refused before WebCrypto holds anything, so nothing is stored.
        if (accept === 'private' && kind === 'public') return { error: appError('KEY_NOT_PRIVATE') };
        if (accept === 'public' && kind === 'private') return { error: appError('KEY_NOT_PUBLIC') };
        try {
          const imported = await adapters.crypto.run('importKey', {
            text,
            extractable: keepExportable,
            ...(passphrase ? { passphrase } : {}),
          });
          const role = imported.kind === 'private' ? privateRole : publicRole;
          const existing = find(imported.keyId);
          if (existing?.privateKey && imported.kind === 'public') {
            // The public half of a key pair stored here: never lose (or demote) the private key.
            if (accept !== 'public') return { key: existing };
            return {
              error: appError('KEY_IS_OWN', { name: existing.name }),
            };
          }
          // A key is named by the person, never silently after its file or a default: the name goes
          // into every escrow blob. The same key imported again keeps its name.
          if (name.trim() === '' && !existing) return { error: appError('NAME_REQUIRED') };
          if (existing && existing.role !== role) {
            return { error: appError('KEY_EXISTS', { name: existing.name }) };
          }
          const at = now();
          const stored: StoredKey = {
            keyId: imported.keyId,
            role,
            name: name.trim() === '' && existing ? existing.name : name.trim(),
            modulusBits: imported.modulusBits,
            // The same key again: keep when it was first stored and confirmed.
            createdAt: existing?.createdAt ?? at,
            ...(existing?.confirmedAt === undefined ? {} : { confirmedAt: existing.confirmedAt }),
            publicKey: imported.publicKey,
            extractable: imported.kind === 'private' && keepExportable,
            origin: existing?.origin ?? 'imported',
            // An imported private key came from a file the user holds: that file is its backup.
            ...(imported.kind === 'private' ? { privateKey: imported.privateKey, backedUpAt: existing?.backedUpAt ?? at } : {}),
          };
          await adapters.keyStore.put(stored);
          await refresh();
          return { key: find(stored.keyId) ?? stored };
        } catch (error) {
          return { error: toUiError(error) };
        }
      },

      confirmAuthority(keyId) {
        return guarded(async () => {
          await adapters.keyStore.update(keyId, { confirmedAt: now() });
        });
      },

      renameKey(keyId, name) {
        if (name.trim() === '') return Promise.resolve(appError('NAME_REQUIRED'));
        return guarded(async () => {
          await adapters.keyStore.update(keyId, { name: name.trim() });
        });
      },

      async exportPublicKey(keyId, format) {
        const key = find(keyId);
        if (!key) return appError('KEY_GONE');
        try {
          const text = await adapters.crypto.run('exportPublicKey', { key: key.publicKey, format: format === 'jwk' ? 'jwk' : 'spki-pem' });
          const base = keyFileName(key.name);
          adapters.download.save(
            new Blob([text], { type: format === 'jwk' ? 'application/json' : 'application/x-pem-file' }),
            format === 'jwk' ? `${base}.pub.jwk.json` : `${base}.pub.pem`,
          );
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      backupProblem(keyId) {
        if (get().newKey?.key.keyId === keyId) return null;
        const key = find(keyId);
        if (!key?.privateKey) return appError('KEY_GONE');
        if (key.extractable) return null;
        return appError('KEY_NOT_EXTRACTABLE');
      },

      async exportPrivateBackup(keyId, passphrase) {
        const problem = get().backupProblem(keyId);
        if (problem) return problem;
        if (passphrase.trim().length < MIN_BACKUP_PASSPHRASE_LENGTH) {
          return appError('PASSPHRASE_SHORT', { minLength: MIN_BACKUP_PASSPHRASE_LENGTH });
        }
        const pending = get().newKey?.key.keyId === keyId ? get().newKey!.key : undefined;
        const key = pending ?? find(keyId)!;
        try {
          const text = await adapters.crypto.run('exportPrivateKey', { key: key.privateKey!, format: 'encrypted-pkcs8-pem', passphrase });
          adapters.download.save(new Blob([text], { type: 'application/x-pem-file' }), `${keyFileName(key.name)}.backup.pem`);
          // A new key pair is stored only now, with its backup downloaded.
          if (pending) await storeNewKey({ backedUpAt: now() });
          else {
            await adapters.keyStore.update(keyId, { backedUpAt: now() });
            await refresh();
          }
          return null;
        } catch (error) {
          return toUiError(error);
        }
      },

      deleteKey(keyId) {
        return guarded(async () => {
          await adapters.keyStore.remove(keyId);
        });
      },
    };
  };

/** My key pairs: owner keys with their private key, oldest first. */
export const ownKeyPairs = (keys: readonly StoredKey[]) => keys.filter((k) => k.role === 'owner' && k.privateKey);

/**
 * My key pair: the one with key ID `keyId` if given and still stored, else the
 * first (oldest) one. The first-run screen shows it, and new files are
 * encrypted for it unless the person chose another.
 */
export const ownKeyPair = (keys: readonly StoredKey[], keyId?: string | null) => {
  const pairs = ownKeyPairs(keys);
  return pairs.find((k) => k.keyId === keyId) ?? pairs[0];
};

/** A backup authority's key added but not yet compared and confirmed (spec §1 key ID). */
export const unconfirmedAuthority = (keys: readonly StoredKey[]) => keys.find((k) => k.role === 'authority' && k.confirmedAt === undefined);

/**
 * What the UI says about a key's backup: `exported` (a backup was downloaded
 * here), `imported` (it came from a key file, which is its backup), `missing`
 * (a private key with no backup yet), or `none` (a public key needs none).
 */
export function backupStatus(key: StoredKey): 'exported' | 'imported' | 'missing' | 'none' {
  if (!key.privateKey) return 'none';
  if (key.backedUpAt === undefined) return 'missing';
  // importKey stamps an imported private key with one time for both.
  return key.origin === 'imported' && key.backedUpAt === key.createdAt ? 'imported' : 'exported';
}

/**
 * A stored private key with no backup that can never get one (non-extractable)
 * and that the person has not yet chosen to keep anyway: the state a reload
 * before the backup left behind (older versions stored a new key at once).
 */
export const cannotBeBackedUp = (key: StoredKey) =>
  backupStatus(key) === 'missing' && !key.extractable && key.backupDeclinedAt === undefined;
