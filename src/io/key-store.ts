/**
 * The keys kept in this browser: the owner's key pairs, backup authorities'
 * public keys, and an authority's own key pair. `CryptoKey` objects are stored
 * as they are (structured clone), so a non-extractable private key stays
 * non-extractable; whether it is extractable is decided before it gets here.
 */
import type { IDBPDatabase } from 'idb';
import { type KeywardDB, storageError, withStorageErrors } from './db.ts';
import type { StoredKey } from './records.ts';

export type { KeyRole, StoredKey } from './records.ts';

/** The fields of a stored key that may change after it is stored. */
export type KeyPatch = Partial<Pick<StoredKey, 'name' | 'confirmedAt' | 'backedUpAt' | 'backupDeclinedAt'>>;

/** Reading and writing stored keys. Every method rejects only with a storage `KeywardError` (`DB_*`). */
export interface KeyStore {
  /** All keys, oldest first. */
  list(): Promise<StoredKey[]>;
  get(keyId: string): Promise<StoredKey | undefined>;
  /**
   * Stores a key; one record per `keyId`, so it replaces a stored one, except
   * that re-storing only the public half of a key whose private key is stored
   * keeps the stored record (see `mergeKey`).
   */
  put(key: StoredKey): Promise<void>;
  /**
   * Changes the name or the confirmation, backup and backup-declined times.
   *
   * @returns The updated key.
   * @throws storage `KeywardError` `DB_FAILED` if no key has this `keyId` (e.g. deleted in another tab).
   */
  update(keyId: string, patch: KeyPatch): Promise<StoredKey>;
  remove(keyId: string): Promise<void>;
}

/**
 * What `put(incoming)` stores when `existing` has the same `keyId`.
 *
 * Re-importing the public half of a key whose private key is stored here must
 * never lose the private key, nor demote its role to `authority` (a role that
 * never holds a private key): the stored record stays, and only gains a
 * confirmation it lacked. Anything else replaces the record.
 *
 * @param existing - The stored record, if any.
 * @param incoming - The record being stored.
 * @returns The record to write.
 */
export function mergeKey(existing: StoredKey | undefined, incoming: StoredKey): StoredKey {
  if (!existing?.privateKey || incoming.privateKey) return incoming;
  const confirmedAt = existing.confirmedAt ?? incoming.confirmedAt;
  return { ...existing, ...(confirmedAt === undefined ? {} : { confirmedAt }) };
}

/** Copies only the patchable fields that are set, so `{ name: undefined }` cannot erase a name. */
function cleanPatch(patch: KeyPatch): KeyPatch {
  const clean: KeyPatch = {};
  if (patch.name !== undefined) clean.name = patch.name;
  if (patch.confirmedAt !== undefined) clean.confirmedAt = patch.confirmedAt;
  if (patch.backedUpAt !== undefined) clean.backedUpAt = patch.backedUpAt;
  if (patch.backupDeclinedAt !== undefined) clean.backupDeclinedAt = patch.backupDeclinedAt;
  return clean;
}

/**
 * The key store over Keyward's database.
 *
 * Transactions only await IDB requests: awaiting anything else (crypto, the
 * network) lets the transaction auto-commit in between (idb README,
 * "Transaction lifetime"). Read-modify-write happens inside one readwrite
 * transaction so two tabs cannot interleave.
 *
 * @param db - Returns the open database (usually one shared, lazily opened connection).
 * @returns The store.
 */
export function createKeyStore(db: () => Promise<IDBPDatabase<KeywardDB>>): KeyStore {
  return {
    list: () =>
      withStorageErrors(async () => {
        const keys = await (await db()).getAll('keys');
        return keys.sort((a, b) => a.createdAt - b.createdAt || a.keyId.localeCompare(b.keyId));
      }),

    get: (keyId) => withStorageErrors(async () => (await db()).get('keys', keyId)),

    put: (key) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('keys', 'readwrite');
        const existing = await tx.store.get(key.keyId);
        await Promise.all([tx.store.put(mergeKey(existing, key)), tx.done]);
      }),

    update: (keyId, patch) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('keys', 'readwrite');
        const existing = await tx.store.get(keyId);
        if (!existing) {
          // Nothing was written, so the transaction just commits empty.
          throw storageError('DB_FAILED', { cause: new Error(`no stored key ${keyId}`) });
        }
        const updated = { ...existing, ...cleanPatch(patch) };
        await Promise.all([tx.store.put(updated), tx.done]);
        return updated;
      }),

    remove: (keyId) =>
      withStorageErrors(async () => {
        await (await db()).delete('keys', keyId);
      }),
  };
}
