/**
 * Keyward v2 §3: the signed file. Its header names the signer (§3.1), the
 * payload digest is computed while the STREAM engine runs (§3.2, stream.ts),
 * and the last 64 bytes are the owner's Ed25519 signature over
 * `prefix || payloadDigest` (§3.3).
 */
import { type Bytes, concat, fromB64u } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { type PrivateIdentity, type PublicIdentity, type PublicIdentityCache, publicIdentityFromSpki, signAs, verifySignature } from '../keys/identity.ts';
import { SIGNATURE_LENGTH } from './constants.ts';
import type { ParsedHeader } from './header.ts';

/** `magic || hlen || header || hmac`, exactly as read. */
export function prefixOf(parsed: ParsedHeader): Bytes {
  return concat(parsed.headerBytes, parsed.hmac);
}

/**
 * The signer a v2 header names, checked as v2 §3.1 asks: `signer.id` is the
 * identity ID of its two keys, the RSA key has 2048 bits or more, and the one
 * `owner` stanza is for that RSA key. `null` for a v1 file (unsigned).
 *
 * @param cache - identities already read from the same two keys (a service's)
 * @throws KeywardError `MALFORMED`
 */
export async function fileSigner(parsed: ParsedHeader, cache?: PublicIdentityCache): Promise<PublicIdentity | null> {
  const field = parsed.header.signer;
  if (parsed.header.version === 1 || !field) return null;
  let identity = cache?.get(field.publicKey, field.signingKey);
  if (!identity) {
    try {
      identity = await publicIdentityFromSpki(fromB64u(field.publicKey, 'signer.publicKey'), fromB64u(field.signingKey, 'signer.signingKey'));
    } catch (cause) {
      if (cause instanceof KeywardError && cause.code === 'MALFORMED') throw cause;
      // KEY_TOO_WEAK, KEY_UNREADABLE: in a header, a rule of §3.1 broken.
      const reason = cause instanceof KeywardError ? `the signer's key: ${cause.code}` : 'the signer\'s key cannot be read';
      throw new KeywardError('MALFORMED', { reason }, { cause });
    }
    cache?.set(field.publicKey, field.signingKey, identity);
  }
  if (identity.id !== field.id) throw new KeywardError('MALFORMED', { reason: 'signer.id is not the identity ID of its keys' });
  const owner = parsed.header.recipients.find((stanza) => stanza.role === 'owner');
  if (owner?.keyId !== identity.encryption.keyId) throw new KeywardError('MALFORMED', { reason: 'the owner stanza is not for the signer\'s key' });
  return identity;
}

/**
 * v2 §3.4 step 2 (and §6 step 6): a reader told whom to expect refuses any
 * other signer, and a v1 file, which has none.
 *
 * @throws KeywardError `SIGNER_UNTRUSTED`
 */
export function checkExpectedSigner(signer: PublicIdentity | null, expectSigner: string | undefined): void {
  if (expectSigner === undefined) return;
  if (!signer) throw new KeywardError('SIGNER_UNTRUSTED', { reason: 'the file is unsigned (v1)' });
  if (signer.id !== expectSigner) throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the file is signed by ${signer.id}` });
}

/** v2 §3.3: `Ed25519(signer, utf8("keyward/v2 file") || 0x00 || prefix || payloadDigest)`. */
export function signFile(signer: PrivateIdentity, prefix: Bytes, payloadDigest: Bytes): Promise<Bytes> {
  return signAs(signer, 'keyward/v2 file', concat(prefix, payloadDigest));
}

/**
 * v2 §3.4 step 5.
 *
 * @throws KeywardError `SIGNATURE_INVALID`
 */
export async function verifyFileSignature(signingKey: CryptoKey, prefix: Bytes, payloadDigest: Bytes, signature: Bytes): Promise<void> {
  const ok = signature.length === SIGNATURE_LENGTH && (await verifySignature(signingKey, 'keyward/v2 file', concat(prefix, payloadDigest), signature));
  if (!ok) throw new KeywardError('SIGNATURE_INVALID', { reason: 'the file signature does not verify' });
}
