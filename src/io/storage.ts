/**
 * The Storage API: whether the browser promised to keep this site's data.
 * Without that promise it may evict IndexedDB under storage pressure, and
 * with it the only copy of a private key.
 */

/** `granted`: kept until the user clears it. `denied`: may be evicted. `unsupported`: no Storage API here. */
export type PersistState = 'granted' | 'denied' | 'unsupported';

function storageManager(): Partial<StorageManager> | undefined {
  // Typed as optional on purpose: Node 20 has no `navigator`, and older browsers no `navigator.storage`.
  return (globalThis as { navigator?: { storage?: Partial<StorageManager> } }).navigator?.storage;
}

/**
 * Whether the site's storage is persistent now (`navigator.storage.persisted()`).
 *
 * @returns The state; a failing call counts as `denied`. Never throws.
 */
export function persistedState(): Promise<PersistState> {
  return askStorage('persisted');
}

/**
 * Asks the browser to keep the site's storage (`navigator.storage.persist()`).
 * Browsers may answer without asking the user (Chromium decides from
 * engagement), so `denied` can be final for now; asking again later is fine.
 *
 * @returns The state after asking; a failing call counts as `denied`. Never throws.
 */
export function requestPersistence(): Promise<PersistState> {
  return askStorage('persist');
}

/** Calls `navigator.storage[method]()`: `unsupported` where it is missing, `denied` when it fails. */
async function askStorage(method: 'persisted' | 'persist'): Promise<PersistState> {
  const storage = storageManager();
  const call = storage?.[method];
  if (typeof call !== 'function') return 'unsupported';
  try {
    return (await call.call(storage)) ? 'granted' : 'denied';
  } catch {
    return 'denied';
  }
}
