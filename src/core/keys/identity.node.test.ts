/**
 * Identities against OpenSSL (keyward-v2.md §2, §7): the identity ID is
 * `cat rsa.der ed25519.der | sha256sum` of the keys OpenSSL prints, OpenSSL
 * reads both blocks we write (the second once split off), we read an
 * Ed25519 key OpenSSL made, and OpenSSL verifies our signatures with
 * `pkeyutl -verify -rawin`. Node only: it runs the `openssl` binary.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concat, utf8 } from '../bytes.ts';
import { exportPrivateIdentity, exportPublicIdentity, identityFromKeyPair, importPrivateIdentity, importPublicIdentity, signAs } from './identity.ts';
import { encodePem, parsePemKeyBlocks } from './pem.ts';
import { exportPrivateKey, generateKeyPair, importPrivateKey } from './rsa.ts';

const KEYS_DIR = fileURLToPath(new URL('../testdata/keys/', import.meta.url));
let dir = '';

function openssl(args: readonly string[], input?: string | Uint8Array): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function file(name: string, content?: string | Uint8Array): string {
  const path = join(dir, name);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

/** §2 with OpenSSL alone: each public key as DER, the two concatenated (`cat rsa.der ed25519.der`), hashed. */
function opensslIdentityId(rsaKey: string, ed25519Key: string, inform: string[]): string {
  const rsaDer = openssl(['pkey', ...inform, '-in', rsaKey, '-pubout', '-outform', 'DER']);
  const edDer = openssl(['pkey', ...inform, '-in', ed25519Key, '-pubout', '-outform', 'DER']);
  const both = file('both.der', concat(rsaDer, edDer));
  const digest = /^([0-9a-f]{64}) /.exec(openssl(['dgst', '-sha256', '-r', both]).toString())![1]!;
  // node:crypto agrees, a second opinion on the same bytes.
  expect(createHash('sha256').update(readFileSync(both)).digest('hex')).toBe(digest);
  return `SHA256:${digest}`;
}

/** Splits an identity PEM into one file per block, as §7 tells an authority to. */
function split(name: string, text: string): [string, string] {
  const [rsa, ed] = parsePemKeyBlocks(text);
  return [file(`${name}.rsa.pem`, encodePem(rsa!.label, rsa!.der)), file(`${name}.ed25519.pem`, encodePem(ed!.label, ed!.der))];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-identity-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('identities and OpenSSL', () => {
  it('our identity ID is the one OpenSSL computes, from the public and the private identity', async () => {
    const identity = await identityFromKeyPair(await importPrivateKey(readFileSync(join(KEYS_DIR, 'owner.pem'), 'utf8'), { extractable: true }), {
      extractable: true,
    });
    const [rsaPub, edPub] = split('pub', await exportPublicIdentity(identity, 'pem'));
    expect(opensslIdentityId(rsaPub, edPub, ['-pubin'])).toBe(identity.id);
    const [rsaPriv, edPriv] = split('priv', await exportPrivateIdentity(identity, 'pem'));
    expect(opensslIdentityId(rsaPriv, edPriv, [])).toBe(identity.id);
    // OpenSSL reads the first block of the whole file as it is (§2).
    const whole = file('whole.pub.pem', await exportPublicIdentity(identity, 'pem'));
    expect(openssl(['pkey', '-pubin', '-in', whole, '-pubout', '-outform', 'DER']).equals(openssl(['pkey', '-pubin', '-in', rsaPub, '-pubout', '-outform', 'DER']))).toBe(true);
    // And both encrypted blocks under the one passphrase.
    const [rsaEnc, edEnc] = split('enc', await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase: 'open sesame', iterations: 1000 }));
    expect(opensslIdentityId(rsaEnc, edEnc, ['-passin', 'pass:open sesame'])).toBe(identity.id);
  });

  it('an Ed25519 key made by `openssl genpkey -algorithm ed25519` imports, plain and encrypted', async () => {
    const rsa = await generateKeyPair({ extractable: true });
    const rsaPem = await exportPrivateKey(rsa.privateKey, 'pkcs8-pem');
    const rsaPath = file('rsa.pem', rsaPem);
    const edPath = file('ed.pem');
    openssl(['genpkey', '-algorithm', 'ed25519', '-out', edPath]);
    const identity = await importPrivateIdentity(rsaPem + readFileSync(edPath, 'utf8'));
    expect(identity.id).toBe(opensslIdentityId(rsaPath, edPath, []));
    const publicText = openssl(['pkey', '-in', rsaPath, '-pubout']).toString() + openssl(['pkey', '-in', edPath, '-pubout']).toString();
    expect((await importPublicIdentity(publicText)).id).toBe(identity.id);

    const rsaEnc = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-iter', '1000', '-in', rsaPath, '-passout', 'pass:pw pw pw']).toString();
    const edEnc = openssl(['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA256', '-iter', '1000', '-in', edPath, '-passout', 'pass:pw pw pw']).toString();
    expect((await importPrivateIdentity(rsaEnc + edEnc, { passphrase: 'pw pw pw' })).id).toBe(identity.id);
  });

  it('OpenSSL verifies our signatures over utf8(context) || 0x00 || body', async () => {
    const identity = await identityFromKeyPair(await generateKeyPair(), { extractable: true });
    const [, edPub] = split('sig', await exportPublicIdentity(identity, 'pem'));
    const body = utf8('the canonical blob');
    const signature = file('sig.bin', await signAs(identity, 'keyward/v2 escrow', body));
    const input = file('input.bin', concat(utf8('keyward/v2 escrow'), Uint8Array.of(0), body));
    const verify = (path: string) => openssl(['pkeyutl', '-verify', '-pubin', '-inkey', edPub, '-rawin', '-in', path, '-sigfile', signature]).toString();
    expect(verify(input)).toMatch(/Signature Verified Successfully/);
    const other = file('other.bin', concat(utf8('keyward/v2 receipt'), Uint8Array.of(0), body));
    expect(() => verify(other)).toThrow();
  });
});
