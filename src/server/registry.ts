/**
 * Who may act at the desk, and whose escrow the service keeps: officers,
 * authorities and councils, registered on the service's database by
 * `keyward service officer add`, `authority add` and `council add`, each
 * with its audit entry.
 */
import { KeywardError, b64u, canonicalJson, importPublicIdentity, parseCouncil, serializeCouncil } from '../core/index.ts';
import type { ServedAuthority } from '../core/service.ts';
import { appendAudit, auditedTransaction } from './audit-log.ts';
import type { Db } from './db.ts';

/**
 * Registers an identity (v2 §2, PEM or JWK Set) and its name in `table`
 * (`officers` or `authorities`, the same columns), with its audit entry.
 *
 * @throws KeywardError `ALREADY_ENROLLED` (`already`, when a row has that ID), the core's key codes
 */
async function registerIdentity(
  db: Db,
  into: { table: 'officers' | 'authorities'; event: 'officer' | 'authority'; already: string },
  identityText: string,
  name: string,
  now: Date,
): Promise<{ identityId: string; auditSeq: number }> {
  const identity = await importPublicIdentity(identityText);
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const known = await tx.query(`SELECT 1 FROM ${into.table} WHERE identity_id = $1`, [identity.id]);
    if (known.length > 0) throw new KeywardError('ALREADY_ENROLLED', { reason: `${identity.id} ${into.already}` });
    await tx.query(`INSERT INTO ${into.table} (identity_id, name, public_key, signing_key, added_at) VALUES ($1, $2, $3, $4, $5)`, [
      identity.id,
      name,
      b64u(identity.rsaSpki),
      b64u(identity.ed25519Spki),
      at,
    ]);
    const entry = await appendAudit(tx, into.event, { identityId: identity.id, name }, at);
    return { identityId: identity.id, auditSeq: entry.seq };
  });
}

/**
 * Registers an officer: their public identity (v2 §2, PEM or JWK Set) and name.
 *
 * @returns the identity ID and the audit entry's number
 * @throws KeywardError `ALREADY_ENROLLED` (already an officer), the core's key codes
 */
export function addOfficer(db: Db, identityText: string, name: string, now = new Date()): Promise<{ identityId: string; auditSeq: number }> {
  return registerIdentity(db, { table: 'officers', event: 'officer', already: 'is an officer already' }, identityText, name, now);
}

/**
 * Registers an authority the service keeps escrow for: its public identity
 * (v2 §2, PEM or JWK Set) and name. Deposits are stored only for a
 * registered authority or council (`storeDeposits`). An authority need not
 * be an officer: its key may stay offline, its receipts uploaded by one.
 *
 * @returns the identity ID and the audit entry's number
 * @throws KeywardError `ALREADY_ENROLLED` (registered already, or retired), the core's key codes
 */
export function addAuthority(db: Db, identityText: string, name: string, now = new Date()): Promise<{ identityId: string; auditSeq: number }> {
  return registerIdentity(db, { table: 'authorities', event: 'authority', already: 'is registered as an authority already (or was, and was retired)' }, identityText, name, now);
}

/**
 * Registers a council (v2 §8.1 descriptor, read strictly): its members may then sign in and act at the desk.
 *
 * @returns the council ID and the audit entry's number
 * @throws KeywardError `MALFORMED`, `ALREADY_ENROLLED` (registered already)
 */
export async function addCouncil(db: Db, descriptorText: string, now = new Date()): Promise<{ councilId: string; auditSeq: number }> {
  const council = await parseCouncil(descriptorText);
  const at = now.toISOString();
  return auditedTransaction(db, async (tx) => {
    const known = await tx.query('SELECT 1 FROM councils WHERE council_id = $1', [council.id]);
    if (known.length > 0) throw new KeywardError('ALREADY_ENROLLED', { reason: `the council ${council.id} is registered already` });
    await tx.query('INSERT INTO councils (council_id, name, threshold, descriptor, added_at) VALUES ($1, $2, $3, $4, $5)', [
      council.id,
      council.name,
      council.threshold,
      serializeCouncil(council).trimEnd(),
      at,
    ]);
    for (const [i, member] of council.members.entries()) {
      await tx.query('INSERT INTO council_members (council_id, member_index, identity_id, name, public_key, signing_key) VALUES ($1, $2, $3, $4, $5, $6)', [
        council.id,
        i + 1,
        member.id,
        member.name,
        member.publicKey,
        member.signingKey,
      ]);
    }
    const entry = await appendAudit(tx, 'council', { councilId: council.id, name: council.name, threshold: String(council.threshold), members: canonicalJson(council.members.map((m) => m.id)) }, at);
    return { councilId: council.id, auditSeq: entry.seq };
  });
}

/** `GET /v1/authorities`: every registered authority, then every registered council, each in the order registered; none retired. */
export async function servedAuthorities(db: Db): Promise<{ authorities: ServedAuthority[] }> {
  const rows = await db.query<ServedAuthority>(
    `SELECT kind, id, name FROM (SELECT 'identity' AS kind, identity_id AS id, name, added_at, 0 AS rank FROM authorities WHERE retired_at IS NULL
       UNION ALL SELECT 'council', council_id, name, added_at, 1 FROM councils WHERE retired_at IS NULL) AS served ORDER BY rank, added_at, id`,
  );
  return { authorities: rows.map(({ kind, id, name }) => ({ kind, id, name })) };
}

/** A registered authority or council as `keyward service authorities` lists it, retired ones too. */
export interface RegisteredAuthority extends ServedAuthority {
  addedAt: string;
  retiredAt: string | null;
}

/** Every registered authority, then every council, each in the order registered, retired ones too. */
export async function registeredAuthorities(db: Db): Promise<RegisteredAuthority[]> {
  return db.query<RegisteredAuthority>(
    `SELECT kind, id, name, added_at AS "addedAt", retired_at AS "retiredAt" FROM (
       SELECT 'identity' AS kind, identity_id AS id, name, added_at, retired_at, 0 AS rank FROM authorities
       UNION ALL SELECT 'council', council_id, name, added_at, retired_at, 1 FROM councils) AS registered ORDER BY rank, added_at, id`,
  );
}

/**
 * Retires an authority or a council (a key compromised or replaced): no
 * deposit is stored for it after, and `GET /v1/authorities` no longer lists
 * it; what was stored stays, and a council's members still work the desk.
 * Final: a retired one is not registered again.
 *
 * @returns its name and the audit entry's number; `null` when no authority (council) that is not retired has that ID
 */
export async function retireAuthority(db: Db, kind: ServedAuthority['kind'], id: string, now = new Date()): Promise<{ name: string; auditSeq: number } | null> {
  const at = now.toISOString();
  const [table, key] = kind === 'identity' ? ['authorities', 'identity_id'] : ['councils', 'council_id'];
  return auditedTransaction(db, async (tx) => {
    const [row] = await tx.query<{ name: string }>(`UPDATE ${table} SET retired_at = $2 WHERE ${key} = $1 AND retired_at IS NULL RETURNING name`, [id, at]);
    if (!row) return null;
    const entry = await appendAudit(tx, 'retire', { kind, id, name: row.name }, at);
    return { name: row.name, auditSeq: entry.seq };
  });
}

