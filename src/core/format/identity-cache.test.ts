/**
 * A service's PublicIdentityCache in the escrow blob checks (§4 checks 2 and
 * 5): an owner's keys are read once, and a warm cache refuses exactly what a
 * check without one refuses, with the same code.
 */
import { encryptSource } from '../encrypt-file.ts';
import { isKeywardError } from '../errors.ts';
import { type PrivateIdentity, PublicIdentityCache } from '../keys/identity.ts';
import { bytesSource } from '../pieces.ts';
import { collectBytes } from '../streams.ts';
import { makeIdentity, patternBytes } from '../test-support.ts';
import { type EscrowBlobV2, checkSignedEscrow, signEscrowBlob } from './escrow-v2.ts';
import { withoutSignature } from './signing.ts';

let owner: PrivateIdentity;
let mallory: PrivateIdentity;
let blob: EscrowBlobV2;
let malloryBlob: EscrowBlobV2;

async function escrowed(signer: PrivateIdentity, authority: PrivateIdentity, seed: number): Promise<EscrowBlobV2> {
  const plain = patternBytes(500, seed);
  const encrypted = await encryptSource(bytesSource(plain), {
    meta: { name: 'report.pdf', type: 'application/pdf', size: plain.length, lastModified: 1_764_000_000_000 },
    owner: signer.encryption,
    authority,
    signer,
    ownerName: 'Ada',
    authorityName: 'IT backup',
    description: 'quarterly report',
    chunkSize: 65536,
  });
  await collectBytes(encrypted.stream);
  return (await encrypted.done).escrowBlob as EscrowBlobV2;
}

beforeAll(async () => {
  const authority = await makeIdentity();
  [owner, mallory] = await Promise.all([makeIdentity(), makeIdentity()]);
  [blob, malloryBlob] = await Promise.all([escrowed(owner, authority, 1), escrowed(mallory, authority, 2)]);
});

/** The code a check ends with ('passes' if none). */
async function outcome(check: Promise<unknown>): Promise<string> {
  try {
    await check;
    return 'passes';
  } catch (error) {
    if (isKeywardError(error)) return error.code;
    throw error;
  }
}

describe('PublicIdentityCache in checkSignedEscrow', () => {
  it('reads an owner\'s keys once: the next blob of the same owner gets the identity read before', async () => {
    const cache = new PublicIdentityCache();
    const first = await checkSignedEscrow(blob, undefined, cache);
    const again = await checkSignedEscrow(blob, undefined, cache);
    expect(again.owner).toBe(first.owner);
    expect(cache.get(blob.owner.publicKey, blob.owner.signingKey)).toBe(first.owner);
    // Without a cache, each check reads the keys afresh.
    expect((await checkSignedEscrow(blob, undefined)).owner).not.toBe(first.owner);
  });

  it('refuses, once warm, every hostile blob with the code a check without it gives', async () => {
    const hostile: Record<string, EscrowBlobV2> = {
      'owner.id of someone else, signed by the owner': await signEscrowBlob(withoutSignature({ ...blob, owner: { ...blob.owner, id: mallory.id } }), owner),
      'owner.id of the owner, keys of someone else': await signEscrowBlob(withoutSignature({ ...blob, owner: { ...malloryBlob.owner, id: owner.id } }), mallory),
      'changed after signing': { ...blob, description: 'changed after signing' },
      'the owner\'s fields, signed by someone else': await signEscrowBlob(withoutSignature(blob), mallory),
      'someone else as owner of the owner\'s file': await signEscrowBlob(withoutSignature({ ...blob, owner: malloryBlob.owner }), mallory),
    };
    const cold: Record<string, string> = {};
    for (const [name, b] of Object.entries(hostile)) cold[name] = await outcome(checkSignedEscrow(b, undefined));
    const cache = new PublicIdentityCache();
    await checkSignedEscrow(blob, undefined, cache);
    await checkSignedEscrow(malloryBlob, undefined, cache);
    const warm: Record<string, string> = {};
    for (const [name, b] of Object.entries(hostile)) warm[name] = await outcome(checkSignedEscrow(b, undefined, cache));
    expect(warm).toEqual(cold);
    expect(Object.values(warm)).not.toContain('passes');
    expect(cold).toEqual({
      'owner.id of someone else, signed by the owner': 'MALFORMED',
      'owner.id of the owner, keys of someone else': 'MALFORMED',
      'changed after signing': 'SIGNATURE_INVALID',
      'the owner\'s fields, signed by someone else': 'SIGNATURE_INVALID',
      'someone else as owner of the owner\'s file': 'SIGNER_UNTRUSTED',
    });
  });

  it('holds at most its limit, dropping the oldest first', async () => {
    const cache = new PublicIdentityCache(1);
    await checkSignedEscrow(blob, undefined, cache);
    await checkSignedEscrow(malloryBlob, undefined, cache);
    expect(cache.get(blob.owner.publicKey, blob.owner.signingKey)).toBeUndefined();
    expect(cache.get(malloryBlob.owner.publicKey, malloryBlob.owner.signingKey)?.id).toBe(mallory.id);
  });
});
