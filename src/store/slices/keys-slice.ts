/** Keys: the owner's key pairs, authorities' public keys, an authority's own key pair, and pinned councils. */
import type { StateCreator } from 'zustand';
import { KeywardError, MIN_PASSPHRASE_LENGTH } from '../../core/index.ts';
import type { AnyKey } from '../../core/index.ts';
import {
  type StoredCouncil,
  type StoredIdentity,
  type StoredKey,
  confirmableId,
  councilOf,
  privateIdentityOf,
  publicIdentityOf,
  storedIdentityOf,
} from '../../io/key-store.ts';
import { toUiError, appError } from '../errors.ts';
import { isPrivateKind, keyOrIdentityKindOf } from '../key-text.ts';
import { keyFileName } from '../names.ts';
import type { Adapters, AppState, KeysSlice, UiError } from '../types.ts';

/** A backup passphrase is the only thing between a lost backup file and the private key: the core's rule, as for `keyward keygen --passphrase`. */
export const MIN_BACKUP_PASSPHRASE_LENGTH = MIN_PASSPHRASE_LENGTH;

/** What an imported key adds to a stored record: its RSA half, and its signing half if it is an identity. */
function importedParts(imported: AnyKey): { keyId: string; modulusBits: number; publicKey: CryptoKey; privateKey?: CryptoKey; identity?: StoredIdentity } {
  switch (imported.kind) {
    case 'public':
      return { keyId: imported.keyId, modulusBits: imported.modulusBits, publicKey: imported.publicKey };
    case 'private':
      return { keyId: imported.keyId, modulusBits: imported.modulusBits, publicKey: imported.publicKey, privateKey: imported.privateKey };
    case 'public-identity':
    case 'private-identity': {
      const { encryption } = imported.identity;
      return {
        keyId: encryption.keyId,
        modulusBits: encryption.modulusBits,
        publicKey: encryption.publicKey,
        ...('privateKey' in encryption ? { privateKey: encryption.privateKey } : {}),
        identity: storedIdentityOf(imported.identity),
      };
    }
  }
}

export const createKeysSlice =
  (adapters: Adapters): StateCreator<AppState, [], [], KeysSlice> =>
  (set, get) => {
    const now = adapters.now ?? Date.now;
    const refresh = async () => {
      const [keys, councils] = await Promise.all([adapters.keyStore.list(), adapters.keyStore.listCouncils()]);
      set({ keys, councils, keysLoaded: true });
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
      let { privateKey, identity } = pending.key;
      if (!pending.keepExportable) {
        // Re-imported from its own export so both private keys are stored non-extractable.
        const signer = privateIdentityOf(pending.key);
        if (signer) {
          const pem = await adapters.crypto.run('exportPrivateIdentity', { identity: signer, format: 'pem' });
          const reimported = await adapters.crypto.run('importKeyOrIdentity', { text: pem, extractable: false });
          if (reimported.kind !== 'private-identity') throw new Error('re-import lost the private identity');
          privateKey = reimported.identity.encryption.privateKey;
          identity = storedIdentityOf(reimported.identity);
        } else {
          const pkcs8 = await adapters.crypto.run('exportPrivateKey', { key: privateKey!, format: 'pkcs8-pem' });
          const reimported = await adapters.crypto.run('importKey', { text: pkcs8, extractable: false });
          if (reimported.kind !== 'private') throw new Error('re-import lost the private key');
          privateKey = reimported.privateKey;
        }
      }
      const stored: StoredKey = {
        ...pending.key,
        ...(privateKey ? { privateKey } : {}),
        ...(identity ? { identity } : {}),
        extractable: pending.keepExportable,
        createdAt: now(),
        ...patch,
      };
      await adapters.keyStore.put(stored);
      set({ newKey: null });
      await refresh();
      return stored;
    };

    return {
      keys: [],
      councils: [],
      keysLoaded: false,
      newKey: null,

      loadKeys: refresh,

      async generateKey({ name, bits, role, keepExportable = false }) {
        if (name.trim() === '') return { error: appError('NAME_REQUIRED') };
        try {
          // Extractable, and only in memory: nothing is stored until its backup is downloaded or
          // explicitly declined (storeNewKey), so a reload before then loses an unused key, never
          // leaves one that exists only here and can never be backed up.
          // Every new key is an identity (spec v2 §2): it signs the files and receipts it makes.
          const identity = await adapters.crypto.run('generateIdentity', { bits, extractable: true });
          const key: StoredKey = {
            keyId: identity.encryption.keyId,
            role,
            name: name.trim(),
            modulusBits: identity.encryption.modulusBits,
            createdAt: now(),
            publicKey: identity.encryption.publicKey,
            privateKey: identity.encryption.privateKey,
            identity: storedIdentityOf(identity),
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
        const kind = keyOrIdentityKindOf(text);
        if (typeof kind !== 'string') return { error: kind };
        // Refused before WebCrypto holds anything, so nothing is stored.
        if (accept === 'private' && !isPrivateKind(kind)) return { error: appError('KEY_NOT_PRIVATE') };
        if (accept === 'public' && isPrivateKind(kind)) return { error: appError('KEY_NOT_PUBLIC') };
        try {
          const imported = importedParts(
            await adapters.crypto.run('importKeyOrIdentity', {
              text,
              extractable: keepExportable,
              ...(passphrase ? { passphrase } : {}),
            }),
          );
          const isPrivate = imported.privateKey !== undefined;
          const role = isPrivate ? privateRole : publicRole;
          const existing = find(imported.keyId);
          if (existing?.privateKey && !isPrivate) {
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
          // A confirmation pins the ID that was compared: it carries over only to the same identity (or v1 key).
          // (The v1 form of an identity stored here leaves the identity as it is: see mergeKey.)
          const sameIdentity = existing?.identity?.id === imported.identity?.id;
          const stored: StoredKey = {
            keyId: imported.keyId,
            role,
            name: name.trim() === '' && existing ? existing.name : name.trim(),
            modulusBits: imported.modulusBits,
            // The same key again: keep when it was first stored and confirmed.
            createdAt: existing?.createdAt ?? at,
            ...(existing?.confirmedAt === undefined || !sameIdentity ? {} : { confirmedAt: existing.confirmedAt }),
            publicKey: imported.publicKey,
            ...(imported.identity ? { identity: imported.identity } : {}),
            extractable: isPrivate && keepExportable,
            origin: existing?.origin ?? 'imported',
            // An imported private key came from a file the user holds: that file is its backup.
            ...(imported.privateKey ? { privateKey: imported.privateKey, backedUpAt: existing?.backedUpAt ?? at } : {}),
          };
          await adapters.keyStore.put(stored);
          await refresh();
          return { key: find(stored.keyId) ?? stored };
        } catch (error) {
          return { error: toUiError(error) };
        }
      },

      confirmAuthority(keyId, comparedId) {
        return guarded(async () => {
          // The ID the person compared must still be the stored key's: another tab may have replaced it
          // (another identity over the same RSA key) while this one showed the old ID.
          const stored = await adapters.keyStore.get(keyId);
          if (comparedId !== undefined && (!stored || confirmableId(stored) !== comparedId)) throw new KeywardError('KEY_CHANGED');
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
          // An identity travels as both public keys (spec v2 §2: two PEM blocks, or a JWK Set).
          const text = key.identity
            ? await adapters.crypto.run('exportPublicIdentity', { identity: publicIdentityOf({ ...key, identity: key.identity }), format: format === 'jwk' ? 'jwk' : 'pem' })
            : await adapters.crypto.run('exportPublicKey', { key: key.publicKey, format: format === 'jwk' ? 'jwk' : 'spki-pem' });
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
          // An identity's backup holds both private keys: two ENCRYPTED PRIVATE KEY blocks under one passphrase.
          const signer = privateIdentityOf(key);
          const text = signer
            ? await adapters.crypto.run('exportPrivateIdentity', { identity: signer, format: 'encrypted-pem', passphrase })
            : await adapters.crypto.run('exportPrivateKey', { key: key.privateKey!, format: 'encrypted-pkcs8-pem', passphrase });
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

      async addSigningKey(keyId) {
        const key = find(keyId);
        if (!key?.privateKey) return appError('KEY_GONE');
        if (key.identity) return null;
        let identity: StoredIdentity;
        try {
          // The signing key is as exportable as the RSA key beside it, so one backup holds both or neither.
          const made = await adapters.crypto.run('upgradeToIdentity', {
            key: { keyId, modulusBits: key.modulusBits, publicKey: key.publicKey, privateKey: key.privateKey },
            extractable: key.extractable,
          });
          identity = storedIdentityOf(made);
        } catch (error) {
          return toUiError(error);
        }
        return guarded(async () => {
          await adapters.keyStore.update(keyId, { identity });
        });
      },

      deleteKey(keyId) {
        return guarded(async () => {
          await adapters.keyStore.remove(keyId);
        });
      },

      async readCouncil(text) {
        if (text.trim() === '') return { error: appError('MALFORMED', { reason: 'the council file is empty' }) };
        try {
          return { council: await adapters.crypto.run('parseCouncil', { text }) };
        } catch (error) {
          return { error: toUiError(error) };
        }
      },

      pinCouncil(council, comparedId) {
        return guarded(async () => {
          // The council ID pins every field of the descriptor: only the council whose ID was shown is stored.
          if (council.id !== comparedId) throw new KeywardError('KEY_CHANGED');
          const stored: StoredCouncil = { ...councilOf(council), pinnedAt: now() };
          await adapters.keyStore.putCouncil(stored);
        });
      },

      removeCouncil(id) {
        return guarded(async () => {
          await adapters.keyStore.removeCouncil(id);
        });
      },
    };
  };

/**
 * Whether the owner has somewhere to escrow to: a backup authority whose ID
 * was confirmed, or a council pinned by its council ID.
 */
export const hasPinnedAuthority = (state: Pick<KeysSlice, 'keys' | 'councils'>) =>
  state.councils.length > 0 || state.keys.some((k) => k.role === 'authority' && k.confirmedAt !== undefined);

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

/** What the ID shown for a key is called in a sentence: "identity ID" for an identity, "key ID" for a v1 key. */
export const idNoun = (key: Pick<StoredKey, 'identity'>) => (key.identity ? 'identity ID' : 'key ID');

/** The ID a person compares and confirms for a key: its identity ID, or the key ID of a v1 key. */
export const comparedIdOf = (key: StoredKey) => confirmableId(key);
