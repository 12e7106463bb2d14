/**
 * Deposits stored together (storeDeposits, the group commit behind POST
 * /v1/deposits), on PGlite and on PostgreSQL: a bad blob in a batch is
 * refused alone, the others are stored, and the audit chain stays whole.
 */
import { type PrivateIdentity, PublicIdentityCache, exportPublicIdentity, signEscrowBlob, userMessage } from '../core/index.ts';
import { verifyAuditLog } from '../core/audit.ts';
import { withoutSignature } from '../core/format/signing.ts';
import { makeIdentity } from '../core/test-support.ts';
import { buildService } from './app.ts';
import { auditedTransaction, chainEntries, exportAudit, insertAuditEntries } from './audit-log.ts';
import type { Db } from './db.ts';
import { type CheckedDeposit, checkDeposit } from './deposit-check.ts';
import { startDepositChecker } from './deposit-checker.ts';
import { issueEnrolmentCode, storeDeposits, enrol } from './escrow.ts';
import { migrate } from './migrations.ts';
import { addAuthority } from './registry.ts';
import { BACKENDS, type Owner, type TestDb, builtDepositWorker, makeOwner } from './test-support.ts';

let authority: PrivateIdentity;
let ada: Owner;
let mallory: Owner;
let bob: Owner;
/** Ada's blobs for an authority the service does not keep escrow for. */
let astray: Owner;

beforeAll(async () => {
  authority = await makeIdentity();
  [ada, mallory, bob] = await Promise.all([makeOwner(authority, 9), makeOwner(authority, 1), makeOwner(authority, 11)]);
  astray = await makeOwner(await makeIdentity(), 2, ada.identity);
});

/** `db` with what it is asked counted: statements on their own, and transactions. */
function counted(db: Db, fail?: (sql: string) => Error | undefined) {
  const count = { statements: 0, transactions: 0 };
  const wrapped: Db = {
    kind: db.kind,
    query: <R>(sql: string, params?: readonly unknown[], prepared?: string) => {
      count.statements++;
      const error = fail?.(sql);
      return error ? Promise.reject(error) : db.query<R>(sql, params, prepared);
    },
    exec: (sql) => db.exec(sql),
    transaction: (work, first) => {
      count.transactions++;
      return db.transaction(work, first);
    },
    close: () => db.close(),
  };
  return { db: wrapped, count };
}

const created = (outcomes: Awaited<ReturnType<typeof storeDeposits>>) => outcomes.map((o) => ('ack' in o ? o.created : o.code));

/** A blob as the route hands it to the batch: checked by the core. */
const checked = (blob: Owner['blobs'][number]): Promise<CheckedDeposit> => checkDeposit(JSON.stringify(blob), new PublicIdentityCache());

describe.each(BACKENDS)('deposits stored together on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;

  beforeAll(async () => {
    test = await open();
    db = test.db;
    await migrate(db);
    await addAuthority(db, await exportPublicIdentity(authority, 'pem'), 'IT backup');
    await enrol(db, await issueEnrolmentCode(db, 'Ada'), ada.publicPem);
    await enrol(db, await issueEnrolmentCode(db, 'Bob'), bob.publicPem);
  });
  const verified = async () => {
    const log = await exportAudit(db);
    expect((await verifyAuditLog(log.entries)).count).toBe(log.entries.length);
    return log.entries;
  };
  afterAll(async () => {
    await test?.drop();
  });

  it('stores the good blobs of a batch and refuses each bad one alone with its code', async () => {
    const [first, second, third, stored] = ada.blobs;
    // Stored before the batch: the batch brings another blob for its file.
    expect(await storeDeposits(db, [await checked(stored!)])).toMatchObject([{ created: true }]);
    const otherForStored = await signEscrowBlob(withoutSignature({ ...stored!, description: 'another blob for a stored file' }), ada.identity);
    const otherForFirst = await signEscrowBlob(withoutSignature({ ...first!, description: 'another blob for a file earlier in the batch' }), ada.identity);
    const before = await exportAudit(db);

    const outcomes = await storeDeposits(db, [
      await checked(first!),
      await checked(mallory.blobs[0]!), // not enrolled
      await checked(second!),
      await checked(otherForStored), // conflicts with a stored blob
      await checked(otherForFirst), // conflicts with a blob earlier in this batch
      await checked(first!), // the same blob twice in one batch
      await checked(third!),
      await checked(astray.blobs[0]!), // for an authority that is not registered
    ]);

    const codes = outcomes.map((o) => ('code' in o ? o.code : o.created ? 'created' : 'again'));
    expect(codes).toEqual(['created', 'NOT_ENROLLED', 'created', 'DEPOSIT_CONFLICT', 'DEPOSIT_CONFLICT', 'again', 'created', 'AUTHORITY_NOT_SERVED']);
    const acks = outcomes.map((o) => ('ack' in o ? o.ack : null));
    // The same blob twice in one batch is answered with the one acknowledgement.
    expect(acks[5]).toEqual(acks[0]);
    const log = await exportAudit(db);
    expect((await verifyAuditLog(log.entries)).count).toBe(log.entries.length);
    const added = log.entries.slice(before.entries.length);
    expect(added.map((e) => [e.seq, e.data.fileId])).toEqual([
      [acks[0]!.auditSeq, first!.fileId],
      [acks[2]!.auditSeq, second!.fileId],
      [acks[6]!.auditSeq, third!.fileId],
    ]);
    const rows = await db.query<{ file_id: string; description: string; owner_id: string }>('SELECT file_id, description, owner_id FROM deposits WHERE file_id = ANY($1::text[]) ORDER BY audit_seq', [
      [first!.fileId, second!.fileId, third!.fileId, stored!.fileId, mallory.blobs[0]!.fileId, astray.blobs[0]!.fileId],
    ]);
    expect(rows).toEqual([stored!, first!, second!, third!].map((b) => ({ file_id: b.fileId, description: b.description, owner_id: ada.identity.id })));
    const owners = await db.query<{ seq: number; owner_id: string }>('SELECT seq, owner_id FROM audit_log WHERE seq = ANY($1::int[])', [added.map((e) => e.seq)]);
    expect(owners.map((row) => row.owner_id)).toEqual(added.map(() => ada.identity.id));
  });

  it('stores a batch in one statement, commit included, once it knows where the log ends', async () => {
    const { db: watched, count } = counted(db);
    expect(created(await storeDeposits(watched, [await checked(bob.blobs[0]!)]))).toEqual([true]);
    count.statements = 0;
    expect(created(await storeDeposits(watched, [await checked(bob.blobs[1]!), await checked(bob.blobs[2]!)]))).toEqual([true, true]);
    expect(count).toEqual({ statements: 1, transactions: 0 });
    const entries = await verified();
    expect(entries.slice(-2).map((e) => e.data.fileId)).toEqual([bob.blobs[1]!.fileId, bob.blobs[2]!.fileId]);
  });

  it('stores nothing for an authority that is not registered, where the rest of the batch is as this process guessed', async () => {
    const { db: watched, count } = counted(db);
    await storeDeposits(watched, [await checked(bob.blobs[9]!)]);
    count.statements = 0;
    const outcomes = await storeDeposits(watched, [await checked(ada.blobs[7]!), await checked(astray.blobs[0]!)]);
    expect(created(outcomes)).toEqual([true, 'AUTHORITY_NOT_SERVED']);
    // The guess (every authority served) is wrong: nothing stored, the truth read; the second statement stores the rest.
    expect(count).toEqual({ statements: 2, transactions: 0 });
    expect(await db.query('SELECT 1 FROM deposits WHERE file_id = $1', [astray.blobs[0]!.fileId])).toEqual([]);
    const entries = await verified();
    expect(entries.at(-1)?.data.fileId).toBe(ada.blobs[7]!.fileId);
  });

  it('stores a blob for a registered authority that came after another blob for its file, one for an authority that is not registered', async () => {
    const { db: watched, count } = counted(db);
    await storeDeposits(watched, [await checked(bob.blobs[10]!)]);
    count.statements = 0;
    // The same file, escrowed first to an authority the service does not keep escrow for (Ada signs both).
    const file = ada.blobs[8]!;
    const elsewhere = await signEscrowBlob(withoutSignature({ ...file, authority: astray.blobs[1]!.authority }), ada.identity);
    const outcomes = await storeDeposits(watched, [await checked(elsewhere), await checked(file)]);
    // The first guess stores the first and answers the second as its conflict; the truth read refuses the first,
    // and the second, whose authority was not asked about, is stored by the next statement.
    expect(created(outcomes)).toEqual(['AUTHORITY_NOT_SERVED', true]);
    expect(count).toEqual({ statements: 2, transactions: 0 });
    const rows = await db.query<{ authority_id: string }>('SELECT authority_id FROM deposits WHERE file_id = $1', [file.fileId]);
    expect(rows).toEqual([{ authority_id: authority.id }]);
    const entries = await verified();
    expect(entries.at(-1)?.data.fileId).toBe(file.fileId);
  });

  it('reads again when another writer appended since its last batch, and chains after that entry', async () => {
    const { db: watched, count } = counted(db);
    await storeDeposits(watched, [await checked(bob.blobs[3]!)]);
    await issueEnrolmentCode(db, 'someone new'); // an entry this process's batches did not write
    count.statements = 0;
    expect(created(await storeDeposits(watched, [await checked(bob.blobs[4]!)]))).toEqual([true]);
    // The guess (the log ends at the last batch) is wrong: nothing stored, the truth read; the second statement stores.
    expect(count).toEqual({ statements: 2, transactions: 0 });
    const entries = await verified();
    expect(entries.slice(-2).map((e) => e.event)).toEqual(['enrol-code', 'deposit']);
  });

  it('leaves a transaction that holds the audit lock alone: it waits, and the lock holder\'s entry stands', async () => {
    // This process knows where the log ends: its next guess is right, and only the lock can stop it.
    const { db: watched, count } = counted(db);
    await storeDeposits(watched, [await checked(bob.blobs[8]!)]);
    count.transactions = 0;
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    // Another writer takes the lock, reads where the log ends, and writes its entry only later.
    const holder = auditedTransaction(db, async (tx) => {
      const [last] = await tx.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
      await gate;
      const insert = insertAuditEntries(await chainEntries(last ?? null, [{ event: 'enrol-code', data: { name: 'held' }, at: new Date().toISOString() }]));
      await tx.query(insert.sql, insert.params);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // With a blob for an authority that is not registered: the transaction reads who is served too.
    const stored = storeDeposits(watched, [await checked(bob.blobs[5]!), await checked(astray.blobs[1]!)]);
    try {
      expect(await Promise.race([stored.then(() => 'stored'), new Promise((resolve) => setTimeout(resolve, 300, 'waiting'))])).toBe('waiting');
    } finally {
      open();
    }
    await holder;
    expect(created(await stored)).toEqual([true, 'AUTHORITY_NOT_SERVED']);
    expect(await db.query('SELECT 1 FROM deposits WHERE file_id = $1', [astray.blobs[1]!.fileId])).toEqual([]);
    // On PostgreSQL the batch found the lock taken and waited for it in a transaction of its own.
    if (db.kind === 'postgres') expect(count.transactions).toBe(1);
    const entries = await verified();
    expect(entries.slice(-2).map((e) => e.event)).toEqual(['enrol-code', 'deposit']);
  });

  it('tries again when the log\'s key refuses its entries (another writer took the number), and only then', async () => {
    let tries = 0;
    const taken = () => Object.assign(new Error('duplicate key value violates unique constraint "audit_log_pkey"'), { code: '23505' });
    const { db: once } = counted(db, (sql) => (sql.includes('pg_try_advisory_xact_lock') && tries++ === 0 ? taken() : undefined));
    expect(created(await storeDeposits(once, [await checked(bob.blobs[6]!)]))).toEqual([true]);
    // The refused try; one that learns where the log ends now (its guess forgotten); the one that stores.
    expect(tries).toBe(3);
    await verified();
    // Any other failure is the batch's: nothing is tried again, nothing stored.
    const broken = () => Object.assign(new Error('connection lost'), { code: '08006' });
    const { db: failing } = counted(db, (sql) => (sql.includes('pg_try_advisory_xact_lock') ? broken() : undefined));
    await expect(storeDeposits(failing, [await checked(bob.blobs[7]!)])).rejects.toThrow('connection lost');
    expect(await db.query('SELECT 1 FROM deposits WHERE file_id = $1', [bob.blobs[7]!.fileId])).toEqual([]);
  });

  it('answers concurrent requests each with its own outcome, a bad blob among them', async () => {
    const app = await buildService({ db });
    try {
      const blobs = [ada.blobs[4]!, mallory.blobs[0]!, ada.blobs[5]!];
      const responses = await Promise.all([...blobs, ...blobs].map((blob) => app.inject({ method: 'POST', url: '/v1/deposits', payload: blob as unknown as object })));
      expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 201, 201, 403, 403]);
      expect(responses.filter((r) => r.statusCode === 403).map((r) => r.json<{ code: string }>().code)).toEqual(['NOT_ENROLLED', 'NOT_ENROLLED']);
      const log = await exportAudit(db);
      expect((await verifyAuditLog(log.entries)).count).toBe(log.entries.length);
    } finally {
      await app.close();
    }
  });

  it('answers a deposit that cannot be checked (the checks\' worker stopped) with INTERNAL, never a refusal, and stores nothing', async () => {
    const stopped = await startDepositChecker(await builtDepositWorker());
    expect(stopped.runs).toMatch(/^worker thread/);
    await stopped.close();
    const app = await buildService({ db, depositChecks: stopped });
    try {
      const blob = ada.blobs[6]!;
      const response = await app.inject({ method: 'POST', url: '/v1/deposits', payload: blob as unknown as object });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ code: 'INTERNAL', message: userMessage('INTERNAL') });
      expect(await db.query('SELECT 1 FROM deposits WHERE file_id = $1', [blob.fileId])).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
