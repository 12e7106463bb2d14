/**
 * The desk's word search in its two steps (`pageOf`): the deposits tested in
 * order, then the words' index for the rest. With a small window both steps
 * run on a few hundred rows, and every answer is compared with the plain
 * query (all matches, sorted), on PGlite and PostgreSQL.
 */
import type { Db } from './db.ts';
import { pageOf } from './desk.ts';
import { migrate } from './migrations.ts';
import { BACKENDS, type TestDb } from './test-support.ts';

const COMMON = ['tax', 'payroll', 'report', 'scan'];
const COUNT = 300;
/** Deposit i's description: common words by a pattern, `rare` in three deposits late in the order, `early` in the first two only. */
function description(i: number): string {
  const words = COMMON.filter((_, w) => (i * (w + 3)) % (w + 2) === 0);
  if (i === 211 || i === 250 || i === 299) words.push('rare');
  if (i < 2) words.push('early');
  return words.length > 0 ? words.join(' ') : 'nothing';
}
const fileId = (i: number) => `file${String(i).padStart(18, '0')}`;
/** Two owners, one person each; the first owns every third deposit. */
const OWNERS = [`SHA256:${'a'.repeat(64)}`, `SHA256:${'b'.repeat(64)}`];
const ownerOf = (i: number) => OWNERS[i % 3 === 0 ? 0 : 1]!;

describe.each(BACKENDS)('word search on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;

  beforeAll(async () => {
    test = await open();
    db = test.db;
    await migrate(db);
    for (const id of OWNERS) {
      await db.query("INSERT INTO people (identity_id, name, public_key, signing_key, enrolled_at, code_digest, person_id) VALUES ($1, 'P', 'k', 's', 't', NULL, $1)", [id]);
    }
    const ids = Array.from({ length: COUNT }, (_, i) => i);
    // Stored out of file-ID order, two deposits at each time: the order is (stored_at, file_id).
    await db.query(
      `INSERT INTO deposits (file_id, serial, owner_id, escrow_digest, blob, stored_at, audit_seq, description, authority_id, authority_kind, authority_name)
       SELECT f, f, o, 'e', '{}', a, 0, d, 'SHA256:aa', 'identity', 'IT' FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS r(f, o, a, d)`,
      [
        ids.map(fileId),
        ids.map(ownerOf),
        ids.map((i) => new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 2) * 60_000).toISOString()),
        ids.map(description),
      ],
    );
  });
  afterAll(async () => {
    await test?.drop();
  });

  /** The plain answer: every match of the filters and words, sorted, the first `take`. */
  const reference = async (where: string[], params: unknown[], words: string, take: number) => {
    const all = [...where, `d.description_words @@ plainto_tsquery('simple', $${params.length + 1})`];
    const rows = await db.query<{ file_id: string }>(`SELECT d.file_id FROM deposits d WHERE ${all.join(' AND ')} ORDER BY d.stored_at, d.file_id LIMIT $${params.length + 2}`, [
      ...params,
      words,
      take,
    ]);
    return rows.map((row) => row.file_id);
  };

  const filters: [string, string[], unknown[]][] = [
    ['no other filter', [], []],
    ['one owner', ['d.owner_id IN (SELECT identity_id FROM people WHERE person_id = $1)'], [OWNERS[0]]],
    ['after a page end', ['(d.stored_at, d.file_id) > ($1, $2)'], ['2026-01-01T00:40:00.000Z', fileId(80)]],
    ['a time range', ['d.stored_at >= $1', 'd.stored_at < $2'], ['2026-01-01T01:00:00.000Z', '2026-01-01T02:00:00.000Z']],
  ];

  it.each(filters)('gives the plain query\'s page for common, rare, absent and paired words (%s)', async (_name, where, params) => {
    for (const words of ['tax', 'payroll report', 'rare', 'rare tax', 'early', 'absent', 'tax absent']) {
      for (const take of [1, 3, 51]) {
        const expected = await reference(where, params, words, take);
        for (const window of [1, 5, 40, 1000]) {
          expect(await pageOf(db, where, params, words, take, window), `${words}, take ${take}, window ${window}`).toEqual(expected);
        }
      }
    }
  });

  it('finds words that first appear after the window, from the words\' index', async () => {
    // 'rare' is in deposits 211, 250 and 299 only; a window of 40 holds none of them.
    expect(await pageOf(db, [], [], 'rare', 51, 40)).toEqual([fileId(211), fileId(250), fileId(299)]);
    expect(await pageOf(db, [], [], 'rare', 2, 40)).toEqual([fileId(211), fileId(250)]);
    // 'early' is only in the window: found there, and nothing is added from the rest.
    expect(await pageOf(db, [], [], 'early', 51, 40)).toEqual([fileId(0), fileId(1)]);
  });

  it('gives a page in order without words, from the filters alone', async () => {
    expect(await pageOf(db, ['d.owner_id = $1'], [OWNERS[0]], undefined, 3)).toEqual([fileId(0), fileId(3), fileId(6)]);
  });
});
