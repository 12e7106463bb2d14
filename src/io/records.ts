/**
 * The records Keyward keeps in IndexedDB, as the schema in `db.ts` stores
 * them. Only types: the schema and the stores that read and write each kind
 * of record all build on this file, so none of them imports another's.
 */

/**
 * `owner`: my own key pair. `authority`: a backup authority's public key (to
 * escrow to). `authority-own`: the authority's own key pair, for someone acting
 * as the authority.
 */
export type KeyRole = 'owner' | 'authority' | 'authority-own';

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
  /** Authority keys: when the user confirmed the key ID. */
  confirmedAt?: number;
  /** When a private-key backup was last exported. */
  backedUpAt?: number;
  /**
   * When the person chose to keep this private key without a backup (told that
   * only the backup authority, if any, can then recover what it opens).
   */
  backupDeclinedAt?: number;
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
  owner: { name: string; keyId: string };
  authority: { name: string; keyId: string };
  /** The escrow blob JSON text exactly as offered for download. */
  escrowBlob: string;
}
