/** v2 §6: the signed recovery blob, issued from a good escrow blob, and opening a file with it, in order. */
import { b64u, utf8 } from '../bytes.ts';
import { type Unlock, openFile, openSource } from '../decrypt-file.ts';
import { encryptSource } from '../encrypt-file.ts';
import type { PrivateIdentity } from '../keys/identity.ts';
import { wrapFileKey } from '../keys/wrap.ts';
import { bytesSource } from '../pieces.ts';
import { issueRecoveryBlob } from '../recover.ts';
import { collectBytes, streamFromBytes } from '../streams.ts';
import { expectCode, expectCodeSync, expectSameBytes, makeIdentity, patternBytes } from '../test-support.ts';
import type { KeyBlob } from './escrow-blob.ts';
import { type EscrowBlobV2, signEscrowBlob } from './escrow-v2.ts';
import { type RecoveryBlobV2, issueRecoveryV2, parseRecoveryBlobV2 } from './recovery-v2.ts';
import { parseSignedObject, serializeSigned } from './signed-object.ts';
import { signedBody, withoutSignature } from './signing.ts';

let owner: PrivateIdentity;
let authority: PrivateIdentity;
let mallory: PrivateIdentity;
let newOwner: PrivateIdentity;
let plain: Uint8Array;
let file: Uint8Array;
let blob: EscrowBlobV2;
let otherFile: Uint8Array;
let recovery: RecoveryBlobV2;

async function escrowed(content: Uint8Array, auth: PrivateIdentity = authority) {
  const encrypted = await encryptSource(bytesSource(content), {
    meta: { name: 'a.txt', type: 'text/plain', size: content.length, lastModified: 0 },
    owner: owner.encryption,
    authority: auth,
    signer: owner,
    chunkSize: 65536,
    ownerName: 'Ada',
    authorityName: 'IT backup',
  });
  const bytes = await collectBytes(encrypted.stream);
  return { file: bytes, blob: (await encrypted.done).escrowBlob as EscrowBlobV2 };
}

beforeAll(async () => {
  [owner, authority, mallory, newOwner] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  plain = patternBytes(150_000, 1);
  ({ file, blob } = await escrowed(plain));
  ({ file: otherFile } = await escrowed(patternBytes(10, 2)));
  recovery = await issueRecoveryV2(blob, authority, { newOwner, ownerName: 'Ada (new laptop)', name: 'Legal', now: new Date('2027-01-02T03:04:05.000Z') });
});

const open = async (bytes: Uint8Array, unlock: Unlock, how: 'source' | 'pipe' = 'source', expectSigner?: string) => {
  const options = expectSigner === undefined ? {} : { expectSigner };
  const opened = how === 'source' ? await openSource(bytesSource(bytes), unlock, {}, options) : await openFile(streamFromBytes(bytes, 4096), unlock, {}, options);
  return collectBytes(opened.plaintext);
};
const withRecovery = (r: RecoveryBlobV2, trusted: readonly string[] = [authority.id], key = newOwner.encryption): Unlock => ({ recovery: r, key, trusted });
/** `r` with changes, signed by `by` as issuer (the authority unless said). */
async function reissued(changes: Partial<RecoveryBlobV2>, by: PrivateIdentity = authority): Promise<RecoveryBlobV2> {
  const fields: Record<string, unknown> = { ...recovery, ...changes };
  delete fields.signature;
  const body = new Uint8Array([...utf8('keyward/v2 recovery'), 0, ...signedBody(fields)]);
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, by.signingPrivateKey, body));
  return { ...(fields as Omit<RecoveryBlobV2, 'signature'>), signature: b64u(signature) };
}

describe('recovery blob v2 (§6)', () => {
  it('is issued from a good escrow blob for the new identity, signed by the issuer, and opens the file (source and pipe)', async () => {
    expect(recovery).toMatchObject({
      format: 'keyward-recovery/2', fileId: blob.fileId, serial: blob.serial, description: blob.description, createdAt: '2027-01-02T03:04:05.000Z',
      owner: { name: 'Ada (new laptop)', id: newOwner.id, keyId: newOwner.encryption.keyId },
      issuer: { kind: 'identity', name: 'Legal', id: authority.id, publicKey: b64u(authority.rsaSpki), signingKey: b64u(authority.ed25519Spki) },
    });
    expect(parseSignedObject(serializeSigned(recovery))).toEqual({ kind: 'recovery-v2', blob: recovery });
    expectSameBytes(await open(file, withRecovery(recovery)), plain);
    expectSameBytes(await open(file, withRecovery(recovery), 'pipe', owner.id), plain);
  });

  it('is issued only after the escrow blob passes the eight checks', async () => {
    const rest = withoutSignature(blob);
    const evading = await signEscrowBlob({ ...rest, wrappedKey: b64u(await wrapFileKey(new Uint8Array(32).fill(7), authority.encryption.publicKey)) }, owner);
    await expectCode(issueRecoveryV2(evading, authority, { newOwner }), 'ESCROW_INVALID');
    await expectCode(issueRecoveryV2({ ...blob, description: 'x' }, authority, { newOwner }), 'SIGNATURE_INVALID');
    await expectCode(issueRecoveryV2(blob, mallory, { newOwner }), 'NO_MATCHING_KEY');
  });

  it('step 1: strict syntax and issuer.id the ID of its keys (MALFORMED); a council member\'s partial is not read as a recovery blob', async () => {
    await expectCode(open(file, withRecovery({ ...recovery, note: '' } as unknown as RecoveryBlobV2)), 'MALFORMED');
    expectCodeSync(() => parseRecoveryBlobV2(serializeSigned(recovery).replace('"wrappedKey":', '"wrappedKey":"AAAA","wrappedKey":')), 'MALFORMED');
    await expectCode(open(file, withRecovery(await reissued({ issuer: { ...recovery.issuer, id: mallory.id } }))), 'MALFORMED');
    const partial = { ...recovery, issuer: { ...recovery.issuer, kind: 'member' }, wrappedShare: 'AAAA' };
    expectCodeSync(() => parseRecoveryBlobV2(JSON.stringify(partial)), 'UNSUPPORTED_VERSION');
    // parseSignedObject reads it as a partial (§8.4), strictly: this one has a wrappedKey and no council.
    expectCodeSync(() => parseSignedObject(JSON.stringify(partial)), 'MALFORMED');
  });

  it('step 2: the issuer\'s signature (SIGNATURE_INVALID)', async () => {
    await expectCode(open(file, withRecovery({ ...recovery, owner: { ...recovery.owner, name: 'Mallory' } })), 'SIGNATURE_INVALID');
  });

  it('step 3 / attack (e): an issuer the reader did not pin (SIGNER_UNTRUSTED), and nothing pinned refuses all', async () => {
    const byMallory = await reissued({ issuer: { kind: 'identity', name: 'Legal', id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) } }, mallory);
    await expectCode(open(file, withRecovery(byMallory)), 'SIGNER_UNTRUSTED');
    await expectCode(open(file, withRecovery(recovery, [])), 'SIGNER_UNTRUSTED');
    await expectCode(open(file, withRecovery(recovery, [mallory.id])), 'SIGNER_UNTRUSTED');
  });

  it('attack (e): a v1 recovery blob when the reader trusts only pinned issuers (SIGNER_UNTRUSTED); without that, it opens as before', async () => {
    const { blob: v1Escrow, file: v1File } = await (async () => {
      const encrypted = await encryptSource(bytesSource(plain), { meta: { name: 'a', type: '', size: plain.length, lastModified: 0 }, owner: owner.encryption, authority: authority.encryption, signer: owner });
      const bytes = await collectBytes(encrypted.stream);
      return { file: bytes, blob: encrypted.escrowBlob as KeyBlob };
    })();
    const v1Recovery = await issueRecoveryBlob(v1Escrow, authority.encryption, { newOwner: newOwner.encryption });
    await expectCode(open(v1File, { blob: v1Recovery, key: newOwner.encryption, trusted: [authority.id] }), 'SIGNER_UNTRUSTED');
    expectSameBytes(await open(v1File, { blob: v1Recovery, key: newOwner.encryption }), plain);
  });

  it('step 4: the blob is for the reader\'s key (NO_MATCHING_KEY)', async () => {
    const error = await expectCode(open(file, withRecovery(recovery, [authority.id], mallory.encryption)), 'NO_MATCHING_KEY');
    expect(error.details.keyIds).toEqual([newOwner.encryption.keyId]);
  });

  it('step 5: fileId and headerHmac are the file\'s (BLOB_MISMATCH)', async () => {
    await expectCode(open(otherFile, withRecovery(recovery)), 'BLOB_MISMATCH');
    await expectCode(open(file, withRecovery(await reissued({ headerHmac: b64u(new Uint8Array(32)) }))), 'BLOB_MISMATCH');
  });

  it('step 6: unwrap (UNWRAP_FAILED), the header HMAC (HEADER_TAMPERED), then the file as §3.4 (its signer and signature)', async () => {
    await expectCode(open(file, withRecovery(await reissued({ wrappedKey: b64u(new Uint8Array(256).fill(1)) }))), 'UNWRAP_FAILED');
    const otherKey = b64u(await wrapFileKey(new Uint8Array(32).fill(3), newOwner.encryption.publicKey));
    await expectCode(open(file, withRecovery(await reissued({ wrappedKey: otherKey }))), 'HEADER_TAMPERED');
    await expectCode(open(file, withRecovery(recovery), 'source', mallory.id), 'SIGNER_UNTRUSTED');
    const badSignature = file.slice();
    badSignature[badSignature.length - 1]! ^= 1;
    await expectCode(open(badSignature, withRecovery(recovery)), 'SIGNATURE_INVALID');
  });
});

describe("the authority's own unlock with a v2 escrow blob (v2 §4, then the file)", () => {
  const withEscrow = (b: EscrowBlobV2, auth: PrivateIdentity = authority): Unlock => ({ escrow: b, authority: auth });

  it('opens exactly the file the good blob names, as a source and as a pipe', async () => {
    expectSameBytes(await open(file, withEscrow(blob)), plain);
    expectSameBytes(await open(file, withEscrow(blob), 'pipe'), plain);
  });

  it("refuses another file of the same owner (BLOB_MISMATCH) and a blob that fails intake, before any output", async () => {
    await expectCode(open(otherFile, withEscrow(blob)), 'BLOB_MISMATCH');
    // An evading blob: owner-signed, a random key wrapped for the authority.
    const evading = await signEscrowBlob({ ...withoutSignature(blob), wrappedKey: b64u(await wrapFileKey(patternBytes(32, 9), authority.encryption.publicKey)) }, owner);
    await expectCode(open(file, withEscrow(evading)), 'ESCROW_INVALID');
    await expectCode(open(file, withEscrow(blob, mallory)), 'NO_MATCHING_KEY');
  });
});
