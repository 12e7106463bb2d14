/**
 * Cross-checks against independent implementations (style guide §9): OpenSSL
 * must read what we write, we must read what OpenSSL writes, and our key ID
 * must be `openssl pkey -pubin -outform DER | sha256sum` (spec §1).
 * Node only: it runs the `openssl` binary and uses node:crypto.
 */
import { execFileSync } from 'node:child_process';
import { type JsonWebKey as NodeJwk, constants, createHash, createPrivateKey, createPublicKey, publicEncrypt } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBytes } from '../bytes.ts';
import { OAEP_LABEL } from './constants.ts';
import { exportPrivateKey, exportPublicKey, generateKeyPair, importPrivateKey, importPublicKey } from './rsa.ts';
import { unwrapFileKey } from './wrap.ts';
import { expectCode } from '../test-support.ts';

const KEYS_DIR = fileURLToPath(new URL('../testdata/keys/', import.meta.url));
let dir = '';

function openssl(args: readonly string[], input?: string | Uint8Array): Buffer {
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function file(name: string, content?: string): string {
  const path = join(dir, name);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

/** The key ID as spec §1 defines it, computed by OpenSSL alone. */
function opensslKeyId(pubPath: string, inform: string[] = ['-pubin']): string {
  const der = openssl(['pkey', ...inform, '-in', pubPath, '-pubout', '-outform', 'DER']);
  return `SHA256:${createHash('sha256').update(der).digest('hex')}`;
}


function isJwkObject(value: unknown): value is NodeJwk {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-keys-'));
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', file('base.pem')]);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('key IDs agree with OpenSSL', () => {
  const publicFiles = readdirSync(KEYS_DIR).filter((name) => name.endsWith('.pub.pem') && !/^(ec-|weak-)/.test(name));

  it.each(publicFiles)('%s', async (name) => {
    const path = join(KEYS_DIR, name);
    const info = await importPublicKey(readFileSync(path, 'utf8'));
    expect(info.keyId).toBe(opensslKeyId(path));
    const privateText = readFileSync(path.replace('.pub.pem', '.pem'), 'utf8');
    if (!privateText.includes('ENCRYPTED')) expect((await importPrivateKey(privateText)).keyId).toBe(info.keyId);
  });
});

describe('OpenSSL reads what we write', () => {
  it('encrypted PKCS#8 with the default 600000 iterations, and not with a wrong passphrase', async () => {
    const info = await importPrivateKey(readFileSync(file('base.pem'), 'utf8'), { extractable: true });
    const path = file('ours-encrypted.pem', await exportPrivateKey(info.privateKey, 'encrypted-pkcs8-pem', { passphrase: 'tr0ub4dor & 3' }));
    const der = openssl(['pkey', '-in', path, '-passin', 'pass:tr0ub4dor & 3', '-pubout', '-outform', 'DER']);
    expect(`SHA256:${createHash('sha256').update(der).digest('hex')}`).toBe(info.keyId);
    expect(openssl(['asn1parse', '-in', path]).toString()).toMatch(/hmacWithSHA256[\s\S]*aes-256-cbc/);
    expect(() => openssl(['pkey', '-in', path, '-passin', 'pass:wrong', '-noout'])).toThrow();
  });

  it('PKCS#8, PKCS#1 and JWK private keys, and SPKI, PKCS#1 and JWK public keys', async () => {
    const info = await importPrivateKey(readFileSync(file('base.pem'), 'utf8'), { extractable: true });
    const pkcs8 = file('ours.pem', await exportPrivateKey(info.privateKey, 'pkcs8-pem'));
    const pkcs1 = file('ours-pkcs1.pem', await exportPrivateKey(info.privateKey, 'pkcs1-pem'));
    const spki = file('ours.pub.pem', await exportPublicKey(info.publicKey, 'spki-pem'));
    const pkcs1Pub = file('ours-pkcs1.pub.pem', await exportPublicKey(info.publicKey, 'pkcs1-pem'));
    expect(openssl(['rsa', '-in', pkcs8, '-check', '-noout']).toString()).toMatch(/RSA key ok/);
    expect(openssl(['rsa', '-in', pkcs1, '-check', '-noout']).toString()).toMatch(/RSA key ok/);
    expect(opensslKeyId(pkcs8, [])).toBe(info.keyId);
    expect(opensslKeyId(pkcs1, [])).toBe(info.keyId);
    expect(opensslKeyId(spki)).toBe(info.keyId);
    const fromPkcs1 = openssl(['rsa', '-RSAPublicKey_in', '-in', pkcs1Pub, '-pubout', '-outform', 'DER']);
    expect(`SHA256:${createHash('sha256').update(fromPkcs1).digest('hex')}`).toBe(info.keyId);
    // node:crypto (OpenSSL's JWK code) as the independent JWK reader.
    const jwkPublic: unknown = JSON.parse(await exportPublicKey(info.publicKey, 'jwk'));
    const jwkPrivate: unknown = JSON.parse(await exportPrivateKey(info.privateKey, 'jwk'));
    for (const jwk of [jwkPublic, jwkPrivate]) {
      if (!isJwkObject(jwk)) expect.fail('export is not a JSON object');
      const der = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' });
      expect(`SHA256:${createHash('sha256').update(der).digest('hex')}`).toBe(info.keyId);
    }
  });
});

describe('we read what OpenSSL and node:crypto write', () => {
  const pass = ['-passout', 'pass:s3cret'];
  it.each([
    ['PKCS#1 (openssl rsa -traditional)', ['rsa', '-traditional'], undefined],
    ['AES-128-CBC with HMAC-SHA1', ['pkcs8', '-topk8', '-v2', 'aes-128-cbc', '-v2prf', 'hmacWithSHA1', '-iter', '1000', ...pass], 's3cret'],
    ['AES-192-CBC', ['pkcs8', '-topk8', '-v2', 'aes-192-cbc', '-iter', '1000', ...pass], 's3cret'],
    ['AES-256-CBC with HMAC-SHA512', ['pkcs8', '-topk8', '-v2', 'aes-256-cbc', '-v2prf', 'hmacWithSHA512', ...pass], 's3cret'],
  ])('%s', async (_name, args, passphrase) => {
    const text = openssl([...args, '-in', file('base.pem')]).toString();
    const info = await importPrivateKey(text, passphrase === undefined ? {} : { passphrase });
    expect(info.keyId).toBe(opensslKeyId(file('base.pem'), []));
    if (passphrase) await expectCode(importPrivateKey(text, { passphrase: 'S3cret' }), 'PASSPHRASE_WRONG');
  });

  it.each([
    ['PBES1 3DES (-v1)', ['pkcs8', '-topk8', '-v1', 'PBE-SHA1-3DES', ...pass], /PKCS#12 PBE with 3DES/],
    ['PBES2 with 3DES', ['pkcs8', '-topk8', '-v2', 'des3', ...pass], /DES-EDE3-CBC/],
    ['PBES2 with scrypt', ['pkcs8', '-topk8', '-scrypt', ...pass], /scrypt/],
    ['legacy PEM encryption', ['rsa', '-aes256', '-traditional', ...pass], /legacy OpenSSL-encrypted/],
  ])('refuses %s as KEY_UNREADABLE, naming it', async (_name, args, reason) => {
    const text = openssl([...args, '-in', file('base.pem')]).toString();
    await expectCode(importPrivateKey(text, { passphrase: 's3cret' }), 'KEY_UNREADABLE', reason);
  });

  it('a key with public exponent 3', async () => {
    const path = file('e3.pem');
    openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_keygen_pubexp:3', '-out', path]);
    const info = await importPrivateKey(readFileSync(path, 'utf8'));
    expect(info.keyId).toBe(opensslKeyId(path, []));
  });

  it.each([
    ['Ed25519', ['genpkey', '-algorithm', 'ed25519'], /Ed25519/, true],
    ['X25519', ['genpkey', '-algorithm', 'x25519'], /X25519/, true],
    ['EC P-384 with its parameters block', ['ecparam', '-name', 'secp384r1', '-genkey'], /EC key/, false],
    ['RSA-PSS', ['genpkey', '-algorithm', 'RSA-PSS', '-pkeyopt', 'rsa_keygen_bits:2048'], /RSASSA-PSS/, true],
    // Its public half is an ordinary RSA public key, so only the private key is refused.
    ['three-prime RSA', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-pkeyopt', 'rsa_keygen_primes:3'], /multi-prime/, false],
  ])('refuses %s as KEY_UNSUPPORTED', async (_name, args, reason, checkPublic) => {
    const text = openssl(args).toString();
    await expectCode(importPrivateKey(text), 'KEY_UNSUPPORTED', reason);
    if (checkPublic) {
      const pub = openssl(['pkey', '-pubout'], text).toString();
      await expectCode(importPublicKey(pub), 'KEY_UNSUPPORTED', reason);
    }
  });

  it('JWKs from node:crypto, and a file key node:crypto wrapped for them', async () => {
    const key = createPrivateKey(readFileSync(file('base.pem')));
    const info = await importPrivateKey(JSON.stringify(key.export({ format: 'jwk' })));
    const pub = await importPublicKey(JSON.stringify(createPublicKey(key).export({ format: 'jwk' })));
    expect(info.keyId).toBe(opensslKeyId(file('base.pem'), []));
    expect(pub.keyId).toBe(info.keyId);
    const fileKey = toBytes(Buffer.alloc(32, 7));
    const wrapped = publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: OAEP_LABEL },
      fileKey,
    );
    expect(await unwrapFileKey(toBytes(wrapped), info.privateKey)).toEqual(fileKey);
  });

  it('a weak key OpenSSL made today', async () => {
    const text = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1536']).toString();
    await expectCode(importPrivateKey(text), 'KEY_TOO_WEAK');
  });

  it('keys we generate, read back by OpenSSL', async () => {
    const info = await generateKeyPair({ extractable: true });
    const path = file('generated.pem', await exportPrivateKey(info.privateKey, 'pkcs8-pem'));
    expect(openssl(['rsa', '-in', path, '-check', '-noout']).toString()).toMatch(/RSA key ok/);
    expect(opensslKeyId(path, [])).toBe(info.keyId);
    expect(openssl(['rsa', '-in', path, '-text', '-noout']).toString()).toMatch(/Private-Key: \(3072 bit, 2 primes\)[\s\S]*publicExponent: 65537/);
  });
});
