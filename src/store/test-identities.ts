/**
 * Identities (spec v2 §2) made from the test keys, and the escrow blob
 * forgeries spec v2 §4 must refuse, for the authority's store and component
 * tests; made by the core directly, not by the store under test. Signed files
 * come from `makeSignedFile` in `test-adapters.ts`.
 */
import type { EscrowBlobV2, PrivateIdentity } from '../core/index.ts';
import { testKeyPem } from './test-adapters.ts';

/**
 * An identity made from a test RSA key pair (src/core/testdata/keys) and a
 * fresh Ed25519 pair, exportable so it can be handed to the store as text.
 */
export async function testIdentity(pem: string): Promise<PrivateIdentity> {
  const { identityFromKeyPair, importPrivateKey } = await import('../core/index.ts');
  return identityFromKeyPair(await importPrivateKey(testKeyPem(pem), { extractable: true }), { extractable: true });
}

/** The identity as a person pastes it: two PEM blocks, public or private. */
export async function identityPem(identity: PrivateIdentity, part: 'public' | 'private'): Promise<string> {
  const { exportPrivateIdentity, exportPublicIdentity } = await import('../core/index.ts');
  return part === 'public' ? exportPublicIdentity(identity, 'pem') : exportPrivateIdentity(identity, 'pem');
}

/**
 * A v2 escrow blob changed by `change` and signed again by `signer` (spec v2
 * §4's signature over the canonical blob without its signature): what a
 * forger holding `signer`'s key can make.
 */
export async function resignedEscrow(json: string, signer: PrivateIdentity, change: (blob: EscrowBlobV2) => EscrowBlobV2): Promise<string> {
  const { b64u, canonicalJson, parseSignedObject, serializeSigned, signAs, utf8 } = await import('../core/index.ts');
  const parsed = parseSignedObject(json);
  if (parsed.kind !== 'escrow-v2') throw new Error('not a v2 escrow blob');
  const changed: Partial<EscrowBlobV2> = { ...change(parsed.blob) };
  delete changed.signature;
  const signature = b64u(await signAs(signer, 'keyward/v2 escrow', utf8(canonicalJson(changed))));
  return serializeSigned({ ...(changed as Omit<EscrowBlobV2, 'signature'>), signature });
}

/** The owner's fields of an escrow blob for `identity` (spec v2 §4 `owner`). */
export async function ownerFields(identity: PrivateIdentity, name: string): Promise<EscrowBlobV2['owner']> {
  const { b64u } = await import('../core/index.ts');
  return { name, id: identity.id, publicKey: b64u(identity.rsaSpki), signingKey: b64u(identity.ed25519Spki) };
}
