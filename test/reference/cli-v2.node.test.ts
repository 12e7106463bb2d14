/**
 * The command line (`keyward`, built from src/cli) against the reference, both
 * ways: identities from `keyward keygen`, signed files and escrow blobs from
 * `keyward encrypt --sign`, receipts from `escrow check`, recovery blobs from
 * `reissue` are read and checked by the reference; what the reference writes
 * the CLI verifies, checks and opens; and a file-key holder's payload is
 * refused by `decrypt` and `verify` with SIGNATURE_INVALID and no output.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, keyward, makeTempDir } from '../../src/cli/test-support.ts';
import {
  deriveKeys, encryptPayload, refCheckEscrow, refCheckReceipt, refDecrypt, refDecryptWithRecoveryV2, refEncryptV2, refMakeEscrowV2,
  refMakeRecoveryV2, refParsePrivateIdentity, refParsePublicIdentity, refParseStrictJson, refPrivateIdentityPem, refPublicIdentityPem,
  refSignedText, refVerify,
} from './keyward-node.ts';
import type { RefEscrowV2, RefPrivateIdentity } from './keyward-node.ts';
import { testIdentity } from './identities.ts';

const CS = 65536;
let dir: string;
let owner: RefPrivateIdentity;
let authority: RefPrivateIdentity;
const newOwner = testIdentity('new-owner');
const at = (name: string): string => path.join(dir, name);
const ok = (args: string[]) => {
  const r = keyward(args, { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  return r;
};

beforeAll(() => {
  buildCli();
  dir = makeTempDir('ref-cli-v2');
  ok(['keygen', '--out', 'owner', '--name', 'Zoë']);
  ok(['keygen', '--out', 'authority', '--name', 'Backup Desk']);
  owner = refParsePrivateIdentity(fs.readFileSync(at('owner.pem'), 'utf8'));
  authority = refParsePrivateIdentity(fs.readFileSync(at('authority.pem'), 'utf8'));
  fs.writeFileSync(at('new-owner.pem'), refPrivateIdentityPem(newOwner));
  fs.writeFileSync(at('new-owner.pub.pem'), refPublicIdentityPem(newOwner));
}, 600_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('keyward (CLI) writes, the reference reads', () => {
  it('keygen: the reference reads both files and computes the ID `keyward id` prints', () => {
    expect(refParsePublicIdentity(fs.readFileSync(at('owner.pub.pem'), 'utf8')).id).toBe(owner.id);
    expect(ok(['id', 'owner.pub.pem']).stdout).toContain(owner.id);
  });

  it('encrypt --sign, escrow check, reissue: the reference opens, verifies and checks each output', () => {
    const plain = crypto.randomBytes(2 * CS + 9);
    fs.writeFileSync(at('a.bin'), plain);
    ok(['encrypt', 'a.bin', '--owner', 'owner.pub.pem', '--sign', 'owner.pem', '--authority', 'authority.pub.pem', '--chunk-size', String(CS)]);
    const file = fs.readFileSync(at('a.bin.keyward'));
    const blobText = fs.readFileSync(at('a.bin.keyward-escrow.json'), 'utf8');
    expect(refDecrypt(file, owner.rsaPrivatePem, { expectSigner: owner.id }).plaintext.equals(plain)).toBe(true);
    expect(refVerify(file, { expectSigner: owner.id }).version).toBe(2);
    expect(refCheckEscrow(blobText, authority, { expectOwner: owner.id }).version).toBe(2);
    expect(blobText).toBe(refSignedText(JSON.parse(blobText) as object));

    fs.mkdirSync(at('receipts'), { recursive: true });
    ok(['escrow', 'check', 'a.bin.keyward-escrow.json', '--authority-key', 'authority.pem', '--receipt-out', 'receipts']);
    const receipt = fs.readFileSync(at('receipts/a.bin.keyward-receipt.json'), 'utf8');
    expect(refCheckReceipt(receipt, refParseStrictJson(blobText, 'blob') as RefEscrowV2).authority.id).toBe(authority.id);

    ok(['reissue', 'a.bin.keyward-escrow.json', '--authority-key', 'authority.pem', '--to', 'new-owner.pub.pem', '--out', 'a.recovery.json']);
    const recovery = fs.readFileSync(at('a.recovery.json'), 'utf8');
    const opened = refDecryptWithRecoveryV2(file, recovery, newOwner.rsaPrivatePem, { pinned: [authority.id], expectSigner: owner.id });
    expect(opened.plaintext.equals(plain)).toBe(true);
  });
});

describe('the reference writes, keyward (CLI) reads', () => {
  function made(size = CS + 5) {
    const plain = crypto.randomBytes(size);
    const r = refEncryptV2({ plaintext: plain, chunkSize: CS, meta: { name: 'b.bin', type: '', size, lastModified: 0 }, signer: owner });
    const blob = refMakeEscrowV2({ file: r.file, fileKey: r.fileKey, owner, ownerName: 'Zoë', authority, authorityName: 'Backup Desk', description: '', createdAt: '2026-12-06T07:00:00.000Z' });
    return { plain, r, blob };
  }

  it('verify, decrypt --signer, escrow check and decrypt --recovery --trust accept what the reference made', () => {
    const { plain, r, blob } = made();
    fs.writeFileSync(at('b.keyward'), r.file);
    fs.writeFileSync(at('b.keyward-escrow.json'), refSignedText(blob));
    expect(ok(['verify', 'b.keyward', '--signer', 'owner.pub.pem']).stdout).toContain(owner.id);
    ok(['decrypt', 'b.keyward', '--key', 'owner.pem', '--signer', 'owner.pub.pem', '--out', 'b.out']);
    expect(fs.readFileSync(at('b.out')).equals(plain)).toBe(true);
    expect(ok(['escrow', 'check', 'b.keyward-escrow.json', '--authority-key', 'authority.pem']).stdout).toMatch(/^GOOD /);
    const recovery = refMakeRecoveryV2({ escrow: blob, authority, authorityName: 'Backup Desk', newOwner, newOwnerName: 'Zoë', createdAt: '2026-12-06T08:00:00.000Z' });
    fs.writeFileSync(at('b.recovery.json'), refSignedText(recovery));
    ok(['decrypt', 'b.keyward', '--key', 'new-owner.pem', '--recovery', 'b.recovery.json', '--trust', 'authority.pub.pem', '--signer', 'owner.pub.pem', '--out', 'b.recovered']);
    expect(fs.readFileSync(at('b.recovered')).equals(plain)).toBe(true);
  });

  it('a file-key holder\'s payload: decrypt and verify say SIGNATURE_INVALID and write nothing', () => {
    const { r } = made(5000);
    const forged = Buffer.concat([r.prefix, encryptPayload(deriveKeys(r.fileKey, r.salt).payloadKey, crypto.randomBytes(5000), CS), r.signature]);
    fs.writeFileSync(at('c.keyward'), forged);
    const d = keyward(['decrypt', 'c.keyward', '--key', 'owner.pem', '--signer', 'owner.pub.pem', '--out', 'c.out'], { cwd: dir });
    expect(d.status).toBe(1);
    expect(d.firstLine).toMatch(/^SIGNATURE_INVALID: /);
    expect(fs.existsSync(at('c.out'))).toBe(false);
    const v = keyward(['verify', 'c.keyward', '--signer', 'owner.pub.pem'], { cwd: dir });
    expect(v.status).toBe(1);
    expect(v.firstLine).toMatch(/^SIGNATURE_INVALID: /);
  });

  it('an owner\'s evading blob: escrow check says ESCROW_INVALID', () => {
    const { r } = made(10);
    const evading = refMakeEscrowV2({ file: r.file, fileKey: crypto.randomBytes(32), owner, ownerName: 'Zoë', authority, authorityName: 'Backup Desk', description: '', createdAt: '2026-12-06T07:00:00.000Z' });
    fs.writeFileSync(at('d.keyward-escrow.json'), refSignedText(evading));
    const c = keyward(['escrow', 'check', 'd.keyward-escrow.json', '--authority-key', 'authority.pem'], { cwd: dir });
    expect(c.status).toBe(1);
    expect(c.firstLine).toMatch(/^ESCROW_INVALID: /);
  });
});
