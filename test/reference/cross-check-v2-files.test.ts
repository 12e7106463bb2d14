// v2 files, escrow blobs, receipts and recovery blobs both ways between src/core
// and the reference: what core writes the reference opens and checks, what the
// reference writes core opens and checks, and for every change in the tables
// below both refuse with the same code.
import * as crypto from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bytesSource, checkEscrowBlob, collectBytes, encryptSource, importPrivateIdentity, importPublicIdentity, isKeywardError, issueReceipt,
  issueRecoveryV2, openSource, parseSignedObject, serializeSigned, verifyReceipt, verifySource,
} from '../../src/core/index.ts';
import type { EscrowBlobV2, PrivateIdentity, PublicIdentity, Unlock } from '../../src/core/index.ts';
import {
  RefError, b64u, deriveKeys, refIdentityId, encryptPayload, refCheckEscrow, refCheckReceipt, refDecrypt, refDecryptWithRecoveryV2, refEncryptV2,
  refIdentityFromKeys, refMakeEscrowV2, refMakeReceipt, refMakeRecoveryV2, refParseFile, refPublicIdentityPem, refPrivateIdentityPem, refResign,
  refSignObject, refSignedText, refVerify,
} from './keyward-node.ts';
import type { RefEscrowV2, RefPrivateIdentity } from './keyward-node.ts';
import { pem, testIdentity } from './identities.ts';

const CS = 65536;
const T = new Date('2026-12-06T07:00:00.000Z');
const ref = { owner: testIdentity('owner'), authority: testIdentity('authority'), newOwner: testIdentity('new-owner'), stranger: testIdentity('stranger') };
type Who = keyof typeof ref;
const core = {} as Record<Who, PrivateIdentity>;
const corePub = {} as Record<Who, PublicIdentity>;
beforeAll(async () => {
  for (const who of Object.keys(ref) as Who[]) {
    core[who] = await importPrivateIdentity(refPrivateIdentityPem(ref[who]));
    corePub[who] = await importPublicIdentity(refPublicIdentityPem(ref[who]));
  }
});

/** The code a core call ends with ('ok' when it resolves), reading the plaintext to its end. */
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

async function coreFile(plain: Buffer, signer: Who = 'owner') {
  const encrypted = await encryptSource(bytesSource(u8(plain)), {
    meta: { name: 'report.pdf', type: 'application/pdf', size: plain.length, lastModified: 1_764_000_000_000 },
    owner: core[signer].encryption, authority: corePub.authority, signer: core[signer], chunkSize: CS,
    ownerName: 'Zoë', authorityName: 'Backup Desk', description: 'Clé — 备份 🔑', now: T,
  });
  const file = Buffer.from(await collectBytes(encrypted.stream));
  const { escrowBlob } = await encrypted.done;
  if (!('prefix' in escrowBlob)) throw new Error('expected a v2 escrow blob');
  return { file, blob: escrowBlob };
}
const coreOpen = (file: Uint8Array, unlock: Unlock, expectSigner?: string) => async () => {
  const opened = await openSource(bytesSource(u8(file)), unlock, {}, expectSigner === undefined ? {} : { expectSigner });
  return collectBytes(opened.plaintext);
};
const coreCheck = (text: string, who: Who = 'authority', expectOwner?: string) => async () => {
  const o = parseSignedObject(text);
  if (o.kind !== 'escrow-v2') throw new Error(`not an escrow-v2 blob: ${o.kind}`);
  return checkEscrowBlob(o.blob, core[who], expectOwner === undefined ? {} : { expectOwner });
};
const without = (o: object, field: string): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== field));
/** Change fields, then sign again with `by` (default the owner): a blob its signer really made. */
const resign = (context: Parameters<typeof refSignObject>[0], o: object, edit: (u: Record<string, unknown>) => Record<string, unknown>, by: RefPrivateIdentity) =>
  refSignedText(refSignObject(context, edit(without(o, 'signature')), by.edPrivate));

describe('core writes, the reference reads', () => {
  it('a signed file opens and verifies in the reference; its escrow blob passes all eight checks and yields the file key', async () => {
    const plain = crypto.randomBytes(3 * CS + 17);
    const { file, blob } = await coreFile(plain);
    expect(refDecrypt(file, ref.owner.rsaPrivatePem, { expectSigner: ref.owner.id }).plaintext.equals(plain)).toBe(true);
    expect(refVerify(file, { expectSigner: ref.owner.id })).toMatchObject({ version: 2 });
    const text = serializeSigned(blob);
    const checked = refCheckEscrow(text, ref.authority, { expectOwner: ref.owner.id });
    expect(checked.version).toBe(2);
    expect(refDecrypt(file, ref.owner.rsaPrivatePem).plaintext.equals(plain)).toBe(true);
    expect(text).toBe(refSignedText(JSON.parse(text) as object)); // canonical, one newline
  });

  it('a 4096-bit owner and chunks of 128 KiB: core\'s file opens and verifies in the reference', async () => {
    const bigRef = refIdentityFromKeys(pem('rsa4096.pem'));
    const big = await importPrivateIdentity(refPrivateIdentityPem(bigRef));
    const plain = crypto.randomBytes(3 * 131072 + 1);
    const encrypted = await encryptSource(bytesSource(u8(plain)), {
      meta: { name: 'big', type: '', size: plain.length, lastModified: 0 }, owner: big.encryption, authority: corePub.authority, signer: big, chunkSize: 131072,
    });
    const file = Buffer.from(await collectBytes(encrypted.stream));
    const done = await encrypted.done;
    expect(refDecrypt(file, bigRef.rsaPrivatePem, { expectSigner: big.id }).plaintext.equals(plain)).toBe(true);
    expect(refCheckEscrow(serializeSigned(done.escrowBlob as EscrowBlobV2), ref.authority, { expectOwner: big.id }).version).toBe(2);
  });

  it('a receipt and a recovery blob core issues are accepted by the reference, and the recovered file opens', async () => {
    const plain = crypto.randomBytes(CS + 1);
    const { file, blob } = await coreFile(plain);
    const receipt = await issueReceipt(blob, core.authority, { name: 'Backup Desk', now: T });
    expect(refCheckReceipt(serializeSigned(receipt), blob as unknown as RefEscrowV2).authority.id).toBe(ref.authority.id);
    const recovery = await issueRecoveryV2(blob, core.authority, { newOwner: corePub.newOwner, now: T });
    const opened = refDecryptWithRecoveryV2(file, serializeSigned(recovery), ref.newOwner.rsaPrivatePem, { pinned: [ref.authority.id], expectSigner: ref.owner.id });
    expect(opened.plaintext.equals(plain)).toBe(true);
  });
});

describe('the reference writes, core reads', () => {
  it('a signed file opens and verifies in core; its escrow blob passes core\'s check; receipt and recovery too', async () => {
    const plain = crypto.randomBytes(2 * CS);
    const r = refEncryptV2({ plaintext: plain, chunkSize: CS, meta: { name: 'a.txt', type: '', size: plain.length, lastModified: 0 }, signer: ref.owner });
    expect(Buffer.from(await coreOpen(r.file, { keys: [core.owner.encryption] }, ref.owner.id)()).equals(plain)).toBe(true);
    expect((await verifySource(bytesSource(u8(r.file)), { expectSigner: ref.owner.id })).signer?.id).toBe(ref.owner.id);
    const blob = refMakeEscrowV2({ file: r.file, fileKey: r.fileKey, owner: ref.owner, ownerName: 'Zoë', authority: ref.authority, authorityName: 'Desk', description: '', createdAt: T.toISOString() });
    const checked = await coreCheck(refSignedText(blob), 'authority', ref.owner.id)();
    expect(checked.owner.id).toBe(ref.owner.id);
    const receipt = refMakeReceipt({ blob, authority: ref.authority, authorityName: 'Desk', receivedAt: T.toISOString() });
    const parsedReceipt = parseSignedObject(refSignedText(receipt));
    expect(parsedReceipt.kind).toBe('receipt');
    if (parsedReceipt.kind === 'receipt') await verifyReceipt(parsedReceipt.receipt, checked.blob);
    const recovery = refMakeRecoveryV2({ escrow: blob, authority: ref.authority, authorityName: 'Desk', newOwner: ref.newOwner, newOwnerName: 'Zoë', createdAt: T.toISOString() });
    const parsedRecovery = parseSignedObject(refSignedText(recovery));
    if (parsedRecovery.kind !== 'recovery-v2') throw new Error(parsedRecovery.kind);
    const recovered = await coreOpen(r.file, { recovery: parsedRecovery.blob, key: core.newOwner.encryption, trusted: [ref.authority.id] }, ref.owner.id)();
    expect(Buffer.from(recovered).equals(plain)).toBe(true);
  });
});

const ED_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** A party whose RSA key is the 1024-bit test key (its ID computed right). */
function weakParty() {
  const rsa = crypto.createPublicKey(pem('weak-1024.pub.pem')).export({ type: 'spki', format: 'der' });
  return { id: refIdentityId(rsa, ref.owner.edSpki), publicKey: b64u(rsa), signingKey: b64u(ref.owner.edSpki) };
}
/** A party whose Ed25519 "key" is 32 bytes of 0xff, which encode no curve point (its ID computed right). */
function badPointParty() {
  const ed = Buffer.concat([ED_PREFIX, Buffer.alloc(32, 0xff)]);
  return { id: refIdentityId(ref.owner.rsaSpki, ed), publicKey: b64u(ref.owner.rsaSpki), signingKey: b64u(ed) };
}

describe('both refuse alike', () => {
  let made: Awaited<ReturnType<typeof coreFile>>;
  let plain: Buffer;
  let text: string;
  beforeAll(async () => {
    plain = crypto.randomBytes(2 * CS + 100);
    made = await coreFile(plain);
    text = serializeSigned(made.blob);
  });
  const blobCase = (edit: (u: Record<string, unknown>) => Record<string, unknown>, by: Who = 'owner') => resign('keyward/v2 escrow', made.blob, edit, ref[by]);

  const escrowCases: [string, string, () => { text: string; checker?: Who; expectOwner?: string }][] = [
    ['good', 'ok', () => ({ text })],
    ['pretty-printed', 'ok', () => ({ text: JSON.stringify(JSON.parse(text), null, 2) })],
    ['a field the spec does not define', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, note: 'x' })) })],
    ['a duplicate key', 'MALFORMED', () => ({ text: text.replace('{', '{"description":"x",') })],
    ['true where a string goes', 'MALFORMED', () => ({ text: text.replace(/"description":"[^"]*"/, '"description":true') })],
    ['createdAt without milliseconds', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, createdAt: '2026-12-06T07:00:00Z' })) })],
    ['a serial of the wrong form', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, serial: 'KW-0000' })) })],
    ['authority.kind "person"', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, authority: { ...(u['authority'] as object), kind: 'person' } })) })],
    ['kind "council" with an identity\'s fields (§8.3)', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, authority: { ...(u['authority'] as object), kind: 'council' } })) })],
    ['2: owner.id not its keys\'', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, owner: { ...(u['owner'] as object), id: ref.stranger.id } })) })],
    ['3: changed after signing', 'SIGNATURE_INVALID', () => ({ text: text.replace('"description":"', '"description":"!') })],
    ['3: signed by another key than owner.signingKey', 'SIGNATURE_INVALID', () => ({ text: blobCase((u) => u, 'stranger') })],
    ['4: not the owner expected', 'SIGNER_UNTRUSTED', () => ({ text, expectOwner: ref.stranger.id })],
    ['5: a prefix with bytes after the hmac', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, prefix: `${u['prefix'] as string}AA` })) })],
    ['5: a prefix of another file\'s author', 'SIGNER_UNTRUSTED', () => {
      const theirs = refEncryptV2({ plaintext: Buffer.from('x'), chunkSize: CS, meta: { name: 'x', type: '', size: 1, lastModified: 0 }, signer: ref.stranger });
      return { text: blobCase((u) => ({ ...u, prefix: b64u(theirs.prefix) })) };
    }],
    ['5: another fileId (and its serial)', 'ESCROW_INVALID', () => {
      const other = refEncryptV2({ plaintext: Buffer.from('x'), chunkSize: CS, meta: { name: 'x', type: '', size: 1, lastModified: 0 }, signer: ref.owner });
      const o = refMakeEscrowV2({ file: other.file, fileKey: other.fileKey, owner: ref.owner, ownerName: '', authority: ref.authority, authorityName: '', description: '', createdAt: T.toISOString() });
      return { text: blobCase((u) => ({ ...u, fileId: o.fileId, serial: o.serial })) };
    }],
    ['2: an owner RSA key under 2048 bits, its ID right', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, owner: { ...(u['owner'] as object), ...weakParty() } })) })],
    ['2: an owner signing key that is no Ed25519 point, its ID right', 'SIGNATURE_INVALID', () => ({ text: blobCase((u) => ({ ...u, owner: { ...(u['owner'] as object), ...badPointParty() } })) })],
    ['5: a serial that is not the fileId\'s', 'ESCROW_INVALID', () => ({ text: blobCase((u) => ({ ...u, serial: 'KW-0000-0000-0000-0000' })) })],
    ['a createdAt that does not exist (30 February)', 'MALFORMED', () => ({ text: blobCase((u) => ({ ...u, createdAt: '2026-02-30T07:00:00.000Z' })) })],
    ['6: a payload digest the owner did not sign', 'SIGNATURE_INVALID', () => ({ text: blobCase((u) => ({ ...u, payloadDigest: b64u(crypto.randomBytes(32)) })) })],
    ['7: for another authority', 'NO_MATCHING_KEY', () => ({ text, checker: 'stranger' })],
    ['8: a key that does not open the header (an evading owner)', 'ESCROW_INVALID', () => ({
      text: blobCase((u) => ({ ...u, wrappedKey: b64u(crypto.publicEncrypt({ key: ref.authority.rsa, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from('keyward/v1 file key') }, crypto.randomBytes(32))) })),
    })],
    ['8: not RSA-OAEP for the authority at all', 'ESCROW_INVALID', () => ({ text: blobCase((u) => ({ ...u, wrappedKey: b64u(crypto.randomBytes(384)) })) })],
  ];
  for (const [name, expected, make] of escrowCases) {
    it(`escrow check (§4): ${name} → ${expected}`, async () => {
      const c = make();
      const checker = c.checker ?? 'authority';
      expect(refCode(() => refCheckEscrow(c.text, ref[checker], c.expectOwner === undefined ? {} : { expectOwner: c.expectOwner })), 'reference').toBe(expected);
      expect(await coreCode(coreCheck(c.text, checker, c.expectOwner)), 'core').toBe(expected);
    });
  }

  const fileCases: [string, { open: string; verify: string }, () => { file: Buffer; expectSigner?: string }][] = [
    ['good', { open: 'ok', verify: 'ok' }, () => ({ file: made.file, expectSigner: ref.owner.id })],
    ['another signer expected', { open: 'SIGNER_UNTRUSTED', verify: 'SIGNER_UNTRUSTED' }, () => ({ file: made.file, expectSigner: ref.stranger.id })],
    ['a signature bit flipped', { open: 'SIGNATURE_INVALID', verify: 'SIGNATURE_INVALID' }, () => ({ file: flip(made.file, made.file.length - 3) })],
    ['a chunk bit flipped', { open: 'CHUNK_TAMPERED', verify: 'SIGNATURE_INVALID' }, () => ({ file: flip(made.file, prefixLength() + CS + 30) })],
    ['the header HMAC changed', { open: 'HEADER_TAMPERED', verify: 'SIGNATURE_INVALID' }, () => ({ file: flip(made.file, prefixLength() - 5) })],
    ['a header field changed', { open: 'HEADER_TAMPERED', verify: 'SIGNATURE_INVALID' }, () => {
      const at = made.file.indexOf('"fileId":"') + 15;
      const file = Buffer.from(made.file);
      file[at] = file[at] === 0x41 ? 0x42 : 0x41;
      return { file };
    }],
    ['a file-key holder\'s payload', { open: 'SIGNATURE_INVALID', verify: 'SIGNATURE_INVALID' }, () => ({ file: holderPayload() })],
    ['signed again by a stranger', { open: 'SIGNATURE_INVALID', verify: 'SIGNATURE_INVALID' }, () => ({ file: refResign(made.file, ref.stranger) })],
    ['cut inside the signature', { open: 'TRUNCATED', verify: 'TRUNCATED' }, () => ({ file: made.file.subarray(0, prefixLength() + 63) })],
    ['one byte short', { open: 'CHUNK_TAMPERED', verify: 'SIGNATURE_INVALID' }, () => ({ file: made.file.subarray(0, made.file.length - 1) })],
    ['one byte more', { open: 'CHUNK_TAMPERED', verify: 'SIGNATURE_INVALID' }, () => ({ file: Buffer.concat([made.file, Buffer.from([0])]) })],
    ['the last chunk and the signature dropped', { open: 'TRUNCATED', verify: 'SIGNATURE_INVALID' }, () => ({ file: Buffer.concat([made.file.subarray(0, prefixLength() + 2 * (CS + 16)), made.file.subarray(made.file.length - 64)]) })],
    ['signer.id not its keys\'', { open: 'MALFORMED', verify: 'MALFORMED' }, () => ({ file: refWritten({ signerField: { id: ref.stranger.id, publicKey: b64u(ref.owner.rsaSpki), signingKey: b64u(ref.owner.edSpki) } }) })],
    ['the owner stanza not the signer\'s key', { open: 'MALFORMED', verify: 'MALFORMED' }, () => ({ file: refWritten({ recipients: [{ role: 'owner', publicKeyPem: pem('stranger.pub.pem') }] }) })],
    ['two owner stanzas', { open: 'MALFORMED', verify: 'MALFORMED' }, () => ({ file: refWritten({ recipients: [{ role: 'owner', publicKeyPem: pem('owner.pub.pem') }, { role: 'owner', publicKeyPem: pem('new-owner.pub.pem') }] }) })],
    ['a field of signer the spec does not define (ignored, as header fields are)', { open: 'ok', verify: 'ok' }, () => ({ file: refWritten({ signerField: { id: ref.owner.id, publicKey: b64u(ref.owner.rsaSpki), signingKey: b64u(ref.owner.edSpki), note: 'x' } }) })],
    ['a signer RSA key under 2048 bits', { open: 'MALFORMED', verify: 'MALFORMED' }, () => ({ file: refWritten({ signerField: weakParty() }) })],
    ['a signer signing key that is no Ed25519 point', { open: 'SIGNATURE_INVALID', verify: 'SIGNATURE_INVALID' }, () => ({ file: refWritten({ signerField: badPointParty() }) })],
    ['no payload at all', { open: 'TRUNCATED', verify: 'SIGNATURE_INVALID' }, () => ({ file: Buffer.concat([made.file.subarray(0, prefixLength()), made.file.subarray(made.file.length - 64)]) })],
    ['a malformed header in a file too short for a signature (the header is read first)', { open: 'MALFORMED', verify: 'MALFORMED' }, () => {
      const h = Buffer.from('{"version":2}');
      return { file: Buffer.concat([Buffer.from('KEYWARD/2\n'), Buffer.from([0, 0, 0, h.length]), h, Buffer.alloc(42)]) };
    }],
    ['header version 1 under the v2 magic', { open: 'MALFORMED', verify: 'MALFORMED' }, () => ({ file: refWritten({ extraHeaderFields: { version: 1 } }) })],
  ];
  const prefixLength = () => 14 + made.file.readUInt32BE(10) + 32;
  const flip = (b: Buffer, at: number) => {
    const c = Buffer.from(b);
    c[at]! ^= 1;
    return c;
  };
  const holderPayload = () => {
    const fileKey = refCheckEscrow(text, ref.authority).fileKey;
    const p = refParseFile(made.file);
    return Buffer.concat([made.file.subarray(0, prefixLength()), encryptPayload(deriveKeys(fileKey, p.salt).payloadKey, crypto.randomBytes(plain.length), CS), p.signature!]);
  };
  const refWritten = (extra: Partial<Parameters<typeof refEncryptV2>[0]>) =>
    refEncryptV2({ plaintext: Buffer.from('hello'), chunkSize: CS, meta: { name: 'h', type: '', size: 5, lastModified: 0 }, signer: ref.owner, ...extra }).file;
  for (const [name, expected, make] of fileCases) {
    it(`signed file (§3.4): ${name} → open ${expected.open}, verify ${expected.verify}`, async () => {
      const { file, expectSigner } = make();
      const o = expectSigner === undefined ? {} : { expectSigner };
      expect(refCode(() => refDecrypt(file, ref.owner.rsaPrivatePem, o)), 'reference open').toBe(expected.open);
      expect(await coreCode(coreOpen(file, { keys: [core.owner.encryption] }, expectSigner)), 'core open').toBe(expected.open);
      expect(refCode(() => refVerify(file, o)), 'reference verify').toBe(expected.verify);
      expect(await coreCode(() => verifySource(bytesSource(u8(file)), o)), 'core verify').toBe(expected.verify);
    });
  }

  let recovery: string;
  let receipt: string;
  beforeAll(async () => {
    recovery = serializeSigned(await issueRecoveryV2(made.blob, core.authority, { newOwner: corePub.newOwner, now: T }));
    receipt = serializeSigned(await issueReceipt(made.blob, core.authority, { name: 'Desk', now: T }));
  });
  const recCase = (edit: (u: Record<string, unknown>) => Record<string, unknown>, by: Who = 'authority') =>
    resign('keyward/v2 recovery', JSON.parse(recovery) as object, edit, ref[by]);
  const recoveryCases: [string, string, () => { text: string; pinned?: string[]; key?: Who; file?: Buffer; expectSigner?: string }][] = [
    ['good', 'ok', () => ({ text: recovery })],
    ['a field the spec does not define', 'MALFORMED', () => ({ text: recCase((u) => ({ ...u, note: '' })) })],
    ['issuer.id not its keys\'', 'MALFORMED', () => ({ text: recCase((u) => ({ ...u, issuer: { ...(u['issuer'] as object), id: ref.stranger.id } })) })],
    ['kind "member" with an identity\'s fields (§8.4)', 'MALFORMED', () => ({ text: recCase((u) => ({ ...u, issuer: { ...(u['issuer'] as object), kind: 'member' } })) })],
    ['changed after signing', 'SIGNATURE_INVALID', () => ({ text: recovery.replace('"description":"', '"description":"!') })],
    ['an issuer not pinned', 'SIGNER_UNTRUSTED', () => ({ text: recovery, pinned: [ref.stranger.id] })],
    ['nothing pinned', 'SIGNER_UNTRUSTED', () => ({ text: recovery, pinned: [] })],
    ['for another key', 'NO_MATCHING_KEY', () => ({ text: recovery, key: 'stranger' })],
    ['for another file', 'BLOB_MISMATCH', () => ({ text: recovery, file: refWritten({}) })],
    ['another headerHmac', 'BLOB_MISMATCH', () => ({ text: recCase((u) => ({ ...u, headerHmac: b64u(Buffer.alloc(32)) })) })],
    ['a file-key holder\'s payload', 'SIGNATURE_INVALID', () => ({ text: recovery, file: holderPayload() })],
    ['another signer expected', 'SIGNER_UNTRUSTED', () => ({ text: recovery, expectSigner: ref.stranger.id })],
  ];
  for (const [name, expected, make] of recoveryCases) {
    it(`recovery blob (§6): ${name} → ${expected}`, async () => {
      const c = make();
      const pinned = c.pinned ?? [ref.authority.id];
      const key = c.key ?? 'newOwner';
      const file = c.file ?? made.file;
      const o = c.expectSigner === undefined ? {} : { expectSigner: c.expectSigner };
      expect(refCode(() => refDecryptWithRecoveryV2(file, c.text, ref[key].rsaPrivatePem, { pinned, ...o })), 'reference').toBe(expected);
      expect(await coreCode(async () => {
        const parsed = parseSignedObject(c.text);
        if (parsed.kind !== 'recovery-v2') throw new Error(parsed.kind);
        return coreOpen(file, { recovery: parsed.blob, key: core[key].encryption, trusted: pinned }, c.expectSigner)();
      }), 'core').toBe(expected);
    });
  }

  const receiptCases: [string, string, () => { text: string; blob?: EscrowBlobV2 }][] = [
    ['good', 'ok', () => ({ text: receipt })],
    ['a field the spec does not define', 'MALFORMED', () => ({ text: resign('keyward/v2 receipt', JSON.parse(receipt) as object, (u) => ({ ...u, note: '' }), ref.authority) })],
    ['authority.id not its keys\'', 'MALFORMED', () => ({ text: resign('keyward/v2 receipt', JSON.parse(receipt) as object, (u) => ({ ...u, authority: { ...(u['authority'] as object), id: ref.owner.id } }), ref.authority) })],
    ['changed after signing', 'SIGNATURE_INVALID', () => ({ text: receipt.replace('"receivedAt":"2026', '"receivedAt":"2027') })],
    ['from another authority', 'SIGNER_UNTRUSTED', () => ({ text: refSignedText(refMakeReceipt({ blob: made.blob, authority: ref.stranger, authorityName: 'Desk', receivedAt: T.toISOString() })) })],
    ['for another blob of the same file', 'BLOB_MISMATCH', () => ({ text: receipt, blob: otherBlob() })],
  ];
  const otherBlob = (): EscrowBlobV2 => JSON.parse(blobCase((u) => ({ ...u, description: 'another blob' }))) as EscrowBlobV2;
  for (const [name, expected, make] of receiptCases) {
    it(`receipt (§5): ${name} → ${expected}`, async () => {
      const c = make();
      const blob = c.blob ?? made.blob;
      expect(refCode(() => refCheckReceipt(c.text, blob as unknown as RefEscrowV2)), 'reference').toBe(expected);
      expect(await coreCode(async () => {
        const parsed = parseSignedObject(c.text);
        if (parsed.kind !== 'receipt') throw new Error(parsed.kind);
        return verifyReceipt(parsed.receipt, blob);
      }), 'core').toBe(expected);
    });
  }
});


describe('a blob whose prefix is not a file prefix is MALFORMED (the blob is wrong, not a file)', () => {
  // v2 §4 check 5: "prefix parses as a v2 prefix (§3.1; MALFORMED)". Core reports the file reader's codes
  // (TRUNCATED, NOT_KEYWARD, UNSUPPORTED_VERSION), which blame a file the checker does not have.
  const prefixCases: [string, (prefix: Buffer) => Buffer][] = [
    ['only the magic', () => Buffer.from('KEYWARD/2\n')],
    ['not Keyward at all', () => Buffer.from('%PDF-1.7 and more bytes')],
    ['the magic KEYWARD/3', (p) => Buffer.concat([Buffer.from('KEYWARD/3\n'), p.subarray(10)])],
    ['cut by one byte', (p) => p.subarray(0, p.length - 1)],
  ];
  let blob: EscrowBlobV2;
  beforeAll(async () => {
    const owner = await importPrivateIdentity(refPrivateIdentityPem(ref.owner));
    const encrypted = await encryptSource(bytesSource(new Uint8Array(10)), {
      meta: { name: 'x', type: '', size: 10, lastModified: 0 }, owner: owner.encryption, authority: await importPublicIdentity(refPublicIdentityPem(ref.authority)),
      signer: owner, chunkSize: CS, now: T,
    });
    await collectBytes(encrypted.stream);
    blob = (await encrypted.done).escrowBlob as EscrowBlobV2;
  });
  const changed = (edit: (prefix: Buffer) => Buffer) =>
    resign('keyward/v2 escrow', blob, (u) => ({ ...u, prefix: b64u(edit(Buffer.from(u['prefix'] as string, 'base64url'))) }), ref.owner);
  for (const [name, edit] of prefixCases) {
    it(`reference: a prefix that is ${name} is MALFORMED`, () => {
      expect(refCode(() => refCheckEscrow(changed(edit), ref.authority))).toBe('MALFORMED');
    });
    it(`core: a prefix that is ${name} is MALFORMED`, async () => {
      const authority = await importPrivateIdentity(refPrivateIdentityPem(ref.authority));
      expect(await coreCode(async () => {
        const o = parseSignedObject(changed(edit));
        if (o.kind !== 'escrow-v2') throw new Error(o.kind);
        return checkEscrowBlob(o.blob, authority);
      })).toBe('MALFORMED');
    });
  }
});
