/**
 * Helpers for the service's tests (not part of the service): owners with
 * signed escrow blobs, and the two databases every route is tested on.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import {
  bytesSource,
  collectBytes,
  createCouncil,
  encryptSource,
  exportPublicIdentity,
  serializeCouncil,
  type Council,
  type EscrowBlobV2,
  type PrivateIdentity,
} from '../core/index.ts';
import { type SignInChallenge, signChallenge } from '../core/service.ts';
import { makeIdentity, patternBytes } from '../core/test-support.ts';
import { type Db, openPglite, openPostgres } from './db.ts';

/** An owner: their identity, its public PEM, and escrow blobs of files they encrypted. */
export interface Owner {
  identity: PrivateIdentity;
  publicPem: string;
  blobs: EscrowBlobV2[];
}

/** A file encrypted by `owner` for `authority`, and its escrow blob (v2 §4). */
export async function escrowBlob(owner: PrivateIdentity, authority: PrivateIdentity | Council, seed: number): Promise<EscrowBlobV2> {
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
export async function makeOwner(authority: PrivateIdentity | Council, count: number, identity?: PrivateIdentity): Promise<Owner> {
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

/** What `POST /v1/sign-in` answers. */
export interface SignedIn {
  token: string;
  expiresAt: string;
  identityId: string;
  name: string;
  roles: string[];
}

/** A challenge for `identity` from the service, signed by `identity` (or as `sign` says). */
export async function signedChallenge(
  app: FastifyInstance,
  identity: PrivateIdentity,
  sign: (challenge: SignInChallenge) => Promise<string> = (challenge) => signChallenge(identity, challenge),
): Promise<{ challenge: SignInChallenge; signature: string }> {
  const response = await app.inject({ method: 'POST', url: '/v1/sign-in/challenge', payload: { identityId: identity.id } });
  if (response.statusCode !== 201) throw new Error(`challenge: ${response.statusCode} ${response.body}`);
  const challenge = response.json<SignInChallenge>();
  return { challenge, signature: await sign(challenge) };
}

/** Signs `identity` in; throws unless the service lets it. */
export async function signIn(app: FastifyInstance, identity: PrivateIdentity): Promise<SignedIn> {
  const response = await app.inject({ method: 'POST', url: '/v1/sign-in', payload: await signedChallenge(app, identity) });
  if (response.statusCode !== 201) throw new Error(`sign-in: ${response.statusCode} ${response.body}`);
  return response.json<SignedIn>();
}

/** The header a signed-in request sends. */
export const bearer = (session: { token: string }) => ({ authorization: `Bearer ${session.token}` });

/** A council of `members` (threshold `threshold`), as its descriptor's text. */
export async function councilText(name: string, threshold: number, members: readonly { name: string; identity: PrivateIdentity }[]): Promise<string> {
  return serializeCouncil(await createCouncil({ name, threshold, members }));
}

let depositWorker: Promise<URL> | undefined;

/**
 * The deposit checks' worker as `keyward serve` runs it: the CLI's build of
 * the sources, once per test file, into a folder of its own (removed when
 * the test file's process ends), so that dist/ is never read or written.
 * The folder is in node_modules/.cache, where the build's imports of its
 * dependencies resolve.
 */
export function builtDepositWorker(): Promise<URL> {
  depositWorker ??= new Promise<URL>((resolve, reject) => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const cache = join(root, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const outDir = mkdtempSync(join(cache, 'keyward-deposit-worker-'));
    process.once('exit', () => {
      rmSync(outDir, { recursive: true, force: true });
    });
    execFile('npx', ['vite', 'build', '--config', 'vite.cli.config.ts', '--outDir', outDir, '--logLevel', 'error'], { cwd: root }, (error: Error | null) => {
      if (error) reject(error);
      else resolve(pathToFileURL(join(outDir, 'deposit-check-worker.js')));
    });
  });
  return depositWorker;
}
