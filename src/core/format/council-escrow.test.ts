/** v2 §8.3: the escrow blob for a council, a member's eight checks in order, k or more members together, and members' receipts. */
import { b64u, fromB64u, randomBytes, utf8 } from '../bytes.ts';
import { encryptSource } from '../encrypt-file.ts';
import { type Council, createCouncil } from '../keys/council.ts';
import type { PrivateIdentity } from '../keys/identity.ts';
import { bytesSource } from '../pieces.ts';
import { SHARE_LENGTH, splitKey, unwrapShare, wrapShare } from '../shamir.ts';
import { collectBytes } from '../streams.ts';
import { expectCode, expectCodeSync, makeIdentity, patternBytes } from '../test-support.ts';
import { checkAnyEscrow, checkEscrowAsMember, openWithMembers } from './council-escrow.ts';
import { type EscrowBlobV2, checkEscrowBlob, parseEscrowBlobV2, signEscrowBlob } from './escrow-v2.ts';
import { issueReceipt, verifyReceipt } from './receipt.ts';
import { parseSignedObject, serializeSigned } from './signed-object.ts';
import { signedBody, withoutSignature } from './signing.ts';

let owner: PrivateIdentity;
let alice: PrivateIdentity;
let bob: PrivateIdentity;
let carol: PrivateIdentity;
let mallory: PrivateIdentity;
/** 2 of Alice, Bob, Carol. */
let council: Council;
/** 1 of Alice, Bob. */
let single: Council;
let blob: EscrowBlobV2;
let singleBlob: EscrowBlobV2;
let identityBlob: EscrowBlobV2;
/** The three members' real shares of `blob`. */
let shares: Uint8Array<ArrayBuffer>[];

async function escrowed(authority: Council | PrivateIdentity, plain = patternBytes(70_000, 1)) {
  const encrypted = await encryptSource(bytesSource(plain), {
    meta: { name: 'report.pdf', type: 'application/pdf', size: plain.length, lastModified: 1_764_000_000_000 },
    owner: owner.encryption,
    authority,
    signer: owner,
    ownerName: 'Ada',
    description: 'quarterly report',
    chunkSize: 65536,
  });
  await collectBytes(encrypted.stream);
  return (await encrypted.done).escrowBlob as EscrowBlobV2;
}

beforeAll(async () => {
  [owner, alice, bob, carol, mallory] = await Promise.all([makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity(), makeIdentity()]);
  const members = [{ name: 'Alice', identity: alice }, { name: 'Bob', identity: bob }, { name: 'Carol', identity: carol }];
  council = await createCouncil({ name: 'Recovery board', threshold: 2, members });
  single = await createCouncil({ name: 'Either of two', threshold: 1, members: members.slice(0, 2) });
  [blob, singleBlob, identityBlob] = await Promise.all([escrowed(council), escrowed(single), escrowed(mallory)]);
  shares = await Promise.all([alice, bob, carol].map((m, i) => unwrapShare(fromB64u(blob.shares![i]!), i + 1, m.encryption.privateKey)));
});

/** `b` with `changes`, signed again by `by` (the owner unless said), so that the checks after 3 are reached. */
const resigned = (changes: Partial<EscrowBlobV2>, by: PrivateIdentity = owner, b: EscrowBlobV2 = blob) => signEscrowBlob(withoutSignature({ ...b, ...changes }), by);
/** Shares wrapped for the council's members, as a blob carries them. */
const wrapped = (raw: readonly Uint8Array<ArrayBuffer>[], c: Council = council) =>
  Promise.all(raw.map(async (share, i) => b64u(await wrapShare(share, i + 1, c.identities[i]!.encryption.publicKey))));
/** A blob whose shares split a random key: every share unwraps, none opens the file. */
const evading = async (c: Council = council, b: EscrowBlobV2 = blob) => resigned({ shares: await wrapped(await splitKey(randomBytes(32), c.members.length, c.threshold), c) }, owner, b);
const asText = (value: unknown) => JSON.stringify(value);

describe('council escrow blob (§8.3)', () => {
  it('is made by encrypt with a council, written canonical, and has shares for each member in place of wrappedKey', () => {
    expect(blob.authority).toEqual({ kind: 'council', name: 'Recovery board', id: council.id, threshold: 2, members: council.members });
    expect(blob.shares).toHaveLength(3);
    expect('wrappedKey' in blob).toBe(false);
    expect(parseSignedObject(serializeSigned(blob))).toEqual({ kind: 'escrow-v2', blob });
    expect(parseEscrowBlobV2(JSON.stringify(blob, null, 2))).toEqual(blob);
    for (const share of shares) expect(share).toHaveLength(SHARE_LENGTH);
  });

  it('is read once: frozen all the way down, its members and shares too (see escrow-v2.test.ts)', () => {
    const read = parseEscrowBlobV2(serializeSigned(blob));
    expect(parseEscrowBlobV2(read)).toBe(read);
    if (read.authority.kind !== 'council') throw new Error('a council blob');
    const { members } = read.authority;
    expect(() => members.push(members[0]!)).toThrow(TypeError);
    expect(() => Object.assign(members[1]!, { id: 'x' })).toThrow(TypeError);
    expect(() => read.shares!.reverse()).toThrow(TypeError);
  });

  it('encrypting for a council needs a signer, and embeds no authority stanza (MALFORMED)', async () => {
    const options = { meta: { name: 'a', type: '', size: 1, lastModified: 0 }, owner: owner.encryption, authority: council };
    await expectCode(encryptSource(bytesSource(new Uint8Array(1)), options), 'MALFORMED', /signer/);
    await expectCode(encryptSource(bytesSource(new Uint8Array(1)), { ...options, signer: owner, embedAuthority: true }), 'MALFORMED', /embed/);
  });

  it('passes a member\'s check for each member; k > 1 does not prove the key, k = 1 does', async () => {
    for (const [index, member] of [alice, bob, carol].entries()) {
      const checked = await checkEscrowAsMember(blob, member, { expectOwner: owner.id, expectCouncil: council.id });
      expect(checked.index).toBe(index + 1);
      expect(checked.council.id).toBe(council.id);
      expect(checked.owner.id).toBe(owner.id);
      expect(checked.provesKey).toBe(false);
      expect(checked.meta).toBeUndefined();
    }
    const one = await checkEscrowAsMember(singleBlob, bob);
    expect(one.provesKey).toBe(true);
    expect(one.meta?.name).toBe('report.pdf');
  });

  describe('check 1: strict fields, the council\'s rules and its ID (MALFORMED)', () => {
    it.for([
      ['a wrappedKey in a council blob', (b: Record<string, unknown>) => ({ ...b, wrappedKey: b64u(randomBytes(256)) }), /wrappedKey/],
      ['no shares', (b: Record<string, unknown>) => ({ ...b, shares: undefined }), /shares/],
      ['one share too few', (b: Record<string, unknown>) => ({ ...b, shares: (b.shares as string[]).slice(1) }), /shares/],
      ['an empty share', (b: Record<string, unknown>) => ({ ...b, shares: ['', ...(b.shares as string[]).slice(1)] }), /shares\[0\]/],
      ['an unknown field in authority', (b: Record<string, unknown>) => ({ ...b, authority: { ...(b.authority as object), keyId: council.id } }), /field/],
      ['a threshold above n', (b: Record<string, unknown>) => ({ ...b, authority: { ...(b.authority as object), threshold: 4 } }), /threshold/],
      ['a float threshold', (b: Record<string, unknown>) => ({ ...b, authority: { ...(b.authority as object), threshold: 1.5 } }), /threshold/],
      ['no members', (b: Record<string, unknown>) => ({ ...b, authority: { ...(b.authority as object), members: [] }, shares: [] }), /members/],
    ] as const)('refuses %s', async ([, change, reason]) => {
      const text = asText(change({ ...blob }));
      expectCodeSync(() => parseEscrowBlobV2(text), 'MALFORMED', reason);
      await expectCode(checkEscrowAsMember(JSON.parse(text) as EscrowBlobV2, alice), 'MALFORMED', reason);
    });

    it('refuses shares on an identity\'s blob', () => {
      expectCodeSync(() => parseEscrowBlobV2(asText({ ...identityBlob, shares: blob.shares })), 'MALFORMED', /shares/);
    });

    it('refuses an authority.id that is not the council ID of the council named, even signed by the owner', async () => {
      // The owner names the council Alice trusts but lists Mallory in it: the ID no longer matches.
      const members = [council.members[0]!, { name: 'Bob', id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) }, council.members[2]!];
      await expectCode(checkEscrowAsMember(await resigned({ authority: { ...blob.authority, members } as EscrowBlobV2['authority'] }), alice), 'MALFORMED', /council ID/);
      await expectCode(checkEscrowAsMember(await resigned({ authority: { ...blob.authority, name: 'Other board' } }), alice), 'MALFORMED', /council ID/);
    });

    it('refuses a member whose id is not of its keys, and a member twice', async () => {
      const members = council.members.map((m) => ({ ...m }));
      members[1]!.signingKey = b64u(mallory.ed25519Spki);
      await expectCode(checkEscrowAsMember(await resigned({ authority: { ...blob.authority, members } as EscrowBlobV2['authority'] }), alice), 'MALFORMED', /members\[1\]\.id/);
      const twice = [council.members[0]!, council.members[1]!, council.members[0]!];
      await expectCode(checkEscrowAsMember(await resigned({ authority: { ...blob.authority, members: twice } as EscrowBlobV2['authority'] }), alice), 'MALFORMED', /twice/);
    });
  });

  it('checks 2–6 as §4: owner.id, the owner\'s signature, the expected owner, the prefix\'s signer, the file signature', async () => {
    await expectCode(checkEscrowAsMember(await resigned({ owner: { ...blob.owner, id: mallory.id } }), alice), 'MALFORMED', /owner\.id/);
    // A forged blob: the shares changed, the owner's signature left as it was.
    await expectCode(checkEscrowAsMember({ ...blob, shares: (await evading()).shares! }, alice), 'SIGNATURE_INVALID');
    // Unsigned: a zero signature.
    await expectCode(checkEscrowAsMember({ ...blob, signature: b64u(new Uint8Array(64)) }, alice), 'SIGNATURE_INVALID');
    await expectCode(checkEscrowAsMember(blob, alice, { expectOwner: mallory.id }), 'SIGNER_UNTRUSTED');
    // Mallory signs a blob for Ada's file.
    const byMallory = await resigned({ owner: { name: 'Ada', id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) } }, mallory);
    await expectCode(checkEscrowAsMember(byMallory, alice), 'SIGNER_UNTRUSTED', /signed by someone other/);
    await expectCode(checkEscrowAsMember(await resigned({ fileSignature: singleBlob.fileSignature }), alice), 'SIGNATURE_INVALID');
  });

  it('check 7: the council expected (SIGNER_UNTRUSTED), and the checker is a member (NO_MATCHING_KEY naming the council)', async () => {
    await expectCode(checkEscrowAsMember(blob, alice, { expectCouncil: single.id }), 'SIGNER_UNTRUSTED');
    const error = await expectCode(checkEscrowAsMember(blob, mallory), 'NO_MATCHING_KEY', /not a member/);
    expect(error.details.keyIds).toEqual([council.id]);
    // Carol is no member of the 1-of-2 council.
    await expectCode(checkEscrowAsMember(singleBlob, carol), 'NO_MATCHING_KEY');
    // An identity's blob is not a council's.
    await expectCode(checkEscrowAsMember(identityBlob, alice), 'NO_MATCHING_KEY', /not a council/);
    // Alice's identity ID with another RSA key: the key ID must be the member's too.
    await expectCode(checkEscrowAsMember(blob, { ...alice, encryption: mallory.encryption }), 'NO_MATCHING_KEY', /not a member/);
  });

  it('check 8: the member\'s own share unwraps under its label, is a share; for k = 1 it opens the file (ESCROW_INVALID)', async () => {
    // Alice's and Bob's wrapped shares swapped: each is under the other's label and key.
    const swapped = [blob.shares![1]!, blob.shares![0]!, blob.shares![2]!];
    await expectCode(checkEscrowAsMember(await resigned({ shares: swapped }), alice), 'ESCROW_INVALID', /member 1/);
    // Alice's share wrapped under Bob's label for Alice's key.
    const wrongLabel = b64u(await wrapShare(shares[0]!, 2, alice.encryption.publicKey));
    await expectCode(checkEscrowAsMember(await resigned({ shares: [wrongLabel, blob.shares![1]!, blob.shares![2]!] }), alice), 'ESCROW_INVALID');
    // A point 0, and 32 bytes, wrapped correctly.
    const zero = shares[0]!.slice();
    zero[32] = 0;
    for (const bad of [zero, shares[0]!.slice(0, 32)]) {
      const label = utf8('keyward/v2 share 1');
      const wrappedBad = b64u(new Uint8Array(await globalThis.crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, alice.encryption.publicKey, bad)));
      await expectCode(checkEscrowAsMember(await resigned({ shares: [wrappedBad, blob.shares![1]!, blob.shares![2]!] }), alice), 'ESCROW_INVALID');
    }
    // k = 1: a random key's share unwraps but does not open the file.
    await expectCode(checkEscrowAsMember(await evading(single, singleBlob), alice), 'ESCROW_INVALID', /does not open/);
  });

  it('an evading blob (random shares) passes each member\'s check for k > 1, and only k members together refuse it', async () => {
    const evil = await evading();
    for (const member of [alice, bob, carol]) expect((await checkEscrowAsMember(evil, member)).provesKey).toBe(false);
    await expectCode(openWithMembers(evil, [alice, bob]), 'ESCROW_INVALID', /does not open/);
  });

  it('the authority\'s check (checkEscrowBlob) names the council of a council\'s blob (NO_MATCHING_KEY); checkAnyEscrow takes either', async () => {
    const error = await expectCode(checkEscrowBlob(blob, alice), 'NO_MATCHING_KEY', /council/);
    expect(error.details.keyIds).toEqual([council.id]);
    expect('index' in (await checkAnyEscrow(blob, bob, { expectCouncil: council.id }))).toBe(true);
    expect('index' in (await checkAnyEscrow(identityBlob, mallory, { expectOwner: owner.id }))).toBe(false);
    await expectCode(checkAnyEscrow(blob, alice, { expectCouncil: single.id }), 'SIGNER_UNTRUSTED');
  });
});

describe('k or more member keys together (§8.3)', () => {
  it('any k members, or all n, open the blob to the same key, which opens the header', async () => {
    const keys = [];
    for (const group of [[alice, bob], [bob, carol], [carol, alice], [alice, bob, carol]]) {
      const opened = await openWithMembers(blob, group, { expectOwner: owner.id, expectCouncil: council.id });
      expect(opened.meta.name).toBe('report.pdf');
      keys.push(b64u(opened.fileKey));
    }
    expect(new Set(keys).size).toBe(1);
    expect((await openWithMembers(blob, [carol, alice, carol])).present).toEqual([1, 3]);
  });

  it('k - 1 distinct members, or one member twice, are QUORUM_NOT_MET, before any share is unwrapped', async () => {
    await expectCode(openWithMembers(blob, [alice]), 'QUORUM_NOT_MET');
    await expectCode(openWithMembers(blob, [alice, alice]), 'QUORUM_NOT_MET');
    await expectCode(openWithMembers(blob, []), 'QUORUM_NOT_MET');
    // Carol's share is garbage, but one member is no quorum: nothing was unwrapped.
    const garbage = await resigned({ shares: [blob.shares![0]!, blob.shares![1]!, b64u(randomBytes(256))] });
    await expectCode(openWithMembers(garbage, [carol]), 'QUORUM_NOT_MET');
    await expectCode(openWithMembers(garbage, [alice, carol]), 'ESCROW_INVALID', /member 3/);
  });

  it('a key that is not a member\'s is NO_MATCHING_KEY naming the council; the council expected is SIGNER_UNTRUSTED', async () => {
    const error = await expectCode(openWithMembers(blob, [alice, bob, mallory]), 'NO_MATCHING_KEY');
    expect(error.details.keyIds).toEqual([council.id]);
    await expectCode(openWithMembers(blob, [alice, bob], { expectCouncil: single.id }), 'SIGNER_UNTRUSTED');
    await expectCode(openWithMembers(identityBlob, [alice, bob]), 'NO_MATCHING_KEY');
  });

  it('inconsistent shares: the quorum that opens passes alone, and all members together refuse the blob (ESCROW_INVALID)', async () => {
    // Carol's share comes from another split: Alice and Bob still recover the key, Carol with either does not.
    const other = (await splitKey(randomBytes(32), 3, 2)).find((s) => s[32] !== shares[0]![32] && s[32] !== shares[1]![32])!;
    const mixed = await resigned({ shares: await wrapped([shares[0]!, shares[1]!, other]) });
    for (const member of [alice, bob, carol]) await checkEscrowAsMember(mixed, member);
    expect((await openWithMembers(mixed, [alice, bob])).meta.name).toBe('report.pdf');
    await expectCode(openWithMembers(mixed, [alice, carol]), 'ESCROW_INVALID', /does not open/);
    await expectCode(openWithMembers(mixed, [alice, bob, carol]), 'ESCROW_INVALID', /different keys/);
  });

  it('two members\' shares with one point cannot be combined (ESCROW_INVALID)', async () => {
    const twin = shares[1]!.slice();
    twin[32] = shares[0]![32]!;
    const bad = await resigned({ shares: await wrapped([shares[0]!, twin, shares[2]!]) });
    await expectCode(openWithMembers(bad, [alice, bob]), 'ESCROW_INVALID', /one point/);
  });
});

describe('a council of sixteen', () => {
  let sixteen: PrivateIdentity[];
  let big: Council;
  let bigBlob: EscrowBlobV2;
  beforeAll(async () => {
    sixteen = await Promise.all(Array.from({ length: 16 }, () => makeIdentity()));
    big = await createCouncil({ name: 'Sixteen', threshold: 3, members: sixteen.map((identity, i) => ({ name: `m${i + 1}`, identity })) });
    bigBlob = await escrowed(big);
  });

  it('all sixteen together: every one of the 560 quorums of three combines to the key that opens the header', async () => {
    const opened = await openWithMembers(bigBlob, sixteen);
    expect(opened.present).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(opened.meta.name).toBe('report.pdf');
  });

  it('the label keeps one member\'s share from passing for another\'s, even under the same RSA key (ESCROW_INVALID)', async () => {
    const swapped = [bigBlob.shares![1]!, bigBlob.shares![0]!, ...bigBlob.shares!.slice(2)];
    const blob16 = await resigned({ shares: swapped }, owner, bigBlob);
    await expectCode(checkEscrowAsMember(blob16, sixteen[0]!), 'ESCROW_INVALID', /member 1/);
    await expectCode(checkEscrowAsMember(blob16, sixteen[1]!), 'ESCROW_INVALID', /member 2/);
    await checkEscrowAsMember(blob16, sixteen[2]!);
  });
});

describe('receipts from council members (§8.3, §5)', () => {
  it('a member issues a receipt for a good blob, and the owner accepts it from any member', async () => {
    for (const member of [alice, carol]) {
      const receipt = await issueReceipt(blob, member);
      expect(receipt.authority.id).toBe(member.id);
      expect(receipt.authority.name).toBe(member === alice ? 'Alice' : 'Carol');
      await verifyReceipt(receipt, blob);
    }
  });

  it('no receipt for a blob the member\'s check refuses, nor from a non-member', async () => {
    await expectCode(issueReceipt(await evading(single, singleBlob), alice), 'ESCROW_INVALID');
    await expectCode(issueReceipt(blob, mallory), 'NO_MATCHING_KEY');
  });

  it('the owner refuses a receipt signed by someone outside the council (SIGNER_UNTRUSTED), or for another blob (BLOB_MISMATCH)', async () => {
    const receipt = await issueReceipt(blob, alice);
    const fields = { ...withoutSignature(receipt), authority: { name: 'Alice', id: mallory.id, publicKey: b64u(mallory.rsaSpki), signingKey: b64u(mallory.ed25519Spki) } };
    const body = new Uint8Array([...utf8('keyward/v2 receipt'), 0, ...signedBody(fields)]);
    const signature = b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, mallory.signingPrivateKey, body)));
    await expectCode(verifyReceipt({ ...fields, signature }, blob), 'SIGNER_UNTRUSTED');
    // Alice is a member of the 1-of-2 council too, but this receipt is for the other blob.
    await expectCode(verifyReceipt(receipt, singleBlob), 'BLOB_MISMATCH');
  });
});
