/** The escrow service's case request (context `keyward/v2 case`) and its check of an uploaded partial or recovery blob. */
import { b64u, utf8 } from './bytes.ts';
import { canonicalJson } from './canonical.ts';
import { encryptSource } from './encrypt-file.ts';
import { type EscrowBlobV2, checkSignedEscrow, escrowDigest } from './format/escrow-v2.ts';
import { type PartialRecoveryBlob, issuePartialRecovery } from './format/partial.ts';
import { type RecoveryBlobV2, issueRecoveryV2 } from './format/recovery-v2.ts';
import { signedBody } from './format/signing.ts';
import { type Council, createCouncil } from './keys/council.ts';
import { type PrivateIdentity, exportPublicIdentity, signAs } from './keys/identity.ts';
import { bytesSource } from './pieces.ts';
import {
  CASE_FORMAT,
  type CaseUploadTarget,
  type SignedCaseRequest,
  caseRequestBody,
  checkCaseRequest,
  checkCaseUpload,
  parseCaseRequest,
  parseCaseUpload,
  signCaseRequest,
} from './service-case.ts';
import { collectBytes } from './streams.ts';
import { expectCode, expectCodeSync, makeIdentity, patternBytes } from './test-support.ts';

let lost: PrivateIdentity;
let fresh: PrivateIdentity;
let other: PrivateIdentity;
let alice: PrivateIdentity;
let bob: PrivateIdentity;
let authority: PrivateIdentity;
let council: Council;
let councilBlob: EscrowBlobV2;
let secondCouncilBlob: EscrowBlobV2;
let identityBlob: EscrowBlobV2;
let request: SignedCaseRequest;

async function escrowed(seed: number, to: Council | PrivateIdentity): Promise<EscrowBlobV2> {
  const plain = patternBytes(100 + seed, seed);
  const encrypted = await encryptSource(bytesSource(plain), {
    meta: { name: 'a.txt', type: 'text/plain', size: plain.length, lastModified: 0 },
    owner: lost.encryption,
    authority: to,
    signer: lost,
    chunkSize: 65536,
    ownerName: 'Ada',
  });
  await collectBytes(encrypted.stream);
  return (await encrypted.done).escrowBlob as EscrowBlobV2;
}

const targetOf = async (blob: EscrowBlobV2, newOwner: PrivateIdentity = fresh): Promise<CaseUploadTarget> => ({
  escrow: await checkSignedEscrow(blob, undefined),
  escrowDigest: await escrowDigest(blob),
  newOwner: { id: newOwner.id, keyId: newOwner.encryption.keyId },
});
/** `object` with changes, signed again under `context` by `by`. */
async function resigned<T extends { signature: string }>(object: T, changes: Partial<T>, by: PrivateIdentity, context: 'keyward/v2 partial' | 'keyward/v2 recovery'): Promise<T> {
  const next = { ...object, ...changes };
  return { ...next, signature: b64u(await signAs(by, context, signedBody(next))) };
}

beforeAll(async () => {
  [lost, fresh, other, alice, bob, authority] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  council = await createCouncil({ name: 'Board', threshold: 2, members: [{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }] });
  [councilBlob, secondCouncilBlob, identityBlob] = [await escrowed(1, council), await escrowed(2, council), await escrowed(3, authority)];
  request = await signCaseRequest(fresh, { lostIdentityId: lost.id, note: 'laptop stolen', now: new Date('2027-02-03T04:05:06.007Z') });
});

describe('a case request', () => {
  it('is signed by the new identity and checked back to it', async () => {
    expect(request.request).toEqual({
      format: CASE_FORMAT,
      lostIdentityId: lost.id,
      identity: await exportPublicIdentity(fresh, 'pem'),
      note: 'laptop stolen',
      createdAt: '2027-02-03T04:05:06.007Z',
    });
    const checked = await checkCaseRequest(JSON.parse(JSON.stringify(request)));
    expect({ request: checked.request, id: checked.identity.id }).toEqual({ request: request.request, id: fresh.id });
    // As text too, read strictly.
    expect((await checkCaseRequest(JSON.stringify(request))).identity.id).toBe(fresh.id);
  });

  it('is refused when changed after signing, or signed by another identity than the one it names', async () => {
    await expectCode(checkCaseRequest({ ...request, request: { ...request.request, note: 'changed' } }), 'SIGNATURE_INVALID');
    // Another identity's signature over the very same request.
    const byOther = b64u(await signAs(other, 'keyward/v2 case', caseRequestBody(request.request)));
    await expectCode(checkCaseRequest({ ...request, signature: byOther }), 'SIGNATURE_INVALID');
    // The new identity's signature under another context.
    const otherContext = b64u(await signAs(fresh, 'keyward/v2 sign-in', caseRequestBody(request.request)));
    await expectCode(checkCaseRequest({ ...request, signature: otherContext }), 'SIGNATURE_INVALID');
  });

  it('is read strictly: fields, format, types, a key twice, a new identity that is the lost one', async () => {
    expectCodeSync(() => parseCaseRequest({ ...request, extra: 1 }), 'MALFORMED');
    expectCodeSync(() => parseCaseRequest({ ...request, request: { ...request.request, admin: true } }), 'MALFORMED');
    expectCodeSync(() => parseCaseRequest({ ...request, request: { ...request.request, format: 'keyward-case/2' } }), 'MALFORMED');
    expectCodeSync(() => parseCaseRequest({ ...request, request: { ...request.request, lostIdentityId: 'SHA256:xyz' } }), 'MALFORMED');
    expectCodeSync(() => parseCaseRequest({ ...request, request: { ...request.request, createdAt: '2027-02-03' } }), 'MALFORMED');
    expectCodeSync(() => parseCaseRequest({ ...request, request: { ...request.request, note: 'x'.repeat(2001) } }), 'MALFORMED');
    expectCodeSync(() => parseCaseRequest({ ...request, signature: b64u(new Uint8Array(12)) }), 'MALFORMED');
    const text = canonicalJson(request);
    expectCodeSync(() => parseCaseRequest(`{"signature":"x",${text.slice(1)}`), 'MALFORMED', /twice|duplicate/i);
    await expectCode(checkCaseRequest({ ...request, request: { ...request.request, identity: 'not a key' } }), 'KEY_UNREADABLE');
    const self = await signCaseRequest(fresh, { lostIdentityId: fresh.id });
    await expectCode(checkCaseRequest(self), 'MALFORMED', /lost one/);
    expect(utf8(canonicalJson(request.request))).toEqual(caseRequestBody(request.request));
  });
});

describe('an upload to a case', () => {
  let fromAlice: PartialRecoveryBlob;
  let recovery: RecoveryBlobV2;
  const options = () => ({ newOwner: fresh, now: new Date('2027-02-04T00:00:00.000Z') });
  beforeAll(async () => {
    fromAlice = await issuePartialRecovery(councilBlob, alice, options());
    recovery = await issueRecoveryV2(identityBlob, authority, options());
  });

  it('passes for a member\'s partial and for the authority\'s recovery blob of the case\'s file and new identity', async () => {
    expect(await checkCaseUpload(parseCaseUpload(fromAlice), await targetOf(councilBlob))).toEqual({ kind: 'partial', blob: fromAlice });
    expect(await checkCaseUpload(parseCaseUpload(recovery), await targetOf(identityBlob))).toEqual({ kind: 'recovery', blob: recovery });
  });

  it('refuses a blob for another identity than the case\'s new one, or for another file (BLOB_MISMATCH)', async () => {
    await expectCode(checkCaseUpload(parseCaseUpload(fromAlice), await targetOf(councilBlob, other)), 'BLOB_MISMATCH', /another identity/);
    await expectCode(checkCaseUpload(parseCaseUpload(recovery), await targetOf(identityBlob, other)), 'BLOB_MISMATCH', /another identity/);
    await expectCode(checkCaseUpload(parseCaseUpload(fromAlice), await targetOf(secondCouncilBlob)), 'BLOB_MISMATCH', /another file/);
    // The right file ID but issued from another escrow blob.
    const otherDigest = await resigned(fromAlice, { escrowDigest: await escrowDigest(secondCouncilBlob) }, alice, 'keyward/v2 partial');
    await expectCode(checkCaseUpload(parseCaseUpload(otherDigest), await targetOf(councilBlob)), 'BLOB_MISMATCH', /another escrow blob/);
    // A partial for an identity's file, a recovery blob for a council's.
    const partialForIdentityFile = await resigned(fromAlice, { fileId: identityBlob.fileId, serial: identityBlob.serial, headerHmac: recovery.headerHmac, escrowDigest: recovery.escrowDigest }, alice, 'keyward/v2 partial');
    await expectCode(checkCaseUpload(parseCaseUpload(partialForIdentityFile), await targetOf(identityBlob)), 'BLOB_MISMATCH', /not a council/);
    const recoveryForCouncilFile = await resigned(recovery, { fileId: fromAlice.fileId, serial: fromAlice.serial, headerHmac: fromAlice.headerHmac, escrowDigest: fromAlice.escrowDigest }, authority, 'keyward/v2 recovery');
    await expectCode(checkCaseUpload(parseCaseUpload(recoveryForCouncilFile), await targetOf(councilBlob)), 'BLOB_MISMATCH', /council/);
  });

  it('refuses a partial changed after signing, one signed by a non-member, and a recovery blob from another issuer', async () => {
    await expectCode(checkCaseUpload(parseCaseUpload({ ...fromAlice, description: 'changed' }), await targetOf(councilBlob)), 'SIGNATURE_INVALID');
    // Someone who is not member 1 names themselves member 1, signing with their own key.
    const outsider = { ...fromAlice.issuer, id: other.id, publicKey: b64u(other.rsaSpki), signingKey: b64u(other.ed25519Spki) };
    const forged = await resigned(fromAlice, { issuer: outsider }, other, 'keyward/v2 partial');
    await expectCode(checkCaseUpload(parseCaseUpload(forged), await targetOf(councilBlob)), 'SIGNER_UNTRUSTED', /not member 1/);
    // Alice claims Bob's place.
    const asBob = await resigned(fromAlice, { issuer: { ...fromAlice.issuer, index: 2 } }, alice, 'keyward/v2 partial');
    await expectCode(checkCaseUpload(parseCaseUpload(asBob), await targetOf(councilBlob)), 'SIGNER_UNTRUSTED');
    const byOther = { ...recovery.issuer, id: other.id, publicKey: b64u(other.rsaSpki), signingKey: b64u(other.ed25519Spki) };
    const notAuthority = await resigned(recovery, { issuer: byOther }, other, 'keyward/v2 recovery');
    await expectCode(checkCaseUpload(parseCaseUpload(notAuthority), await targetOf(identityBlob)), 'SIGNER_UNTRUSTED');
  });

  it('reads an upload strictly', () => {
    expectCodeSync(() => parseCaseUpload('{}'), 'MALFORMED');
    expectCodeSync(() => parseCaseUpload({ ...fromAlice, extra: 1 }), 'MALFORMED');
    expectCodeSync(() => parseCaseUpload({ ...recovery, extra: 1 }), 'MALFORMED');
    expectCodeSync(() => parseCaseUpload(councilBlob), 'MALFORMED');
  });
});
