/**
 * docs/security.md, "What a holder of the file key can change (format v1)":
 * whoever holds a file's key (here the backup authority, which unwraps it
 * from its stanza) can put a payload of its own under the file's header, byte
 * for byte, and Keyward opens the result for the owner without an error. The
 * first test holds that sentence true for v1 files, which still open as
 * before. The second makes the same attack on a v2 file (the authority takes
 * the key from the owner's escrow blob): the owner's signature covers a digest
 * of every stored chunk, so core and the reference refuse it with
 * SIGNATURE_INVALID and release nothing of the forged payload's last chunk
 * (nothing at all for a one-chunk file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectBytes, importPrivateIdentity, importPrivateKey, isKeywardError, openSource } from '../../src/core/index.ts';
import { bytesSource } from '../../src/core/pieces.ts';
import {
  RefError, deriveKeys, encryptPayload, refCheckEscrow, refDecrypt, refEncrypt, refEncryptV2, refMakeEscrowV2, refParseFile,
  refPrivateIdentityPem, refUnwrap, refVerify,
} from './keyward-node.ts';
import { testIdentity } from './identities.ts';

const KEYS = join(import.meta.dirname, '..', '..', 'src', 'core', 'testdata', 'keys');
const pem = (name: string) => readFileSync(join(KEYS, name), 'utf8');

describe('format v1: a holder of the file key', () => {
  it('can replace the payload under the same header, and the owner opens it without an error', async () => {
    const original = Buffer.from('Pay Alice 100 EUR.\n'.repeat(4000));
    const made = refEncrypt({
      plaintext: original,
      chunkSize: 65536,
      meta: { name: 'order.txt', type: 'text/plain', size: original.length, lastModified: 0 },
      recipients: [
        { role: 'owner', publicKeyPem: pem('owner.pub.pem') },
        { role: 'authority', publicKeyPem: pem('authority.pub.pem') },
      ],
    });

    // The authority unwraps the file key from its own stanza, as it may.
    const parsed = refParseFile(made.file);
    const stanzas = parsed.header.recipients as { role: string; wrappedKey: string }[];
    const authorityStanza = stanzas.find((s) => s.role === 'authority')!;
    const fileKey = refUnwrap(Buffer.from(authorityStanza.wrappedKey, 'base64url'), pem('authority.pem'));
    // The header and its HMAC, byte for byte; a new payload of the same size under the same payload key.
    const forged = Buffer.from('Pay Mallory 9999 EUR\n'.repeat(4000)).subarray(0, original.length);
    const prefix = made.file.subarray(0, parsed.headerBytes.length + 32);
    const file = Buffer.concat([prefix, encryptPayload(deriveKeys(fileKey, parsed.salt).payloadKey, forged, parsed.chunkSize)]);

    const opened = await openSource(bytesSource(file), { keys: [await importPrivateKey(pem('owner.pem'))] });
    const plaintext = await collectBytes(opened.plaintext);
    expect(Buffer.from(plaintext).equals(forged)).toBe(true);
    expect(opened.meta.name).toBe('order.txt');
  });
});

describe('format v2: a holder of the file key', () => {
  const owner = testIdentity('owner');
  const authority = testIdentity('authority');
  const original = Buffer.from('Pay Alice 100 EUR.\n'.repeat(4000)); // two chunks of 64 KiB
  const made = refEncryptV2({
    plaintext: original, chunkSize: 65536, signer: owner,
    meta: { name: 'order.txt', type: 'text/plain', size: original.length, lastModified: 0 },
  });
  const blob = refMakeEscrowV2({
    file: made.file, fileKey: made.fileKey, owner, ownerName: 'Alice', authority, authorityName: 'Backup Desk', description: 'orders',
    createdAt: '2026-12-06T07:00:00.000Z',
  });
  // The authority checks the owner's escrow blob and so holds the file key, as it may.
  const checked = refCheckEscrow(blob, authority);
  const fileKey = checked.fileKey;
  const forged = Buffer.from('Pay Mallory 9999 EUR\n'.repeat(4000)).subarray(0, original.length);
  // Prefix and signature byte for byte; a new payload of the same size under the same payload key.
  const file = Buffer.concat([made.prefix, encryptPayload(deriveKeys(fileKey, made.salt).payloadKey, forged, 65536), made.signature]);

  it('cannot replace the payload of a signed file: the reference refuses it with SIGNATURE_INVALID and no plaintext', () => {
    expect(fileKey.equals(made.fileKey)).toBe(true);
    expect(file.length).toBe(made.file.length);
    let plaintext: Buffer | undefined;
    let err: unknown;
    try {
      plaintext = refDecrypt(file, owner.rsaPrivatePem, { expectSigner: owner.id }).plaintext;
    } catch (e) {
      err = e;
    }
    expect(plaintext).toBeUndefined();
    expect(err).toBeInstanceOf(RefError);
    expect((err as RefError).code).toBe('SIGNATURE_INVALID');
    expect(() => refVerify(file)).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }) as Error);
    // The untouched file opens, so the refusal is the payload's doing.
    expect(refDecrypt(made.file, owner.rsaPrivatePem, { expectSigner: owner.id }).plaintext.equals(original)).toBe(true);
  });
});

describe('format v2: a holder of the file key, against core', () => {
  /** Reads core's plaintext stream to its end or its error, keeping what it released. */
  async function readAll(file: Buffer): Promise<{ released: Buffer; code: string }> {
    const owner = await importPrivateIdentity(refPrivateIdentityPem(testIdentity('owner')));
    const parts: Uint8Array[] = [];
    try {
      const opened = await openSource(bytesSource(new Uint8Array(file)), { keys: [owner.encryption] }, {}, { expectSigner: owner.id });
      const reader = opened.plaintext.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return { released: Buffer.concat(parts), code: 'ok' };
        parts.push(value);
      }
    } catch (e) {
      if (!isKeywardError(e)) throw e;
      return { released: Buffer.concat(parts), code: e.code };
    }
  }
  function forge(size: number) {
    const owner = testIdentity('owner');
    const authority = testIdentity('authority');
    const original = Buffer.from('Pay Alice 100 EUR.\n'.repeat(Math.ceil(size / 19))).subarray(0, size);
    const made = refEncryptV2({ plaintext: original, chunkSize: 65536, signer: owner, meta: { name: 'order.txt', type: 'text/plain', size, lastModified: 0 } });
    const blob = refMakeEscrowV2({ file: made.file, fileKey: made.fileKey, owner, ownerName: 'Alice', authority, authorityName: 'Desk', description: '', createdAt: '2026-12-06T07:00:00.000Z' });
    const fileKey = refCheckEscrow(blob, authority).fileKey;
    const forged = Buffer.from('Pay Mallory 9999 EUR\n'.repeat(Math.ceil(size / 21))).subarray(0, size);
    const file = Buffer.concat([made.prefix, encryptPayload(deriveKeys(fileKey, made.salt).payloadKey, forged, 65536), made.signature]);
    return { made, file, original, forged };
  }

  it('refuses a one-chunk forgery with SIGNATURE_INVALID and releases no byte', async () => {
    const { made, file, original } = forge(5000);
    const out = await readAll(file);
    expect(out.code).toBe('SIGNATURE_INVALID');
    expect(out.released.length).toBe(0);
    const good = await readAll(made.file);
    expect(good.code).toBe('ok');
    expect(good.released.equals(original)).toBe(true);
  });

  it('refuses a two-chunk forgery with SIGNATURE_INVALID; the last chunk is never released', async () => {
    const { file, forged } = forge(76000);
    const out = await readAll(file);
    expect(out.code).toBe('SIGNATURE_INVALID');
    expect(out.released.length).toBeLessThan(forged.length);
    expect(forged.subarray(0, out.released.length).equals(out.released)).toBe(true);
    expect(() => refDecrypt(file, testIdentity('owner').rsaPrivatePem)).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }) as Error);
  });
});
