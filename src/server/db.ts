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
  /**
   * One statement with `$1`-style parameters; resolves to its rows.
   *
   * @param prepared - a name for the statement: PostgreSQL parses and plans it once per connection
   *   (`pg`'s named statements), not on every call. For the deposit path's few fixed statements only:
   *   one name, one text; a search, whose best plan depends on its values, is planned each time.
   */
  query<R>(sql: string, params?: readonly unknown[], prepared?: string): Promise<R[]>;
  /** Several statements without parameters (a migration). */
  exec(sql: string): Promise<void>;
}

/** The service's database. */
export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /**
   * Runs `work` in one transaction: committed if it resolves, rolled back if it throws.
   *
   * @param first - a statement without parameters run first (on PostgreSQL in the same round trip as `BEGIN`)
   */
  transaction<T>(work: (tx: Queryable) => Promise<T>, first?: string): Promise<T>;
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
    transaction: (work, first) =>
      db.transaction(async (tx) => {
        if (first !== undefined) await tx.exec(first);
        return work(on(tx));
      }),
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
    query: async <R>(sql: string, params: readonly unknown[] = [], prepared?: string) =>
      (await q.query({ name: prepared, text: sql, values: [...params] })).rows as R[],
    exec: async (sql: string) => {
      await q.query(sql);
    },
  });
  return {
    kind: 'postgres',
    ...on(pool),
    transaction: async (work, first) => {
      const client = await pool.connect();
      let broken = false;
      try {
        // One simple query, several statements: one round trip.
        await client.query(first === undefined ? 'BEGIN' : `BEGIN; ${first}`);
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
