/**
 * Helpers for the service's tests (not part of the service): owners with
 * signed escrow blobs, and the two databases every route is tested on.
 */
import { randomBytes } from 'node:crypto';
import { bytesSource, collectBytes, encryptSource, exportPublicIdentity, type EscrowBlobV2, type PrivateIdentity } from '../core/index.ts';
import { makeIdentity, patternBytes } from '../core/test-support.ts';
import { type Db, openPglite, openPostgres } from './db.ts';

/** An owner: their identity, its public PEM, and escrow blobs of files they encrypted. */
export interface Owner {
  identity: PrivateIdentity;
  publicPem: string;
  blobs: EscrowBlobV2[];
}

/** A file encrypted by `owner` for `authority`, and its escrow blob (v2 §4). */
export async function escrowBlob(owner: PrivateIdentity, authority: PrivateIdentity, seed: number): Promise<EscrowBlobV2> {
  const plain = patternBytes(300 + seed, seed);
  const encrypted = await encryptSource(bytesSource(plain), {
    meta: { name: `file-${seed}.txt`, type: 'text/plain', size: plain.length, lastModified: 1_764_000_000_000 },
    owner: owner.encryption,
    authority,
    signer: owner,
    ownerName: 'Ada',
    authorityName: 'IT backup',
    description: `file ${seed}`,
    chunkSize: 65536,
  });
  await collectBytes(encrypted.stream);
  return (await encrypted.done).escrowBlob as EscrowBlobV2;
}

/** An owner with `count` escrow blobs for `authority`. */
export async function makeOwner(authority: PrivateIdentity, count: number, identity?: PrivateIdentity): Promise<Owner> {
  const id = identity ?? (await makeIdentity());
  const blobs: EscrowBlobV2[] = [];
  for (let i = 0; i < count; i++) blobs.push(await escrowBlob(id, authority, i + 1));
  return { identity: id, publicPem: await exportPublicIdentity(id, 'pem'), blobs };
}

/** A database for one test file, and how to remove it. */
export interface TestDb {
  db: Db;
  /** Opens another connection set to the same database (PostgreSQL only: a second instance). */
  another?: () => Db;
  drop: () => Promise<void>;
}

/** The backends every route is tested on. The PostgreSQL one needs KEYWARD_TEST_DATABASE_URL, and fails without it. */
export const BACKENDS: readonly { name: string; open: () => Promise<TestDb> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await openPglite();
      return { db, drop: () => db.close() };
    },
  },
  {
    name: 'PostgreSQL',
    open: async () => {
      const url = process.env.KEYWARD_TEST_DATABASE_URL;
      if (!url) {
        throw new Error('KEYWARD_TEST_DATABASE_URL is not set: the service is tested on PostgreSQL too (.ci/run starts one and sets it)');
      }
      // Each test file works in a schema of its own, dropped at the end.
      const schema = `keyward_test_${randomBytes(6).toString('hex')}`;
      const admin = openPostgres(url, { max: 1 });
      await admin.exec(`CREATE SCHEMA ${schema}`);
      const db = openPostgres(url, { schema });
      return {
        db,
        another: () => openPostgres(url, { schema }),
        drop: async () => {
          await db.close();
          await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
          await admin.close();
        },
      };
    },
  },
];
