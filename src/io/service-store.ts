/**
 * The escrow service's records in Keyward's database (version 3): the deposit
 * queue (`outbox`, one entry per escrow blob, by file ID) and small named
 * values (`service`, e.g. an open recovery case's ID). Every function rejects
 * only with a storage `KeywardError` (`DB_*`).
 */
import type { IDBPDatabase } from 'idb';
import { type KeywardDB, lazyKeywardDb, withStorageErrors } from './db.ts';
import type { OutboxEntry } from './records.ts';

export type { OutboxEntry } from './records.ts';

/** Reading and writing the escrow service's records. */
export interface ServiceStore {
  /** A named value, or `undefined` when none is stored. */
  getValue<T>(key: string): Promise<T | undefined>;
  setValue(key: string, value: unknown): Promise<void>;
  deleteValue(key: string): Promise<void>;
  /** Every queued or sent escrow blob, oldest first. */
  outbox(): Promise<OutboxEntry[]>;
  /**
   * Queues an escrow blob. A file already queued keeps its entry (the first
   * blob for a file is the one the service may hold; sending is idempotent by file ID).
   *
   * @returns Whether it was added.
   */
  enqueue(entry: OutboxEntry): Promise<boolean>;
  /** Replaces an entry (after a send: its attempts, error or acknowledgement). */
  putOutbox(entry: OutboxEntry): Promise<void>;
  removeOutbox(fileId: string): Promise<void>;
}

/**
 * The service's records over Keyward's database.
 *
 * @param db - Returns the open database (usually the app's one shared connection).
 */
export function createServiceStore(db: () => Promise<IDBPDatabase<KeywardDB>>): ServiceStore {
  return {
    getValue: <T>(key: string) =>
      withStorageErrors(async () => {
        const record = await (await db()).get('service', key);
        return record === undefined ? undefined : (record.value as T);
      }),
    setValue: (key, value) =>
      withStorageErrors(async () => {
        await (await db()).put('service', { key, value });
      }),
    deleteValue: (key) =>
      withStorageErrors(async () => {
        await (await db()).delete('service', key);
      }),
    outbox: () =>
      withStorageErrors(async () => {
        const entries = await (await db()).getAll('outbox');
        return entries.sort((a, b) => a.queuedAt - b.queuedAt || (a.fileId < b.fileId ? -1 : 1));
      }),
    enqueue: (entry) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('outbox', 'readwrite');
        const added = (await tx.store.getKey(entry.fileId)) === undefined;
        if (added) await tx.store.add(entry);
        await tx.done;
        return added;
      }),
    putOutbox: (entry) =>
      withStorageErrors(async () => {
        await (await db()).put('outbox', entry);
      }),
    removeOutbox: (fileId) =>
      withStorageErrors(async () => {
        await (await db()).delete('outbox', fileId);
      }),
  };
}

let shared: ServiceStore | null = null;

/** The store over the page's own Keyward database, opened on first use. */
function sharedStore(): ServiceStore {
  shared ??= createServiceStore(lazyKeywardDb());
  return shared;
}

/** A named value of the escrow service's app side (e.g. an open case's ID), or `undefined`. */
export function getServiceValue<T>(key: string): Promise<T | undefined> {
  return sharedStore().getValue<T>(key);
}

/** Stores a named value (structured-cloneable). */
export function setServiceValue(key: string, value: unknown): Promise<void> {
  return sharedStore().setValue(key, value);
}

/** Removes a named value (nothing happens when there is none). */
export function deleteServiceValue(key: string): Promise<void> {
  return sharedStore().deleteValue(key);
}
