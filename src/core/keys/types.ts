/** The shapes of keys the rest of the core works with, and the rule for a new passphrase. */

/** An RSA-OAEP-256 public key with its spec §1 key ID. */
export interface PublicKeyInfo {
  /** RSA-OAEP with SHA-256, usage `encrypt`, extractable (public keys always are). */
  publicKey: CryptoKey;
  /** `"SHA256:"` + 64 lowercase hex digits over the DER SPKI (spec §1). */
  keyId: string;
  /** Modulus size in bits (2048 or more; smaller keys never get this far). */
  modulusBits: number;
}

/** A key pair: the private key and the public key it belongs to. */
export interface PrivateKeyInfo extends PublicKeyInfo {
  /** RSA-OAEP with SHA-256, usage `decrypt`; extractable only if asked for at import or generation. */
  privateKey: CryptoKey;
}

/** A key the user handed us, when either kind is acceptable (the app's import form). */
export type AnyKeyInfo = ({ kind: 'public' } & PublicKeyInfo) | ({ kind: 'private' } & PrivateKeyInfo);

/**
 * Fewest characters (after trimming white space) of a passphrase that
 * protects a new private key: the app's key backup and `keyward keygen
 * --passphrase`. Existing keys are read whatever their passphrase.
 */
export const MIN_PASSPHRASE_LENGTH = 8;

/** True if `passphrase` is long enough to protect a new key ({@link MIN_PASSPHRASE_LENGTH}). */
export function isPassphraseLongEnough(passphrase: string): boolean {
  return passphrase.trim().length >= MIN_PASSPHRASE_LENGTH;
}
