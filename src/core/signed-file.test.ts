/** v2 §3: signed files, written and read by the one STREAM engine, whole, as pipes and verified without a key. */
import fc from 'fast-check';
import { type Bytes, b64u, concat, fromB64u, sha256, u32be, utf8 } from './bytes.ts';
import { type Unlock, openFile, openSource, verifySource } from './decrypt-file.ts';
import { type EncryptOptions, encryptFile, encryptSource } from './encrypt-file.ts';
import { MAGIC_V2, PAYLOAD_DIGEST_CONTEXT, SIGNATURE_LENGTH, TAG_LENGTH } from './format/constants.ts';
import type { EscrowBlobV2 } from './format/escrow-v2.ts';
import { parseHeader } from './format/header.ts';
import { signFile } from './format/signed-file.ts';
import { PayloadLeaves, sealPieces } from './format/stream.ts';
import type { FileMeta } from './format/meta.ts';
import type { PrivateIdentity } from './keys/identity.ts';
import { deriveFileKeys } from './kdf.ts';
import { unwrapFileKey } from './keys/wrap.ts';
import { bytesSource } from './pieces.ts';
import { collectBytes, streamFromBytes, streamInPieces } from './streams.ts';
import { expectCode, expectSameBytes, makeIdentity, makeKeyPair, patternBytes, throughPieces } from './test-support.ts';

let owner: PrivateIdentity;
let authority: PrivateIdentity;
let mallory: PrivateIdentity;
beforeAll(async () => {
  [owner, authority, mallory] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity()]);
});

const CHUNK = 65536;
const metaOf = (plain: Uint8Array): FileMeta => ({ name: 'report.pdf', type: 'application/pdf', size: plain.length, lastModified: 1_764_000_000_000 });

async function encryptSigned(plain: Uint8Array, options: Partial<EncryptOptions> = {}) {
  const encrypted = await encryptSource(bytesSource(plain), {
    meta: metaOf(plain),
    owner: owner.encryption,
    authority,
    signer: owner,
    chunkSize: CHUNK,
    ownerName: 'Ada',
    authorityName: 'IT backup',
    description: 'quarterly report',
    now: new Date('2026-11-28T12:00:00.000Z'),
    ...options,
  }, { pieceBytes: 1 });
  const file = await collectBytes(encrypted.stream);
  return { ...encrypted, file, result: await encrypted.done };
}

/** The payload digest of v2 §3.2, computed here from the stored bytes, independently of the engine. */
async function digestOf(payload: Uint8Array, chunkSize: number): Promise<Bytes> {
  const leaves: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += chunkSize + TAG_LENGTH) leaves.push(await sha256(payload.slice(at, at + chunkSize + TAG_LENGTH)));
  return sha256(concat(PAYLOAD_DIGEST_CONTEXT, new Uint8Array(1), ...leaves));
}

const opened = async (bytes: Uint8Array, unlock: Unlock, how: 'source' | 'pipe' | 'bytewise', expectSigner?: string) => {
  const options = expectSigner === undefined ? {} : { expectSigner };
  const file =
    how === 'source'
      ? await openSource(bytesSource(bytes), unlock, { pieceBytes: 1 }, options)
      : await openFile(how === 'pipe' ? streamFromBytes(bytes, 65536) : streamInPieces(bytes, [1, 63, 64, 65, 7000]), unlock, {}, options);
  return { file, plain: await collectBytes(file.plaintext) };
};

describe('a signed file (v2 §3)', () => {
  it('is magic KEYWARD/2, a header naming the signer, the payload and 64 signature bytes; encryptedSize counts them', async () => {
    const plain = patternBytes(3 * CHUNK + 5, 1);
    const { file, encryptedSize, prefix, header, escrowBlob, result } = await encryptSigned(plain);
    expect(file.length).toBe(encryptedSize);
    expectSameBytes(file.subarray(0, 10), MAGIC_V2);
    expect(header).toMatchObject({ version: 2, signer: { id: owner.id, publicKey: b64u(owner.rsaSpki), signingKey: b64u(owner.ed25519Spki) } });
    expect(escrowBlob).toBeNull();
    const payload = file.subarray(prefix.length, file.length - SIGNATURE_LENGTH);
    expectSameBytes(result.payloadDigest!, await digestOf(payload, CHUNK));
    expectSameBytes(result.signature!, file.subarray(file.length - SIGNATURE_LENGTH));
    expectSameBytes(result.signature!, await verifyIndependently(prefix, result.payloadDigest!, result.signature!));
    expect((result.escrowBlob as EscrowBlobV2).format).toBe('keyward-escrow/2');
  });

  it('collects the leaves in chunk order with chunks in flight, whatever the pieces', async () => {
    const key = (await deriveFileKeys(patternBytes(32, 9), patternBytes(16, 8))).payloadKey;
    const plain = patternBytes(9 * CHUNK + 3, 2);
    const digests: Uint8Array[] = [];
    for (const sizes of [[plain.length], [1, 3 * CHUNK + 7], [CHUNK - 1, 2]]) {
      const leaves = new PayloadLeaves();
      const sealed = await throughPieces(sealPieces(key, CHUNK, plain.length, { leaves }), plain, sizes);
      expect(leaves.count).toBe(10);
      const digest = await leaves.digest();
      expectSameBytes(digest, await digestOf(sealed, CHUNK));
      digests.push(digest);
    }
    expectSameBytes(digests[1]!, digests[0]!);
    expectSameBytes(digests[2]!, digests[0]!);
  });

  it.for(['source', 'pipe', 'bytewise'] as const)('opens for its owner, read as a %s, naming the signer', async (how) => {
    for (const plain of [new Uint8Array(0), patternBytes(1, 3), patternBytes(2 * CHUNK, 3), patternBytes(2 * CHUNK + 100, 3)]) {
      const { file } = await encryptSigned(plain);
      const result = await opened(file, { keys: [owner.encryption] }, how, owner.id);
      expectSameBytes(result.plain, plain);
      expect(result.file.signer?.id).toBe(owner.id);
      expect(result.file.meta).toEqual(metaOf(plain));
    }
  });

  it('opens as a pipe cut anywhere: the signature held back across every piece boundary, and any cut or appended byte is refused', async () => {
    const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 63];
    const files = await Promise.all(sizes.map(async (size) => ({ plain: patternBytes(size, size + 1), file: (await encryptSigned(patternBytes(size, size + 1))).file })));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: sizes.length - 1 }), fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: -70, max: 2 }), async (which, pieces, change) => {
        const { plain, file } = files[which]!;
        // change < 0: cut that many bytes off the end; > 0: append bytes; 0: the file as written.
        const bytes = change < 0 ? file.subarray(0, file.length + change) : concat(file, new Uint8Array(change));
        const result = openFile(streamInPieces(bytes, pieces), { keys: [owner.encryption] }, {}, { expectSigner: owner.id }).then(async (o) => collectBytes(o.plaintext));
        if (change === 0) expectSameBytes(await result, plain);
        else await expect(result).rejects.toMatchObject({ name: 'KeywardError' });
      }),
      { numRuns: 60 },
    );
  });

  it('is verified without a private key (verifySource), and a v1 file reports no signer', async () => {
    const { file, fileId, serial } = await encryptSigned(patternBytes(2 * CHUNK + 9, 4));
    const verified = await verifySource(bytesSource(file), { expectSigner: owner.id }, { pieceBytes: 1 });
    expect(verified).toMatchObject({ fileId, serial });
    expect(verified.signer?.id).toBe(owner.id);
    const v1 = await encryptFile(streamFromBytes(patternBytes(10, 1)), { meta: metaOf(patternBytes(10, 1)), owner: owner.encryption, authority: authority.encryption });
    const v1File = await collectBytes(v1.stream);
    expect((await verifySource(bytesSource(v1File))).signer).toBeNull();
    await expectCode(verifySource(bytesSource(v1File), { expectSigner: owner.id }), 'SIGNER_UNTRUSTED');
  });

  it('refuses another signer than the one expected before any key is used', async () => {
    const { file } = await encryptSigned(patternBytes(100, 5));
    // A key that would fail to unwrap proves no key was tried: the error is about the signer.
    const wrongKey = await makeKeyPair();
    for (const how of ['source', 'pipe'] as const) {
      await expectCode(opened(file, { keys: [{ ...wrongKey, keyId: owner.encryption.keyId }] }, how, mallory.id), 'SIGNER_UNTRUSTED');
    }
    await expectCode(verifySource(bytesSource(file), { expectSigner: mallory.id }), 'SIGNER_UNTRUSTED');
  });

  it('refuses an unsigned (v1) file when a signer is expected', async () => {
    const plain = patternBytes(100, 6);
    const v1 = await encryptFile(streamFromBytes(plain), { meta: metaOf(plain), owner: owner.encryption, authority: authority.encryption });
    const file = await collectBytes(v1.stream);
    await expectCode(opened(file, { keys: [owner.encryption] }, 'source', owner.id), 'SIGNER_UNTRUSTED');
    await expectCode(opened(file, { keys: [owner.encryption] }, 'pipe', owner.id), 'SIGNER_UNTRUSTED');
    expect((await opened(file, { keys: [owner.encryption] }, 'pipe')).file.signer).toBeNull();
  });

  it('errors SIGNATURE_INVALID before the plaintext closes when a signature byte changed', async () => {
    const plain = patternBytes(2 * CHUNK + 1, 7);
    const { file } = await encryptSigned(plain);
    const bad = file.slice();
    bad[bad.length - 1]! ^= 1;
    for (const how of ['source', 'pipe', 'bytewise'] as const) await expectCode(opened(bad, { keys: [owner.encryption] }, how), 'SIGNATURE_INVALID');
    await expectCode(verifySource(bytesSource(bad)), 'SIGNATURE_INVALID');
  });

  it('is TRUNCATED when it ends inside its signature, or before it', async () => {
    const { file, prefix } = await encryptSigned(patternBytes(1000, 8));
    for (const cut of [1, 63, 64, file.length - prefix.length]) {
      const short = file.subarray(0, file.length - cut);
      // Cut inside the signature: the last chunk then ends too early or the signature is wrong.
      const codes = ['TRUNCATED', 'CHUNK_TAMPERED', 'SIGNATURE_INVALID'];
      for (const how of ['source', 'pipe'] as const) {
        const error = await opened(short, { keys: [owner.encryption] }, how).then(() => null, (e: unknown) => e as { code: string });
        expect(codes).toContain(error?.code);
      }
    }
    await expectCode(opened(file.subarray(0, prefix.length + 63), { keys: [owner.encryption] }, 'source'), 'TRUNCATED');
    // Known before any key is tried: a key the file is not for does not change the answer.
    await expectCode(opened(file.subarray(0, prefix.length + 63), { keys: [mallory.encryption] }, 'source'), 'TRUNCATED');
    await expectCode(opened(file.subarray(0, prefix.length + 63), { keys: [owner.encryption] }, 'pipe'), 'TRUNCATED');
    await expectCode(verifySource(bytesSource(file.subarray(0, prefix.length + 63))), 'TRUNCATED');
  });

  it('refuses a header whose signer is not what §3.1 asks (MALFORMED)', async () => {
    const { file, prefix } = await encryptSigned(patternBytes(10, 9));
    const parsed = parseHeader(prefix);
    const rest = file.subarray(prefix.length);
    const withHeader = (changes: Record<string, unknown>) => {
      const json = utf8(JSON.stringify({ ...parsed.header, ...changes }));
      return concat(MAGIC_V2, u32be(json.length), json, parsed.hmac, rest);
    };
    const cases = [
      withHeader({ signer: { ...parsed.header.signer!, id: mallory.id } }),
      withHeader({ signer: { ...parsed.header.signer!, signingKey: b64u(mallory.ed25519Spki) } }),
      withHeader({ signer: { id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) } }),
      withHeader({ recipients: [...parsed.header.recipients, { ...parsed.header.recipients[0]!, keyId: mallory.encryption.keyId }] }),
    ];
    for (const bad of cases) {
      await expectCode(opened(bad, { keys: [owner.encryption] }, 'source'), 'MALFORMED');
      await expectCode(verifySource(bytesSource(bad)), 'MALFORMED');
    }
    // A v2 magic over a v1 header (version 1, no signer).
    const v1Header = utf8(JSON.stringify({ ...parsed.header, version: 1, signer: undefined }));
    await expectCode(opened(concat(MAGIC_V2, u32be(v1Header.length), v1Header, parsed.hmac, rest), { keys: [owner.encryption] }, 'source'), 'MALFORMED');
  });

  it('attack (d): a file-key holder re-encrypting the payload under the same header is refused and releases nothing', async () => {
    const plain = patternBytes(1000, 10);
    const { file, prefix } = await encryptSigned(plain);
    // The holder of the file key (here: the owner stanza's key) seals other plaintext under the same header.
    const parsed = parseHeader(prefix);
    const fileKey = await unwrapFileKey(fromB64u(parsed.header.recipients[0]!.wrappedKey), owner.encryption.privateKey);
    const keys = await deriveFileKeys(fileKey, parsed.salt);
    const forged = patternBytes(1000, 11);
    const payload = await throughPieces(sealPieces(keys.payloadKey, CHUNK, forged.length), forged, [forged.length]);
    // Signed by the holder (a valid signature of someone else), and with the old signature left in place.
    const resigned = concat(prefix, payload, await signFile(mallory, prefix, await digestOf(payload, CHUNK)));
    const oldSignature = concat(prefix, payload, file.subarray(file.length - SIGNATURE_LENGTH));
    for (const bad of [resigned, oldSignature]) {
      for (const how of ['source', 'pipe'] as const) {
        const result = how === 'source' ? await openSource(bytesSource(bad), { keys: [owner.encryption] }, {}, { expectSigner: owner.id }) : await openFile(streamFromBytes(bad), { keys: [owner.encryption] }, {}, { expectSigner: owner.id });
        const released: Uint8Array[] = [];
        const reader = result.plaintext.getReader();
        await expectCode(async () => {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            released.push(value);
          }
        }, 'SIGNATURE_INVALID');
        // One chunk: its plaintext is the last, held until the signature verified.
        expect(released).toEqual([]);
      }
      await expectCode(verifySource(bytesSource(bad), { expectSigner: owner.id }), 'SIGNATURE_INVALID');
    }
  });

  it('signs with the owner only: another owner key is refused', async () => {
    await expectCode(encryptSigned(patternBytes(1, 1), { owner: mallory.encryption }), 'MALFORMED');
  });

  it('gives a v1 escrow blob up front when the authority has a v1 key, and for an unsigned file', async () => {
    const signedV1Blob = await encryptSigned(patternBytes(5, 1), { authority: authority.encryption });
    expect(signedV1Blob.escrowBlob?.format).toBe('keyward-escrow/1');
    expect(signedV1Blob.result.escrowBlob).toEqual(signedV1Blob.escrowBlob);
    // v1 recovery paths still open a v2 file with a v1 blob.
    const viaBlob = await opened(signedV1Blob.file, { blob: signedV1Blob.escrowBlob!, key: authority.encryption }, 'source');
    expectSameBytes(viaBlob.plain, patternBytes(5, 1));
    const unsigned = await encryptFile(streamFromBytes(patternBytes(5, 1)), { meta: metaOf(patternBytes(5, 1)), owner: owner.encryption, authority });
    expect(unsigned.escrowBlob.format).toBe('keyward-escrow/1');
    expect(unsigned.escrowBlob.authority.keyId).toBe(authority.encryption.keyId);
    await collectBytes(unsigned.stream);
    expect((await unsigned.done).escrowBlob).toEqual(unsigned.escrowBlob);
  });

  it('rejects done when the output stream is cancelled', async () => {
    const plain = patternBytes(4 * CHUNK, 1);
    const encrypted = await encryptSource(bytesSource(plain), { meta: metaOf(plain), owner: owner.encryption, authority, signer: owner, chunkSize: CHUNK }, { pieceBytes: 1 });
    const reader = encrypted.stream.getReader();
    await reader.read();
    await reader.cancel(new Error('stop'));
    await expect(encrypted.done).rejects.toThrow('stop');
  });
});

/** Verifies with node's own Ed25519 over the spec's signing input; returns the signature when it verifies. */
async function verifyIndependently(prefix: Uint8Array, digest: Uint8Array, signature: Bytes): Promise<Bytes> {
  const key = await globalThis.crypto.subtle.importKey('spki', owner.ed25519Spki, { name: 'Ed25519' }, false, ['verify']);
  const ok = await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, signature, concat(utf8('keyward/v2 file'), new Uint8Array([0]), prefix, digest));
  if (!ok) throw new Error('the signature does not verify');
  return signature;
}
