/**
 * The keys kept in this browser: the owner's key pairs, backup authorities'
 * public keys, an authority's own key pair, and the councils the owner pinned. `CryptoKey` objects are stored
 * as they are (structured clone), so a non-extractable private key stays
 * non-extractable; whether it is extractable is decided before it gets here.
 */
import type { IDBPDatabase } from 'idb';
import type { Council, PrivateIdentity, PublicIdentity } from '../core/index.ts';
import { type KeywardDB, storageError, withStorageErrors } from './db.ts';
import type { StoredCouncil, StoredIdentity, StoredKey } from './records.ts';

export type { KeyRole, StoredCouncil, StoredIdentity, StoredKey } from './records.ts';

/** The fields of a stored key that may change after it is stored. */
export type KeyPatch = Partial<Pick<StoredKey, 'name' | 'confirmedAt' | 'backedUpAt' | 'backupDeclinedAt' | 'identity'>>;

/** Reading and writing stored keys. Every method rejects only with a storage `KeywardError` (`DB_*`). */
export interface KeyStore {
  /** All keys, oldest first. */
  list(): Promise<StoredKey[]>;
  get(keyId: string): Promise<StoredKey | undefined>;
  /**
   * Stores a key; one record per `keyId`, so it replaces a stored one, except
   * that re-storing only the public half of a key whose private key is stored
   * keeps the stored record (see `mergeKey`).
   */
  put(key: StoredKey): Promise<void>;
  /**
   * Changes the name or the confirmation, backup and backup-declined times,
   * or adds the signing half that makes a v1 key an identity (`identity`; a
   * stored identity is never replaced this way).
   *
   * @returns The updated key.
   * @throws storage `KeywardError` `DB_FAILED` if no key has this `keyId` (e.g. deleted in another tab),
   *   or if the patch has an `identity` and the key already is one.
   */
  update(keyId: string, patch: KeyPatch): Promise<StoredKey>;
  remove(keyId: string): Promise<void>;
  /** The councils the owner pinned (spec v2 §8.1), oldest first. */
  listCouncils(): Promise<StoredCouncil[]>;
  /**
   * Pins a council under its council ID. The same council pinned again keeps
   * when it was first pinned (its ID pins every field, so nothing else can differ).
   */
  putCouncil(council: StoredCouncil): Promise<void>;
  removeCouncil(id: string): Promise<void>;
}

/**
 * What `put(incoming)` stores when `existing` has the same `keyId` (the same
 * RSA key).
 *
 * Storing a lesser form of a stored key must never lose what the record
 * holds: re-importing the public half of a key whose private key is stored
 * must not lose the private key, nor demote its role to `authority` (a role
 * that never holds a private key); a v1 form of a stored identity (the RSA
 * key alone) must not drop the identity's signing half. The stored record
 * then stays, and only gains a confirmation it lacked, and only when the
 * incoming record is the same identity (or both are v1 keys): a confirmed
 * key ID does not pin an identity, nor one identity another. Anything else
 * (a private key arriving for a public one, an identity for a v1 key, another
 * identity over the same RSA key) replaces the record.
 *
 * @param existing - The stored record, if any.
 * @param incoming - The record being stored.
 * @returns The record to write.
 */
export function mergeKey(existing: StoredKey | undefined, incoming: StoredKey): StoredKey {
  if (!existing) return incoming;
  const keepsPrivateKey = existing.privateKey !== undefined && incoming.privateKey === undefined;
  const keepsIdentity = existing.identity !== undefined && incoming.identity === undefined && (existing.privateKey !== undefined || incoming.privateKey === undefined);
  if (!keepsPrivateKey && !keepsIdentity) return incoming;
  const sameIdentity = existing.identity?.id === incoming.identity?.id;
  const confirmedAt = existing.confirmedAt ?? (sameIdentity ? incoming.confirmedAt : undefined);
  return { ...existing, ...(confirmedAt === undefined ? {} : { confirmedAt }) };
}

/** True if the stored key is an identity (it can sign, spec v2 §2); false for a v1 key. */
export function isIdentity(key: StoredKey): key is StoredKey & { identity: StoredIdentity } {
  return key.identity !== undefined;
}

/**
 * The ID a person compares and confirms for a stored key: its identity ID if
 * it is an identity, else its v1 key ID.
 */
export function confirmableId(key: StoredKey): string {
  return key.identity?.id ?? key.keyId;
}

/**
 * The signing half to store for an identity the core made or imported: its
 * Ed25519 keys (the private one only for a private identity) and its ID.
 */
export function storedIdentityOf(identity: PublicIdentity | PrivateIdentity): StoredIdentity {
  return {
    id: identity.id,
    rsaSpki: identity.rsaSpki,
    ed25519Spki: identity.ed25519Spki,
    signingKey: identity.signingKey,
    ...('signingPrivateKey' in identity ? { signingPrivateKey: identity.signingPrivateKey } : {}),
  };
}

/** A stored identity's public half, as the core takes it (an authority to escrow to, a signer to expect). */
export function publicIdentityOf(key: StoredKey & { identity: StoredIdentity }): PublicIdentity {
  const { id, rsaSpki, ed25519Spki, signingKey } = key.identity;
  return { id, rsaSpki, ed25519Spki, signingKey, encryption: { publicKey: key.publicKey, keyId: key.keyId, modulusBits: key.modulusBits } };
}

/** A stored identity with both private keys, as the core takes it to sign; undefined for anything else. */
export function privateIdentityOf(key: StoredKey): PrivateIdentity | undefined {
  const signingPrivateKey = key.identity?.signingPrivateKey;
  if (!key.identity || !key.privateKey || !signingPrivateKey) return undefined;
  return {
    ...publicIdentityOf({ ...key, identity: key.identity }),
    encryption: { publicKey: key.publicKey, keyId: key.keyId, modulusBits: key.modulusBits, privateKey: key.privateKey },
    signingPrivateKey,
  };
}

/**
 * A stored council as the core takes it (an authority to escrow to, a council
 * to check partials against): exactly the council's fields, without when it
 * was pinned.
 */
export function councilOf(council: Council): Council {
  const { format, id, name, threshold, members, identities } = council;
  return { format, id, name, threshold, members, identities };
}

/** Copies only the patchable fields that are set, so `{ name: undefined }` cannot erase a name. */
function cleanPatch(patch: KeyPatch): KeyPatch {
  const clean: KeyPatch = {};
  if (patch.name !== undefined) clean.name = patch.name;
  if (patch.confirmedAt !== undefined) clean.confirmedAt = patch.confirmedAt;
  if (patch.backedUpAt !== undefined) clean.backedUpAt = patch.backedUpAt;
  if (patch.backupDeclinedAt !== undefined) clean.backupDeclinedAt = patch.backupDeclinedAt;
  if (patch.identity !== undefined) clean.identity = patch.identity;
  return clean;
}

/**
 * The key store over Keyward's database.
 *
 * Transactions only await IDB requests: awaiting anything else (crypto, the
 * network) lets the transaction auto-commit in between (idb README,
 * "Transaction lifetime"). Read-modify-write happens inside one readwrite
 * transaction so two tabs cannot interleave.
 *
 * @param db - Returns the open database (usually one shared, lazily opened connection).
 * @returns The store.
 */
export function createKeyStore(db: () => Promise<IDBPDatabase<KeywardDB>>): KeyStore {
  return {
    list: () =>
      withStorageErrors(async () => {
        const keys = await (await db()).getAll('keys');
        return keys.sort((a, b) => a.createdAt - b.createdAt || a.keyId.localeCompare(b.keyId));
      }),

    get: (keyId) => withStorageErrors(async () => (await db()).get('keys', keyId)),

    put: (key) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('keys', 'readwrite');
        const existing = await tx.store.get(key.keyId);
        await Promise.all([tx.store.put(mergeKey(existing, key)), tx.done]);
      }),

    update: (keyId, patch) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('keys', 'readwrite');
        const existing = await tx.store.get(keyId);
        if (!existing) {
          // Nothing was written, so the transaction just commits empty.
          throw storageError('DB_FAILED', { cause: new Error(`no stored key ${keyId}`) });
        }
        if (patch.identity !== undefined && existing.identity !== undefined) {
          // Another tab upgraded it first: its identity ID may already have been handed out.
          throw storageError('DB_FAILED', { cause: new Error(`${keyId} already is an identity`) });
        }
        const updated = { ...existing, ...cleanPatch(patch) };
        await Promise.all([tx.store.put(updated), tx.done]);
        return updated;
      }),

    remove: (keyId) =>
      withStorageErrors(async () => {
        await (await db()).delete('keys', keyId);
      }),

    listCouncils: () =>
      withStorageErrors(async () => {
        const councils = await (await db()).getAll('councils');
        return councils.sort((a, b) => a.pinnedAt - b.pinnedAt || a.id.localeCompare(b.id));
      }),

    putCouncil: (council) =>
      withStorageErrors(async () => {
        const tx = (await db()).transaction('councils', 'readwrite');
        const existing = await tx.store.get(council.id);
        await Promise.all([existing ? Promise.resolve() : tx.store.put(council), tx.done]);
      }),

    removeCouncil: (id) =>
      withStorageErrors(async () => {
        await (await db()).delete('councils', id);
      }),
  };
}
