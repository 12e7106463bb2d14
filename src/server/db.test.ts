/** The Db interface on both databases: a transaction's first statement, and named (prepared) statements. */
import type { Db } from './db.ts';
import { BACKENDS, type TestDb } from './test-support.ts';

describe.each(BACKENDS)('the database on $name', ({ open }) => {
  let opened: TestDb;
  let db: Db;

  beforeAll(async () => {
    opened = await open();
    db = opened.db;
    await db.exec('CREATE TABLE things (id int PRIMARY KEY, name text NOT NULL)');
  });
  afterAll(() => opened.drop());

  it('runs a transaction\'s first statement inside it, before the work, and rolls it back with the work', async () => {
    const seen = await db.transaction((tx) => tx.query<{ id: number }>('SELECT id FROM things WHERE id = 1'), 'INSERT INTO things VALUES (1, \'first\')');
    expect(seen).toEqual([{ id: 1 }]);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SELECT 1');
        throw new Error('stop');
      }, 'INSERT INTO things VALUES (2, \'rolled back\')'),
    ).rejects.toThrow('stop');
    expect(await db.query('SELECT id, name FROM things ORDER BY id')).toEqual([{ id: 1, name: 'first' }]);
  });

  it('gives a named statement\'s rows for each call\'s values, in and out of transactions', async () => {
    const insert = 'INSERT INTO things SELECT * FROM unnest($1::int[], $2::text[]) RETURNING id';
    expect(await db.query(insert, [[10, 11], ['a', 'b']], 'test-insert-things')).toEqual([{ id: 10 }, { id: 11 }]);
    expect(await db.transaction((tx) => tx.query(insert, [[12], ['c']], 'test-insert-things'))).toEqual([{ id: 12 }]);
    const select = 'SELECT name FROM things WHERE id = ANY($1::int[]) ORDER BY id';
    for (const [ids, names] of [[[10], ['a']], [[11, 12], ['b', 'c']], [[99], []]] as const) {
      expect((await db.query<{ name: string }>(select, [ids], 'test-select-things')).map((row) => row.name)).toEqual(names);
    }
  });
});
