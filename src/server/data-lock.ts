/**
 * One process at a time on a PGlite data folder: two would corrupt it. The
 * lock is a file holding the owner's process ID, made with O_EXCL; a lock
 * whose process is gone (killed with SIGKILL, a power cut) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KeywardError } from '../core/index.ts';

const LOCK_NAME = 'keyward-service.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the folder's lock (making the folder if need be).
 *
 * @returns the function that releases it
 * @throws KeywardError `SERVICE_UNAVAILABLE` while a live process holds it
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new KeywardError('SERVICE_UNAVAILABLE', { reason: `the data folder ${dir} is in use by process ${pid}; stop it first, or use DATABASE_URL` });
      }
      rmSync(path, { force: true });
    }
  }
  throw new KeywardError('SERVICE_UNAVAILABLE', { reason: `the data folder ${dir} could not be locked` });
}
