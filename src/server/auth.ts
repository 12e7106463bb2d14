/**
 * Signing in to the service with an identity (a signed challenge), the
 * session a token then stands for, and the roles an identity holds:
 * `person` (enrolled), `officer` (`keyward service officer add`), `member`
 * (of a council registered with `keyward service council add`), `applicant`
 * (the new identity of a recovery case that is not refused, src/server/cases.ts).
 * A revoked identity (its case refused after it was verified) is no person.
 * Tokens and nonces are stored only as their SHA-256.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { KeywardError, b64u, canonicalJson, fromB64u, randomBytes, sha256, toHex, utf8 } from '../core/index.ts';
import { importEd25519Public } from '../core/keys/ed25519.ts';
import { SIGN_IN_FORMAT, type SignInChallenge, challengeSignedBy, parseSignInChallenge } from '../core/service.ts';
import type { Db, Queryable } from './db.ts';
import type { ServiceKey } from './service-key.ts';

export type Role = 'person' | 'officer' | 'member' | 'applicant';
/** The order roles are listed in. */
const ROLE_ORDER: readonly Role[] = ['person', 'officer', 'member', 'applicant'];

export interface Session {
  identityId: string;
  name: string;
  roles: ReadonlySet<Role>;
  /** The person this identity belongs to (`people.person_id`), or null for an officer or member who is not enrolled. */
  personId: string | null;
  /** The council IDs this identity is a member of. */
  councils: readonly string[];
}

/** An identity the service knows, with what it may do and the key it signs in with. */
export interface KnownIdentity extends Session {
  /** b64u of its Ed25519 SPKI. */
  signingKey: string;
}

/** How long a challenge may be signed, and how long a session lasts. */
export const CHALLENGE_LIFETIME_MS = 5 * 60 * 1000;
export const SESSION_LIFETIME_MS = 60 * 60 * 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's clock (tests set it; `new Date()` otherwise). */
    keywardNow: () => Date;
  }
}

const hexDigest = async (text: string) => toHex(await sha256(utf8(text)));
const failed = (reason: string) => new KeywardError('SIGN_IN_FAILED', { reason });

/**
 * Who `identityId` is to the service: its roles, name, person and councils, or null when it has none.
 * The one place roles are decided.
 */
export async function rolesOf(tx: Queryable, identityId: string): Promise<KnownIdentity | null> {
  // One round trip: a row per role held (a member's, per council), the person's first, then the officer's.
  // An applicant is the new identity of a recovery case that is not refused: it signs in with the key its
  // case request carried (before it is enrolled), under the person's name.
  const rows = await tx.query<{ role: Role; name: string; signing_key: string; person_id: string | null; council_id: string | null }>(
    `SELECT 1 AS rank, 'person' AS role, name, signing_key, person_id, NULL AS council_id FROM people WHERE identity_id = $1 AND revoked_at IS NULL
     UNION ALL SELECT 2, 'officer', name, signing_key, NULL, NULL FROM officers WHERE identity_id = $1
     UNION ALL SELECT 3, 'member', name, signing_key, NULL, council_id FROM council_members WHERE identity_id = $1
     UNION ALL SELECT 4, 'applicant', p.name, c.new_signing_key, NULL, NULL FROM cases c JOIN people p ON p.identity_id = c.lost_identity_id
       WHERE c.new_identity_id = $1 AND c.state <> 'refused'
     ORDER BY 1, 6`,
    [identityId],
  );
  const first = rows[0];
  if (!first) return null;
  return {
    identityId,
    name: first.name,
    roles: new Set(rows.map((row) => row.role)),
    personId: rows.find((row) => row.role === 'person')?.person_id ?? null,
    councils: [...new Set(rows.filter((row) => row.role === 'member').map((row) => row.council_id!))],
    signingKey: first.signing_key,
  };
}

/** The roles of a session, in a fixed order, as the API lists them. */
export const roleList = (roles: ReadonlySet<Role>): Role[] => ROLE_ORDER.filter((role) => roles.has(role));

/**
 * The session of a request (`Authorization: Bearer TOKEN`), with the roles its identity holds now.
 *
 * @throws KeywardError `SIGN_IN_REQUIRED` (no token, or one unknown or expired)
 */
export async function sessionOf(db: Db, request: FastifyRequest): Promise<Session> {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{43})$/.exec(header) : null;
  if (!match) throw new KeywardError('SIGN_IN_REQUIRED');
  const at = request.server.keywardNow().toISOString();
  const [session] = await db.query<{ identity_id: string }>('SELECT identity_id FROM sessions WHERE token_digest = $1 AND expires_at > $2', [await hexDigest(match[1]!), at]);
  if (!session) throw new KeywardError('SIGN_IN_REQUIRED');
  const known = await rolesOf(db, session.identity_id);
  if (!known) return { identityId: session.identity_id, name: '', roles: new Set(), personId: null, councils: [] };
  return { identityId: known.identityId, name: known.name, roles: known.roles, personId: known.personId, councils: known.councils };
}

/** @throws KeywardError `NOT_PERMITTED` unless the session holds one of the roles */
export function requireRole(session: Session, ...anyOf: Role[]): void {
  if (!anyOf.some((role) => session.roles.has(role))) throw new KeywardError('NOT_PERMITTED', { reason: `this needs the role ${anyOf.join(' or ')}` });
}

const identityIdSchema = { type: 'string', pattern: '^SHA256:[0-9a-f]{64}$' } as const;
const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

/** `POST /v1/sign-in/challenge` and `POST /v1/sign-in`. */
export function registerSignIn(app: FastifyInstance, db: Db, serviceKey: () => Promise<ServiceKey>): void {
  app.post(
    '/v1/sign-in/challenge',
    { schema: { querystring: noQuery, body: { type: 'object', additionalProperties: false, required: ['identityId'], properties: { identityId: identityIdSchema } } } },
    async (request, reply) => {
      const { identityId } = request.body as { identityId: string };
      const key = await serviceKey();
      const now = app.keywardNow();
      const challenge: SignInChallenge = {
        format: SIGN_IN_FORMAT,
        service: key.info.keyId,
        identityId,
        nonce: b64u(randomBytes(32)),
        expiresAt: new Date(now.getTime() + CHALLENGE_LIFETIME_MS).toISOString(),
      };
      await db.transaction(async (tx) => {
        await tx.query('DELETE FROM challenges WHERE expires_at < $1', [now.toISOString()]);
        await tx.query('INSERT INTO challenges (nonce_digest, identity_id, challenge, expires_at) VALUES ($1, $2, $3, $4)', [
          await hexDigest(challenge.nonce),
          identityId,
          canonicalJson(challenge),
          challenge.expiresAt,
        ]);
      });
      return reply.code(201).send(challenge);
    },
  );

  app.post(
    '/v1/sign-in',
    {
      schema: {
        querystring: noQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['challenge', 'signature'],
          properties: { challenge: { type: 'object' }, signature: { type: 'string', maxLength: 128 } },
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { challenge: unknown; signature: string };
      const challenge = parseSignInChallenge(body.challenge);
      const key = await serviceKey();
      const now = app.keywardNow();
      if (challenge.service !== key.info.keyId) throw failed('the challenge is another service\'s');
      const nonceDigest = await hexDigest(challenge.nonce);
      const [stored] = await db.query<{ challenge: string; used_at: string | null; expires_at: string }>(
        'SELECT challenge, used_at, expires_at FROM challenges WHERE nonce_digest = $1',
        [nonceDigest],
      );
      if (!stored || stored.challenge !== canonicalJson(challenge)) throw failed('the service did not issue this challenge');
      if (stored.used_at !== null) throw failed('this challenge was used already');
      if (stored.expires_at <= now.toISOString()) throw failed('the challenge expired');
      const known = await rolesOf(db, challenge.identityId);
      if (!known || known.roles.size === 0) throw failed('the identity has no role at this service');
      const { key: signingKey } = await importEd25519Public(fromB64u(known.signingKey));
      if (!(await challengeSignedBy(challenge, body.signature, signingKey))) throw failed('the signature does not verify');
      const token = b64u(randomBytes(32));
      const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS).toISOString();
      await db.transaction(async (tx) => {
        // Once only, even for two requests with the same signed challenge at the same moment.
        const used = await tx.query('UPDATE challenges SET used_at = $2 WHERE nonce_digest = $1 AND used_at IS NULL RETURNING nonce_digest', [nonceDigest, now.toISOString()]);
        if (used.length !== 1) throw failed('this challenge was used already');
        await tx.query('DELETE FROM sessions WHERE expires_at < $1', [now.toISOString()]);
        await tx.query('INSERT INTO sessions (token_digest, identity_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
          await hexDigest(token),
          challenge.identityId,
          now.toISOString(),
          expiresAt,
        ]);
      });
      return reply.code(201).send({ token, expiresAt, identityId: challenge.identityId, name: known.name, roles: roleList(known.roles) });
    },
  );
}
