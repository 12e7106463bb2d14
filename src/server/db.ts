/**
 * The service's database: one small interface over PGlite (PostgreSQL in
 * WebAssembly, a data folder; the default) and a PostgreSQL server reached
 * with `pg` (`DATABASE_URL`). Both speak the same SQL, so one set of
 * migrations (migrations.ts) and one set of queries serve both.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/** What a query runs on: the database, or one transaction of it. */
export interface Queryable {
  /** One statement with `$1`-style parameters; resolves to its rows. */
  query<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements without parameters (a migration). */
  exec(sql: string): Promise<void>;
}

/** The service's database. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Runs `work` in one transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * PGlite on a data folder (made on first use), or in memory without one.
 * One process at a time may open a folder: the caller holds its lock (data-lock.ts).
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  const on = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <R>(sql: string, params: readonly unknown[] = []) => (await q.query<R>(sql, [...params])).rows,
    exec: async (sql: string) => {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...on(db),
    transaction: (work) => db.transaction((tx) => work(on(tx))),
    close: () => db.close(),
  };
}

/**
 * A pool of connections to a PostgreSQL server.
 *
 * @param schema - tests only: every connection works in this schema (`search_path`)
 */
export function openPostgres(connectionString: string, options: { schema?: string; max?: number } = {}): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // A connection that dies while idle must not take the process down; the next query gets a new one.
  pool.on('error', () => undefined);
  const on = (q: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <R>(sql: string, params: readonly unknown[] = []) => (await q.query(sql, [...params])).rows as R[],
    exec: async (sql: string) => {
      await q.query(sql);
    },
  });
  return {
    kind: 'postgres',
    ...on(pool),
    transaction: async (work) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await work(on(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
