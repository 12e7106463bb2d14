// Councils (v2 §8) both ways between src/core (WebCrypto and the audited
// shamir-secret-sharing package) and the reference (node:crypto, from the
// spec): descriptors and council IDs, shares split by one and combined by the
// other, shares wrapped by one and unwrapped by the other, and both refusing
// the same bad descriptors with the same code.
import * as crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bytesSource, checkEscrowAsMember, collectBytes, combineShares, councilId, createCouncil, encryptSource, importPrivateIdentity, importPublicIdentity,
  isKeywardError, issuePartialRecovery, issueReceipt, openSource, openWithMembers, parseCouncil, parseSignedObject, serializeCouncil, serializeSigned,
  shareLabel, splitKey, unwrapShare, verifyReceipt, wrapShare,
} from '../../src/core/index.ts';
import type { Council, EscrowBlobV2, PartialRecoveryBlob, PrivateIdentity, PublicIdentity, Unlock } from '../../src/core/index.ts';
import {
  RefError, b64u, refCanonical, refCheckEscrowAsMember, refCheckEscrowWithMembers, refCheckReceipt, refCombine, refCouncilId, refDecryptWithMembers,
  refDecryptWithPartials, refEncryptV2, refMakePartial, refParseSignedObject, refIdentityFromKeys, refIdentityId, refMakeCouncil, refMakeCouncilEscrow, refMakeReceipt, refParseCouncil, refPrivateIdentityPem,
  refPublicIdentityPem, refShareLabel, refSignObject, refSignedText, refSplit, refUnwrapShare, refWrapShare,
} from './keyward-node.ts';
import { pem, seededEd25519, testIdentity } from './identities.ts';

const ref = {
  owner: testIdentity('owner'), newOwner: testIdentity('new-owner'), m1: testIdentity('authority'), m2: testIdentity('stranger'),
  m3: refIdentityFromKeys(pem('rsa4096.pem'), seededEd25519('keyward test identity member-3')),
};
type Who = keyof typeof ref;
const core = {} as Record<Who, PrivateIdentity>;
const corePub = {} as Record<Who, PublicIdentity>;
beforeAll(async () => {
  for (const who of Object.keys(ref) as Who[]) {
    core[who] = await importPrivateIdentity(refPrivateIdentityPem(ref[who]));
    corePub[who] = await importPublicIdentity(refPublicIdentityPem(ref[who]));
  }
});

async function coreCode(f: () => Promise<unknown>): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (isKeywardError(e)) return e.code;
    throw e;
  }
}
function refCode(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof RefError) return e.code;
    throw e;
  }
}
const u8 = (b: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(b);
const without = (o: object, field: string): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
const board = (k = 2) => refMakeCouncil('Board — 理事会', k, [ref.m1, ref.m2, ref.m3].map((identity, i) => ({ name: `Member ${i + 1}`, identity })));

describe('council descriptor and ID (v2 §8.1), both ways', () => {
  it('core\'s council has the reference\'s ID, and its text is canonical JSON and a newline', async () => {
    const council = await createCouncil({ name: 'Board — 理事会', threshold: 2, members: (['m1', 'm2', 'm3'] as const).map((w, i) => ({ name: `Member ${i + 1}`, identity: corePub[w] })) });
    const text = serializeCouncil(council);
    expect(text).toBe(`${refCanonical(board())}\n`);
    expect(council.id).toBe(refCouncilId(board()));
    expect(refParseCouncil(text).id).toBe(council.id);
    expect(await councilId(board() as Parameters<typeof councilId>[0])).toBe(council.id);
  });

  it('the reference\'s descriptor reads in core with the same ID and members', async () => {
    const council = await parseCouncil(JSON.stringify(board(3), null, 2));
    expect(council.id).toBe(refCouncilId(board(3)));
    expect(council.identities.map((i) => i.id)).toEqual([ref.m1.id, ref.m2.id, ref.m3.id]);
  });

  /** A member entry whose RSA key has 1024 bits (its id right). */
  const weak = () => {
    const rsa = crypto.createPublicKey(pem('weak-1024.pub.pem')).export({ type: 'spki', format: 'der' });
    const ed = crypto.createPublicKey(seededEd25519('weak')).export({ type: 'spki', format: 'der' });
    return { name: 'Weak', id: refIdentityId(rsa, ed), publicKey: b64u(rsa), signingKey: b64u(ed) };
  };
  const member = () => board().members[0]!;
  it.for([
    ['k > n', () => ({ ...board(), threshold: 4 })],
    ['k = 0', () => ({ ...board(), threshold: 0 })],
    ['k a string', () => ({ ...board(), threshold: '2' })],
    ['no member', () => ({ ...board(), threshold: 1, members: [] })],
    ['17 members (distinct IDs: one RSA key, 17 signing keys)', () => ({
      ...board(1),
      members: Array.from({ length: 17 }, (_, i) => {
        const ed = crypto.createPublicKey(seededEd25519(`m${i}`)).export({ type: 'spki', format: 'der' });
        return { name: `${i}`, id: refIdentityId(ref.m2.rsaSpki, ed), publicKey: b64u(ref.m2.rsaSpki), signingKey: b64u(ed) };
      }),
    })],
    ['a member twice', () => ({ ...board(), members: [member(), board().members[1]!, member()] })],
    ['a member id not its keys\'', () => ({ ...board(), members: [{ ...member(), id: ref.m2.id }, ...board().members.slice(1)] })],
    ['a 1024-bit member', () => ({ ...board(1), members: [weak()] })],
    ['a field not defined', () => ({ ...board(), note: '' })],
    ['a member field not defined', () => ({ ...board(), members: [{ ...member(), email: '' }, ...board().members.slice(1)] })],
    ['another format', () => ({ ...board(), format: 'keyward-council/3' })],
  ] as const)('%s: both MALFORMED', async ([, make]) => {
    const text = JSON.stringify(make());
    expect(refCode(() => refParseCouncil(text)), 'reference').toBe('MALFORMED');
    expect(await coreCode(() => parseCouncil(text)), 'core').toBe('MALFORMED');
  });
});

describe('shares (v2 §8.2), both ways', () => {
  it('core splits, the reference combines any k; the reference splits, core combines any k', async () => {
    for (const [n, k] of [[1, 1], [2, 1], [3, 2], [5, 3], [16, 16]] as const) {
      const key = crypto.randomBytes(32);
      const coreShares = (await splitKey(u8(key), n, k)).map((s) => Buffer.from(s));
      expect(refCombine(coreShares.slice(0, k)).equals(key)).toBe(true);
      expect(refCombine(coreShares.slice(n - k)).equals(key)).toBe(true);
      const refShares = refSplit(key, n, k);
      expect(Buffer.from(await combineShares(refShares.slice(n - k).map(u8))).equals(key)).toBe(true);
      expect(Buffer.from(await combineShares(refShares.map(u8))).equals(key)).toBe(true);
    }
  });

  it('both refuse a short share, a point 0 and two shares with one point with ESCROW_INVALID', async () => {
    const [a, b] = refSplit(crypto.randomBytes(32), 3, 2);
    for (const bad of [[a!.subarray(0, 32), b!], [Buffer.concat([a!.subarray(0, 32), Buffer.from([0])]), b!], [a!, Buffer.from(a!)], []]) {
      expect(refCode(() => refCombine(bad))).toBe('ESCROW_INVALID');
      expect(await coreCode(() => combineShares(bad.map(u8)))).toBe('ESCROW_INVALID');
    }
  });

  it('labels agree, and a share wrapped by one unwraps in the other only under its index', async () => {
    for (const i of [1, 9, 16]) expect(Buffer.from(shareLabel(i)).equals(refShareLabel(i))).toBe(true);
    const share = refSplit(crypto.randomBytes(32), 3, 2)[1]!;
    const byCore = await wrapShare(u8(share), 2, corePub.m2.encryption.publicKey);
    expect(refUnwrapShare(Buffer.from(byCore), 2, ref.m2.rsaPrivate).equals(share)).toBe(true);
    expect(refCode(() => refUnwrapShare(Buffer.from(byCore), 3, ref.m2.rsaPrivate))).toBe('UNWRAP_FAILED');
    const byRef = refWrapShare(share, 3, ref.m3.rsa);
    expect(Buffer.from(await unwrapShare(u8(byRef), 3, core.m3.encryption.privateKey)).equals(share)).toBe(true);
    expect(await coreCode(() => unwrapShare(u8(byRef), 2, core.m3.encryption.privateKey))).toBe('UNWRAP_FAILED');
  });
});

describe('council escrow blobs (v2 §8.3), both ways', () => {
  const T = new Date('2026-12-06T09:30:00.000Z');
  const CS = 65536;
  let council: Council;
  beforeAll(async () => {
    council = await parseCouncil(refSignedText(board()));
  });
  /** A file and its council blob written by core (encrypt to a Council). */
  async function coreMade(plain = crypto.randomBytes(5000)) {
    const encrypted = await encryptSource(bytesSource(u8(plain)), {
      meta: { name: 'minutes.txt', type: 'text/plain', size: plain.length, lastModified: 1_764_000_000_000 },
      owner: core.owner.encryption, authority: council, signer: core.owner, chunkSize: CS, ownerName: 'Zoë', description: 'Board minutes', now: T,
    });
    const file = Buffer.from(await collectBytes(encrypted.stream));
    const { escrowBlob } = await encrypted.done;
    if (!('prefix' in escrowBlob)) throw new Error('expected a v2 escrow blob');
    return { plain, file, blob: escrowBlob, text: serializeSigned(escrowBlob) };
  }
  /** The same, written by the reference. */
  function refMade(edit?: Parameters<typeof refMakeCouncilEscrow>[0]['edit'], shares?: Buffer[]) {
    const plain = crypto.randomBytes(5000);
    const made = refEncryptV2({ plaintext: plain, chunkSize: CS, meta: { name: 'm.txt', type: 'text/plain', size: plain.length, lastModified: 0 }, signer: ref.owner });
    const blob = refMakeCouncilEscrow({ file: made.file, fileKey: made.fileKey, owner: ref.owner, ownerName: 'Zoë', council: board(), description: 'x', createdAt: T.toISOString(), edit, shares });
    return { plain, file: made.file, fileKey: made.fileKey, text: refSignedText(blob) };
  }
  const coreBlob = (text: string): EscrowBlobV2 => {
    const o = parseSignedObject(text);
    if (o.kind !== 'escrow-v2') throw new Error(o.kind);
    return o.blob;
  };

  it('core writes: each member\'s reference check passes, any two members together recover the key, and the ceremony decrypts', async () => {
    const made = await coreMade();
    expect(made.blob.authority).toMatchObject({ kind: 'council', id: council.id, threshold: 2 });
    (['m1', 'm2', 'm3'] as const).forEach((m, i) => {
      expect(refCheckEscrowAsMember(made.text, ref[m], { expectOwner: ref.owner.id, expectCouncil: council.id }).index).toBe(i + 1);
    });
    const key = refCheckEscrowWithMembers(made.text, [ref.m1, ref.m3]).fileKey;
    expect(refCheckEscrowWithMembers(made.text, [ref.m1, ref.m2, ref.m3]).fileKey.equals(key)).toBe(true);
    expect(refDecryptWithMembers(made.file, made.text, [ref.m2, ref.m3], { expectSigner: ref.owner.id }).plaintext.equals(made.plain)).toBe(true);
    // A member's receipt, made by core, is one the reference accepts.
    const receipt = await issueReceipt(made.blob, core.m2, { name: 'Member 2', now: T });
    expect(refCheckReceipt(serializeSigned(receipt), JSON.parse(made.text) as Parameters<typeof refCheckReceipt>[1]).authority.id).toBe(ref.m2.id);
  });

  it('the reference writes: core\'s member checks pass, and k members open it in core', async () => {
    const made = refMade();
    for (const [m, i] of [['m1', 1], ['m2', 2], ['m3', 3]] as const) {
      expect((await checkEscrowAsMember(coreBlob(made.text), core[m], { expectOwner: ref.owner.id, expectCouncil: council.id })).index).toBe(i);
    }
    const opened = await openWithMembers(coreBlob(made.text), [core.m3, core.m2]);
    expect(Buffer.from(opened.fileKey).equals(made.fileKey)).toBe(true);
    expect(opened.present).toEqual([2, 3]);
    const receipt = refMakeReceipt({ blob: JSON.parse(made.text) as { fileId: string; serial: string; owner: { id: string } }, authority: ref.m1, authorityName: 'M1', receivedAt: T.toISOString() });
    await expect(verifyReceipt(receiptOf(refSignedText(receipt)), coreBlob(made.text))).resolves.toBeUndefined();
  });
  const receiptOf = (text: string) => {
    const o = parseSignedObject(text);
    if (o.kind !== 'receipt') throw new Error(o.kind);
    return o.receipt;
  };

  /** Changes to a good blob, and the code both give: a member's check (as `checker`) and k members together. */
  const resigned = (edit: (u: Record<string, unknown>) => Record<string, unknown>) => refMade((u) => edit(u));
  const cases: [string, string, string, () => { text: string; checker?: Who; members?: Who[] }][] = [
    ['good', 'ok', 'ok', () => ({ text: refMade().text })],
    ['wrappedKey as well as shares', 'MALFORMED', 'MALFORMED', () => resigned((u) => ({ ...u, wrappedKey: 'AAAA' }))],
    ['two shares for three members', 'MALFORMED', 'MALFORMED', () => resigned((u) => ({ ...u, shares: (u['shares'] as string[]).slice(0, 2) }))],
    ['an empty share', 'MALFORMED', 'MALFORMED', () => resigned((u) => ({ ...u, shares: [...(u['shares'] as string[]).slice(0, 2), ''] }))],
    ['the ID of another council', 'MALFORMED', 'MALFORMED', () => resigned((u) => ({ ...u, authority: { ...(u['authority'] as object), id: refCouncilId(board(3)) } }))],
    ['threshold 4 of 3', 'MALFORMED', 'MALFORMED', () => resigned((u) => ({ ...u, authority: { ...(u['authority'] as object), threshold: 4 } }))],
    ['a member twice', 'MALFORMED', 'MALFORMED', () => resigned((u) => {
      const au = u['authority'] as { name: string; threshold: number; members: object[] };
      const members = [au.members[0]!, au.members[1]!, au.members[0]!];
      const id = refCouncilId({ format: 'keyward-council/2', name: au.name, threshold: au.threshold, members });
      return { ...u, authority: { ...au, members, id } };
    })],
    ['changed after signing', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID', () => ({ text: refMade().text.replace('"description":"x"', '"description":"y"') })],
    ['signed by a member, not the owner', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID', () => {
      const text = refMade().text;
      return { text: refSignedText(refSignObject('keyward/v2 escrow', without(JSON.parse(text) as object, 'signature'), ref.m1.edPrivate)) };
    }],
    ['a checker not in the council', 'NO_MATCHING_KEY', 'NO_MATCHING_KEY', () => ({ text: refMade().text, checker: 'newOwner', members: ['m1', 'newOwner'] })],
    ['one member', 'ok', 'QUORUM_NOT_MET', () => ({ text: refMade().text, members: ['m2'] })],
    ['one member twice', 'ok', 'QUORUM_NOT_MET', () => ({ text: refMade().text, members: ['m2', 'm2'] })],
    ['share 1 under the label of member 2', 'ESCROW_INVALID', 'ESCROW_INVALID', () => {
      const plain = crypto.randomBytes(100);
      const made = refEncryptV2({ plaintext: plain, chunkSize: CS, meta: { name: 'm', type: 't', size: 100, lastModified: 0 }, signer: ref.owner });
      return { text: refSignedText(refMakeCouncilEscrow({
        file: made.file, fileKey: made.fileKey, owner: ref.owner, ownerName: 'Z', council: board(), description: '', createdAt: T.toISOString(),
        wrapShare: (share, index, rsa) => refWrapShare(share, index === 1 ? 2 : index, rsa),
      })) };
    }],
    ['random shares (an evading owner)', 'ok', 'ESCROW_INVALID', () => ({ text: refMade(undefined, [1, 2, 3].map((x) => Buffer.concat([crypto.randomBytes(32), Buffer.from([x])]))).text })],
    ['one share of 32 bytes', 'ESCROW_INVALID', 'ESCROW_INVALID', () => {
      const shares = refSplit(crypto.randomBytes(32), 3, 2);
      return { text: refMade(undefined, [shares[0]!.subarray(0, 32), shares[1]!, shares[2]!]).text };
    }],
  ];
  it.for(cases)('%s: a member\'s check gives %s and k members %s, in core and in the reference', async ([, memberCode, quorumCode, make]) => {
    const c = make();
    const checker = c.checker ?? 'm1';
    const members = c.members ?? ['m1', 'm2', 'm3'];
    expect(refCode(() => refCheckEscrowAsMember(c.text, ref[checker])), 'reference, one member').toBe(memberCode);
    expect(await coreCode(async () => checkEscrowAsMember(coreBlob(c.text), core[checker])), 'core, one member').toBe(memberCode);
    expect(refCode(() => refCheckEscrowWithMembers(c.text, members.map((m) => ref[m]))), 'reference, k members').toBe(quorumCode);
    expect(await coreCode(async () => openWithMembers(coreBlob(c.text), members.map((m) => core[m]))), 'core, k members').toBe(quorumCode);
  });
});

describe('partial recovery blobs and the ceremony (v2 §8.4), both ways', () => {
  const T = new Date('2026-12-06T09:45:00.000Z');
  const CS = 65536;
  let council: Council;
  let made: { plain: Buffer; file: Buffer; blob: EscrowBlobV2; text: string };
  beforeAll(async () => {
    council = await parseCouncil(refSignedText(board()));
    const plain = crypto.randomBytes(CS + 3000);
    const encrypted = await encryptSource(bytesSource(u8(plain)), {
      meta: { name: 'minutes.txt', type: 'text/plain', size: plain.length, lastModified: 1_764_000_000_000 },
      owner: core.owner.encryption, authority: council, signer: core.owner, chunkSize: CS, ownerName: 'Zoë', description: 'Board minutes', now: T,
    });
    const file = Buffer.from(await collectBytes(encrypted.stream));
    const { escrowBlob } = await encrypted.done;
    if (!('prefix' in escrowBlob)) throw new Error('expected a v2 escrow blob');
    made = { plain, file, blob: escrowBlob, text: serializeSigned(escrowBlob) };
  });
  const corePartial = async (m: Who) => serializeSigned(await issuePartialRecovery(made.blob, core[m], { newOwner: corePub.newOwner, now: T }));
  const refPartial = (m: Who, o: Partial<Parameters<typeof refMakePartial>[0]> = {}) =>
    refSignedText(refMakePartial({ escrow: made.text, member: ref[m], memberName: m, newOwner: ref.newOwner, newOwnerName: 'Zoë (new laptop)', createdAt: T.toISOString(), ...o }));
  const partialOf = (text: string): PartialRecoveryBlob => {
    const o = parseSignedObject(text);
    if (o.kind !== 'partial') throw new Error(o.kind);
    return o.blob;
  };
  const coreOpen = (texts: string[], o: { key?: Who; councils?: Council[]; file?: Buffer } = {}) => async () => {
    const unlock: Unlock = { partials: texts.map(partialOf), key: core[o.key ?? 'newOwner'].encryption, councils: o.councils ?? [council] };
    return collectBytes((await openSource(bytesSource(u8(o.file ?? made.file)), unlock)).plaintext);
  };
  const refOpen = (texts: string[], o: { key?: Who; councils?: Council[]; file?: Buffer } = {}) =>
    refDecryptWithPartials(o.file ?? made.file, texts, ref[o.key ?? 'newOwner'].rsaPrivatePem, { councils: (o.councils ?? [council]).map((c) => refParseCouncil(serializeCouncil(c))) });

  it('core\'s partials open the file in the reference; the reference\'s in core; mixed, too', async () => {
    const [c1, c3] = [await corePartial('m1'), await corePartial('m3')];
    expect(refParseSignedObject(c1)).toBe('partial');
    expect(refOpen([c1, c3]).plaintext.equals(made.plain)).toBe(true);
    const [r2, r3] = [refPartial('m2'), refPartial('m3')];
    expect(Buffer.from(await coreOpen([r2, r3])()).equals(made.plain)).toBe(true);
    expect(Buffer.from(await coreOpen([c1, r2])()).equals(made.plain)).toBe(true);
    expect(refOpen([r3, c1]).plaintext.equals(made.plain)).toBe(true);
  });

  it('the ceremony: k member keys decrypt in core a blob the reference checks, and in the reference a blob core wrote', async () => {
    const unlock: Unlock = { escrow: made.blob, members: [core.m2, core.m1] };
    expect(Buffer.from(await collectBytes((await openSource(bytesSource(u8(made.file)), unlock)).plaintext)).equals(made.plain)).toBe(true);
    expect(refDecryptWithMembers(made.file, made.text, [ref.m3, ref.m1]).plaintext.equals(made.plain)).toBe(true);
  });

  /** A partial changed, then signed again by `by`: one its signer really made. */
  const resignPartial = (text: string, edit: (u: Record<string, unknown>) => Record<string, unknown>, by: Who) =>
    refSignedText(refSignObject('keyward/v2 partial', edit(without(JSON.parse(text) as object, 'signature')), ref[by].edPrivate));
  const cases: [string, string, () => { texts: string[]; key?: Who; pinned?: 'none' | 'both'; pair?: object; file?: 'other' }][] = [
    ['two members', 'ok', () => ({ texts: [refPartial('m1'), refPartial('m2')] })],
    ['a field not defined', 'MALFORMED', () => ({ texts: [refPartial('m1'), resignPartial(refPartial('m2'), (u) => ({ ...u, note: '' }), 'm2')] })],
    ['index 0', 'MALFORMED', () => ({ texts: [refPartial('m1'), resignPartial(refPartial('m2'), (u) => ({ ...u, issuer: { ...(u['issuer'] as object), index: 0 } }), 'm2')] })],
    ['issuer.id not its keys\'', 'MALFORMED', () => ({ texts: [refPartial('m1'), resignPartial(refPartial('m2'), (u) => ({ ...u, issuer: { ...(u['issuer'] as object), id: ref.m1.id } }), 'm2')] })],
    ['changed after signing', 'SIGNATURE_INVALID', () => ({ texts: [refPartial('m1'), refPartial('m2').replace('"createdAt":"2026', '"createdAt":"2027')] })],
    ['signed as a recovery blob (§6 context)', 'SIGNATURE_INVALID', () => ({
      texts: [refPartial('m1'), refSignedText(refSignObject('keyward/v2 recovery', without(JSON.parse(refPartial('m2')) as object, 'signature'), ref.m2.edPrivate))],
    })],
    ['from a non-member, as member 2', 'SIGNER_UNTRUSTED', () => ({
      texts: [refPartial('m1'), resignPartial(refPartial('m2'), (u) => ({ ...u, issuer: { ...(u['issuer'] as object), id: ref.owner.id, publicKey: b64u(ref.owner.rsaSpki), signingKey: b64u(ref.owner.edSpki) } }), 'owner')],
    })],
    ['member 2 claiming index 3', 'SIGNER_UNTRUSTED', () => ({ texts: [refPartial('m1'), resignPartial(refPartial('m2'), (u) => ({ ...u, issuer: { ...(u['issuer'] as object), index: 3 } }), 'm2')] })],
    ['no council pinned', 'SIGNER_UNTRUSTED', () => ({ texts: [refPartial('m1'), refPartial('m2')], pinned: 'none' })],
    ['members of two pinned councils', 'BLOB_MISMATCH', () => {
      const pair = refMakeCouncil('Pair', 2, [ref.m1, ref.m2].map((identity, i) => ({ name: `P${i + 1}`, identity })));
      const blob = refSignedText(refMakeCouncilEscrow({
        file: made.file, fileKey: refCheckEscrowWithMembers(made.text, [ref.m1, ref.m2]).fileKey, owner: ref.owner, ownerName: 'Zoë', council: pair,
        description: '', createdAt: T.toISOString(),
      }));
      return { texts: [refPartial('m1'), refPartial('m2', { escrow: blob })], pinned: 'both', pair };
    }],
    ['for the owner\'s old key', 'NO_MATCHING_KEY', () => ({ texts: [refPartial('m1'), refPartial('m2')], key: 'owner' })],
    ['another file', 'BLOB_MISMATCH', () => ({ texts: [refPartial('m1'), refPartial('m2')], file: 'other' })],
    ['one partial', 'QUORUM_NOT_MET', () => ({ texts: [refPartial('m1')] })],
    ['one member twice', 'QUORUM_NOT_MET', () => ({ texts: [refPartial('m3'), refPartial('m3')] })],
    ['a share wrapped under another label', 'UNWRAP_FAILED', () => ({
      texts: [refPartial('m1'), resignPartial(refPartial('m2'), (u) => ({ ...u, wrappedShare: b64u(refWrapShare(refSplit(crypto.randomBytes(32), 3, 2)[0]!, 1, ref.newOwner.rsa)) }), 'm2')],
    })],
    ['a random share with the right point', 'ESCROW_INVALID', () => {
      const good = refCheckEscrowAsMember(made.text, ref.m2).share;
      return { texts: [refPartial('m1'), refPartial('m2', { share: Buffer.concat([crypto.randomBytes(32), good.subarray(32)]) })] };
    }],
    ['two members\' shares with one point', 'ESCROW_INVALID', () => {
      const one = refCheckEscrowAsMember(made.text, ref.m1).share;
      return { texts: [refPartial('m1'), refPartial('m2', { share: Buffer.concat([crypto.randomBytes(32), one.subarray(32)]) })] };
    }],
  ];
  it.for(cases)('%s: both give %s', async ([, expected, make]) => {
    const c = make();
    const other = c.file === 'other' ? refEncryptV2({ plaintext: Buffer.alloc(10), chunkSize: CS, meta: { name: 'o', type: 't', size: 10, lastModified: 0 }, signer: ref.owner }).file : undefined;
    const councils = c.pinned === 'none' ? [] : c.pinned === 'both' ? [council, await parseCouncil(refSignedText(c.pair!))] : [council];
    const o = { ...(c.key ? { key: c.key } : {}), councils, ...(other ? { file: other } : {}) };
    expect(refCode(() => refOpen(c.texts, o)), 'reference').toBe(expected);
    expect(await coreCode(coreOpen(c.texts, o)), 'core').toBe(expected);
  });
});
