/**
 * Keyward's IndexedDB: one typed, versioned schema (`KeywardDB`), opened
 * through `idb`, with every way opening can fail turned into a `KeywardError`
 * with a storage code (`DB_*`) whose message a person can act on.
 */
import { type DBSchema, type IDBPDatabase, wrap } from 'idb';
import { KeywardError, isKeywardError } from '../core/index.ts';
import type { KeyRole, OutboxEntry, RegisterEntry, ServiceRecord, StoredCouncil, StoredKey } from './records.ts';

/** The schema. Changing it means a new `KEYWARD_DB_VERSION` and a new upgrade step. */
export interface KeywardDB extends DBSchema {
  keys: { key: string; value: StoredKey; indexes: { 'by-role': KeyRole } };
  register: { key: string; value: RegisterEntry; indexes: { 'by-date': number } };
  /** Councils the owner pinned (spec v2 §8.1), by council ID; since version 2. */
  councils: { key: string; value: StoredCouncil };
  /** The escrow service's deposit queue, by file ID (sent and not yet sent); since version 3. */
  outbox: { key: string; value: OutboxEntry };
  /** Small records of the escrow service's app side (e.g. an open case's ID), by `key`; since version 3. */
  service: { key: string; value: ServiceRecord };
}

/** The schema version this code writes and understands. */
export const KEYWARD_DB_VERSION = 3;

/** Why the saved data could not be reached (sentences in `core/errors.ts`). */
export type StorageErrorCode = 'DB_UNAVAILABLE' | 'DB_BLOCKED' | 'DB_TOO_NEW' | 'DB_FAILED';

const STORAGE_CODES: readonly string[] = ['DB_UNAVAILABLE', 'DB_BLOCKED', 'DB_TOO_NEW', 'DB_FAILED'] satisfies StorageErrorCode[];

/**
 * A failure of the browser's storage: a `KeywardError` with a storage code.
 *
 * @param code - Which failure; it picks the message.
 * @param options - `cause`: the DOMException behind it, for logs (never shown).
 */
export function storageError(code: StorageErrorCode, options?: { cause?: unknown }): KeywardError {
  return new KeywardError(code, {}, options);
}

/** True for a storage failure. */
export function isStorageError(error: unknown): error is KeywardError & { code: StorageErrorCode } {
  return isKeywardError(error) && STORAGE_CODES.includes(error.code);
}

/**
 * Turns anything an IndexedDB operation threw into a storage `KeywardError`.
 *
 * @param error - What was caught.
 * @returns `error` itself if it already is a storage error, else a `DB_FAILED` caused by it.
 */
export function toStorageError(error: unknown): KeywardError {
  return isStorageError(error) ? error : storageError('DB_FAILED', { cause: error });
}

/**
 * Runs one database operation so that callers only ever see storage `KeywardError`s.
 *
 * @param op - The operation (a short transaction).
 * @returns What `op` resolves to.
 * @throws storage `KeywardError` `DB_FAILED` (or the opening error) if `op` fails.
 */
export async function withStorageErrors<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw toStorageError(error);
  }
}

/** What the page hears about an open connection after it opened. */
export interface DbEvents {
  /**
   * A newer Keyward (another tab) wants to upgrade the schema. This connection
   * is already closed so the upgrade can run; the UI should ask for a reload.
   */
  onBlocking?: () => void;
  /** The browser closed the connection abnormally (site data cleared, disk failure). */
  onTerminated?: () => void;
}

/**
 * The upgrade steps, run in order from the version on disk.
 *
 * A step is never edited after release: browsers that ran it will never run it
 * again, so a fix goes into a new step (add the upgrade transaction as a
 * parameter if one has to move records). Step 2 adds the pinned councils,
 * step 3 the escrow service's deposit queue and its small records.
 */
function upgradeKeywardDb(db: IDBPDatabase<KeywardDB>, oldVersion: number): void {
  if (oldVersion < 1) {
    const keys = db.createObjectStore('keys', { keyPath: 'keyId' });
    keys.createIndex('by-role', 'role');
    const register = db.createObjectStore('register', { keyPath: 'fileId' });
    register.createIndex('by-date', 'encryptedAt');
  }
  if (oldVersion < 2) {
    db.createObjectStore('councils', { keyPath: 'id' });
  }
  if (oldVersion < 3) {
    db.createObjectStore('outbox', { keyPath: 'fileId' });
    db.createObjectStore('service', { keyPath: 'key' });
  }
}

function openErrorCode(error: DOMException | null): StorageErrorCode {
  // VersionError: the disk holds a higher version than we asked for (a newer Keyward ran here).
  if (error?.name === 'VersionError') return 'DB_TOO_NEW';
  // AbortError: the upgrade transaction failed (an upgrade step threw, or the disk is full).
  if (error?.name === 'AbortError') return 'DB_FAILED';
  // Everything else (InvalidStateError in Firefox private windows, UnknownError, SecurityError).
  return 'DB_UNAVAILABLE';
}

/**
 * Opens any schema at `version` with Keyward's handling of `blocked`,
 * `blocking` and `terminated`. `openKeywardDb` is this with Keyward's schema;
 * tests use it to open a later version.
 *
 * `idb`'s `openDB` is not used because it always takes the global `indexedDB`;
 * this is the same wiring over any `IDBFactory`.
 *
 * @param factory - Where to open it; `undefined` when the browser has no IndexedDB.
 * @param name - Database name.
 * @param version - Schema version to open.
 * @param upgrade - Runs inside the upgrade transaction; must not await anything.
 * @param events - Notifications after opening.
 * @returns The open connection.
 * @throws storage `KeywardError` `DB_UNAVAILABLE`, `DB_BLOCKED`, `DB_TOO_NEW` or `DB_FAILED` (upgrade failed).
 */
export function openVersionedDb<T extends DBSchema>(
  factory: IDBFactory | undefined,
  name: string,
  version: number,
  upgrade: (db: IDBPDatabase<T>, oldVersion: number) => void,
  events: DbEvents = {},
): Promise<IDBPDatabase<T>> {
  return new Promise((resolve, reject) => {
    if (!factory) {
      reject(storageError('DB_UNAVAILABLE'));
      return;
    }
    let request: IDBOpenDBRequest;
    try {
      request = factory.open(name, version);
    } catch (cause) {
      // Thrown synchronously in sandboxed frames and opaque origins (SecurityError).
      reject(storageError('DB_UNAVAILABLE', { cause }));
      return;
    }
    let settled = false;
    let upgradeFailure: unknown;

    request.addEventListener('upgradeneeded', (event) => {
      try {
        upgrade(wrap(request.result) as unknown as IDBPDatabase<T>, event.oldVersion);
      } catch (error) {
        // Abort explicitly: a half-applied schema must never be committed.
        upgradeFailure = error;
        request.transaction?.abort();
      }
    });

    request.addEventListener('blocked', () => {
      // Another connection (another tab) holds an older version and did not close.
      settled = true;
      reject(storageError('DB_BLOCKED'));
    });

    request.addEventListener('error', () => {
      if (settled) return;
      settled = true;
      reject(storageError(openErrorCode(request.error), { cause: upgradeFailure ?? request.error }));
    });

    request.addEventListener('success', () => {
      const raw = request.result;
      if (settled) {
        // We already said DB_BLOCKED; nobody holds this connection, and keeping it would block the next upgrade.
        raw.close();
        return;
      }
      settled = true;
      raw.addEventListener('versionchange', () => {
        // Close at once, or the newer tab's upgrade waits forever (it would see `blocked`).
        raw.close();
        events.onBlocking?.();
      });
      // 'close' fires only when the browser ends the connection, never after raw.close().
      raw.addEventListener('close', () => {
        events.onTerminated?.();
      });
      resolve(wrap(raw) as unknown as IDBPDatabase<T>);
    });
  });
}

/**
 * Opens Keyward's database, creating or upgrading the schema.
 *
 * @param name - Database name (tests use their own).
 * @param factory - The IndexedDB to use; defaults to the browser's (tests pass `fake-indexeddb`).
 * @param events - `onBlocking` (a newer version in another tab wants the database; this connection
 *   has been closed, so ask for a reload) and `onTerminated`.
 * @returns The open connection.
 * @throws storage `KeywardError` `DB_UNAVAILABLE` (no IndexedDB, or the browser refuses it),
 *   `DB_BLOCKED` (an older Keyward tab holds the database), `DB_TOO_NEW` (a newer Keyward wrote it),
 *   `DB_FAILED` (the upgrade failed).
 */
export function openKeywardDb(
  name = 'keyward',
  factory: IDBFactory | undefined = (globalThis as { indexedDB?: IDBFactory }).indexedDB,
  events: DbEvents = {},
): Promise<IDBPDatabase<KeywardDB>> {
  return openVersionedDb<KeywardDB>(factory, name, KEYWARD_DB_VERSION, upgradeKeywardDb, events);
}

/**
 * A getter for one shared connection, opened on first use. A failed open, a
 * `blocking` close and a termination drop the cached connection, so the next
 * call opens again (and reports the new state, e.g. `DB_TOO_NEW` after a newer
 * tab upgraded) instead of failing forever with a closed connection.
 *
 * @param name - As for `openKeywardDb`.
 * @param factory - As for `openKeywardDb`.
 * @param events - As for `openKeywardDb`.
 * @returns The getter to hand to `createKeyStore` and `createRegisterStore`.
 */
export function lazyKeywardDb(
  name?: string,
  factory?: IDBFactory,
  events: DbEvents = {},
): () => Promise<IDBPDatabase<KeywardDB>> {
  let current: Promise<IDBPDatabase<KeywardDB>> | null = null;
  const forget = () => {
    current = null;
  };
  return () => {
    if (current) return current;
    const opening = openKeywardDb(name, factory, {
      onBlocking() {
        forget();
        events.onBlocking?.();
      },
      onTerminated() {
        forget();
        events.onTerminated?.();
      },
    });
    current = opening;
    opening.catch(() => {
      if (current === opening) forget();
    });
    return opening;
  };
}
