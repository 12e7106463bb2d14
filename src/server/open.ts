/**
 * Opens the service's database the way `keyward serve` and `keyward service`
 * do: PostgreSQL when `DATABASE_URL` is set, else PGlite on a data folder
 * (locked for this process), migrated either way.
 */
import { KeywardError, isKeywardError } from '../core/index.ts';
import { type Db, openPglite, openPostgres } from './db.ts';
import { lockDataDir } from './data-lock.ts';
import { migrate } from './migrations.ts';

/** Where PGlite keeps its data unless told otherwise (relative to the working folder). */
export const DEFAULT_DATA_DIR = 'keyward-data';

export interface OpenedDb {
  db: Db;
  /** Where it is, for the log: the data folder, or the server's host and database (never the password). */
  where: string;
  close: () => Promise<void>;
}

export async function openServiceDb(options: { databaseUrl?: string | undefined; dataDir?: string | undefined }): Promise<OpenedDb> {
  if (options.databaseUrl) {
    const db = openPostgres(options.databaseUrl);
    const url = new URL(options.databaseUrl);
    try {
      await migrate(db);
    } catch (error) {
      await db.close();
      if (isKeywardError(error)) throw error;
      const errno = (error as { code?: unknown }).code;
      throw new KeywardError('SERVICE_UNAVAILABLE', { reason: `the database at ${url.host}${url.pathname} cannot be used${typeof errno === 'string' ? ` (${errno})` : ''}` }, { cause: error });
    }
    return { db, where: `postgres://${url.host}${url.pathname}`, close: () => db.close() };
  }
  const dir = options.dataDir ?? DEFAULT_DATA_DIR;
  const unlock = lockDataDir(dir);
  let db: Db | null = null;
  try {
    db = await openPglite(dir);
    await migrate(db);
  } catch (error) {
    await db?.close();
    unlock();
    throw error;
  }
  const opened = db;
  return {
    db: opened,
    where: dir,
    close: async () => {
      try {
        await opened.close();
      } finally {
        unlock();
      }
    },
  };
}
