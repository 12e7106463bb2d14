/** v2 §8.4: partial recovery blobs, opening a file with k of them (steps 1–7 in order), and the ceremony with k member keys. */
import { b64u, fromB64u, randomBytes, utf8 } from '../bytes.ts';
import { canonicalJson } from '../canonical.ts';
import { type Unlock, openFile, openSource } from '../decrypt-file.ts';
import { encryptSource } from '../encrypt-file.ts';
import { type Council, createCouncil } from '../keys/council.ts';
import type { PrivateIdentity } from '../keys/identity.ts';
import { bytesSource } from '../pieces.ts';
import { splitKey, unwrapShare, wrapShare } from '../shamir.ts';
import { collectBytes, streamFromBytes } from '../streams.ts';
import { expectCode, expectCodeSync, expectSameBytes, makeIdentity, patternBytes } from '../test-support.ts';
import type { EscrowBlobV2 } from './escrow-v2.ts';
import { type PartialRecoveryBlob, checkPartials, issuePartialRecovery, parsePartialRecovery } from './partial.ts';
import { issueRecoveryV2, parseRecoveryBlobV2 } from './recovery-v2.ts';
import { parseSignedObject, serializeSigned } from './signed-object.ts';
import { signedBody } from './signing.ts';

let owner: PrivateIdentity;
let alice: PrivateIdentity;
let bob: PrivateIdentity;
let carol: PrivateIdentity;
let mallory: PrivateIdentity;
let newOwner: PrivateIdentity;
/** 2 of Alice, Bob, Carol. */
let council: Council;
/** The same members under another name: another council. */
let other: Council;
let plain: Uint8Array;
let file: Uint8Array;
let blob: EscrowBlobV2;
let otherFile: Uint8Array;
let otherFileBlob: EscrowBlobV2;
let otherCouncilBlob: EscrowBlobV2;
let fromAlice: PartialRecoveryBlob;
let fromBob: PartialRecoveryBlob;
let fromCarol: PartialRecoveryBlob;

async function escrowed(content: Uint8Array, authority: Council | PrivateIdentity) {
  const encrypted = await encryptSource(bytesSource(content), {
    meta: { name: 'a.txt', type: 'text/plain', size: content.length, lastModified: 0 },
    owner: owner.encryption,
    authority,
    signer: owner,
    chunkSize: 65536,
    ownerName: 'Ada',
  });
  const bytes = await collectBytes(encrypted.stream);
  return { file: bytes, blob: (await encrypted.done).escrowBlob as EscrowBlobV2 };
}

beforeAll(async () => {
  [owner, alice, bob, carol, mallory, newOwner] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  const members = [{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }, { name: 'Carol', identity: carol }];
  council = await createCouncil({ name: 'Recovery board', threshold: 2, members });
  other = await createCouncil({ name: 'Another board', threshold: 2, members });
  plain = patternBytes(150_000, 1);
  ({ file, blob } = await escrowed(plain, council));
  ({ file: otherFile, blob: otherFileBlob } = await escrowed(patternBytes(10, 2), council));
  ({ blob: otherCouncilBlob } = await escrowed(plain, other));
  const options = { newOwner, ownerName: 'Ada (new laptop)', now: new Date('2027-01-02T03:04:05.000Z') };
  [fromAlice, fromBob, fromCarol] = await Promise.all([issuePartialRecovery(blob, alice, options), issuePartialRecovery(blob, bob, options), issuePartialRecovery(blob, carol, options)]);
});

const open = async (bytes: Uint8Array, unlock: Unlock, how: 'source' | 'pipe' = 'source') => {
  const opened = how === 'source' ? await openSource(bytesSource(bytes), unlock) : await openFile(streamFromBytes(bytes, 4096), unlock);
  return collectBytes(opened.plaintext);
};
const withPartials = (partials: readonly PartialRecoveryBlob[], councils: readonly Council[] = [council], key = newOwner.encryption): Unlock => ({ partials, key, councils });
/** Signs `fields` (without signature) under `context` as `by`. */
async function signed<T extends object>(fields: T, by: PrivateIdentity, context = 'keyward/v2 partial'): Promise<T & { signature: string }> {
  const rest: Record<string, unknown> = { ...(fields as Record<string, unknown>) };
  delete rest.signature;
  const body = new Uint8Array([...utf8(context), 0, ...signedBody(rest)]);
  return { ...fields, signature: b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, by.signingPrivateKey, body))) };
}
/** `p` with changes, signed again by `by` (its issuer unless said). */
const reissued = (p: PartialRecoveryBlob, changes: Partial<PartialRecoveryBlob>, by: PrivateIdentity = [alice, bob, carol][p.issuer.index - 1]!) => signed({ ...p, ...changes }, by);
const asIssuer = (m: PrivateIdentity, index: number, councilId = council.id): PartialRecoveryBlob['issuer'] => ({
  kind: 'member', name: 'M', id: m.id, publicKey: b64u(m.rsaSpki), signingKey: b64u(m.ed25519Spki), council: councilId, index,
});

describe('partial recovery blob (§8.4)', () => {
  it('is issued by a member after its check, written canonical, and told apart from a recovery blob', () => {
    expect(fromAlice.issuer).toEqual({ kind: 'member', name: 'Alice', id: alice.id, publicKey: b64u(alice.rsaSpki), signingKey: b64u(alice.ed25519Spki), council: council.id, index: 1 });
    expect(fromCarol.issuer.index).toBe(3);
    expect(fromAlice.owner).toEqual({ name: 'Ada (new laptop)', id: newOwner.id, keyId: newOwner.encryption.keyId });
    expect(fromAlice.fileId).toBe(blob.fileId);
    expect(fromAlice.createdAt).toBe('2027-01-02T03:04:05.000Z');
    const text = serializeSigned(fromAlice);
    expect(text).toBe(`${canonicalJson(fromAlice)}\n`);
    expect(parseSignedObject(text)).toEqual({ kind: 'partial', blob: fromAlice });
    expect(parsePartialRecovery(JSON.stringify(fromAlice, null, 2))).toEqual(fromAlice);
    // A reader of §6 recovery blobs does not take a partial for one.
    expectCodeSync(() => parseRecoveryBlobV2(text), 'UNSUPPORTED_VERSION');
  });

  it('carries the member\'s share wrapped for the new key under the member\'s label', async () => {
    const share = await unwrapShare(fromB64u(fromBob.wrappedShare), 2, newOwner.encryption.privateKey);
    expect(share).toEqual(await unwrapShare(fromB64u(blob.shares![1]!), 2, bob.encryption.privateKey));
    await expectCode(unwrapShare(fromB64u(fromBob.wrappedShare), 1, newOwner.encryption.privateKey), 'UNWRAP_FAILED');
  });

  it('is not issued by a non-member, nor for a blob the member\'s check refuses', async () => {
    await expectCode(issuePartialRecovery(blob, mallory, { newOwner }), 'NO_MATCHING_KEY');
    await expectCode(issuePartialRecovery({ ...blob, description: 'changed' }, alice, { newOwner }), 'SIGNATURE_INVALID');
  });

  describe('step 1: strict syntax (MALFORMED)', () => {
    it.for([
      ['an unknown field', (p: Record<string, unknown>) => ({ ...p, note: 'x' })],
      ['a wrappedKey in place of wrappedShare', (p: Record<string, unknown>) => ({ ...p, wrappedKey: p.wrappedShare, wrappedShare: undefined })],
      ['index 0', (p: Record<string, unknown>) => ({ ...p, issuer: { ...(p.issuer as object), index: 0 } })],
      ['index 17', (p: Record<string, unknown>) => ({ ...p, issuer: { ...(p.issuer as object), index: 17 } })],
      ['a float index', (p: Record<string, unknown>) => ({ ...p, issuer: { ...(p.issuer as object), index: 1.5 } })],
      ['no council', (p: Record<string, unknown>) => ({ ...p, issuer: { ...(p.issuer as object), council: undefined } })],
      ['issuer.kind identity', (p: Record<string, unknown>) => ({ ...p, issuer: { ...(p.issuer as object), kind: 'identity' } })],
    ] as const)('refuses %s', async ([, change]) => {
      const text = JSON.stringify(change({ ...fromAlice }));
      expectCodeSync(() => parsePartialRecovery(text), 'MALFORMED');
      await expectCode(open(file, withPartials([JSON.parse(text) as PartialRecoveryBlob, fromBob])), 'MALFORMED');
    });

    it('refuses a full recovery blob (§6) among partials: they are not mixed', async () => {
      const { blob: identityBlob } = await escrowed(plain, mallory);
      const full = await issueRecoveryV2(identityBlob, mallory, { newOwner });
      await expectCode(open(file, withPartials([full as unknown as PartialRecoveryBlob, fromBob])), 'MALFORMED', /member/);
    });

    it('refuses an issuer.id that is not the ID of its keys', async () => {
      const p = await reissued(fromAlice, { issuer: { ...fromAlice.issuer, id: bob.id } });
      await expectCode(open(file, withPartials([p, fromBob])), 'MALFORMED', /issuer\.id/);
    });
  });

  it('step 2: the signature, under the partial context (SIGNATURE_INVALID)', async () => {
    await expectCode(open(file, withPartials([{ ...fromAlice, description: 'tampered' }, fromBob])), 'SIGNATURE_INVALID');
    await expectCode(open(file, withPartials([fromAlice, { ...fromBob, wrappedShare: fromCarol.wrappedShare }])), 'SIGNATURE_INVALID');
    // Signed by Alice, under the recovery context (§6) instead of the partial one.
    await expectCode(open(file, withPartials([await signed(fromAlice, alice, 'keyward/v2 recovery'), fromBob])), 'SIGNATURE_INVALID');
  });

  it('step 3: a pinned council, the member of that index, one council (SIGNER_UNTRUSTED, BLOB_MISMATCH)', async () => {
    // Nothing pinned, or only another council.
    await expectCode(open(file, withPartials([fromAlice, fromBob], [])), 'SIGNER_UNTRUSTED', /not pinned/);
    await expectCode(open(file, withPartials([fromAlice, fromBob], [other])), 'SIGNER_UNTRUSTED', /not pinned/);
    // Mallory, no member, claims to be member 2.
    const byMallory = await signed({ ...fromBob, issuer: asIssuer(mallory, 2) }, mallory);
    await expectCode(open(file, withPartials([fromAlice, byMallory])), 'SIGNER_UNTRUSTED', /not member 2/);
    // Alice claims Bob's index, so that her two partials would count twice.
    const aliceAsTwo = await reissued(fromAlice, { issuer: { ...fromAlice.issuer, index: 2 } }, alice);
    await expectCode(open(file, withPartials([fromAlice, aliceAsTwo])), 'SIGNER_UNTRUSTED', /not member 2/);
    // An index past the council's members.
    const aliceAsFour = await reissued(fromAlice, { issuer: { ...fromAlice.issuer, index: 4 } }, alice);
    await expectCode(open(file, withPartials([aliceAsFour, fromBob])), 'SIGNER_UNTRUSTED');
    // Two pinned councils, one partial from each.
    const fromOtherCouncil = await issuePartialRecovery(otherCouncilBlob, alice, { newOwner });
    await expectCode(open(file, withPartials([fromOtherCouncil, fromBob], [council, other])), 'BLOB_MISMATCH', /more than one council/);
  });

  it('step 4: for the reader\'s key (NO_MATCHING_KEY)', async () => {
    const forMallory = await issuePartialRecovery(blob, carol, { newOwner: mallory });
    const error = await expectCode(open(file, withPartials([fromAlice, forMallory])), 'NO_MATCHING_KEY');
    expect(error.details.keyIds).toEqual([mallory.encryption.keyId]);
  });

  it('step 5: for this file (BLOB_MISMATCH), before the quorum is counted', async () => {
    const [a, b] = await Promise.all([alice, bob].map((m) => issuePartialRecovery(otherFileBlob, m, { newOwner })));
    await expectCode(open(file, withPartials([a!, b!])), 'BLOB_MISMATCH');
    await expectCode(open(file, withPartials([fromAlice, b!])), 'BLOB_MISMATCH');
    // One partial of another file: the file check comes before the quorum.
    await expectCode(open(file, withPartials([a!])), 'BLOB_MISMATCH');
    expectSameBytes(await open(otherFile, withPartials([a!, b!])), patternBytes(10, 2));
    // Without the file, the partials must at least be for one file.
    await expectCode(checkPartials([fromAlice, b!], newOwner.encryption, [council]), 'BLOB_MISMATCH');
  });

  it('step 6: k distinct members; fewer, or two partials of one member, are QUORUM_NOT_MET and nothing is unwrapped', async () => {
    await expectCode(open(file, withPartials([fromAlice])), 'QUORUM_NOT_MET');
    await expectCode(open(file, withPartials([])), 'QUORUM_NOT_MET');
    const again = await issuePartialRecovery(blob, alice, { newOwner, now: new Date('2027-02-01T00:00:00.000Z') });
    await expectCode(open(file, withPartials([fromAlice, again])), 'QUORUM_NOT_MET');
    await expectCode(open(file, withPartials([fromAlice, fromAlice])), 'QUORUM_NOT_MET');
    // A partial whose share cannot even be unwrapped: with one member, the quorum fails first.
    const garbage = await reissued(fromAlice, { wrappedShare: b64u(randomBytes(256)) });
    await expectCode(open(file, withPartials([garbage])), 'QUORUM_NOT_MET');
    await expectCode(open(file, withPartials([garbage, fromBob])), 'UNWRAP_FAILED');
    // The threshold is the pinned descriptor's, never a partial's word.
    const checked = await checkPartials([fromAlice, again, fromCarol], newOwner.encryption, [council]);
    expect(checked.partials.map((p) => p.issuer.index)).toEqual([1, 3]);
  });

  it('step 7: a member\'s bad share, a share that cannot be combined, are ESCROW_INVALID', async () => {
    // Bob wraps a share of another split (a point distinct from Alice's): the combined key does not open the header.
    const alicePoint = (await unwrapShare(fromB64u(fromAlice.wrappedShare), 1, newOwner.encryption.privateKey))[32];
    const alien = (await splitKey(randomBytes(32), 3, 2)).find((s) => s[32] !== alicePoint)!;
    const badBob = await reissued(fromBob, { wrappedShare: b64u(await wrapShare(alien, 2, newOwner.encryption.publicKey)) });
    await expectCode(open(file, withPartials([fromAlice, badBob])), 'ESCROW_INVALID', /do not open/);
    // 32 bytes under Bob's label: not a share.
    const short = new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'RSA-OAEP', label: utf8('keyward/v2 share 2') }, newOwner.encryption.publicKey, randomBytes(32)));
    await expectCode(open(file, withPartials([fromAlice, await reissued(fromBob, { wrappedShare: b64u(short) })])), 'ESCROW_INVALID', /33 bytes/);
    // Bob's partial carries Alice's share: two shares with one point.
    const aliceShare = await unwrapShare(fromB64u(fromAlice.wrappedShare), 1, newOwner.encryption.privateKey);
    const twin = await reissued(fromBob, { wrappedShare: b64u(await wrapShare(aliceShare, 2, newOwner.encryption.publicKey)) });
    await expectCode(open(file, withPartials([fromAlice, twin])), 'ESCROW_INVALID', /one point/);
  });

  it('k good partials from distinct members open the file byte-identical, from a source or a pipe, any quorum', async () => {
    expectSameBytes(await open(file, withPartials([fromAlice, fromBob])), plain);
    expectSameBytes(await open(file, withPartials([fromCarol, fromAlice], [other, council]), 'pipe'), plain);
    expectSameBytes(await open(file, withPartials([fromBob, fromCarol, fromAlice])), plain);
  });
});

describe('a council of one (k = n = 1)', () => {
  it('one partial, or the one member\'s key, opens the file', async () => {
    const solo = await createCouncil({ name: 'Solo', threshold: 1, members: [{ name: 'Bob', identity: bob }] });
    const content = patternBytes(70_000, 3);
    const { file: soloFile, blob: soloBlob } = await escrowed(content, solo);
    const partial = await issuePartialRecovery(soloBlob, bob, { newOwner });
    expectSameBytes(await open(soloFile, withPartials([partial], [solo])), content);
    expectSameBytes(await open(soloFile, { escrow: soloBlob, members: [bob] }), content);
    await expectCode(open(soloFile, withPartials([], [solo])), 'QUORUM_NOT_MET');
  });
});

describe('ceremony: k member keys decrypt directly (§8.4)', () => {
  it('k members open the file byte-identical', async () => {
    expectSameBytes(await open(file, { escrow: blob, members: [alice, carol] }), plain);
    expectSameBytes(await open(file, { escrow: blob, members: [alice, bob, carol] }, 'pipe'), plain);
  });

  it('k - 1 members, or one member twice, are QUORUM_NOT_MET; a non-member key NO_MATCHING_KEY; another file BLOB_MISMATCH', async () => {
    await expectCode(open(file, { escrow: blob, members: [bob] }), 'QUORUM_NOT_MET');
    await expectCode(open(file, { escrow: blob, members: [bob, bob] }), 'QUORUM_NOT_MET');
    const error = await expectCode(open(file, { escrow: blob, members: [alice, mallory] }), 'NO_MATCHING_KEY');
    expect(error.details.keyIds).toEqual([council.id]);
    await expectCode(open(otherFile, { escrow: blob, members: [alice, bob] }), 'BLOB_MISMATCH');
  });
});
