import { b64u, concat, fromB64u, u32be, utf8 } from '../bytes.ts';
import { expectCode } from '../test-support.ts';
import { type UnsealedBlob, canonicalBlobBytes, parseBlob, sealBlob, serializeBlob, verifyBlobMac } from './escrow-blob.ts';
import { serialFromFileId } from './serial.ts';

const fileId = new Uint8Array(16).fill(0x42);
const unsealed = (): UnsealedBlob => ({
  format: 'keyward-escrow/1',
  fileId: b64u(fileId),
  serial: serialFromFileId(fileId),
  description: 'Q3 accounts ✓',
  createdAt: '2026-11-28T12:00:00.000Z',
  owner: { name: 'Ada', keyId: `SHA256:${'a'.repeat(64)}` },
  authority: { name: 'IT', keyId: `SHA256:${'b'.repeat(64)}` },
  salt: b64u(new Uint8Array(16).fill(1)),
  headerHmac: b64u(new Uint8Array(32).fill(2)),
  wrappedKey: b64u(new Uint8Array(384).fill(3)),
});
const macKey = () =>
  globalThis.crypto.subtle.importKey('raw', new Uint8Array(32).fill(5), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

describe('escrow and recovery blobs (spec §5)', () => {
  it('builds canonical bytes as length-prefixed UTF-8 values in spec order', () => {
    const blob = unsealed();
    const values = [
      blob.format, blob.fileId, blob.serial, blob.description, blob.createdAt, blob.owner.name, blob.owner.keyId,
      blob.authority.name, blob.authority.keyId, blob.salt, blob.headerHmac, blob.wrappedKey,
    ];
    const expected = concat(...values.flatMap((v) => [u32be(utf8(v).length), utf8(v)]));
    expect(canonicalBlobBytes(blob)).toEqual(expected);
    // 'Q3 accounts ✓' is 13 characters but 15 UTF-8 bytes.
    expect(canonicalBlobBytes(blob)).toContain(15);
  });

  it('seals, serialises, parses and verifies', async () => {
    const key = await macKey();
    const sealed = await sealBlob(unsealed(), key);
    const text = serializeBlob(sealed);
    const parsed = parseBlob(text, 'keyward-escrow/1');
    expect(parsed).toEqual(sealed);
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      'format', 'fileId', 'serial', 'description', 'createdAt', 'owner', 'authority', 'salt', 'headerHmac', 'wrappedKey', 'mac',
    ]);
    await verifyBlobMac(parsed, key);
  });

  it.for<[string, (b: Record<string, unknown>) => void]>([
    ['description', (b) => (b.description = 'other')],
    ['createdAt', (b) => (b.createdAt = '2026-11-28T12:00:01.000Z')],
    ['owner name', (b) => ((b.owner as { name: string }).name = 'Eve')],
    ['serial', (b) => (b.serial = 'KW-0000-0000-0000-0000')],
    ['wrappedKey', (b) => (b.wrappedKey = b64u(new Uint8Array(384).fill(4)))],
  ])('detects a changed %s as BLOB_TAMPERED', async ([, change]) => {
    const key = await macKey();
    const blob = { ...(await sealBlob(unsealed(), key)) } as unknown as Record<string, unknown>;
    change(blob);
    await expectCode(verifyBlobMac(parseBlob(JSON.stringify(blob)), key), 'BLOB_TAMPERED');
  });

  it('refuses a key given twice (a false description first, the real one last), at any depth', async () => {
    const key = await macKey();
    const text = serializeBlob(await sealBlob(unsealed(), key));
    const falseFirst = text.replace('"description":', '"description": "Payroll backup, approved by the CFO",\n  "description":');
    expect((JSON.parse(falseFirst) as { description: string }).description).toBe(unsealed().description);
    await expectCode(() => parseBlob(falseFirst), 'MALFORMED', /twice/);
    await expectCode(() => parseBlob(text.replace('"name":', '"name": "Mallory", "name":')), 'MALFORMED', /twice/);
  });

  it('refuses a serial that does not belong to the fileId, even under a valid MAC', async () => {
    const key = await macKey();
    const sealed = await sealBlob({ ...unsealed(), serial: 'KW-0000-0000-0000-0000' }, key);
    await expectCode(verifyBlobMac(sealed, key), 'MALFORMED');
  });

  it.for<[string, (b: Record<string, unknown>) => void]>([
    ['another format', (b) => (b.format = 'keyward-escrow/2')],
    ['a missing mac', (b) => delete b.mac],
    ['a padded salt', (b) => (b.salt = `${b.salt as string}==`)],
    ['a bad serial', (b) => (b.serial = 'KW-1234')],
    ['a local time', (b) => (b.createdAt = '2026-11-28T12:00:00+01:00')],
    ['a missing owner', (b) => delete b.owner],
    ['a bad authority key ID', (b) => ((b.authority as { keyId: string }).keyId = 'SHA256:xyz')],
    ['a short headerHmac', (b) => (b.headerHmac = b64u(new Uint8Array(31)))],
    ['a numeric description', (b) => (b.description = 7)],
  ])('rejects %s as MALFORMED', async ([, change]) => {
    const blob = { ...(await sealBlob(unsealed(), await macKey())) } as unknown as Record<string, unknown>;
    change(blob);
    await expectCode(() => parseBlob(JSON.stringify(blob)), 'MALFORMED');
  });

  it('rejects text that is not a blob', async () => {
    await expectCode(() => parseBlob('not json'), 'MALFORMED');
    await expectCode(() => parseBlob('[1]'), 'MALFORMED');
    await expectCode(() => parseBlob('null'), 'MALFORMED');
    const escrow = await sealBlob(unsealed(), await macKey());
    await expectCode(() => parseBlob(serializeBlob(escrow), 'keyward-recovery/1'), 'MALFORMED');
    expect(fromB64u(escrow.mac)).toHaveLength(32);
  });
});
