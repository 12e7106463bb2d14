/**
 * Identities (spec v2 §2) and signed files and escrow blobs (spec v2 §3–§4)
 * for the authority's store and component tests, made by the core directly
 * (not by the store under test), and the forgeries spec v2 §4 must refuse.
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

/** A signed (v2) `.keyward` file by `owner` and its signed escrow blob for `authority`. */
export async function makeSignedFile(options: {
  plaintext: Uint8Array;
  name: string;
  owner: PrivateIdentity;
  authority: PrivateIdentity;
  description?: string;
  ownerName?: string;
  authorityName?: string;
}): Promise<{ file: File; escrowJson: string; serial: string; fileId: string }> {
  const { collectBytes, encryptFile, serializeSigned, streamFromBytes } = await import('../core/index.ts');
  const encrypted = await encryptFile(streamFromBytes(options.plaintext), {
    meta: { name: options.name, type: 'application/octet-stream', size: options.plaintext.length, lastModified: Date.UTC(2026, 10, 1, 9, 30) },
    owner: options.owner.encryption,
    signer: options.owner,
    authority: options.authority,
    ownerName: options.ownerName ?? 'Ada Lovelace',
    authorityName: options.authorityName ?? 'IT backup desk',
    description: options.description ?? 'Quarterly report',
  });
  const bytes = await collectBytes(encrypted.stream);
  const { escrowBlob } = await encrypted.done;
  if (escrowBlob.format !== 'keyward-escrow/2') throw new Error('a signed file has a v2 escrow blob');
  return { file: new File([bytes], `${options.name}.keyward`), escrowJson: serializeSigned(escrowBlob), serial: encrypted.serial, fileId: encrypted.fileId };
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
export function ownerFields(identity: PrivateIdentity, name: string): EscrowBlobV2['owner'] {
  return { name, id: identity.id, publicKey: b64uOf(identity.rsaSpki), signingKey: b64uOf(identity.ed25519Spki) };
}

function b64uOf(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
