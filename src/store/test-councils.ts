/**
 * Councils (spec v2 §8) made by the core directly, not by the store under
 * test: a council of test identities, a file escrowed to it, and the council
 * blobs a member's check or a drill must refuse.
 */
import type { Council, EscrowBlobV2, PrivateIdentity } from '../core/index.ts';
import { resignedEscrow } from './test-identities.ts';

/** A council of `members` (in order) with threshold `threshold`. */
export async function testCouncil(members: readonly { name: string; identity: PrivateIdentity }[], threshold: number, name = 'Recovery council'): Promise<Council> {
  const { createCouncil } = await import('../core/index.ts');
  return createCouncil({ name, threshold, members });
}

/** A signed file escrowed to `council` (a council escrow blob, spec v2 §8.3), signed by `owner`. */
export async function makeCouncilFile(options: { owner: PrivateIdentity; council: Council; plaintext: Uint8Array; name: string; description?: string }) {
  const { collectBytes, encryptFile, serializeSigned, streamFromBytes } = await import('../core/index.ts');
  const { owner, council, plaintext, name } = options;
  const encrypted = await encryptFile(streamFromBytes(plaintext), {
    meta: { name, type: 'application/octet-stream', size: plaintext.length, lastModified: Date.UTC(2026, 10, 1, 9, 30) },
    owner: owner.encryption,
    signer: owner,
    authority: council,
    ownerName: 'Ada Lovelace',
    authorityName: council.name,
    description: options.description ?? 'Quarterly report',
  });
  const bytes = await collectBytes(encrypted.stream);
  const { escrowBlob } = await encrypted.done;
  if (escrowBlob.format !== 'keyward-escrow/2') throw new Error('expected a v2 escrow blob');
  return { file: new File([bytes], `${name}.keyward`), escrowBlob, escrowJson: serializeSigned(escrowBlob), fileId: encrypted.fileId, serial: encrypted.serial };
}

/**
 * The owner dodging a council: every share a random 33-byte share with a
 * distinct point, each wrapped properly for its member under its label and
 * the blob signed by the owner. Each member's own check passes; only k
 * members together (a drill) find the shares do not open the file.
 */
export async function evadingCouncilEscrow(json: string, owner: PrivateIdentity, council: Council): Promise<string> {
  const { b64u, wrapShare } = await import('../core/index.ts');
  const shares = await Promise.all(
    council.identities.map(async (identity, i) => {
      const share = crypto.getRandomValues(new Uint8Array(33));
      share[32] = i + 1;
      return b64u(await wrapShare(share, i + 1, identity.encryption.publicKey));
    }),
  );
  return resignedEscrow(json, owner, (b) => ({ ...b, shares }));
}

/** Member `index`'s share replaced by bytes that do not unwrap under its key and label, the blob signed by the owner. */
export async function brokenShareEscrow(json: string, owner: PrivateIdentity, index: number): Promise<string> {
  const { b64u, parseSignedObject } = await import('../core/index.ts');
  const parsed = parseSignedObject(json);
  if (parsed.kind !== 'escrow-v2') throw new Error('not a v2 escrow blob');
  const blob: EscrowBlobV2 = parsed.blob;
  const shares = [...(blob.shares ?? [])];
  shares[index - 1] = b64u(crypto.getRandomValues(new Uint8Array(shares[0] ? Math.ceil((shares[0].length * 3) / 4) : 384)));
  return resignedEscrow(json, owner, (b) => ({ ...b, shares }));
}
