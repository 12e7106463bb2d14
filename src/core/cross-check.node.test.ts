/**
 * Independent cross-check: files, escrow and recovery blobs written by the
 * core are opened by the minimal node:crypto reference (test/reference), and
 * the escrow blob's wrapped key is unwrapped by spec §6's OpenSSL command.
 * (The reverse direction, reference-made files opened by the core, is
 * vectors.node.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refDecrypt, refDecryptWithBlob, refKeyId, refOpenBlob } from '../../test/reference/keyward-node.ts';
import { fromB64u, toHex } from './bytes.ts';
import { encryptFile } from './encrypt-file.ts';
import { serializeBlob } from './format/escrow-blob.ts';
import { importPrivateKey, importPublicKey } from './keys/rsa.ts';
import { issueRecoveryBlob } from './recover.ts';
import { collectBytes, streamFromBytes } from './streams.ts';
import { patternBytes } from './test-support.ts';

const KEYS = join(import.meta.dirname, 'testdata', 'keys');
const pem = (name: string) => readFileSync(join(KEYS, name), 'utf8');
const LABEL_HEX = Buffer.from('keyward/v1 file key').toString('hex');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-cross-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function coreEncrypt(plain: Uint8Array, chunkSize: number, extra: { friend?: boolean; embed?: boolean } = {}) {
  const encrypted = await encryptFile(streamFromBytes(plain), {
    meta: { name: 'Bericht über 2026.txt', type: 'text/plain', size: plain.length, lastModified: 1_700_000_000_123 },
    owner: await importPublicKey(pem('owner.pub.pem')),
    authority: await importPublicKey(pem('authority.pub.pem')),
    recipients: extra.friend ? [await importPublicKey(pem('rsa4096.pub.pem'))] : [],
    embedAuthority: extra.embed ?? false,
    ownerName: 'Ada Lovelace',
    authorityName: 'Backup desk',
    description: 'cross-check ✓',
    chunkSize,
  });
  return { ...encrypted, file: Buffer.from(await collectBytes(encrypted.stream)) };
}

describe('core output opened by the node:crypto reference', () => {
  it.for([
    [0, 65536],
    [1, 65536],
    [65536, 65536],
    [3 * 65536 + 17, 65536],
    [300_001, 262144],
    [1000, 16777216],
  ])('a %i-byte file with %i-byte chunks', async ([size, chunkSize]) => {
    const plain = patternBytes(size!, size! + 3);
    const { file } = await coreEncrypt(plain, chunkSize!);
    const opened = refDecrypt(file, pem('owner.pem'));
    expect(Buffer.compare(opened.plaintext, Buffer.from(plain))).toBe(0);
    expect(opened.meta).toEqual({ name: 'Bericht über 2026.txt', type: 'text/plain', size, lastModified: 1_700_000_000_123 });
  });

  it('every stanza of a shared file, with key IDs the reference computes the same', async () => {
    const plain = patternBytes(5000, 1);
    const { file } = await coreEncrypt(plain, 65536, { friend: true, embed: true });
    expect(refDecrypt(file, pem('rsa4096.pem')).plaintext.length).toBe(5000);
    expect(refDecrypt(file, pem('authority.pem')).plaintext.length).toBe(5000);
    expect(refDecrypt(file, pem('owner.pem')).header.recipients.map((s) => s.keyId)).toEqual([
      refKeyId(pem('owner.pub.pem')),
      refKeyId(pem('rsa4096.pub.pem')),
      refKeyId(pem('authority.pub.pem')),
    ]);
  });

  it('the escrow blob and a recovery blob', async () => {
    const plain = patternBytes(70_000, 2);
    const { file, escrowBlob } = await coreEncrypt(plain, 65536);
    const escrowJson = JSON.parse(serializeBlob(escrowBlob)) as unknown;
    const viaEscrow = refDecryptWithBlob(file, escrowJson, pem('authority.pem'));
    expect(Buffer.compare(viaEscrow.plaintext, Buffer.from(plain))).toBe(0);

    const recovery = await issueRecoveryBlob(escrowBlob, await importPrivateKey(pem('authority.pem')), {
      newOwner: await importPublicKey(pem('new-owner.pub.pem')),
    });
    const viaRecovery = refDecryptWithBlob(file, JSON.parse(serializeBlob(recovery)) as unknown, pem('new-owner.pem'));
    expect(Buffer.compare(viaRecovery.plaintext, Buffer.from(plain))).toBe(0);
  });

  it("the escrow blob's wrapped key, with spec §6's openssl pkeyutl command", async () => {
    const { escrowBlob } = await coreEncrypt(patternBytes(10, 3), 65536);
    const wrapped = join(dir, 'wrapped.bin');
    writeFileSync(wrapped, fromB64u(escrowBlob.wrappedKey));
    const fileKey = execFileSync('openssl', [
      'pkeyutl', '-decrypt', '-inkey', join(KEYS, 'authority.pem'), '-in', wrapped,
      '-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256',
      '-pkeyopt', 'rsa_mgf1_md:sha256', '-pkeyopt', `rsa_oaep_label:${LABEL_HEX}`,
    ]);
    expect(fileKey.length).toBe(32);
    const reference = refOpenBlob(JSON.parse(serializeBlob(escrowBlob)) as unknown, pem('authority.pem'));
    expect(toHex(fileKey)).toBe(toHex(reference.fileKey));
  });
});
