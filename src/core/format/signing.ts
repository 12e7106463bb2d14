/**
 * Keyward v2 §1: what the signed objects (escrow blob v2, receipt, recovery
 * blob v2) share: the canonical bytes a signature covers, how a named
 * identity in one of them is read and checked.
 */
import { type Bytes, b64u, fromB64u, utf8 } from '../bytes.ts';
import { canonicalJson, exactFields } from '../canonical.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { type PublicIdentity, type PublicIdentityCache, type SignContext, publicIdentityFromSpki, verifySignature } from '../keys/identity.ts';

/** The object without its `signature` (a copy). */
export function withoutSignature<T extends { signature: string }>(object: T): Omit<T, 'signature'> {
  const rest: Partial<T> = { ...object };
  delete rest.signature;
  return rest as Omit<T, 'signature'>;
}

/** `canonical(object without "signature")`, the body every v2 signature covers. */
export function signedBody(object: object): Bytes {
  const rest: Record<string, unknown> = { ...object };
  delete rest.signature;
  return utf8(canonicalJson(rest));
}

/** The object's JSON value: a text is parsed strictly (a duplicate key is `MALFORMED`). */
export function jsonValue(input: unknown, what: string): unknown {
  return typeof input === 'string' ? parseJson(input, { what }) : input;
}

/**
 * The public identity named by `id`, `publicKey` and `signingKey` in a signed
 * object: `id` must be the identity ID of the two keys.
 *
 * @param cache - identities already read from the same two keys (a service's)
 * @throws KeywardError `MALFORMED`
 */
export async function namedIdentity(party: { id: string; publicKey: string; signingKey: string }, where: string, cache?: PublicIdentityCache): Promise<PublicIdentity> {
  let identity = cache?.get(party.publicKey, party.signingKey);
  if (!identity) {
    try {
      identity = await publicIdentityFromSpki(fromB64u(party.publicKey, `${where}.publicKey`), fromB64u(party.signingKey, `${where}.signingKey`));
    } catch (cause) {
      if (cause instanceof KeywardError && cause.code === 'MALFORMED') throw cause;
      throw new KeywardError('MALFORMED', { reason: `${where}'s keys cannot be used${cause instanceof KeywardError ? ` (${cause.code})` : ''}` }, { cause });
    }
    cache?.set(party.publicKey, party.signingKey, identity);
  }
  if (identity.id !== party.id) throw new KeywardError('MALFORMED', { reason: `${where}.id is not the identity ID of its keys` });
  return identity;
}

/**
 * Verifies `object.signature` with `signingKey` under `context`.
 *
 * @throws KeywardError `SIGNATURE_INVALID`
 */
export async function verifySigned(object: { signature: string }, signingKey: CryptoKey, context: SignContext, what: string): Promise<void> {
  const ok = await verifySignature(signingKey, context, signedBody(object), fromB64u(object.signature, 'signature'));
  if (!ok) throw new KeywardError('SIGNATURE_INVALID', { reason: `the ${what}'s signature does not verify` });
}

/** `b64u(SHA-256(canonical(object)))`, signature included (v2 §5 `escrowDigest`). */
export async function canonicalDigest(object: object): Promise<string> {
  return b64u(new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', utf8(canonicalJson(object)))));
}

/** The fields of a public identity named in a signed object, read strictly. */
export function identityFields(value: unknown, where: string, extra: readonly string[] = []): Record<string, unknown> {
  return exactFields(value, where, ['id', 'publicKey', 'signingKey', ...extra]);
}
