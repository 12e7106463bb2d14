/**
 * Disk-backed temporary outputs in the origin private file system (OPFS).
 *
 * Each page (tab) owns one folder `keyward-tmp/<session>/` and holds a Web
 * Lock named after it for as long as it lives. The crypto Worker writes
 * outputs there (see `output-sink.ts`); the page offers them for download and
 * removes them when their row is cleared. At start-up, folders whose lock no
 * tab holds (a closed or crashed tab) are removed.
 */
import type { OutputTarget, TempFile } from './crypto-protocol.ts';

/** The OPFS folder that holds one folder per tab. */
export const TEMP_DIR = 'keyward-tmp';
const LOCK_PREFIX = 'keyward-tmp:';

export interface TempFiles {
  /** Where the next output goes: a fresh temp file, or undefined where there is no OPFS (kept in memory). */
  target(): OutputTarget | undefined;
  /** Removes a temp file (its row was cleared). Never throws. */
  release(file: TempFile): Promise<void>;
  /** Removes the folders of tabs that are gone; resolves to how many. Never throws. */
  sweep(): Promise<number>;
}

/** The folder of one tab's outputs (created when missing). */
export async function tempFolder(session: string, create: boolean): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  const temp = await root.getDirectoryHandle(TEMP_DIR, { create });
  return temp.getDirectoryHandle(session, { create });
}

/** Removes one tab's temp file; missing files are fine. */
export async function removeTempFile(file: TempFile): Promise<void> {
  try {
    const folder = await tempFolder(file.session, false);
    await folder.removeEntry(file.name);
  } catch {
    // Gone already, or still open in the Worker: the next start-up sweep removes it.
  }
}

/** One pass over the tab folders: how many were removed, and whether one could not be. */
async function sweepOnce(): Promise<{ removed: number; failed: boolean }> {
  const root = await navigator.storage.getDirectory();
  const temp = await root.getDirectoryHandle(TEMP_DIR, { create: true });
  const { held = [] } = await navigator.locks.query();
  const alive = new Set(held.map((lock) => lock.name));
  let removed = 0;
  let failed = false;
  for await (const name of (temp as unknown as { keys(): AsyncIterable<string> }).keys()) {
    if (alive.has(LOCK_PREFIX + name)) continue;
    try {
      await temp.removeEntry(name, { recursive: true });
      removed++;
    } catch {
      // Another tab is sweeping too, or a file is still open.
      failed = true;
    }
  }
  return { removed, failed };
}

/**
 * Removes every tab folder whose lock is not held. A closed tab's Worker can
 * hold its file open for a moment after the tab's lock is gone (seen in
 * e2e/keys-survive-storage-trouble.spec.ts), so a folder that could not be
 * removed is tried again after each of `retryDelaysMs`.
 */
export async function sweepTempFolders(retryDelaysMs: readonly number[] = [1000, 3000, 9000]): Promise<number> {
  let removed = 0;
  try {
    for (let attempt = 0; ; attempt++) {
      const pass = await sweepOnce();
      removed += pass.removed;
      const delay = retryDelaysMs[attempt];
      if (!pass.failed || delay === undefined) return removed;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  } catch {
    return removed;
  }
}

/** True where this browser offers OPFS and Web Locks (the Worker checks sync access itself). */
export function hasTempFiles(): boolean {
  // Both are missing outside secure contexts, whatever lib.dom says.
  return typeof navigator !== 'undefined' && 'storage' in navigator && 'getDirectory' in navigator.storage && 'locks' in navigator;
}

/**
 * This tab's temp files. The tab's lock is requested at once; the sweep waits
 * until it is held, so that no sweep (this tab's or another's) removes a live
 * tab's outputs. Undefined where the browser has no OPFS or Web Locks.
 */
export function createTempFiles(): TempFiles | undefined {
  if (!hasTempFiles()) return undefined;
  const session = crypto.randomUUID();
  const held = new Promise<boolean>((granted) => {
    navigator.locks
      .request(LOCK_PREFIX + session, () => {
        granted(true);
        // Held until the tab goes away.
        return new Promise<never>(() => undefined);
      })
      .catch(() => {
        granted(false);
      });
  });
  let next = 1;
  return {
    target: () => ({ kind: 'temp', session, name: `${String(next++)}-${crypto.randomUUID()}.part` }),
    release: removeTempFile,
    sweep: async () => ((await held) ? sweepTempFolders() : 0),
  };
}
