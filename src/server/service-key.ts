/**
 * The service's own Ed25519 key: made at the first start, kept in the
 * database (`service_keys`) so that every instance on it signs with the
 * same key. It signs acknowledgements and names the service in sign-in challenges.
 */
import { b64u, fromB64u } from '../core/index.ts';
import { SERVICE_FORMAT, type ServiceInfo, type SignNow, type SignedAcknowledgement, serviceKeyId, signAcknowledgement } from '../core/service.ts';
import type { Db } from './db.ts';
import { signNow } from './node-crypto.ts';

/** Taken while the key is looked up and, the first time, made (two instances may start at once). */
const SERVICE_KEY_LOCK = 0x6b77_6b31;
const ED25519 = { name: 'Ed25519' };

export interface ServiceKey {
  info: ServiceInfo;
  /** Signs with the private key, at once (libsodium, or node:crypto where it cannot load). */
  sign: SignNow;
}

/** The service's key, made and stored the first time. */
export async function loadServiceKey(db: Db): Promise<ServiceKey> {
  const stored = await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SERVICE_KEY_LOCK]);
    const [row] = await tx.query<{ key_id: string; public_key: string; private_key: string }>('SELECT key_id, public_key, private_key FROM service_keys ORDER BY created_at, key_id LIMIT 1');
    if (row) return row;
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
    const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
    const made = { key_id: await serviceKeyId(spki), public_key: b64u(spki), private_key: b64u(pkcs8) };
    await tx.query('INSERT INTO service_keys (key_id, public_key, private_key, created_at) VALUES ($1, $2, $3, $4)', [made.key_id, made.public_key, made.private_key, new Date().toISOString()]);
    return made;
  });
  return { info: { format: SERVICE_FORMAT, keyId: stored.key_id, signingKey: stored.public_key }, sign: signNow(fromB64u(stored.private_key)) };
}

/** An acknowledgement's fields, as `deposit()` answers them. */
export interface AckFields {
  fileId: string;
  serial: string;
  ownerId: string;
  escrowDigest: string;
  storedAt: string;
  auditSeq: number;
}

/** The signed acknowledgement of a stored deposit: the same bytes every time for the same deposit. */
export function signAck(key: ServiceKey, ack: AckFields): Promise<SignedAcknowledgement> {
  return signAcknowledgement({ format: 'keyward-ack/1', ...ack, service: key.info.keyId }, key.sign);
}
