// The councils half of the reference (docs/keyward-v2.md §8) against itself,
// hand-built bytes and the audited shamir-secret-sharing package (used here
// only, to check the reference's GF(2^8) against it; the reference does not
// import it): descriptor and ID, shares, the member's and the k-member
// checks, partials, the ceremony and the drill report.
import * as crypto from 'node:crypto';
import { combine, split } from 'shamir-secret-sharing';
import { describe, expect, it } from 'vitest';
import {
  RefError, b64u, refCanonical, refCheckEscrow, refCheckEscrowAsMember, refCheckEscrowWithMembers, refCheckReceipt, refCombine, refCouncilId,
  refDecryptWithMembers, refDecryptWithPartials, refDecryptWithRecoveryV2, refDrillPassed, refEncryptV2, refIdentityFromKeys, refIdentityId, refMakeCouncil,
  refMakeCouncilEscrow, refMakePartial, refMakeReceipt, refParseCouncil, refParseSignedObject, refRunDrill, refShareLabel, refSignObject,
  refSignedText, refSplit, refUnwrapShare, refVerifyDrill, refWrapShare,
} from './keyward-node.ts';
import type { RefCouncilDescriptor, RefCouncilEscrow, RefErrorCode, RefPartial, RefPrivateIdentity } from './keyward-node.ts';
import { pem, seededEd25519, testIdentity } from './identities.ts';

const CS = 65536;
const owner = testIdentity('owner');
const newOwner = testIdentity('new-owner');
const m1 = testIdentity('authority');
const m2 = testIdentity('stranger');
const m3 = refIdentityFromKeys(pem('rsa4096.pem'), seededEd25519('keyward test identity member-3'));
const T = '2026-12-06T09:30:00.000Z';

function code(f: () => unknown): RefErrorCode {
  try {
    f();
  } catch (e) {
    if (e instanceof RefError) return e.code;
    throw e;
  }
  throw new Error('expected a RefError');
}
const without = (o: object, field: string): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
const board = (k = 2, members: RefPrivateIdentity[] = [m1, m2, m3]): RefCouncilDescriptor =>
  refMakeCouncil('Board', k, members.map((identity, i) => ({ name: `Member ${i + 1}`, identity })));
const meta = (size: number) => ({ name: 'f.bin', type: 'application/octet-stream', size, lastModified: 1764331200000 });
function signed(size = 3000) {
  const plaintext = crypto.randomBytes(size);
  return { plaintext, ...refEncryptV2({ plaintext, chunkSize: CS, meta: meta(size), signer: owner }) };
}
type Made = ReturnType<typeof signed>;
/** A member entry whose RSA key has 1024 bits (its id right). */
function weakMember() {
  const rsa = crypto.createPublicKey(pem('weak-1024.pub.pem')).export({ type: 'spki', format: 'der' });
  const ed = crypto.createPublicKey(seededEd25519('weak')).export({ type: 'spki', format: 'der' });
  return { name: 'Weak', id: refIdentityId(rsa, ed), publicKey: b64u(rsa), signingKey: b64u(ed) };
}
function escrowFor(made: Made, extra: Partial<Parameters<typeof refMakeCouncilEscrow>[0]> = {}): RefCouncilEscrow {
  return refMakeCouncilEscrow({ file: made.file, fileKey: made.fileKey, owner, ownerName: 'Zoë', council: board(), description: 'Q4', createdAt: T, ...extra });
}
const partialOf = (blob: object, member: RefPrivateIdentity, extra: Partial<Parameters<typeof refMakePartial>[0]> = {}): RefPartial =>
  refMakePartial({ escrow: blob, member, memberName: 'M', newOwner, newOwnerName: 'Zoë (new laptop)', createdAt: T, ...extra });
const resign = (context: 'keyward/v2 escrow' | 'keyward/v2 partial', o: object, by: RefPrivateIdentity) =>
  refSignObject(context, without(o, 'signature'), by.edPrivate);

describe('v2 §8.2 shares over GF(2^8)', () => {
  it('any k of n shares combine to the secret; k - 1 do not', () => {
    const key = crypto.randomBytes(32);
    for (const [n, k] of [[1, 1], [3, 1], [3, 2], [3, 3], [5, 3], [16, 16]] as const) {
      const shares = refSplit(key, n, k);
      expect(shares.every((s) => s.length === 33 && s[32] !== 0)).toBe(true);
      expect(new Set(shares.map((s) => s[32])).size).toBe(n);
      expect(refCombine(shares.slice(0, k)).equals(key)).toBe(true);
      expect(refCombine(shares.slice(n - k)).equals(key)).toBe(true);
      expect(refCombine(shares).equals(key)).toBe(true);
      if (k > 1) expect(refCombine(shares.slice(0, k - 1)).equals(key)).toBe(false);
    }
  });

  it('agrees with the audited package both ways (its layout: y_1 .. y_32 || x)', async () => {
    for (const [n, k] of [[2, 2], [3, 2], [5, 3], [16, 9]] as const) {
      const key = crypto.randomBytes(32);
      const theirs = (await split(new Uint8Array(key), n, k)).map((s) => Buffer.from(s));
      expect(refCombine(theirs.slice(n - k)).equals(key)).toBe(true);
      const ours = refSplit(key, n, k);
      expect(Buffer.from(await combine(ours.slice(0, k).map((s) => new Uint8Array(s)))).equals(key)).toBe(true);
    }
  });

  it('a share of 32 bytes, a point 0, or two shares with one point cannot be combined', () => {
    const shares = refSplit(crypto.randomBytes(32), 3, 2);
    expect(code(() => refCombine([shares[0]!.subarray(0, 32), shares[1]!]))).toBe('ESCROW_INVALID');
    expect(code(() => refCombine([Buffer.concat([shares[0]!.subarray(0, 32), Buffer.from([0])]), shares[1]!]))).toBe('ESCROW_INVALID');
    expect(code(() => refCombine([shares[0]!, Buffer.from(shares[0]!)]))).toBe('ESCROW_INVALID');
    expect(code(() => refCombine([]))).toBe('ESCROW_INVALID');
  });

  it('share i is wrapped under its own label, which the spec gives in hex for member 1', () => {
    expect(refShareLabel(1).toString('hex')).toBe('6b6579776172642f76322073686172652031');
    expect(refShareLabel(12).toString()).toBe('keyward/v2 share 12');
    const share = refSplit(crypto.randomBytes(32), 3, 2)[0]!;
    const wrapped = refWrapShare(share, 2, m1.rsa);
    expect(refUnwrapShare(wrapped, 2, m1.rsaPrivate).equals(share)).toBe(true);
    expect(code(() => refUnwrapShare(wrapped, 1, m1.rsaPrivate))).toBe('UNWRAP_FAILED');
  });
});

describe('v2 §8.1 council descriptor and ID', () => {
  it('the ID is SHA-256 of "keyward/v2 council", a zero byte and the canonical descriptor; the text round-trips', () => {
    const d = board();
    const text = `${refCanonical(d)}\n`;
    const id = `SHA256:${crypto.createHash('sha256').update(Buffer.concat([Buffer.from('keyward/v2 council\0'), Buffer.from(text.slice(0, -1))])).digest('hex')}`;
    expect(refCouncilId(d)).toBe(id);
    const council = refParseCouncil(JSON.stringify(d, null, 2));
    expect(council.id).toBe(id);
    expect(council.members.map((m) => m.id)).toEqual([m1.id, m2.id, m3.id]);
    expect(refCouncilId(board(3))).not.toBe(id);
    expect(refCouncilId({ ...d, name: 'Board ' })).not.toBe(id);
    expect(refCouncilId(board(2, [m2, m1, m3]))).not.toBe(id); // the order is part of the council
  });

  it.for([
    ['k > n', { ...board(), threshold: 4 }],
    ['k = 0', { ...board(), threshold: 0 }],
    ['no member', { ...board(), threshold: 1, members: [] }],
    ['17 members', { ...board(1), members: Array.from({ length: 17 }, (_, i) => ({ ...board().members[0]!, name: `${i}` })) }],
    ['a member twice', board(2, [m1, m2, m1])],
    ['one RSA key under two identities', refMakeCouncil('Shared', 2, [
      { name: 'a', identity: refIdentityFromKeys(pem('new-owner.pem'), seededEd25519('shared a')) },
      { name: 'b', identity: refIdentityFromKeys(pem('new-owner.pem'), seededEd25519('shared b')) },
    ])],
    ['one signing key under two identities', refMakeCouncil('Shared', 2, [
      { name: 'a', identity: refIdentityFromKeys(pem('new-owner.pem'), seededEd25519('shared a')) },
      { name: 'b', identity: refIdentityFromKeys(pem('stranger.pem'), seededEd25519('shared a')) },
    ])],
    ['a member id not the ID of its keys', { ...board(), members: [{ ...board().members[0]!, id: m2.id }, ...board().members.slice(1)] }],
    ['a 1024-bit member', { ...board(1), members: [weakMember()] }],
    ['a field not defined', { ...board(), note: 'x' }],
    ['another format', { ...board(), format: 'keyward-council/1' }],
  ] as const)('%s is MALFORMED', ([, d]) => {
    expect(code(() => refParseCouncil(JSON.stringify(d)))).toBe('MALFORMED');
  });

  it('16 members and k = n = 1 are councils', () => {
    // Sixteen distinct RSA keys: §8.1 refuses one RSA key under two identities.
    const rsaPem = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const many = Array.from({ length: 16 }, (_, i) => ({ name: `${i}`, identity: refIdentityFromKeys(rsaPem(), seededEd25519(`m${i}`)) }));
    expect(refParseCouncil(refMakeCouncil('Many', 16, many)).members).toHaveLength(16);
    expect(refParseCouncil(board(1, [m1])).threshold).toBe(1);
  });
});

describe('v2 §8.3 a member\'s check at intake', () => {
  const made = signed();
  const blob = escrowFor(made);

  it('passes for each member, naming its index; k > 1 proves the share only', () => {
    const council = refParseCouncil(board());
    [m1, m2, m3].forEach((m, i) => {
      const checked = refCheckEscrowAsMember(refSignedText(blob), m, { expectOwner: owner.id, expectCouncil: council.id });
      expect(checked.index).toBe(i + 1);
      expect(checked.fileKey).toBeUndefined();
    });
    expect(refParseSignedObject(refSignedText(blob))).toBe('escrow-v2');
  });

  it('k = 1: the share alone is the key and must open the header', () => {
    const one = escrowFor(made, { council: board(1) });
    expect(refCheckEscrowAsMember(one, m2).fileKey?.equals(made.fileKey)).toBe(true);
    const evading = escrowFor(made, { council: board(1), fileKey: crypto.randomBytes(32) });
    expect(code(() => refCheckEscrowAsMember(evading, m2))).toBe('ESCROW_INVALID');
  });

  it('refuses in the spec\'s order', () => {
    expect(code(() => refCheckEscrowAsMember({ ...blob, wrappedKey: 'AAAA' }, m1))).toBe('MALFORMED');
    expect(code(() => refCheckEscrowAsMember(without(blob, 'shares'), m1))).toBe('MALFORMED');
    expect(code(() => refCheckEscrowAsMember(resign('keyward/v2 escrow', { ...blob, shares: blob.shares.slice(0, 2) }, owner), m1))).toBe('MALFORMED');
    expect(code(() => refCheckEscrowAsMember(resign('keyward/v2 escrow', { ...blob, shares: [...blob.shares.slice(0, 2), ''] }, owner), m1))).toBe('MALFORMED');
    const otherId = refCouncilId(board(3));
    expect(code(() => refCheckEscrowAsMember(resign('keyward/v2 escrow', { ...blob, authority: { ...blob.authority, id: otherId } }, owner), m1))).toBe('MALFORMED');
    expect(code(() => refCheckEscrowAsMember(resign('keyward/v2 escrow', { ...blob, authority: { ...blob.authority, threshold: 4 } }, owner), m1))).toBe('MALFORMED');
    expect(code(() => refCheckEscrowAsMember({ ...blob, description: 'Q3' }, m1))).toBe('SIGNATURE_INVALID');
    expect(code(() => refCheckEscrowAsMember(blob, m1, { expectOwner: m2.id }))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => refCheckEscrowAsMember(blob, m1, { expectCouncil: refCouncilId(board(3)) }))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => refCheckEscrowAsMember(blob, owner))).toBe('NO_MATCHING_KEY');
    expect(code(() => refCheckEscrow(blob, m1))).toBe('NO_MATCHING_KEY'); // not an identity's blob
    // A share wrapped under another member's label does not unwrap for its member.
    const relabelled = escrowFor(made, { wrapShare: (s, i, rsa) => refWrapShare(s, i === 2 ? 1 : i, rsa) });
    expect(refCheckEscrowAsMember(relabelled, m1).index).toBe(1);
    expect(code(() => refCheckEscrowAsMember(relabelled, m2))).toBe('ESCROW_INVALID');
    const point0 = escrowFor(made, { shares: [Buffer.alloc(33, 1), Buffer.alloc(33), Buffer.alloc(33, 3)] });
    expect(code(() => refCheckEscrowAsMember(point0, m2))).toBe('ESCROW_INVALID');
    const short = escrowFor(made, { shares: [Buffer.alloc(33, 1), Buffer.alloc(32, 2), Buffer.alloc(33, 3)] });
    expect(code(() => refCheckEscrowAsMember(short, m2))).toBe('ESCROW_INVALID');
  });

  it('receipts: from any member of the blob\'s council, not from anyone else', () => {
    const receipt = refMakeReceipt({ blob, authority: m3, authorityName: 'Member 3', receivedAt: T });
    expect(refCheckReceipt(refSignedText(receipt), blob).authority.id).toBe(m3.id);
    const stray = refMakeReceipt({ blob, authority: newOwner, authorityName: 'Nobody', receivedAt: T });
    expect(code(() => refCheckReceipt(stray, blob))).toBe('SIGNER_UNTRUSTED');
  });
});

describe('v2 §8.3 with k or more member keys together', () => {
  const made = signed();
  const blob = escrowFor(made);

  it('any two or all three members recover the key', () => {
    for (const keys of [[m1, m2], [m2, m3], [m3, m1], [m1, m2, m3], [m2, m2, m3]]) {
      expect(refCheckEscrowWithMembers(blob, keys).fileKey.equals(made.fileKey)).toBe(true);
    }
  });

  it('one member, or one member twice, is QUORUM_NOT_MET; a non-member is NO_MATCHING_KEY', () => {
    expect(code(() => refCheckEscrowWithMembers(blob, [m1]))).toBe('QUORUM_NOT_MET');
    expect(code(() => refCheckEscrowWithMembers(blob, [m1, m1]))).toBe('QUORUM_NOT_MET');
    expect(code(() => refCheckEscrowWithMembers(blob, [m1, m2, owner]))).toBe('NO_MATCHING_KEY');
  });

  it('an evading blob (random shares) passes each member alone and fails the k-member check', () => {
    const evading = escrowFor(made, { shares: [1, 2, 3].map((x) => Buffer.concat([crypto.randomBytes(32), Buffer.from([x])])) });
    for (const m of [m1, m2, m3]) expect(refCheckEscrowAsMember(evading, m).index).toBeGreaterThan(0);
    expect(code(() => refCheckEscrowWithMembers(evading, [m1, m2]))).toBe('ESCROW_INVALID');
  });

  it('one bad share among three: each pair with it fails, so all three together fail', () => {
    const shares = refSplit(made.fileKey, 3, 2);
    const bad = escrowFor(made, { shares: [shares[0]!, shares[1]!, Buffer.concat([crypto.randomBytes(32), shares[2]!.subarray(32)])] });
    expect(refCheckEscrowWithMembers(bad, [m1, m2]).fileKey.equals(made.fileKey)).toBe(true);
    expect(code(() => refCheckEscrowWithMembers(bad, [m1, m2, m3]))).toBe('ESCROW_INVALID');
  });

  it('the ceremony decrypts the file, and refuses another file', () => {
    const opened = refDecryptWithMembers(made.file, blob, [m3, m1], { expectSigner: owner.id });
    expect(opened.plaintext.equals(made.plaintext)).toBe(true);
    expect(code(() => refDecryptWithMembers(signed().file, blob, [m3, m1]))).toBe('BLOB_MISMATCH');
  });
});

describe('v2 §8.4 opening a file with partials', () => {
  const made = signed();
  const blob = escrowFor(made);
  const council = refParseCouncil(board());
  const [p1, p2, p3] = [m1, m2, m3].map((m) => partialOf(blob, m));
  const open = (partials: unknown[], o: { councils?: typeof council[]; reader?: RefPrivateIdentity; file?: Buffer } = {}) =>
    refDecryptWithPartials(o.file ?? made.file, partials, (o.reader ?? newOwner).rsaPrivatePem, { councils: o.councils ?? [council] });

  it('any two distinct members\' partials open the file, in any order; all three too', () => {
    for (const ps of [[p1, p2], [p3, p1], [p2, p3], [p1, p2, p3], [p1, p1, p2]]) expect(open(ps.map((p) => refSignedText(p!))).plaintext.equals(made.plaintext)).toBe(true);
    expect(refParseSignedObject(refSignedText(p1!))).toBe('partial');
  });

  it('refuses as the steps say', () => {
    expect(code(() => open([p1, { ...p2, note: 'x' }]))).toBe('MALFORMED');
    expect(code(() => open([p1, resign('keyward/v2 partial', { ...p2, issuer: { ...p2!.issuer, id: m1.id } }, m2)]))).toBe('MALFORMED');
    expect(code(() => open([p1, { ...p2, createdAt: '2027-01-01T00:00:00.000Z' }]))).toBe('SIGNATURE_INVALID');
    // Signed as a §6 recovery blob: the context differs.
    expect(code(() => open([p1, refSignObject('keyward/v2 recovery', without(p2!, 'signature'), m2.edPrivate)]))).toBe('SIGNATURE_INVALID');
    const byOwner = resign('keyward/v2 partial', { ...p2, issuer: { ...p2!.issuer, id: owner.id, publicKey: b64u(owner.rsaSpki), signingKey: b64u(owner.edSpki) } }, owner);
    expect(code(() => open([p1, byOwner]))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => open([p1, resign('keyward/v2 partial', { ...p2, issuer: { ...p2!.issuer, index: 3 } }, m2)]))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => open([p1, p2], { councils: [] }))).toBe('SIGNER_UNTRUSTED');
    const other = refParseCouncil(board(2, [m1, m2]));
    const otherBlob = escrowFor(made, { council: board(2, [m1, m2]) });
    expect(code(() => open([p1, partialOf(otherBlob, m2)], { councils: [council, other] }))).toBe('BLOB_MISMATCH');
    expect(open([partialOf(otherBlob, m1), partialOf(otherBlob, m2)], { councils: [council, other] }).plaintext.equals(made.plaintext)).toBe(true);
    expect(code(() => open([p1, p2], { reader: owner }))).toBe('NO_MATCHING_KEY');
    const otherFile = signed();
    expect(code(() => open([p1, p2], { file: otherFile.file }))).toBe('BLOB_MISMATCH');
    expect(code(() => open([p1]))).toBe('QUORUM_NOT_MET');
    expect(code(() => open([p2, p2]))).toBe('QUORUM_NOT_MET');
    expect(code(() => open([]))).toBe('QUORUM_NOT_MET');
    // Step 7.
    const wrongLabel = resign('keyward/v2 partial', { ...p2, wrappedShare: b64u(refWrapShare(Buffer.alloc(33, 7), 1, newOwner.rsa)) }, m2);
    expect(code(() => open([p1, wrongLabel]))).toBe('UNWRAP_FAILED');
    const badShare = partialOf(blob, m2, { share: Buffer.concat([crypto.randomBytes(32), Buffer.from([200])]) });
    expect(code(() => open([p1, badShare]))).toBe('ESCROW_INVALID');
    const samePoint = partialOf(blob, m2, { share: Buffer.concat([crypto.randomBytes(32), refUnwrapShare(Buffer.from(p1!.wrappedShare, 'base64url'), 1, newOwner.rsaPrivate).subarray(32)]) });
    expect(code(() => open([p1, samePoint]))).toBe('ESCROW_INVALID');
  });

  it('a partial is not a §6 recovery blob', () => {
    expect(code(() => refDecryptWithRecoveryV2(made.file, p1, newOwner.rsaPrivatePem, { pinned: [m1.id] }))).toBe('MALFORMED');
  });
});

describe('v2 §8.5 drill report', () => {
  const made = signed();
  const good = Buffer.from(refSignedText(escrowFor(made)));
  const council = refParseCouncil(board());
  const evading = Buffer.from(refSignedText(escrowFor(made, { fileKey: crypto.randomBytes(32) })));

  it('passes on good blobs, names each blob\'s result and is signed by every member present', () => {
    const report = refRunDrill({ council, members: [m3, m1], blobs: [good, evading, Buffer.from('{')], createdAt: T });
    expect(report.members).toEqual([{ index: 1, id: m1.id }, { index: 3, id: m3.id }]);
    expect(report.results.map((r) => r.result)).toEqual(['GOOD', 'ESCROW_INVALID', 'MALFORMED']);
    expect(report.results[0]!.blob).toBe(b64u(crypto.createHash('sha256').update(good).digest()));
    expect(report.results[2]).toMatchObject({ fileId: '', serial: '' });
    expect(refDrillPassed(report)).toBe(false);
    expect(refVerifyDrill(refSignedText(report), council).signatures).toHaveLength(2);
    expect(refParseSignedObject(refSignedText(report))).toBe('drill');
    expect(refDrillPassed(refRunDrill({ council, members: [m1, m2], blobs: [good], createdAt: T }))).toBe(true);
  });

  it('is run by k members of the council only', () => {
    expect(code(() => refRunDrill({ council, members: [m1], blobs: [good], createdAt: T }))).toBe('QUORUM_NOT_MET');
    expect(code(() => refRunDrill({ council, members: [m1, m2, owner], blobs: [good], createdAt: T }))).toBe('NO_MATCHING_KEY');
  });

  it('a report is refused as the spec says', () => {
    const report = refRunDrill({ council, members: [m1, m2], blobs: [good], createdAt: T });
    const verify = (r: object, c = council) => code(() => refVerifyDrill(JSON.stringify(r), c));
    expect(verify({ ...report, note: 'x' })).toBe('MALFORMED');
    expect(verify(report, refParseCouncil(board(3)))).toBe('SIGNER_UNTRUSTED');
    const sign = (fields: object, by: RefPrivateIdentity[]) => {
      const body = Buffer.from(refCanonical(fields), 'utf8');
      return { ...fields, signatures: by.map((m) => ({ id: m.id, signature: b64u(crypto.sign(null, Buffer.concat([Buffer.from('keyward/v2 drill\0'), body]), m.edPrivate)) })) };
    };
    const fields = without(report, 'signatures');
    expect(verify(sign({ ...fields, members: [{ index: 1, id: m1.id }, { index: 3, id: m2.id }] }, [m1, m2]))).toBe('SIGNER_UNTRUSTED');
    // Out of order, or an index twice, is the report's form (MALFORMED); a council's name or threshold not the descriptor's is another council.
    expect(verify(sign({ ...fields, members: [{ index: 1, id: m1.id }, { index: 1, id: m1.id }] }, [m1, m1]))).toBe('MALFORMED');
    expect(verify(sign({ ...fields, members: [{ index: 2, id: m2.id }, { index: 1, id: m1.id }] }, [m2, m1]))).toBe('MALFORMED');
    expect(verify(sign({ ...fields, council: { ...report.council, name: 'Another board' } }, [m1, m2]))).toBe('SIGNER_UNTRUSTED');
    expect(verify(sign({ ...fields, council: { ...report.council, threshold: 1 } }, [m1, m2]))).toBe('SIGNER_UNTRUSTED');
    expect(verify(sign({ ...fields, members: [{ index: 2, id: m2.id }] }, [m2]))).toBe('QUORUM_NOT_MET');
    expect(verify({ ...report, results: [{ ...report.results[0]!, result: 'SIGNATURE_INVALID' }] })).toBe('SIGNATURE_INVALID');
    expect(verify({ ...report, signatures: report.signatures.slice(0, 1) })).toBe('SIGNATURE_INVALID');
    expect(verify({ ...report, signatures: [...report.signatures].reverse() })).toBe('SIGNATURE_INVALID');
  });
});
