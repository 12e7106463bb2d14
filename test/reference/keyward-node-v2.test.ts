// The v2 half of the reference (docs/keyward-v2.md) against itself and against
// hand-built bytes: identities, signed files, escrow checks 1-8 in order,
// receipts and signed recovery.
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ESCROW_FORMAT, MAGIC, MAGIC2, deriveKeys, encryptPayload, RECOVERY_FORMAT, RefError, b64u, refCanonical, refCheckEscrow, refCheckReceipt, refDecrypt,
  refDecryptWithRecoveryV2, refEncrypt, refEncryptV2, refEscrowDigest, refIdentityId, refMakeEscrowBlob,
  refMakeEscrowV2, refMakeReceipt, refMakeRecoveryV2, refParseFile, refParsePrivateIdentity, refParsePublicIdentity,
  refParseStrictJson, refPayloadDigest, refPrivateIdentityPem, refPublicIdentityPem, refResign, refSignObject, refSignedText,
  refVerify, u32be,
} from './keyward-node.ts';
import type { RefErrorCode, RefEscrowV2, RefPrivateIdentity } from './keyward-node.ts';
import { pem, testIdentity } from './identities.ts';

const CS = 65536;
const owner = testIdentity('owner');
const authority = testIdentity('authority');
const newOwner = testIdentity('new-owner');
const stranger = testIdentity('stranger');
const T = '2026-12-06T06:30:00.000Z';

function code(f: () => unknown): RefErrorCode {
  try {
    f();
  } catch (e) {
    if (e instanceof RefError) return e.code;
    throw e;
  }
  throw new Error('expected a RefError');
}
const meta = (size: number) => ({ name: 'f.bin', type: 'application/octet-stream', size, lastModified: 1764331200000 });
function signed(size: number, signer: RefPrivateIdentity = owner, extra: Partial<Parameters<typeof refEncryptV2>[0]> = {}) {
  const plaintext = crypto.randomBytes(size);
  return { plaintext, ...refEncryptV2({ plaintext, chunkSize: CS, meta: meta(size), signer, ...extra }) };
}
function escrowFor(made: ReturnType<typeof signed>, extra: Partial<Parameters<typeof refMakeEscrowV2>[0]> = {}): RefEscrowV2 {
  return refMakeEscrowV2({
    file: made.file, fileKey: made.fileKey, owner, ownerName: 'Zoë', authority, authorityName: 'Backup Desk', description: 'Clé — 备份 🔑',
    createdAt: T, ...extra,
  });
}
/** The object without one field. */
const without = (o: object, field: string): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
const sha256 = (...b: Buffer[]): Buffer => crypto.createHash('sha256').update(Buffer.concat(b)).digest();

describe('v2 §2 identities', () => {
  it('identity ID is SHA-256(rsaSpki || ed25519Spki), and differs from the RSA key ID', () => {
    const rsaDer = crypto.createPublicKey(pem('owner.pub.pem')).export({ type: 'spki', format: 'der' });
    const edDer = crypto.createPublicKey(owner.edPrivate).export({ type: 'spki', format: 'der' });
    expect(edDer.length).toBe(44);
    expect(owner.id).toBe(`SHA256:${sha256(rsaDer, edDer).toString('hex')}`);
    expect(refIdentityId(rsaDer, edDer)).toBe(owner.id);
    expect(owner.keyId).toBe(`SHA256:${sha256(rsaDer).toString('hex')}`);
    expect(owner.id).not.toBe(owner.keyId);
  });

  it('public identity PEM: two blocks, RSA first; text outside ignored; anything else refused', () => {
    const text = refPublicIdentityPem(owner);
    expect(refParsePublicIdentity(`Zoë's identity\n${text}trailing words\n`).id).toBe(owner.id);
    const [rsaBlock, edBlock] = text.split(/(?<=-----END PUBLIC KEY-----\n)/);
    expect(code(() => refParsePublicIdentity(rsaBlock!))).toBe('MALFORMED');
    expect(code(() => refParsePublicIdentity(`${edBlock!}${rsaBlock!}`))).toBe('MALFORMED');
    expect(code(() => refParsePublicIdentity(`${text}${edBlock!}`))).toBe('MALFORMED');
    expect(code(() => refParsePublicIdentity(`${pem('weak-1024.pub.pem')}${edBlock!}`))).toBe('MALFORMED');
  });

  it('private identity PEM: two PKCS#8 blocks, or two encrypted ones under one passphrase', () => {
    expect(refParsePrivateIdentity(refPrivateIdentityPem(owner)).id).toBe(owner.id);
    const enc = (k: crypto.KeyObject) => k.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }) as string;
    const encrypted = enc(owner.rsaPrivate) + enc(owner.edPrivate);
    expect(encrypted.match(/BEGIN ENCRYPTED PRIVATE KEY/g)).toHaveLength(2);
    expect(refParsePrivateIdentity(encrypted, 'pw').id).toBe(owner.id);
  });
});

describe('v2 §1 canonical JSON and strict parsing', () => {
  it('sorted keys, no white space, JSON.stringify escapes', () => {
    expect(refCanonical({ b: 1, a: { d: ['x', 'é\u2028"'], c: '' }, B: 0 })).toBe('{"B":0,"a":{"c":"","d":["x","é\u2028\\""]},"b":1}');
    expect(refCanonical({ '\u{1F511}': 1, '\uFB01': 2 })).toBe('{"\u{1F511}":1,"\uFB01":2}'); // UTF-16 order: D83D < FB01
  });
  it('refuses what cannot be signed, and duplicate keys', () => {
    for (const bad of ['{"a":1,"a":1}', '{"a":{"b":"","b":""}}', '{"a":true}', '{"a":null}', '{"a":1.5}', '{"a":-1}', '{"a":9007199254740992}',
      '{"a":"x"} x', '\uFEFF{"a":"x"}', '{"a":"\u0001"}']) {
      expect(code(() => refParseStrictJson(bad, 'x')), bad).toBe('MALFORMED');
    }
    expect(code(() => refCanonical({ a: false }))).toBe('MALFORMED');
    expect(refParseStrictJson(' { "b" : [ 1 , "\\u00e9" ] ,\n"a":{} } ', 'x')).toEqual({ b: [1, 'é'], a: {} });
  });
});

describe('v2 §3 signed file', () => {
  for (const size of [0, 1, CS, CS + 1, 2 * CS + 5]) {
    it(`size ${size}: layout, digest and signature by hand; decrypt and verify`, () => {
      const r = signed(size);
      expect(r.file.subarray(0, 10)).toEqual(Buffer.from('4b4559574152442f320a', 'hex'));
      const hlen = r.file.readUInt32BE(10);
      const header = JSON.parse(r.file.subarray(14, 14 + hlen).toString('utf8')) as Record<string, unknown>;
      expect(header['version']).toBe(2);
      expect(header['signer']).toEqual({ id: owner.id, publicKey: b64u(owner.rsaSpki), signingKey: b64u(owner.edSpki) });
      const prefix = r.file.subarray(0, 14 + hlen + 32);
      const payload = r.file.subarray(prefix.length, r.file.length - 64);
      const chunks = Math.max(1, Math.ceil(size / CS));
      expect(payload.length).toBe(size + 16 * chunks);
      const leaves = Array.from({ length: chunks }, (_, i) => sha256(payload.subarray(i * (CS + 16), (i + 1) * (CS + 16))));
      const digest = sha256(Buffer.from('keyward/v2 payload\0'), ...leaves);
      expect(refPayloadDigest(payload, CS)).toEqual(digest);
      const msg = Buffer.concat([Buffer.from('keyward/v2 file\0'), prefix, digest]);
      expect(crypto.verify(null, msg, owner.ed, r.file.subarray(r.file.length - 64))).toBe(true);
      expect(refDecrypt(r.file, owner.rsaPrivatePem, { expectSigner: owner.id }).plaintext.equals(r.plaintext)).toBe(true);
      const v = refVerify(r.file, { expectSigner: owner.id });
      expect(v.version === 2 && v.signer.id).toBe(owner.id);
    });
  }

  it('whom to expect: another signer, or a v1 file, is SIGNER_UNTRUSTED; without an expectation v1 is unsigned', () => {
    const r = signed(100);
    expect(code(() => refVerify(r.file, { expectSigner: stranger.id }))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => refDecrypt(r.file, owner.rsaPrivatePem, { expectSigner: stranger.id }))).toBe('SIGNER_UNTRUSTED');
    const v1 = refEncrypt({ plaintext: Buffer.from('x'), chunkSize: CS, meta: meta(1), recipients: [{ role: 'owner', publicKeyPem: pem('owner.pub.pem') }] });
    expect(refVerify(v1.file)).toEqual({ version: 1 });
    expect(code(() => refVerify(v1.file, { expectSigner: owner.id }))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => refDecrypt(v1.file, owner.rsaPrivatePem, { expectSigner: owner.id }))).toBe('SIGNER_UNTRUSTED');
    expect(refDecrypt(v1.file, owner.rsaPrivatePem).plaintext.toString()).toBe('x');
  });

  it('a changed signature, payload or header is refused', () => {
    const r = signed(2 * CS + 5);
    const flip = (at: number) => {
      const f = Buffer.from(r.file);
      f[at]! ^= 1;
      return f;
    };
    expect(code(() => refVerify(flip(r.file.length - 1)))).toBe('SIGNATURE_INVALID');
    expect(code(() => refDecrypt(flip(r.file.length - 1), owner.rsaPrivatePem))).toBe('SIGNATURE_INVALID');
    expect(code(() => refVerify(flip(r.prefix.length + CS + 20)))).toBe('SIGNATURE_INVALID');
    expect(code(() => refDecrypt(flip(r.prefix.length + CS + 20), owner.rsaPrivatePem))).toBe('CHUNK_TAMPERED');
    expect(code(() => refVerify(flip(r.prefix.length - 1)))).toBe('SIGNATURE_INVALID');
    expect(code(() => refDecrypt(flip(r.prefix.length - 1), owner.rsaPrivatePem))).toBe('HEADER_TAMPERED');
    // The same file signed again by someone else, the header still naming the owner.
    expect(code(() => refVerify(refResign(r.file, stranger)))).toBe('SIGNATURE_INVALID');
    expect(code(() => refDecrypt(r.file.subarray(0, r.prefix.length + 63), owner.rsaPrivatePem))).toBe('TRUNCATED');
    expect(code(() => refDecrypt(r.file.subarray(0, r.file.length - 64), owner.rsaPrivatePem))).not.toBe('SIGNATURE_INVALID');
  });

  it('§3.1 header rules are MALFORMED; other magics as v1', () => {
    const sf = (s: RefPrivateIdentity) => ({ id: s.id, publicKey: b64u(s.rsaSpki), signingKey: b64u(s.edSpki) });
    const bad = (extra: Partial<Parameters<typeof refEncryptV2>[0]>) => code(() => refParseFile(signed(1, owner, extra).file));
    expect(bad({ signerField: { ...sf(owner), id: stranger.id } })).toBe('MALFORMED');
    expect(bad({ signerField: { ...sf(owner), signingKey: b64u(stranger.edSpki) } })).toBe('MALFORMED');
    expect(bad({ signerField: { ...sf(owner), signingKey: b64u(owner.rsaSpki) } })).toBe('MALFORMED');
    expect(bad({ signerField: sf(stranger) })).toBe('MALFORMED'); // the owner stanza is the owner's key, not the signer's
    expect(bad({ recipients: [{ role: 'owner', publicKeyPem: pem('owner.pub.pem') }, { role: 'owner', publicKeyPem: pem('stranger.pub.pem') }] })).toBe('MALFORMED');
    expect(bad({ recipients: [{ role: 'recipient', publicKeyPem: pem('owner.pub.pem') }] })).toBe('MALFORMED');
    expect(bad({ extraHeaderFields: { version: 1 } })).toBe('MALFORMED');
    const r = signed(1);
    expect(code(() => refParseFile(Buffer.concat([Buffer.from('KEYWARD/3\n'), r.file.subarray(10)])))).toBe('UNSUPPORTED_VERSION');
    expect(code(() => refParseFile(MAGIC2.subarray(0, 9)))).toBe('TRUNCATED');
    // A v1 file under the v2 magic is a v2 file without version 2 and signer.
    const v1 = refEncrypt({ plaintext: Buffer.from('x'), chunkSize: CS, meta: meta(1), recipients: [{ role: 'owner', publicKeyPem: pem('owner.pub.pem') }] });
    expect(v1.file.subarray(0, 10)).toEqual(MAGIC);
    expect(code(() => refParseFile(Buffer.concat([MAGIC2, v1.file.subarray(10)])))).toBe('MALFORMED');
    expect(refParseFile(signed(1, owner, { extraHeaderFields: { 'x-future': [1] } }).file).version).toBe(2);
    const longer = Buffer.concat([MAGIC2, u32be(5), Buffer.from('{"a":')]);
    expect(code(() => refParseFile(longer))).toBe('TRUNCATED');
  });
});

describe('v2 §4 escrow blob: checks 1-8 in order', () => {
  const r = signed(3 * CS + 7);
  const blob = escrowFor(r);
  const check = (b: unknown, o: { expectOwner?: string } = {}, who = authority) => code(() => refCheckEscrow(b, who, o));
  /** Change fields, then sign again with the owner's key (a blob the owner really made). */
  const resigned = (edit: (b: Record<string, unknown>) => Record<string, unknown>, by = owner): Record<string, unknown> => {
    return refSignObject('keyward/v2 escrow', edit(without(blob, 'signature')), by.edPrivate);
  };

  it('a good blob passes and yields the file key; any white space is accepted', () => {
    const good = refCheckEscrow(refSignedText(blob), authority, { expectOwner: owner.id });
    expect(good.version).toBe(2);
    expect(good.fileKey.equals(r.fileKey)).toBe(true);
    expect(refCheckEscrow(JSON.stringify(blob, null, 2), authority).fileKey.equals(r.fileKey)).toBe(true);
    expect(refSignedText(blob)).toBe(`${refCanonical(blob)}\n`);
    expect(Object.keys(JSON.parse(refSignedText(blob)) as object)).toEqual([...Object.keys(blob)].sort());
  });

  it('1: strict JSON, exactly the fields, format (MALFORMED); an identity\'s fields under kind "council" too (§8.3)', () => {
    expect(check(resigned((b) => ({ ...b, extra: 'x' })))).toBe('MALFORMED');
    expect(check(resigned((b) => ({ ...b, owner: { ...(b['owner'] as object), email: 'x' } })))).toBe('MALFORMED');
    expect(check(without(blob, 'description'))).toBe('MALFORMED');
    expect(check(refSignedText(blob).replace('{', `{"description":"other",`))).toBe('MALFORMED');
    expect(check(resigned((b) => ({ ...b, format: 'keyward-escrow/3' })))).toBe('MALFORMED');
    expect(check(resigned((b) => ({ ...b, payloadDigest: b64u(Buffer.alloc(31)) })))).toBe('MALFORMED');
    expect(check(resigned((b) => ({ ...b, createdAt: '2026-12-06T06:30:00Z' })))).toBe('MALFORMED');
    expect(check(JSON.stringify({ ...blob, serial: true }))).toBe('MALFORMED');
    expect(check(resigned((b) => ({ ...b, authority: { ...(b['authority'] as object), kind: 'council' } })))).toBe('MALFORMED');
  });

  it('2: owner.id is the identity ID of its keys (MALFORMED)', () => {
    expect(check(resigned((b) => ({ ...b, owner: { ...(b['owner'] as object), id: stranger.id } })))).toBe('MALFORMED');
  });

  it('3: the owner signature (SIGNATURE_INVALID), before 4-8', () => {
    expect(check({ ...blob, description: 'changed' })).toBe('SIGNATURE_INVALID');
    // Signed by the stranger but naming the owner's keys; also for another checker: 3 comes first.
    expect(check(resigned((b) => b, stranger), {}, stranger)).toBe('SIGNATURE_INVALID');
  });

  it('4: whom the checker expects (SIGNER_UNTRUSTED)', () => {
    expect(check(blob, { expectOwner: stranger.id })).toBe('SIGNER_UNTRUSTED');
  });

  it('5: the prefix (MALFORMED), its author (SIGNER_UNTRUSTED), fileId and serial (ESCROW_INVALID)', () => {
    expect(check(resigned((b) => ({ ...b, prefix: b64u(Buffer.from('KEYWARD/2\n')) })))).toBe('MALFORMED');
    expect(check(resigned((b) => ({ ...b, prefix: b64u(Buffer.concat([r.prefix, Buffer.from([0])])) })))).toBe('MALFORMED');
    const v1 = refEncrypt({ plaintext: Buffer.from('x'), chunkSize: CS, meta: meta(1), recipients: [{ role: 'owner', publicKeyPem: pem('owner.pub.pem') }] });
    expect(check(resigned((b) => ({ ...b, prefix: b64u(v1.file.subarray(0, v1.headerBytes.length + 32)) })))).toBe('MALFORMED');
    // The owner escrows a file the stranger wrote: a blob signed by someone other than the file's author.
    const theirs = signed(10, stranger);
    expect(check(resigned((b) => ({ ...b, prefix: b64u(theirs.prefix), payloadDigest: b64u(theirs.payloadDigest), fileSignature: b64u(theirs.signature) })))).toBe('SIGNER_UNTRUSTED');
    const other = signed(10);
    expect(check(resigned((b) => ({ ...b, fileId: b64u(other.fileId), serial: escrowFor(other).serial })))).toBe('ESCROW_INVALID');
    expect(check(resigned((b) => ({ ...b, serial: escrowFor(other).serial })))).toBe('ESCROW_INVALID');
  });

  it('6: fileSignature over prefix || payloadDigest (SIGNATURE_INVALID)', () => {
    expect(check(resigned((b) => ({ ...b, payloadDigest: b64u(crypto.randomBytes(32)) })))).toBe('SIGNATURE_INVALID');
    expect(check(resigned((b) => ({ ...b, fileSignature: b64u(Buffer.alloc(64)) })))).toBe('SIGNATURE_INVALID');
  });

  it('7: the checker is the blob\'s authority (NO_MATCHING_KEY naming the blob\'s key)', () => {
    let err: unknown;
    try {
      refCheckEscrow(blob, stranger);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefError);
    expect((err as RefError).code).toBe('NO_MATCHING_KEY');
    expect((err as RefError).keyIds).toEqual([authority.keyId]);
    // Same RSA key, another signing key: another identity.
    expect(check(blob, {}, testIdentityWithOtherEd())).toBe('NO_MATCHING_KEY');
  });

  it('8: the wrapped key opens the header (ESCROW_INVALID): forged, evading and swapped blobs', () => {
    expect(check(escrowFor(r, { fileKey: crypto.randomBytes(32) }))).toBe('ESCROW_INVALID'); // an owner dodging escrow
    expect(check(escrowFor(r, { wrappedKey: crypto.randomBytes(384) }))).toBe('ESCROW_INVALID');
    const other = signed(10);
    expect(check(escrowFor(r, { fileKey: other.fileKey }))).toBe('ESCROW_INVALID'); // the key of another file
    expect(check(resigned((b) => ({ ...b, wrappedKey: escrowFor(other).wrappedKey })))).toBe('ESCROW_INVALID');
    // The owner signs a file whose header HMAC is not the key's (its metadata does open): no reader could open it.
    const badMac = Buffer.from(r.file);
    badMac[r.prefix.length - 1]! ^= 1;
    expect(check(escrowFor({ ...r, file: refResign(badMac, owner) }))).toBe('ESCROW_INVALID');
  });

  it('a v1 blob is checked as v1 §5 and reported as version 1', () => {
    const v1 = refEncrypt({ plaintext: Buffer.from('x'), chunkSize: CS, meta: meta(1), recipients: [{ role: 'owner', publicKeyPem: pem('owner.pub.pem') }] });
    const b = refMakeEscrowBlob({ format: ESCROW_FORMAT, fileId: v1.fileId, salt: v1.salt, headerHmac: v1.headerHmac, fileKey: v1.fileKey, description: '',
      createdAt: T, owner: { name: 'o', keyId: owner.keyId }, authority: { name: 'a', keyId: authority.keyId }, wrapForPublicKeyPem: pem('authority.pub.pem') });
    expect(refCheckEscrow(JSON.stringify(b), authority).version).toBe(1);
    expect(code(() => refCheckEscrow({ ...b, description: 'x' }, authority))).toBe('BLOB_TAMPERED');
  });
});

function testIdentityWithOtherEd(): RefPrivateIdentity {
  return refParsePrivateIdentity(authority.rsaPrivatePem + (crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string));
}

describe('v2 §5 receipt', () => {
  const r = signed(500);
  const blob = escrowFor(r);
  const receipt = refMakeReceipt({ blob, authority, authorityName: 'Backup Desk', receivedAt: T });

  it('accepted for a blob the owner made; escrowDigest is SHA-256 of the canonical signed blob', () => {
    expect(receipt.escrowDigest).toBe(b64u(sha256(Buffer.from(refCanonical(blob)))));
    expect(refEscrowDigest(JSON.parse(JSON.stringify(blob, null, 1)) as object)).toBe(receipt.escrowDigest);
    expect(refCheckReceipt(refSignedText(receipt), blob).authority.id).toBe(authority.id);
    expect(code(() => refCheckReceipt(receipt, escrowFor(signed(1))))).toBe('BLOB_MISMATCH');
  });
  it('refused in the spec\'s order', () => {
    expect(code(() => refCheckReceipt({ ...receipt, note: 'x' }, blob))).toBe('MALFORMED');
    expect(code(() => refCheckReceipt(refMakeReceipt({ blob, authority, authorityName: 'x', receivedAt: T, edit: (u) => ({ ...u, authority: { ...u.authority, id: owner.id } }) }), blob))).toBe('MALFORMED');
    expect(code(() => refCheckReceipt({ ...receipt, receivedAt: '2027-01-01T00:00:00.000Z' }, blob))).toBe('SIGNATURE_INVALID');
    expect(code(() => refCheckReceipt(refMakeReceipt({ blob, authority: stranger, authorityName: 'Backup Desk', receivedAt: T }), blob))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => refCheckReceipt(receipt, escrowFor(r, { description: 'another blob for the same file' })))).toBe('BLOB_MISMATCH');
  });
});

describe('v2 §6 recovery blob', () => {
  const r = signed(CS + 3);
  const blob = escrowFor(r);
  const recovery = refMakeRecoveryV2({ escrow: blob, authority, authorityName: 'Backup Desk', newOwner, newOwnerName: 'Zoë (new)', createdAt: T });
  const open = (rec: unknown, o: { pinned?: string[]; expectSigner?: string } = { pinned: [authority.id] }, file = r.file, key = newOwner.rsaPrivatePem) =>
    refDecryptWithRecoveryV2(file, rec, key, o);

  it('opens the file for the new owner, from a pinned issuer', () => {
    expect(open(refSignedText(recovery)).plaintext.equals(r.plaintext)).toBe(true);
    expect(open(recovery, { pinned: [authority.id], expectSigner: owner.id }).plaintext.equals(r.plaintext)).toBe(true);
    expect(recovery.escrowDigest).toBe(refEscrowDigest(blob));
    expect(recovery.headerHmac).toBe(b64u(r.headerHmac));
  });
  it('is issued only from a good escrow blob', () => {
    expect(code(() => refMakeRecoveryV2({ escrow: escrowFor(r, { fileKey: crypto.randomBytes(32) }), authority, authorityName: 'x', newOwner, newOwnerName: 'x', createdAt: T }))).toBe('ESCROW_INVALID');
  });
  it('refused in the spec\'s order', () => {
    expect(code(() => open({ ...recovery, extra: '' }))).toBe('MALFORMED');
    const edited = (edit: (u: Omit<typeof recovery, 'signature'>) => Record<string, unknown>, by = authority) =>
      refMakeRecoveryV2({ escrow: blob, authority: by, authorityName: 'Backup Desk', newOwner, newOwnerName: 'n', createdAt: T, edit });
    expect(code(() => open(edited((u) => ({ ...u, issuer: { ...u.issuer, id: stranger.id } }))))).toBe('MALFORMED');
    expect(code(() => open({ ...recovery, owner: { ...recovery.owner, name: 'Mallory' } }))).toBe('SIGNATURE_INVALID');
    expect(code(() => open(recovery, { pinned: [stranger.id] }))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => open(recovery, {}))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => open(recovery, { pinned: [authority.id] }, r.file, stranger.rsaPrivatePem))).toBe('NO_MATCHING_KEY');
    expect(code(() => open(recovery, { pinned: [authority.id] }, signed(10).file))).toBe('BLOB_MISMATCH');
    expect(code(() => open(edited((u) => ({ ...u, headerHmac: b64u(Buffer.alloc(32)) }))))).toBe('BLOB_MISMATCH');
    expect(code(() => open(recovery, { pinned: [authority.id], expectSigner: stranger.id }))).toBe('SIGNER_UNTRUSTED');
    expect(code(() => open(edited((u) => ({ ...u, issuer: { ...u.issuer, kind: 'member' } }))))).toBe('MALFORMED');
  });
  it('a file-key holder issuing a recovery blob in the authority\'s name is refused', () => {
    // It knows the file key, but signs with its own key while naming the authority's signing key: SIGNATURE_INVALID.
    const forged = refSignObject('keyward/v2 recovery', without(recovery, 'signature'), stranger.edPrivate);
    expect(code(() => open(forged))).toBe('SIGNATURE_INVALID');
    // Naming its own signing key instead changes issuer.id, which then is not pinned.
    const own = refMakeRecoveryV2({ escrow: escrowFor(r, { authority: stranger }), authority: stranger, authorityName: 'Backup Desk', newOwner, newOwnerName: 'n', createdAt: T });
    expect(code(() => open(own))).toBe('SIGNER_UNTRUSTED');
  });
  it('v1 recovery blobs open as before, and are refused by a reader that pins issuers', () => {
    const v1 = refMakeEscrowBlob({ format: RECOVERY_FORMAT, fileId: r.fileId, salt: r.salt, headerHmac: r.headerHmac, fileKey: r.fileKey, description: '',
      createdAt: T, owner: { name: 'n', keyId: newOwner.keyId }, authority: { name: 'a', keyId: authority.keyId }, wrapForPublicKeyPem: pem('new-owner.pub.pem') });
    expect(open(v1, {}).plaintext.equals(r.plaintext)).toBe(true);
    expect(code(() => open(v1, { pinned: [authority.id] }))).toBe('SIGNER_UNTRUSTED');
  });
  it('the payload under a recovered key is still checked against the owner\'s signature', () => {
    // Whoever holds the file key puts a payload of its own under the same prefix and signature.
    const forged = encryptPayload(deriveKeys(r.fileKey, r.salt).payloadKey, crypto.randomBytes(r.plaintext.length), CS);
    const file = Buffer.concat([r.prefix, forged, r.signature]);
    expect(code(() => open(recovery, { pinned: [authority.id] }, file))).toBe('SIGNATURE_INVALID');
  });
});
