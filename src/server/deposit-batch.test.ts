/**
 * Deposits stored together (storeDeposits, the group commit behind POST
 * /v1/deposits), on PGlite and on PostgreSQL: a bad blob in a batch is
 * refused alone, the others are stored, and the audit chain stays whole.
 */
import { type PrivateIdentity, checkSignedEscrow, escrowDigest, signEscrowBlob } from '../core/index.ts';
import { verifyAuditLog } from '../core/audit.ts';
import { withoutSignature } from '../core/format/signing.ts';
import { makeIdentity } from '../core/test-support.ts';
import { buildService } from './app.ts';
import { exportAudit } from './audit-log.ts';
import type { Db } from './db.ts';
import { type CheckedDeposit, issueEnrolmentCode, storeDeposits, enrol } from './escrow.ts';
import { migrate } from './migrations.ts';
import { BACKENDS, type Owner, type TestDb, makeOwner } from './test-support.ts';

let authority: PrivateIdentity;
let ada: Owner;
let mallory: Owner;

beforeAll(async () => {
  authority = await makeIdentity();
  [ada, mallory] = await Promise.all([makeOwner(authority, 6), makeOwner(authority, 1)]);
});

/** A blob as the route hands it to the batch: checked by the core, with its digest. */
async function checked(blob: Owner['blobs'][number]): Promise<CheckedDeposit> {
  const { owner } = await checkSignedEscrow(blob, undefined);
  return { blob, ownerId: owner.id, digest: await escrowDigest(blob) };
}

describe.each(BACKENDS)('deposits stored together on $name', ({ open }) => {
  let test: TestDb | undefined;
  let db: Db;

  beforeAll(async () => {
    test = await open();
    db = test.db;
    await migrate(db);
    await enrol(db, await issueEnrolmentCode(db, 'Ada'), ada.publicPem);
  });
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
    ]);

    const codes = outcomes.map((o) => ('code' in o ? o.code : o.created ? 'created' : 'again'));
    expect(codes).toEqual(['created', 'NOT_ENROLLED', 'created', 'DEPOSIT_CONFLICT', 'DEPOSIT_CONFLICT', 'again', 'created']);
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
      [first!.fileId, second!.fileId, third!.fileId, stored!.fileId, mallory.blobs[0]!.fileId],
    ]);
    expect(rows).toEqual([stored!, first!, second!, third!].map((b) => ({ file_id: b.fileId, description: b.description, owner_id: ada.identity.id })));
    const owners = await db.query<{ seq: number; owner_id: string }>('SELECT seq, owner_id FROM audit_log WHERE seq = ANY($1::int[])', [added.map((e) => e.seq)]);
    expect(owners.map((row) => row.owner_id)).toEqual(added.map(() => ada.identity.id));
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
});
