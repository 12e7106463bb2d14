/**
 * The escrow register: one entry per file encrypted here, holding the escrow
 * blob exactly as it was offered for download, so the owner can hand it to the
 * backup authority again later.
 */
import type { IDBPDatabase } from 'idb';
import { type KeywardDB, storageError, withStorageErrors } from './db.ts';
import type { RegisterEntry } from './records.ts';

export type { RegisterEntry } from './records.ts';

/** Reading and writing the register. Every method rejects only with a storage `KeywardError` (`DB_*`). */
export interface RegisterStore {
  /** All entries, newest first. */
  list(): Promise<RegisterEntry[]>;
  get(fileId: string): Promise<RegisterEntry | undefined>;
  /**
   * Adds an entry. An entry with the same `fileId` is never overwritten: the
   * first escrow blob offered for a file is the one the authority may hold.
   *
   * @throws storage `KeywardError` `DB_FAILED` if `fileId` is already registered.
   */
  add(entry: RegisterEntry): Promise<void>;
  /**
   * Records the authority's receipt for an entry (checked by the caller). The
   * first receipt stored stays: another one for the same blob changes nothing.
   *
   * @returns The entry as stored.
   * @throws storage `KeywardError` `DB_FAILED` if no entry has this `fileId` (e.g. cleared in another tab).
   */
  addReceipt(fileId: string, receipt: NonNullable<RegisterEntry['receipt']>): Promise<RegisterEntry>;
  remove(fileId: string): Promise<void>;
  clear(): Promise<void>;
}

/**
 * The register over Keyward's database.
 *
 * @param db - Returns the open database (usually one shared, lazily opened connection).
 * @returns The store.
 */
export function createRegisterStore(db: () => Promise<IDBPDatabase<KeywardDB>>): RegisterStore {
  return {
    list: () =>
      withStorageErrors(async () => {
        // The index yields oldest first (ties by fileId); reversing gives newest first.
        const entries = await (await db()).getAllFromIndex('register', 'by-date');
        return entries.reverse();
      }),

    get: (fileId) => withStorageErrors(async () => (await db()).get('register', fileId)),

    add: (entry) =>
      withStorageErrors(async () => {
        await (await db()).add('register', entry);
      }),

    addReceipt: (fileId, receipt) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('register', 'readwrite');
        const existing = await tx.store.get(fileId);
        if (!existing) throw storageError('DB_FAILED', { cause: new Error(`no register entry ${fileId}`) });
        if (existing.receipt) {
          await tx.done;
          return existing;
        }
        const updated = { ...existing, receipt };
        await Promise.all([tx.store.put(updated), tx.done]);
        return updated;
      }),

    remove: (fileId) =>
      withStorageErrors(async () => {
        await (await db()).delete('register', fileId);
      }),

    clear: () =>
      withStorageErrors(async () => {
        await (await db()).clear('register');
      }),
  };
}
