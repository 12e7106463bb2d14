/** v2 §4: the escrow blob and the authority's eight intake checks, in order; v2 §5 receipts. */
import { b64u, concat, fromB64u, randomBytes } from '../bytes.ts';
import { deriveFileKeys } from '../kdf.ts';
import { unwrapFileKey } from '../keys/wrap.ts';
import { computeHeaderHmac, encodeHeader, parseHeader } from './header.ts';
import { signFile } from './signed-file.ts';
import { canonicalJson } from '../canonical.ts';
import { encryptFile, encryptSource } from '../encrypt-file.ts';
import type { PrivateIdentity } from '../keys/identity.ts';
import { wrapFileKey } from '../keys/wrap.ts';
import { bytesSource } from '../pieces.ts';
import { collectBytes, streamFromBytes } from '../streams.ts';
import { expectCode, expectCodeSync, makeIdentity, patternBytes } from '../test-support.ts';
import { type EscrowBlobV2, checkEscrowBlob, checkSignedEscrow, escrowBlobText, escrowDigest, parseEscrowBlobV2, signEscrowBlob } from './escrow-v2.ts';
import { type ReceiptV2, issueReceipt, parseReceipt, verifyReceipt } from './receipt.ts';
import { parseSignedObject, serializeSigned } from './signed-object.ts';
import { signedBody, withoutSignature } from './signing.ts';

let owner: PrivateIdentity;
let authority: PrivateIdentity;
let mallory: PrivateIdentity;
let blob: EscrowBlobV2;
let other: EscrowBlobV2;
let file: Uint8Array;

async function escrowed(signer: PrivateIdentity, plain: Uint8Array) {
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
  const bytes = await collectBytes(encrypted.stream);
  return { file: bytes, blob: (await encrypted.done).escrowBlob as EscrowBlobV2 };
}

beforeAll(async () => {
  [owner, authority, mallory] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()]);
  ({ file, blob } = await escrowed(owner, patternBytes(70_000, 1)));
  ({ blob: other } = await escrowed(owner, patternBytes(500, 2)));
});

/** The blob with `changes`, signed again by `by` (the owner unless said), so that the checks after 3 are reached. */
const resigned = (changes: Partial<EscrowBlobV2>, by: PrivateIdentity = owner) => {
  return signEscrowBlob(withoutSignature({ ...blob, ...changes }), by);
};
const check = (b: EscrowBlobV2, options: { expectOwner?: string } = {}, as: PrivateIdentity = authority) => checkEscrowBlob(b, as, options);
/** A random file key wrapped for the authority: a blob that opens nothing. */
const randomWrapped = async () => b64u(await wrapFileKey(randomBytes(32), authority.encryption.publicKey));

describe('escrow blob v2 (§4)', () => {
  it('is written canonical with one newline, read back the same, and passes all eight checks', async () => {
    const text = serializeSigned(blob);
    expect(text).toBe(`${canonicalJson(blob)}\n`);
    expect(parseSignedObject(text)).toEqual({ kind: 'escrow-v2', blob });
    // Readers accept any white space: the signature is over the canonical form.
    expect(parseEscrowBlobV2(JSON.stringify(blob, null, 2))).toEqual(blob);
    const checked = await check(blob, { expectOwner: owner.id });
    expect(checked.owner.id).toBe(owner.id);
    expect(checked.meta).toEqual({ name: 'report.pdf', type: 'application/pdf', size: 70_000, lastModified: 1_764_000_000_000 });
    expect(blob.owner).toEqual({ name: 'Ada', id: owner.id, publicKey: b64u(owner.rsaSpki), signingKey: b64u(owner.ed25519Spki) });
    expect(blob.authority).toEqual({ kind: 'identity', name: 'IT backup', id: authority.id, keyId: authority.encryption.keyId });
    expect(b64u(file.subarray(file.length - 64))).toBe(blob.fileSignature);
    expect(blob.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('is read once: what parseEscrowBlobV2 returns is frozen all the way down, and read again only as a copy', async () => {
    const read = parseEscrowBlobV2(serializeSigned(blob));
    expect(parseEscrowBlobV2(read)).toBe(read);
    // Were it not frozen, a changed blob would be taken as already read and skip check 1.
    expect(() => Object.assign(read, { signature: '***' })).toThrow(TypeError);
    expect(() => Object.assign(read.owner, { name: 7 })).toThrow(TypeError);
    expect(() => Object.assign(read.authority, { kind: 'person' })).toThrow(TypeError);
    expectCodeSync(() => parseEscrowBlobV2({ ...read, signature: '***' }), 'MALFORMED');
    // The digest of the text remembered for it is the digest of the blob read afresh.
    expect(await escrowDigest(read)).toBe(await escrowDigest(JSON.parse(serializeSigned(blob)) as EscrowBlobV2));
    expect(escrowBlobText(read)).toBe(canonicalJson(blob));
  });

  describe('check 1: strict JSON, fields, types and format (MALFORMED)', () => {
    it.for([
      ['an unknown field', (b: Record<string, unknown>) => ({ ...b, note: 'x' })],
      ['a missing field', (b: Record<string, unknown>) => ({ ...b, description: undefined })],
      ['a number for a string', (b: Record<string, unknown>) => ({ ...b, description: 7 })],
      ['null', (b: Record<string, unknown>) => ({ ...b, description: null })],
      ['an unknown field in owner', (b: Record<string, unknown>) => ({ ...b, owner: { ...(b.owner as object), extra: '' } })],
      ['authority.kind other than identity', (b: Record<string, unknown>) => ({ ...b, authority: { ...(b.authority as object), kind: 'person' } })],
      ['a v1 format', (b: Record<string, unknown>) => ({ ...b, format: 'keyward-escrow/1' })],
      ['createdAt without milliseconds', (b: Record<string, unknown>) => ({ ...b, createdAt: '2026-11-28T12:00:00Z' })],
      ['a short payloadDigest', (b: Record<string, unknown>) => ({ ...b, payloadDigest: b64u(new Uint8Array(31)) })],
    ] as const)('refuses %s', async ([, change]) => {
      const text = JSON.stringify(change({ ...blob }));
      expectCodeSync(() => parseEscrowBlobV2(text), 'MALFORMED');
      await expectCode(check(JSON.parse(text) as EscrowBlobV2), 'MALFORMED');
    });

    it('refuses a key given twice in the text', () => {
      const text = serializeSigned(blob).replace('"description":', '"description":"a false one","description":');
      expectCodeSync(() => parseEscrowBlobV2(text), 'MALFORMED', /twice/);
      expectCodeSync(() => parseSignedObject(text), 'MALFORMED', /twice/);
    });

    it('reads a council blob (§8.3) by its own rules: one without members is MALFORMED', async () => {
      const rest: Partial<EscrowBlobV2> = { ...blob };
      delete rest.wrappedKey;
      const council = { ...rest, authority: { kind: 'council', name: 'board', id: authority.id, threshold: 2, members: [] }, shares: [] };
      expectCodeSync(() => parseSignedObject(JSON.stringify(council)), 'MALFORMED', /members/);
      await expectCode(check(council as unknown as EscrowBlobV2), 'MALFORMED', /members/);
    });
  });

  it('check 2: owner.id is the identity ID of its keys (MALFORMED)', async () => {
    await expectCode(check(await resigned({ owner: { ...blob.owner, id: mallory.id } })), 'MALFORMED', /owner\.id/);
    await expectCode(check(await resigned({ owner: { ...blob.owner, signingKey: b64u(mallory.ed25519Spki) } })), 'MALFORMED', /owner\.id/);
  });

  it('check 3: the owner\'s signature over the blob (SIGNATURE_INVALID)', async () => {
    await expectCode(check({ ...blob, description: 'something else' }), 'SIGNATURE_INVALID');
    await expectCode(check({ ...blob, authority: { ...blob.authority, name: 'Mallory' } }), 'SIGNATURE_INVALID');
    // Signed for another purpose: a receipt's context over the same body.
    const rest = withoutSignature(blob);
    const wrongContext = b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, owner.signingPrivateKey, new Uint8Array([...new TextEncoder().encode('keyward/v2 receipt'), 0, ...signedBody(rest)]))));
    await expectCode(check({ ...blob, signature: wrongContext }), 'SIGNATURE_INVALID');
  });

  it('check 4: the owner the checker expects (SIGNER_UNTRUSTED)', async () => {
    await expectCode(check(blob, { expectOwner: mallory.id }), 'SIGNER_UNTRUSTED');
  });

  it('check 5: the prefix is a v2 prefix by the same owner, of the blob\'s fileId and serial', async () => {
    // The prefix of an unsigned (v1) file: MALFORMED.
    const v1 = await encryptFile(streamFromBytes(new Uint8Array(1)), { meta: { name: 'a', type: '', size: 1, lastModified: 0 }, owner: owner.encryption, authority: authority.encryption });
    await v1.stream.cancel();
    await expectCode(check(await resigned({ prefix: b64u(v1.prefix) })), 'MALFORMED', /v2/);
    // Bytes after the HMAC: MALFORMED.
    await expectCode(check(await resigned({ prefix: b64u(new Uint8Array([...fromB64u(blob.prefix), 0])) })), 'MALFORMED');
    // Another signer's file: SIGNER_UNTRUSTED.
    const { blob: mallorys } = await escrowed(mallory, patternBytes(100, 3));
    await expectCode(check(await resigned({ prefix: mallorys.prefix })), 'SIGNER_UNTRUSTED');
    // Another fileId or serial: ESCROW_INVALID.
    await expectCode(check(await resigned({ fileId: other.fileId })), 'ESCROW_INVALID');
    await expectCode(check(await resigned({ serial: other.serial })), 'ESCROW_INVALID');
  });

  it('check 6: the file signature over prefix and payload digest (SIGNATURE_INVALID)', async () => {
    await expectCode(check(await resigned({ payloadDigest: other.payloadDigest })), 'SIGNATURE_INVALID');
    await expectCode(check(await resigned({ fileSignature: other.fileSignature })), 'SIGNATURE_INVALID');
  });

  it('checks 3 and 6 verify side by side, and the first check that fails is the one reported', async () => {
    // Both signatures bad: check 3's refusal, not check 6's.
    const bothBad = { ...(await resigned({ fileSignature: other.fileSignature })), description: 'changed after signing' };
    await expectCode(check(bothBad), 'SIGNATURE_INVALID', /escrow blob's signature/);
    // Check 5 fails and the file signature is bad too: check 5's refusal.
    await expectCode(check(await resigned({ fileId: other.fileId, fileSignature: other.fileSignature })), 'ESCROW_INVALID');
    // Only the file signature bad: check 6's.
    await expectCode(check(await resigned({ fileSignature: other.fileSignature })), 'SIGNATURE_INVALID', /file signature/);
  });

  it('checks the two signatures with the verifier it is given, with the owner\'s key, and lets its failure through', async () => {
    const calls: { spki: Uint8Array; context: string }[] = [];
    const recording = (spki: Uint8Array, message: Uint8Array) => {
      calls.push({ spki, context: new TextDecoder().decode(message.subarray(0, message.indexOf(0))) });
      return Promise.resolve(true);
    };
    await checkSignedEscrow(blob, undefined, undefined, recording);
    expect(calls).toEqual([
      { spki: owner.ed25519Spki, context: 'keyward/v2 escrow' },
      { spki: owner.ed25519Spki, context: 'keyward/v2 file' },
    ]);
    await expectCode(checkSignedEscrow(blob, undefined, undefined, () => Promise.resolve(false)), 'SIGNATURE_INVALID');
    // A verifier that cannot answer is not a bad signature.
    await expect(checkSignedEscrow(blob, undefined, undefined, () => Promise.reject(new Error('no answer')))).rejects.toThrow('no answer');
  });

  it('check 7: the blob is for the checker\'s RSA key and identity (NO_MATCHING_KEY, naming the blob\'s)', async () => {
    const error = await expectCode(check(blob, {}, mallory), 'NO_MATCHING_KEY');
    expect(error.details.keyIds).toEqual([authority.encryption.keyId]);
    await expectCode(check(await resigned({ authority: { ...blob.authority, id: mallory.id } })), 'NO_MATCHING_KEY');
  });

  it('check 8: the wrapped key opens the signed header and its metadata (ESCROW_INVALID)', async () => {
    await expectCode(check(await resigned({ wrappedKey: await randomWrapped() })), 'ESCROW_INVALID');
    await expectCode(check(await resigned({ wrappedKey: other.wrappedKey })), 'ESCROW_INVALID');
    await expectCode(check(await resigned({ wrappedKey: b64u(randomBytes(256)) })), 'ESCROW_INVALID');
  });

  it('check 8: the header HMAC under the wrapped key, and the metadata, each on its own (ESCROW_INVALID)', async () => {
    // The owner knows the file key; it signs a prefix whose HMAC is wrong, or whose metadata does not open, with the right key wrapped.
    const parsed = parseHeader(fromB64u(blob.prefix));
    const fileKey = await unwrapFileKey(fromB64u(blob.wrappedKey!), authority.encryption.privateKey);
    const keys = await deriveFileKeys(fileKey, parsed.salt);
    const badHmac = concat(parsed.headerBytes, parsed.hmac.map((b, i) => (i === 0 ? b ^ 1 : b)));
    const badMetaHeader = encodeHeader({ ...parsed.header, meta: b64u(randomBytes(40)) });
    const badMeta = concat(badMetaHeader, await computeHeaderHmac(keys.headerMacKey, badMetaHeader));
    for (const prefix of [badHmac, badMeta]) {
      const fileSignature = b64u(await signFile(owner, prefix, fromB64u(blob.payloadDigest)));
      await expectCode(check(await resigned({ prefix: b64u(prefix), fileSignature })), 'ESCROW_INVALID');
    }
  });

  describe('attacks: the blob is blamed, never the file', () => {
    const blamed = ['SIGNATURE_INVALID', 'SIGNER_UNTRUSTED', 'ESCROW_INVALID'];
    const outcome = async (b: EscrowBlobV2) => check(b).then(() => 'good', (e: unknown) => (e as { code: string }).code);

    it('(a) a forged blob: a real blob\'s public fields, a random key for the authority, signed by another identity or not at all', async () => {
      const forgedKey = await randomWrapped();
      const unsigned = { ...blob, wrappedKey: forgedKey };
      const byMallory = await resigned({ wrappedKey: forgedKey }, mallory);
      const asMallory = await resigned(
        { wrappedKey: forgedKey, owner: { name: 'Ada', id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) } },
        mallory,
      );
      for (const forged of [unsigned, byMallory, asMallory]) {
        const code = await outcome(forged);
        expect(blamed).toContain(code);
      }
      expect(await outcome(unsigned)).toBe('SIGNATURE_INVALID');
      expect(await outcome(byMallory)).toBe('SIGNATURE_INVALID');
      expect(await outcome(asMallory)).toBe('SIGNER_UNTRUSTED');
    });

    it('(b) an owner\'s evading blob: validly signed by the owner, a random key wrapped', async () => {
      expect(await outcome(await resigned({ wrappedKey: await randomWrapped() }))).toBe('ESCROW_INVALID');
    });

    it('(c) a swapped blob: another file\'s prefix', async () => {
      expect(await outcome(await resigned({ prefix: other.prefix }))).toBe('ESCROW_INVALID');
      expect(await outcome(await resigned({ prefix: other.prefix, fileId: other.fileId, serial: other.serial }))).toBe('SIGNATURE_INVALID');
      expect(await outcome(await resigned({ prefix: other.prefix, fileId: other.fileId, serial: other.serial, payloadDigest: other.payloadDigest, fileSignature: other.fileSignature }))).toBe('ESCROW_INVALID');
    });
  });
});

describe('receipt (§5)', () => {
  let receipt: ReceiptV2;
  beforeAll(async () => {
    receipt = await issueReceipt(blob, authority, { name: 'Legal', now: new Date('2026-12-01T10:00:00.000Z') });
  });

  it('names the blob by its digest and the authority by its identity, and verifies for the owner', async () => {
    expect(receipt).toMatchObject({
      format: 'keyward-receipt/2', fileId: blob.fileId, serial: blob.serial, escrowDigest: await escrowDigest(blob), owner: { id: owner.id },
      authority: { name: 'Legal', id: authority.id, publicKey: b64u(authority.rsaSpki), signingKey: b64u(authority.ed25519Spki) }, receivedAt: '2026-12-01T10:00:00.000Z',
    });
    expect(parseSignedObject(serializeSigned(receipt))).toEqual({ kind: 'receipt', receipt });
    await verifyReceipt(receipt, blob);
    // escrowDigest is over the canonical form, signature included.
    const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(blob))));
    expect(receipt.escrowDigest).toBe(b64u(digest));
  });

  it('is issued only for a good blob', async () => {
    await expectCode(issueReceipt(await resigned({ wrappedKey: await randomWrapped() }), authority), 'ESCROW_INVALID');
    await expectCode(issueReceipt({ ...blob, description: 'x' }, authority), 'SIGNATURE_INVALID');
  });

  it('strict syntax (MALFORMED), and authority.id the ID of its keys (MALFORMED)', async () => {
    await expectCode(verifyReceipt({ ...receipt, extra: 1 } as unknown as ReceiptV2, blob), 'MALFORMED');
    expectCodeSync(() => parseReceipt(serializeSigned(receipt).replace('"fileId":', '"fileId":"x","fileId":')), 'MALFORMED');
    await expectCode(verifyReceipt({ ...receipt, authority: { ...receipt.authority, id: mallory.id } }, blob), 'MALFORMED');
  });

  it('the signature verifies (SIGNATURE_INVALID)', async () => {
    await expectCode(verifyReceipt({ ...receipt, receivedAt: '2027-01-01T00:00:00.000Z' }, blob), 'SIGNATURE_INVALID');
  });

  it('is from the authority the blob was made for (SIGNER_UNTRUSTED)', async () => {
    const rest = withoutSignature(receipt);
    const fake = { ...rest, authority: { name: 'Legal', id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) } };
    const signed = { ...fake, signature: b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, mallory.signingPrivateKey, new Uint8Array([...new TextEncoder().encode('keyward/v2 receipt'), 0, ...signedBody(fake)])))) };
    await expectCode(verifyReceipt(signed, blob), 'SIGNER_UNTRUSTED');
  });

  it('is for this blob (BLOB_MISMATCH)', async () => {
    await expectCode(verifyReceipt(receipt, other), 'BLOB_MISMATCH');
    // A receipt the authority signed naming another fileId, with this blob's digest.
    const fields = { ...withoutSignature(receipt), fileId: other.fileId };
    const body = new Uint8Array([...new TextEncoder().encode('keyward/v2 receipt'), 0, ...signedBody(fields)]);
    const wrongFile = { ...fields, signature: b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, authority.signingPrivateKey, body))) };
    await expectCode(verifyReceipt(wrongFile, blob), 'BLOB_MISMATCH');
    // Same file, another blob (another description): the digest differs.
    await expectCode(verifyReceipt(receipt, await resigned({ description: 'changed' })), 'BLOB_MISMATCH');
    // Signed by the authority with this blob's digest, but naming another serial or owner.
    for (const change of [{ serial: other.serial }, { owner: { id: mallory.id } }]) {
      const named = { ...withoutSignature(receipt), ...change };
      const namedBody = new Uint8Array([...new TextEncoder().encode('keyward/v2 receipt'), 0, ...signedBody(named)]);
      const misnamed = { ...named, signature: b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, authority.signingPrivateKey, namedBody))) };
      await expectCode(verifyReceipt(misnamed, blob), 'BLOB_MISMATCH');
    }
  });
});
