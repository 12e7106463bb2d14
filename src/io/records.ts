/**
 * The records Keyward keeps in IndexedDB, as the schema in `db.ts` stores
 * them. Only types: the schema and the stores that read and write each kind
 * of record all build on this file, so none of them imports another's.
 */
import type { Bytes, Council } from '../core/index.ts';

/**
 * `owner`: my own key pair. `authority`: a backup authority's public key (to
 * escrow to). `authority-own`: the authority's own key pair, for someone acting
 * as the authority.
 */
export type KeyRole = 'owner' | 'authority' | 'authority-own';

/**
 * The signing half of a stored key that is an identity (spec v2 §2): its
 * Ed25519 key pair and the identity ID that covers both public keys. The RSA
 * half is the `StoredKey` itself, so an identity keeps its RSA key ID as the
 * record's key.
 */
export interface StoredIdentity {
  /** `"SHA256:"` + hex(SHA-256(rsaSpki || ed25519Spki)): the ID a person confirms for an identity. */
  id: string;
  /** DER SubjectPublicKeyInfo of the RSA key. */
  rsaSpki: Bytes;
  /** DER SubjectPublicKeyInfo of the Ed25519 key (44 bytes). */
  ed25519Spki: Bytes;
  /** Ed25519 public key, usage `verify`. */
  signingKey: CryptoKey;
  /**
   * Ed25519 private key, usage `sign`: present exactly when the record has a
   * `privateKey`, and extractable exactly when the record is `extractable`.
   */
  signingPrivateKey?: CryptoKey;
}

/** One stored key and what we know about it. */
export interface StoredKey {
  keyId: string;
  role: KeyRole;
  name: string;
  modulusBits: number;
  /** Milliseconds since the epoch, when stored here. */
  createdAt: number;
  publicKey: CryptoKey;
  /** Present for `owner` and `authority-own`. */
  privateKey?: CryptoKey;
  /** Whether `privateKey` can be exported. */
  extractable: boolean;
  origin: 'generated' | 'imported';
  /**
   * Present when the key is an identity (spec v2 §2); absent for a v1 key
   * (RSA only, cannot sign).
   */
  identity?: StoredIdentity;
  /**
   * Authority keys: when the user confirmed the ID shown for it (the identity
   * ID of an identity, the key ID of a v1 key), which pins it.
   */
  confirmedAt?: number;
  /** When a private-key backup was last exported. */
  backedUpAt?: number;
  /**
   * When the person chose to keep this private key without a backup (told that
   * only the backup authority, if any, can then recover what it opens).
   */
  backupDeclinedAt?: number;
}

/**
 * A council (spec v2 §8.1) the owner pinned by its council ID: the parsed
 * descriptor (its members' public identities included), stored under its ID.
 * Only a council whose ID the person compared and confirmed is ever stored.
 */
export interface StoredCouncil extends Council {
  /** Milliseconds since the epoch, when the person confirmed the council ID. */
  pinnedAt: number;
}

/** One encrypted file and its escrow blob. */
export interface RegisterEntry {
  fileId: string;
  serial: string;
  name: string;
  size: number;
  type: string;
  /** Milliseconds since the epoch. */
  encryptedAt: number;
  description: string;
  /** `identityId`: the owner's identity that signed the file (a v2 file); absent for a v1 file. */
  owner: { name: string; keyId: string; identityId?: string };
  /**
   * `identityId`: the pinned authority identity a signed (v2) escrow blob was
   * made for, the one whose receipt confirms it; absent for a v1 blob. For a
   * council's blob (`council` present, spec v2 §8.3), `keyId` and
   * `identityId` are both the council ID, and a receipt from any of its
   * members confirms it.
   */
  authority: { name: string; keyId: string; identityId?: string; council?: { threshold: number; members: number } };
  /** The escrow blob JSON text exactly as offered for download. */
  escrowBlob: string;
  /**
   * The authority's signed receipt for a v2 escrow blob (spec v2 §5), once the
   * owner imported one that verified against `escrowBlob`: its text as read,
   * and its `receivedAt` in milliseconds since the epoch. `member`: for a
   * council's blob, the member who signed it (spec v2 §8.3), named as in the
   * council the blob was made for.
   */
  receipt?: { json: string; receivedAt: number; member?: { id: string; name: string } };
}

/**
 * One escrow blob in the escrow service's deposit queue (the `outbox`), by
 * file ID. It stays after it was sent: `ack` then holds the service's signed
 * acknowledgement, which the app verified against the pinned service key.
 */
export interface OutboxEntry {
  fileId: string;
  /** The escrow blob JSON text exactly as the register holds it. */
  blob: string;
  /** Milliseconds since the epoch, when it was queued. */
  queuedAt: number;
  /** Failed sends so far (the next wait grows with it). */
  attempts: number;
  /** Milliseconds since the epoch: not sent again before this. */
  notBefore: number;
  /** The `KeywardError` code of the last failed send, if any. */
  lastError?: string;
  /** Set when the service refused the blob for good (e.g. `DEPOSIT_CONFLICT`): it is not sent again. */
  refused?: boolean;
  /** The service's signed acknowledgement (JSON text), once sent and verified. */
  ack?: string;
  /** Milliseconds since the epoch, when `ack` was verified. */
  storedAt?: number;
}

/** A small record of the escrow service's app side, by name (`key`). */
export interface ServiceRecord {
  key: string;
  value: unknown;
}
