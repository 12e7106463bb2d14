import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ESCROW_FORMAT, MAGIC, RECOVERY_FORMAT, RefError, b64u, b64uDecode, refBlobCanonical, refDecrypt, refDecryptWithBlob,
  refDecryptWithFileKey, refEncrypt, refKeyId, refMakeEscrowBlob, refOpenBlob, refParseFile, refSerial, refUnwrap, refWrap,
  u32be,
} from './keyward-node.ts';
import type { RefEncryptOptions, RefErrorCode } from './keyward-node.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEYS = path.join(ROOT, 'src/core/testdata/keys');
const keyPath = (name: string): string => path.join(KEYS, name);
const pem = (name: string): string => fs.readFileSync(keyPath(name), 'utf8');
const owner = pem('owner.pem');
const ownerPub = pem('owner.pub.pem');
const authority = pem('authority.pem');
const authorityPub = pem('authority.pub.pem');
const newOwner = pem('new-owner.pem');
const newOwnerPub = pem('new-owner.pub.pem');
const stranger = pem('stranger.pem');
const CS = 65536;

function code(f: () => unknown): { code: RefErrorCode; chunkIndex: number | undefined } {
  try {
    f();
  } catch (e) {
    if (e instanceof RefError) return { code: e.code, chunkIndex: e.chunkIndex };
    throw e;
  }
  throw new Error('expected a RefError');
}
const meta = (size: number) => ({ name: 'f.bin', type: 'application/octet-stream', size, lastModified: 1764331200000 });
function enc(size: number, extra: Partial<RefEncryptOptions> = {}) {
  const plaintext = crypto.randomBytes(size);
  return { plaintext, ...refEncrypt({ plaintext, chunkSize: CS, meta: meta(size), recipients: [{ role: 'owner', publicKeyPem: ownerPub }], ...extra }) };
}

describe('reference round trips', () => {
  for (const size of [0, 1, CS - 1, CS, CS + 1, 2 * CS, 2 * CS + 1]) {
    it(`size ${size}`, () => {
      const r = enc(size);
      const chunks = Math.max(1, Math.ceil(size / CS));
      expect(r.file.length).toBe(r.headerBytes.length + 32 + size + 16 * chunks);
      const d = refDecrypt(r.file, owner);
      expect(d.plaintext.equals(r.plaintext)).toBe(true);
      expect(d.meta).toEqual(meta(size));
      expect(refDecryptWithFileKey(r.file, r.fileKey).plaintext.equals(r.plaintext)).toBe(true);
      // Chunk layout checked with nonces built by hand: u88be(i) || flag.
      const payloadKey = Buffer.from(crypto.hkdfSync('sha256', r.fileKey, r.salt, Buffer.from('keyward/v1 payload'), 32));
      for (let i = 0; i < chunks; i++) {
        const last = i === chunks - 1;
        const start = i * (CS + 16);
        const sealed = r.payload.subarray(start, last ? r.payload.length : start + CS + 16);
        const nonce = Buffer.alloc(12);
        nonce[10] = i;
        nonce[11] = last ? 1 : 0;
        const dec = crypto.createDecipheriv('aes-256-gcm', payloadKey, nonce);
        dec.setAuthTag(sealed.subarray(sealed.length - 16));
        const pt = Buffer.concat([dec.update(sealed.subarray(0, sealed.length - 16)), dec.final()]);
        expect(pt.equals(r.plaintext.subarray(i * CS, (i + 1) * CS))).toBe(true);
      }
    });
  }

  it('header layout: magic, u32be hlen, JSON, hmac over magic||hlen||header', () => {
    const r = enc(10);
    expect(r.file.subarray(0, 10).toString('hex')).toBe('4b4559574152442f310a');
    const hlen = r.file.readUInt32BE(10);
    const header = JSON.parse(r.file.subarray(14, 14 + hlen).toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(header).sort()).toEqual(['chunkSize', 'fileId', 'meta', 'recipients', 'salt', 'version']);
    const macKey = Buffer.from(crypto.hkdfSync('sha256', r.fileKey, r.salt, Buffer.from('keyward/v1 header'), 32));
    const mac = crypto.createHmac('sha256', macKey).update(r.file.subarray(0, 14 + hlen)).digest();
    expect(mac.equals(r.file.subarray(14 + hlen, 46 + hlen))).toBe(true);
    // metadata: AES-GCM under metaKey with a zero nonce
    const metaKey = Buffer.from(crypto.hkdfSync('sha256', r.fileKey, r.salt, Buffer.from('keyward/v1 meta'), 32));
    const sealed = Buffer.from(header['meta'] as string, 'base64url');
    const dec = crypto.createDecipheriv('aes-256-gcm', metaKey, Buffer.alloc(12));
    dec.setAuthTag(sealed.subarray(sealed.length - 16));
    const pt = Buffer.concat([dec.update(sealed.subarray(0, sealed.length - 16)), dec.final()]);
    expect(JSON.parse(pt.toString('utf8'))).toEqual(meta(10));
  });

  it('several recipients, each opens', () => {
    const r = enc(5000, {
      recipients: [
        { role: 'owner', publicKeyPem: ownerPub },
        { role: 'recipient', publicKeyPem: newOwnerPub },
        { role: 'authority', publicKeyPem: authorityPub },
      ],
    });
    for (const k of [owner, newOwner, authority]) expect(refDecrypt(r.file, k).plaintext.equals(r.plaintext)).toBe(true);
    expect(code(() => refDecrypt(r.file, stranger)).code).toBe('NO_MATCHING_KEY');
  });

  it('STREAM errors', () => {
    const r = enc(2 * CS + 100);
    const head = r.file.subarray(0, r.headerBytes.length + 32);
    const c = [0, 1, 2].map((i) => r.payload.subarray(i * (CS + 16), Math.min(r.payload.length, (i + 1) * (CS + 16))));
    const [c0, c1, c2] = c as [Buffer, Buffer, Buffer];
    const f = (...parts: Buffer[]) => Buffer.concat([head, ...parts]);
    expect(code(() => refDecrypt(f(c0, c1), owner))).toEqual({ code: 'TRUNCATED', chunkIndex: undefined });
    expect(code(() => refDecrypt(f(), owner)).code).toBe('TRUNCATED');
    expect(code(() => refDecrypt(f(c1, c0, c2), owner))).toEqual({ code: 'CHUNK_TAMPERED', chunkIndex: 0 });
    expect(code(() => refDecrypt(f(c0, c2), owner))).toEqual({ code: 'CHUNK_TAMPERED', chunkIndex: 1 });
    expect(code(() => refDecrypt(f(c0, c1, c2, Buffer.from([0])), owner))).toEqual({ code: 'CHUNK_TAMPERED', chunkIndex: 2 });
    const exact = enc(2 * CS);
    expect(code(() => refDecrypt(Buffer.concat([exact.file, Buffer.from([0])]), owner)).code).toBe('TRAILING_DATA');
    expect(code(() => refDecrypt(exact.file.subarray(0, exact.file.length - CS - 16), owner)).code).toBe('TRUNCATED');
    const flipped = Buffer.from(r.file);
    flipped[head.length + CS + 16 + 5]! ^= 1;
    expect(code(() => refDecrypt(flipped, owner))).toEqual({ code: 'CHUNK_TAMPERED', chunkIndex: 1 });
  });

  it('magic and header errors', () => {
    const r = enc(1);
    const rest = r.file.subarray(10);
    expect(code(() => refParseFile(Buffer.alloc(0))).code).toBe('NOT_KEYWARD');
    expect(code(() => refParseFile(Buffer.from('%PDF-1.7'))).code).toBe('NOT_KEYWARD');
    expect(code(() => refParseFile(Buffer.concat([Buffer.from('KEYWARD/3\n'), rest]))).code).toBe('UNSUPPORTED_VERSION');
    // v2 §3: "KEYWARD/2\n" is now a version, whose header must say 2 and name a signer.
    expect(code(() => refParseFile(Buffer.concat([Buffer.from('KEYWARD/2\n'), rest]))).code).toBe('MALFORMED');
    expect(code(() => refParseFile(Buffer.concat([MAGIC, u32be(0), rest.subarray(4)]))).code).toBe('MALFORMED');
    expect(code(() => refParseFile(Buffer.concat([MAGIC, u32be(1048577), rest.subarray(4)]))).code).toBe('MALFORMED');
    const bad = (h: (x: Record<string, unknown>) => string) => enc(1, { headerJsonOverride: h }).file;
    expect(code(() => refParseFile(bad((h) => JSON.stringify({ ...h, chunkSize: 32768 })))).code).toBe('MALFORMED');
    expect(code(() => refParseFile(bad((h) => JSON.stringify({ ...h, salt: `${String(h['salt'])}==` })))).code).toBe('MALFORMED');
    expect(code(() => refParseFile(bad((h) => JSON.stringify({ ...h, recipients: [] })))).code).toBe('MALFORMED');
    expect(refParseFile(bad((h) => JSON.stringify({ ...h, 'x-future': { a: 1 } }, null, 2))).chunkSize).toBe(CS);
  });

  it('SIZE_MISMATCH', () => {
    const plaintext = Buffer.from('hello');
    const r = refEncrypt({ plaintext, chunkSize: CS, meta: meta(6), recipients: [{ role: 'owner', publicKeyPem: ownerPub }] });
    expect(code(() => refDecrypt(r.file, owner)).code).toBe('SIZE_MISMATCH');
  });
});

describe('primitives', () => {
  it('strict base64url', () => {
    expect(b64uDecode('AQID', 'x')).toEqual(Buffer.from([1, 2, 3]));
    expect(b64uDecode('AQ', 'x')).toEqual(Buffer.from([1]));
    expect(b64uDecode('', 'x')).toEqual(Buffer.alloc(0));
    for (const bad of ['AQ==', 'AR', 'A', 'A+8', 'A/8', 'AQ I', 'AQ\n']) expect(code(() => b64uDecode(bad, 'x')).code).toBe('MALFORMED');
    expect(b64u(Buffer.from([0xfb, 0xff]))).toBe('-_8');
  });

  it('serial: Crockford base32 of fileId[0..10)', () => {
    // expected values computed independently (Python base64.b32encode, alphabet translated)
    expect(refSerial(Buffer.from('00010203040506070809ffff', 'hex'))).toBe('KW-000G-40R4-0M30-E209');
    expect(refSerial(Buffer.alloc(16, 0xff))).toBe('KW-ZZZZ-ZZZZ-ZZZZ-ZZZZ');
    expect(refSerial(Buffer.from('deadbeef0123456789ab000000000000', 'hex'))).toBe('KW-VTPV-XVR1-4D2P-F2DB');
  });

  it('key ID equals openssl pkey -pubin -outform DER | sha256sum', () => {
    for (const name of ['owner', 'authority', 'new-owner', 'stranger', 'rsa4096']) {
      const out = execFileSync('sh', ['-c', `openssl pkey -pubin -in "$1" -outform DER | sha256sum`, 'sh', keyPath(`${name}.pub.pem`)], { encoding: 'utf8' });
      const hex = out.split(' ')[0];
      expect(refKeyId(pem(`${name}.pub.pem`))).toBe(`SHA256:${hex}`);
      expect(refKeyId(pem(`${name}.pem`))).toBe(`SHA256:${hex}`);
    }
  });

  it('§6 OpenSSL command unwraps refWrap output, and refUnwrap opens OpenSSL output', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-ref-'));
    try {
      const fileKey = crypto.randomBytes(32);
      const labelHex = Buffer.from('keyward/v1 file key', 'utf8').toString('hex');
      const opts = ['-pkeyopt', 'rsa_padding_mode:oaep', '-pkeyopt', 'rsa_oaep_md:sha256', '-pkeyopt', 'rsa_mgf1_md:sha256',
        '-pkeyopt', `rsa_oaep_label:${labelHex}`];
      fs.writeFileSync(path.join(dir, 'wrapped.bin'), refWrap(fileKey, authorityPub));
      const out = execFileSync('openssl', ['pkeyutl', '-decrypt', '-inkey', keyPath('authority.pem'), '-in', path.join(dir, 'wrapped.bin'), ...opts]);
      expect(Buffer.from(out).equals(fileKey)).toBe(true);

      fs.writeFileSync(path.join(dir, 'key.bin'), fileKey);
      const wrapped = execFileSync('openssl', ['pkeyutl', '-encrypt', '-pubin', '-inkey', keyPath('authority.pub.pem'), '-in', path.join(dir, 'key.bin'), ...opts]);
      expect(refUnwrap(wrapped, authority).equals(fileKey)).toBe(true);
      expect(code(() => refUnwrap(wrapped, owner)).code).toBe('UNWRAP_FAILED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses weak keys', () => {
    expect(code(() => refWrap(crypto.randomBytes(32), pem('weak-1024.pub.pem'))).code).toBe('KEY_TOO_WEAK');
    expect(code(() => refUnwrap(Buffer.alloc(128), pem('weak-1024.pem'))).code).toBe('KEY_TOO_WEAK');
  });
});

describe('escrow and recovery blobs', () => {
  const r = enc(3000);
  const base = {
    fileId: r.fileId, salt: r.salt, headerHmac: r.headerHmac, fileKey: r.fileKey, description: 'Clé — 备份 🔑',
    createdAt: '2026-11-28T12:00:00.000Z', owner: { name: 'Zoë', keyId: refKeyId(ownerPub) },
    authority: { name: 'Backup Authority', keyId: refKeyId(authorityPub) },
  };
  const escrow = refMakeEscrowBlob({ ...base, format: ESCROW_FORMAT, wrapForPublicKeyPem: authorityPub });

  it('mac is HMAC(blobMacKey, canonical)', () => {
    const canonical = refBlobCanonical(escrow);
    expect(canonical.subarray(0, 4 + 16)).toEqual(Buffer.concat([u32be(16), Buffer.from('keyward-escrow/1')]));
    const desc = Buffer.from(base.description, 'utf8');
    expect(canonical.includes(Buffer.concat([u32be(desc.length), desc]))).toBe(true);
    const blobMacKey = Buffer.from(crypto.hkdfSync('sha256', r.fileKey, r.salt, Buffer.from('keyward/v1 blob'), 32));
    expect(b64u(crypto.createHmac('sha256', blobMacKey).update(canonical).digest())).toBe(escrow.mac);
    expect(escrow.serial).toBe(refSerial(r.fileId));
  });

  it('opens, binds to the file, detects tampering', () => {
    expect(refOpenBlob(escrow, authority).fileKey.equals(r.fileKey)).toBe(true);
    expect(refOpenBlob(JSON.stringify(escrow), authority).fileKey.equals(r.fileKey)).toBe(true);
    expect(refDecryptWithBlob(r.file, escrow, authority).plaintext.equals(r.plaintext)).toBe(true);
    expect(code(() => refOpenBlob({ ...escrow, description: 'x' }, authority)).code).toBe('BLOB_TAMPERED');
    expect(code(() => refOpenBlob(escrow, owner)).code).toBe('NO_MATCHING_KEY');
    expect(code(() => refOpenBlob({ ...escrow, serial: 'KW-0000-0000-0000-0000' }, authority)).code).toBe('MALFORMED');
    const { mac, ...noMac } = escrow;
    expect(mac).toHaveLength(43);
    expect(code(() => refOpenBlob(noMac, authority)).code).toBe('MALFORMED');
    expect(code(() => refDecryptWithBlob(enc(10).file, escrow, authority)).code).toBe('BLOB_MISMATCH');
  });

  it('recovery blob for the new owner', () => {
    const recovery = refMakeEscrowBlob({
      ...base, format: RECOVERY_FORMAT, owner: { name: 'Zoë', keyId: refKeyId(newOwnerPub) }, wrapForPublicKeyPem: newOwnerPub,
    });
    expect(refDecryptWithBlob(r.file, recovery, newOwner).plaintext.equals(r.plaintext)).toBe(true);
    expect(code(() => refOpenBlob(recovery, authority)).code).toBe('NO_MATCHING_KEY');
  });
});
