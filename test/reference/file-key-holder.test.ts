/**
 * docs/security.md, "What a holder of the file key can change (format v1)":
 * whoever holds a file's key (here the backup authority, which unwraps it
 * from its stanza) can put a payload of its own under the file's header, byte
 * for byte, and Keyward opens the result for the owner without an error. This
 * test holds that sentence true; it is to fail, and be turned round, when
 * format v2 binds the payload to the owner's signature.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectBytes, importPrivateKey, openSource } from '../../src/core/index.ts';
import { bytesSource } from '../../src/core/pieces.ts';
import { deriveKeys, encryptPayload, refEncrypt, refParseFile, refUnwrap } from './keyward-node.ts';

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
