import { b64u, concat, fromB64u, fromUtf8, u32be, utf8 } from './bytes.ts';
import { type Unlock, openFile, openSource, summarizeHeader } from './decrypt-file.ts';
import { bytesSource } from './pieces.ts';
import { type UnsignedEncryptOptions, encryptFile } from './encrypt-file.ts';
import { type KeyBlob, parseBlob, serializeBlob } from './format/escrow-blob.ts';
import { parseHeader } from './format/header.ts';
import type { FileMeta } from './format/meta.ts';
import { issueRecoveryBlob, openBlob } from './recover.ts';
import { collectBytes, streamFromBytes } from './streams.ts';
import { expectCode, makeKeyPair, patternBytes, expectSameBytes } from './test-support.ts';
import type { PrivateKeyInfo } from './keys/types.ts';

let owner: PrivateKeyInfo;
let authority: PrivateKeyInfo;
let friend: PrivateKeyInfo;
let newOwner: PrivateKeyInfo;
let stranger: PrivateKeyInfo;
beforeAll(async () => {
  [owner, authority, friend, newOwner, stranger] = await Promise.all([makeKeyPair(), makeKeyPair(), makeKeyPair(), makeKeyPair(), makeKeyPair()]);
});

const metaOf = (plain: Uint8Array, name = 'report.pdf'): FileMeta => ({ name, type: 'application/pdf', size: plain.length, lastModified: 1_764_000_000_000 });

async function encrypt(plain: Uint8Array, options: Partial<UnsignedEncryptOptions> = {}) {
  const encrypted = await encryptFile(streamFromBytes(plain), {
    meta: metaOf(plain),
    owner,
    authority,
    ownerName: 'Ada',
    authorityName: 'IT backup',
    description: 'quarterly report',
    chunkSize: 65536,
    now: new Date('2026-11-28T12:00:00.000Z'),
    ...options,
  });
  const file = await collectBytes(encrypted.stream);
  return { ...encrypted, file };
}

async function decrypt(file: Uint8Array, unlock: Unlock) {
  const opened = await openFile(streamFromBytes(file), unlock);
  return { ...opened, bytes: await collectBytes(opened.plaintext) };
}

describe('encrypting and opening a file (spec §2–§5)', () => {
  it('round-trips for the owner, with the metadata', async () => {
    const plain = patternBytes(200_000, 1);
    const { file, encryptedSize, fileId, serial } = await encrypt(plain);
    expect(file.length).toBe(encryptedSize);
    const result = await decrypt(file, { keys: [stranger, owner] });
    expectSameBytes(result.bytes, plain);
    expect(result.meta).toEqual(metaOf(plain));
    expect(result.stanza?.role).toBe('owner');
    expect(summarizeHeader(result.parsed)).toMatchObject({ fileId, serial, chunkSize: 65536, recipients: [{ role: 'owner', keyId: owner.keyId }] });
  });

  it('keeps the file name out of the clear', async () => {
    const { file } = await encrypt(utf8('secret'), { meta: { ...metaOf(utf8('secret')), name: 'my-diary-2026.txt' } });
    expect(new TextDecoder('latin1').decode(file).includes('my-diary')).toBe(false);
    expect(new TextDecoder('latin1').decode(file).includes('KEYWARD/1')).toBe(true);
  });

  it('writes one owner stanza by default, and more on request', async () => {
    const plain = patternBytes(10, 2);
    expect(parseHeader((await encrypt(plain)).file).header.recipients.map((s) => s.role)).toEqual(['owner']);
    const shared = await encrypt(plain, { recipients: [friend], embedAuthority: true });
    const roles = parseHeader(shared.file).header.recipients.map((s) => [s.role, s.keyId]);
    expect(roles).toEqual([['owner', owner.keyId], ['recipient', friend.keyId], ['authority', authority.keyId]]);
    expectSameBytes((await decrypt(shared.file, { keys: [friend] })).bytes, plain);
    expectSameBytes((await decrypt(shared.file, { keys: [authority] })).bytes, plain);
  });

  it('makes an escrow blob that carries what §5 says', async () => {
    const { escrowBlob, file, fileId, serial } = await encrypt(patternBytes(5, 3));
    const parsed = parseHeader(file);
    expect(escrowBlob).toMatchObject({
      format: 'keyward-escrow/1',
      fileId,
      serial,
      description: 'quarterly report',
      createdAt: '2026-11-28T12:00:00.000Z',
      owner: { name: 'Ada', keyId: owner.keyId },
      authority: { name: 'IT backup', keyId: authority.keyId },
      salt: parsed.header.salt,
      headerHmac: b64u(parsed.hmac),
    });
    expect(serial).toMatch(/^KW-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(parseBlob(serializeBlob(escrowBlob), 'keyward-escrow/1')).toEqual(escrowBlob);
  });

  it('lets the authority open the file with the escrow blob', async () => {
    const plain = patternBytes(70_000, 4);
    const { file, escrowBlob } = await encrypt(plain);
    expectSameBytes((await decrypt(file, { blob: escrowBlob, key: authority })).bytes, plain);
  });

  it('lets the owner open the file with a recovery blob for a new key', async () => {
    const plain = patternBytes(70_000, 5);
    const { file, escrowBlob } = await encrypt(plain);
    const recovery = await issueRecoveryBlob(escrowBlob, authority, { newOwner, now: new Date('2027-01-02T03:04:05.000Z') });
    expect(recovery).toMatchObject({
      format: 'keyward-recovery/1',
      fileId: escrowBlob.fileId,
      serial: escrowBlob.serial,
      description: escrowBlob.description,
      createdAt: '2027-01-02T03:04:05.000Z',
      owner: { name: 'Ada', keyId: newOwner.keyId },
      authority: escrowBlob.authority,
      headerHmac: escrowBlob.headerHmac,
    });
    await expectCode(decrypt(file, { keys: [newOwner] }), 'NO_MATCHING_KEY');
    expectSameBytes((await decrypt(file, { blob: parseBlob(serializeBlob(recovery)), key: newOwner })).bytes, plain);
  });

  describe('refuses', () => {
    it('a file for nobody it holds, naming the key IDs', async () => {
      const { file } = await encrypt(patternBytes(10, 6), { recipients: [friend] });
      const error = await expectCode(decrypt(file, { keys: [stranger] }), 'NO_MATCHING_KEY');
      expect(error.details.keyIds).toEqual([owner.keyId, friend.keyId]);
      expect(error.message).toContain(owner.keyId);
    });

    it('a stanza that does not unwrap', async () => {
      const { file } = await encrypt(patternBytes(10, 7));
      const parsed = parseHeader(file);
      const json = JSON.parse(fromUtf8(parsed.headerBytes.subarray(14))) as { recipients: { wrappedKey: string }[] };
      const wrapped = fromB64u(json.recipients[0]!.wrappedKey);
      wrapped[10]! ^= 1;
      json.recipients[0]!.wrappedKey = b64u(wrapped);
      const header = utf8(JSON.stringify(json));
      const forged = concat(utf8('KEYWARD/1\n'), u32be(header.length), header, file.subarray(parsed.headerBytes.length));
      await expectCode(decrypt(forged, { keys: [owner] }), 'UNWRAP_FAILED');
    });

    it('a header changed after encryption', async () => {
      const { file } = await encrypt(patternBytes(10, 8), { extraHeaderFields: { note: 'aaaa' } });
      const { headerBytes } = parseHeader(file);
      const json = fromUtf8(headerBytes.subarray(14)).replace('"note":"aaaa"', '"note":"aaab"');
      const changed = concat(headerBytes.subarray(0, 14), utf8(json), file.subarray(headerBytes.length));
      expect(changed.length).toBe(file.length);
      await expectCode(decrypt(changed, { keys: [owner] }), 'HEADER_TAMPERED');
      const badMac = file.slice();
      badMac[parseHeader(file).headerBytes.length + 3]! ^= 1;
      await expectCode(decrypt(badMac, { keys: [owner] }), 'HEADER_TAMPERED');
    });

    it('a blob for another file', async () => {
      const a = await encrypt(patternBytes(10, 9));
      const b = await encrypt(patternBytes(10, 9));
      await expectCode(decrypt(b.file, { blob: a.escrowBlob, key: authority }), 'BLOB_MISMATCH');
    });

    it('a tampered escrow blob', async () => {
      const { file, escrowBlob } = await encrypt(patternBytes(10, 10));
      const tampered: KeyBlob = { ...escrowBlob, description: 'changed' };
      await expectCode(decrypt(file, { blob: tampered, key: authority }), 'BLOB_TAMPERED');
      await expectCode(openBlob(tampered, authority), 'BLOB_TAMPERED');
    });

    it('a blob opened with a key it is not for', async () => {
      const { escrowBlob } = await encrypt(patternBytes(10, 11));
      const error = await expectCode(openBlob(escrowBlob, owner), 'NO_MATCHING_KEY');
      expect(error.details.keyIds).toEqual([authority.keyId]);
      const recovery = await issueRecoveryBlob(escrowBlob, authority, { newOwner });
      await expectCode(openBlob(recovery, stranger), 'NO_MATCHING_KEY');
      await expectCode(issueRecoveryBlob(recovery, authority, { newOwner }), 'MALFORMED');
    });

    it('a chunk changed after encryption, with no plaintext released after it', async () => {
      const plain = patternBytes(3 * 65536, 12);
      const { file } = await encrypt(plain);
      const prefix = parseHeader(file).prefixSize;
      const changed = file.slice();
      changed[prefix + 65552 + 100]! ^= 4;
      const error = await expectCode(decrypt(changed, { keys: [owner] }), 'CHUNK_TAMPERED');
      expect(error.details.chunkIndex).toBe(1);
    });

    it('a file cut short or with bytes appended', async () => {
      const { file } = await encrypt(patternBytes(2 * 65536, 13));
      await expectCode(decrypt(file.subarray(0, file.length - 65552), { keys: [owner] }), 'TRUNCATED');
      await expectCode(decrypt(concat(file, new Uint8Array(1)), { keys: [owner] }), 'TRAILING_DATA');
      await expectCode(decrypt(file.subarray(0, parseHeader(file).prefixSize), { keys: [owner] }), 'TRUNCATED');
      await expectCode(decrypt(file.subarray(0, 100), { keys: [owner] }), 'TRUNCATED');
    });

    it('a file cut exactly at a chunk boundary, however many chunks came before, as TRUNCATED', async () => {
      const { file } = await encrypt(patternBytes(150 * 65536 + 10, 14));
      const prefixSize = parseHeader(file).prefixSize;
      for (const kept of [1, 31, 149, 150]) {
        const cut = file.subarray(0, prefixSize + kept * 65552);
        await expectCode(decrypt(cut, { keys: [owner] }), 'TRUNCATED');
        await expectCode(async () => collectBytes((await openSource(bytesSource(cut), { keys: [owner] }, { pieceBytes: 31 * 65552 })).plaintext), 'TRUNCATED');
      }
    });

    it('keys under 2048 bits, when used', async () => {
      const weak = await makeKeyPair(1024);
      await expectCode(encrypt(patternBytes(1, 1), { owner: weak }), 'KEY_TOO_WEAK');
      await expectCode(encrypt(patternBytes(1, 1), { authority: weak }), 'KEY_TOO_WEAK');
    });
  });
});
