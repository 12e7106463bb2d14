import { describe, expect, it } from 'vitest';
import ownerPem from '../testdata/keys/owner.pem?raw';
import ownerPubPem from '../testdata/keys/owner.pub.pem?raw';
import ownerPkcs1Pem from '../testdata/keys/owner-pkcs1.pem?raw';
import ownerPkcs1PubPem from '../testdata/keys/owner-pkcs1.pub.pem?raw';
import ownerEncryptedPem from '../testdata/keys/owner-encrypted.pem?raw';
import ownerEncryptedPubPem from '../testdata/keys/owner-encrypted.pub.pem?raw';
import passphraseFile from '../testdata/keys/owner-encrypted.passphrase.txt?raw';
import rsa4096Pem from '../testdata/keys/rsa4096.pem?raw';
import weakPem from '../testdata/keys/weak-1024.pem?raw';
import weakPubPem from '../testdata/keys/weak-1024.pub.pem?raw';
import ecPem from '../testdata/keys/ec-p256.pem?raw';
import ecPubPem from '../testdata/keys/ec-p256.pub.pem?raw';
import { b64u, randomBytes } from '../bytes.ts';
import { isKeywardError } from '../errors.ts';
import { encodePem, parsePem } from './pem.ts';
import { encryptPrivateKeyInfo, parseEncryptedPrivateKeyInfo } from './pbes2.ts';
import { encodePkcs8, encodeRsaPrivateKey, encodeRsaPublicKey, encodeSpki, parsePkcs8, parseSpki } from './pkcs1.ts';
import {
  detectKeyFormat,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importAnyKey,
  importPrivateKey,
  importPublicKey,
} from './rsa.ts';
import type { PrivateKeyInfo, PublicKeyInfo } from './types.ts';
import { unwrapFileKey, wrapFileKey } from './wrap.ts';
import { expectCode } from '../test-support.ts';

/** `openssl pkey -pubin -in KEY.pub.pem -outform DER | sha256sum`, computed once. */
const KEY_IDS = {
  owner: 'SHA256:3d741284c7c1ba6f1864cecbfe541cd4985ede2187e482b38ef40659fbce9542',
  ownerPkcs1: 'SHA256:82252befb53ec0e194f581cfeae421d3e1673cc7289e786c88c06e25f41d6e38',
  ownerEncrypted: 'SHA256:3ac6bf8ff522930bdf8c18fa158321609980bc97675139587ecb3db1176709df',
  rsa4096: 'SHA256:19f514b6c9ca4c278da90ee6907294a3dbd5b0b4460b2b194f0d8f281f895a97',
};
const passphrase = passphraseFile.trim();

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}


function expectPublicKey(info: PublicKeyInfo, keyId: string, bits = 3072): void {
  expect(info.keyId).toBe(keyId);
  expect(info.modulusBits).toBe(bits);
  expect(info.publicKey.type).toBe('public');
  expect(info.publicKey.algorithm).toMatchObject({ name: 'RSA-OAEP', hash: { name: 'SHA-256' }, modulusLength: bits });
  expect(info.publicKey.extractable).toBe(true);
  expect(info.publicKey.usages).toEqual(['encrypt']);
}

function expectPrivateKey(info: PrivateKeyInfo, keyId: string, extractable: boolean, bits = 3072): void {
  expectPublicKey(info, keyId, bits);
  expect(info.privateKey.type).toBe('private');
  expect(info.privateKey.algorithm).toMatchObject({ name: 'RSA-OAEP', hash: { name: 'SHA-256' }, modulusLength: bits });
  expect(info.privateKey.extractable).toBe(extractable);
  expect(info.privateKey.usages).toEqual(['decrypt']);
}

/** The pair really is a pair: a file key wrapped for the public key unwraps with the private key. */
async function expectWorkingPair(info: PrivateKeyInfo): Promise<void> {
  const fileKey = randomBytes(32);
  expect(await unwrapFileKey(await wrapFileKey(fileKey, info.publicKey), info.privateKey)).toEqual(fileKey);
}

const owner = await importPrivateKey(ownerPem, { extractable: true });
const ownerPrivateJwk = await exportPrivateKey(owner.privateKey, 'jwk');
const ownerPublicJwk = await exportPublicKey(owner.publicKey, 'jwk');

function withMembers(jwk: string, changes: Record<string, unknown>): string {
  const value: unknown = JSON.parse(jwk);
  return JSON.stringify(Object.assign({}, value, changes));
}

function memberOf(jwk: string, name: string): unknown {
  const value: unknown = JSON.parse(jwk);
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

describe('detectKeyFormat', () => {
  it.each([
    ['SPKI PEM', ownerPubPem, 'spki-pem', 'public', false],
    ['PKCS#1 public PEM', ownerPkcs1PubPem, 'pkcs1-public-pem', 'public', false],
    ['PKCS#8 PEM', ownerPem, 'pkcs8-pem', 'private', false],
    ['PKCS#1 private PEM', ownerPkcs1Pem, 'pkcs1-private-pem', 'private', false],
    ['encrypted PKCS#8 PEM', ownerEncryptedPem, 'encrypted-pkcs8-pem', 'private', true],
    ['public JWK', ownerPublicJwk, 'jwk-public', 'public', false],
    ['private JWK', ownerPrivateJwk, 'jwk-private', 'private', false],
    ['a weak key (size is for import to judge)', weakPem, 'pkcs8-pem', 'private', false],
  ])('recognises %s', (_name, input, format, kind, encrypted) => {
    expect(detectKeyFormat(input)).toEqual({ format, kind, encrypted });
  });

  it('recognises a PEM with a byte-order mark, CRLF and text around it', () => {
    const pasted = `\uFEFFHere is my key:\r\n${ownerPubPem.replace(/\n/g, '\r\n')}\r\nThanks`;
    expect(detectKeyFormat(pasted).format).toBe('spki-pem');
  });
});

describe('importing public keys', () => {
  it.each([
    ['SPKI PEM', ownerPubPem, KEY_IDS.owner],
    ['PKCS#1 RSA PUBLIC KEY PEM', ownerPkcs1PubPem, KEY_IDS.ownerPkcs1],
    ['public JWK', ownerPublicJwk, KEY_IDS.owner],
    ['JWK labelled for signatures', withMembers(ownerPublicJwk, { alg: 'RS256', use: 'sig', key_ops: ['verify'] }), KEY_IDS.owner],
    ['JWK labelled RSA-OAEP (SHA-1)', withMembers(ownerPublicJwk, { alg: 'RSA-OAEP', ext: false }), KEY_IDS.owner],
    ['JWK with only kty, n and e', withMembers(ownerPublicJwk, { alg: undefined, ext: undefined, key_ops: undefined }), KEY_IDS.owner],
  ])('imports %s', async (_name, input, keyId) => {
    expectPublicKey(await importPublicKey(input), keyId);
  });

  it('imports a 4096-bit key', async () => {
    const info = await importPrivateKey(rsa4096Pem);
    expectPublicKey(await importPublicKey(await exportPublicKey(info.publicKey, 'spki-pem')), KEY_IDS.rsa4096, 4096);
  });
});

describe('importing private keys', () => {
  it.each([
    ['PKCS#8 PEM', ownerPem, KEY_IDS.owner],
    ['PKCS#1 RSA PRIVATE KEY PEM', ownerPkcs1Pem, KEY_IDS.ownerPkcs1],
    ['private JWK', ownerPrivateJwk, KEY_IDS.owner],
    ['private JWK labelled RS256', withMembers(ownerPrivateJwk, { alg: 'RS256', key_ops: ['sign'] }), KEY_IDS.owner],
  ])('imports %s, non-extractable by default', async (_name, input, keyId) => {
    const info = await importPrivateKey(input);
    expectPrivateKey(info, keyId, false);
    await expectWorkingPair(info);
  });

  it('imports the OpenSSL encrypted PKCS#8 with its passphrase', async () => {
    const info = await importPrivateKey(ownerEncryptedPem, { passphrase });
    expectPrivateKey(info, KEY_IDS.ownerEncrypted, false);
    expect((await importPublicKey(ownerEncryptedPubPem)).keyId).toBe(info.keyId);
    await expectWorkingPair(info);
  });

  it('needs the passphrase, and the right one', async () => {
    await expectCode(importPrivateKey(ownerEncryptedPem), 'PASSPHRASE_REQUIRED');
    await expectCode(importPrivateKey(ownerEncryptedPem, { passphrase: '' }), 'PASSPHRASE_REQUIRED');
    await expectCode(importAnyKey(ownerEncryptedPem), 'PASSPHRASE_REQUIRED');
    await expectCode(importPrivateKey(ownerEncryptedPem, { passphrase: 'correct-horse-battery-staple' }), 'PASSPHRASE_WRONG');
  });

  it('makes the private key extractable only when asked', async () => {
    const info = await importPrivateKey(ownerPkcs1Pem, { extractable: true });
    expectPrivateKey(info, KEY_IDS.ownerPkcs1, true);
  });

  it('imports a 4096-bit key', async () => {
    expectPrivateKey(await importPrivateKey(rsa4096Pem), KEY_IDS.rsa4096, false, 4096);
  });
});

describe('importAnyKey', () => {
  it('tags the kind', async () => {
    const pub = await importAnyKey(ownerPubPem);
    expect(pub.kind).toBe('public');
    expect(pub.keyId).toBe(KEY_IDS.owner);
    const priv = await importAnyKey(ownerEncryptedPem, { passphrase, extractable: true });
    expect(priv.kind).toBe('private');
    if (priv.kind === 'private') expectPrivateKey(priv, KEY_IDS.ownerEncrypted, true);
  });
});

describe('refusing keys', () => {
  it('refuses keys under 2048 bits, naming the size', async () => {
    const weakJwk = withMembers(ownerPublicJwk, { n: b64u(parseSpki(parsePem(weakPubPem).der).n) });
    for (const attempt of [importPublicKey(weakPubPem), importPrivateKey(weakPem), importAnyKey(weakPem), importPublicKey(weakJwk)]) {
      const error = await rejection(attempt);
      expect(isKeywardError(error) && error.code).toBe('KEY_TOO_WEAK');
      if (isKeywardError(error)) expect(error.details.bits).toBeLessThan(2048);
    }
    const error = await rejection(importPublicKey(weakPubPem));
    expect(isKeywardError(error) && error.details.bits).toBe(1024);
  });

  it.each([
    ['an EC public key PEM', ecPubPem, /EC key, P-256/],
    ['an EC private key PEM', ecPem, /EC key, P-256/],
    ['a SEC1 EC PRIVATE KEY PEM', encodePem('EC PRIVATE KEY', parsePem(ecPem).der), /EC key/],
    ['an EC JWK', '{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}', /EC key, "P-256"/],
    ['an Ed25519 JWK', '{"kty":"OKP","crv":"Ed25519","x":"AAAA"}', /"Ed25519" key/],
    ['an oct JWK', '{"kty":"oct","k":"AAAAAAAAAAAAAAAAAAAAAA"}', /symmetric \(oct\) key/],
    ['a multi-prime RSA JWK', withMembers(ownerPrivateJwk, { oth: [] }), /multi-prime/],
  ])('refuses %s as KEY_UNSUPPORTED', async (_name, input, reason) => {
    await expectCode(importAnyKey(input), 'KEY_UNSUPPORTED', reason);
    expect(() => detectKeyFormat(input)).toThrow(/cannot be used for Keyward/);
  });

  it('refuses a JWK with a member given twice', async () => {
    const jwk = JSON.parse(await exportPublicKey((await importPublicKey(ownerPubPem)).publicKey, 'jwk')) as Record<string, string>;
    const twice = JSON.stringify(jwk).replace('"n":', `"n":"${b64u(new Uint8Array(256).fill(0xff))}","n":`);
    await expectCode(importPublicKey(twice), 'KEY_UNREADABLE', /twice/);
    await expectCode(importAnyKey(twice), 'KEY_UNREADABLE', /twice/);
  });

  it('refuses a modulus that is even, in every format, on import (WebCrypto would take it and fail on use)', async () => {
    const fields = parsePkcs8(parsePem(ownerPem).der);
    const n = Uint8Array.from(fields.n);
    n[n.length - 1]! &= 0xfe;
    const even = { ...fields, n };
    const jwk = (members: Record<string, Uint8Array>) => JSON.stringify({ kty: 'RSA', ...Object.fromEntries(Object.entries(members).map(([k, v]) => [k, b64u(v)])) });
    const publics = [
      encodePem('PUBLIC KEY', encodeSpki(even)),
      encodePem('RSA PUBLIC KEY', encodeRsaPublicKey(even)),
      jwk({ n: even.n, e: even.e }),
    ];
    const privates = [
      encodePem('PRIVATE KEY', encodePkcs8(even)),
      encodePem('RSA PRIVATE KEY', encodeRsaPrivateKey(even)),
      jwk({ n: even.n, e: even.e, d: even.d, p: even.p, q: even.q, dp: even.dp, dq: even.dq, qi: even.qi }),
      encodePem('ENCRYPTED PRIVATE KEY', await encryptPrivateKeyInfo(encodePkcs8(even), 'pass', 1000)),
    ];
    for (const text of publics) {
      await expectCode(importPublicKey(text), 'KEY_UNREADABLE', /modulus is even/);
      await expectCode(importAnyKey(text), 'KEY_UNREADABLE', /modulus is even/);
    }
    for (const text of privates) {
      await expectCode(importPrivateKey(text, { passphrase: 'pass' }), 'KEY_UNREADABLE', /modulus is even/);
      await expectCode(importAnyKey(text, { passphrase: 'pass' }), 'KEY_UNREADABLE', /modulus is even/);
    }
  });

  it('refuses a private key where a public one is needed, and the reverse', async () => {
    for (const priv of [ownerPem, ownerPkcs1Pem, ownerEncryptedPem, ownerPrivateJwk]) {
      await expectCode(importPublicKey(priv), 'KEY_NOT_PUBLIC');
    }
    for (const pub of [ownerPubPem, ownerPkcs1PubPem, ownerPublicJwk]) {
      await expectCode(importPrivateKey(pub, { passphrase }), 'KEY_NOT_PRIVATE');
    }
  });

  const spkiDer = parsePem(ownerPubPem).der;
  const pkcs8Der = parsePem(ownerPem).der;
  it.each([
    ['empty text', '   ', /empty/],
    ['plain text', 'my key is in the other email', /neither a PEM block nor a JWK/],
    ['an OpenSSH public key', 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ user@host', /OpenSSH/],
    ['an OpenSSH private key', encodePem('OPENSSH PRIVATE KEY', spkiDer), /OpenSSH/],
    ['a certificate', encodePem('CERTIFICATE', spkiDer), /certificate/],
    ['an unknown PEM label', encodePem('PGP PUBLIC KEY BLOCK', spkiDer), /"PGP PUBLIC KEY BLOCK"/],
    ['a PUBLIC KEY label around private-key bytes', encodePem('PUBLIC KEY', pkcs8Der), /SubjectPublicKeyInfo/],
    ['a PRIVATE KEY label around public-key bytes', encodePem('PRIVATE KEY', spkiDer), /PKCS#8/],
    ['an RSA PUBLIC KEY label around SPKI', encodePem('RSA PUBLIC KEY', spkiDer), /RSA public key/],
    ['mismatched BEGIN and END', ownerPubPem.replace('END PUBLIC', 'END RSA PUBLIC'), /do not match/],
    ['bad base64 in the PEM', ownerPubPem.replace('MIIB', 'MI*B'), /base64/],
    ['truncated DER', encodePem('PUBLIC KEY', spkiDer.subarray(0, 200)), /truncated/],
    ['DER with trailing bytes', encodePem('PUBLIC KEY', Uint8Array.of(...spkiDer, 0)), /trailing/],
    ['invalid JSON', '{"kty": "RSA",', /not valid JSON/],
    ['a JSON array', '["RSA"]', /neither/],
    ['a JWK without kty', '{"n":"AQAB","e":"AQAB"}', /kty/],
    ['a JWK Set', `{"keys":[${ownerPublicJwk}]}`, /JWK Set/],
    ['an RSA JWK without n', withMembers(ownerPublicJwk, { n: undefined }), /"n" is missing/],
    ['an RSA JWK with a numeric e', withMembers(ownerPublicJwk, { e: 65537 }), /"e" is missing or not a string/],
    ['an RSA JWK with padded base64', withMembers(ownerPublicJwk, { e: 'AQAB==' }), /"e" is not base64url/],
    ['a private JWK missing qi', withMembers(ownerPrivateJwk, { qi: undefined }), /"qi"/],
    ['a private JWK whose halves disagree', withMembers(ownerPrivateJwk, { p: memberOf(ownerPrivateJwk, 'q') }), /product/],
  ])('refuses %s as KEY_UNREADABLE', async (_name, input, reason) => {
    await expectCode(importAnyKey(input, { passphrase }), 'KEY_UNREADABLE', reason);
  });

  it('never puts the passphrase in an error', async () => {
    const secret = 'hunter2-secret-passphrase';
    for (const input of [ownerEncryptedPem, ownerPem.slice(0, 500), `${secret}\n${ownerPubPem}`]) {
      const error = await importPrivateKey(input, { passphrase: secret }).then(
        () => undefined,
        (e: unknown) => e,
      );
      if (isKeywardError(error)) expect(`${error.message} ${error.details.reason ?? ''}`).not.toContain(secret);
    }
  });
});

describe('generateKeyPair', () => {
  it('makes 3072-bit RSA-OAEP-256 pairs whose private key stays inside by default', async () => {
    const info = await generateKeyPair();
    expect(info.keyId).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expectPrivateKey(info, info.keyId, false);
    expect(info.publicKey.algorithm).toMatchObject({ publicExponent: Uint8Array.of(1, 0, 1) });
    await expectWorkingPair(info);
    await expectCode(exportPrivateKey(info.privateKey, 'pkcs8-pem'), 'KEY_NOT_EXTRACTABLE');
    await expectCode(exportPrivateKey(info.privateKey, 'encrypted-pkcs8-pem', { passphrase: 'x' }), 'KEY_NOT_EXTRACTABLE');
    expect((await importPublicKey(await exportPublicKey(info.publicKey, 'spki-pem'))).keyId).toBe(info.keyId);
  });

  it('makes 4096-bit pairs, extractable when asked', async () => {
    const info = await generateKeyPair({ bits: 4096, extractable: true });
    expectPrivateKey(info, info.keyId, true, 4096);
    const again = await importPrivateKey(await exportPrivateKey(info.privateKey, 'pkcs1-pem'));
    expect(again.keyId).toBe(info.keyId);
    await expectWorkingPair({ ...again, publicKey: info.publicKey });
  });
});

describe('exporting keys', () => {
  it('writes SPKI and PKCS#8 PEM exactly as OpenSSL does', async () => {
    expect(await exportPublicKey(owner.publicKey, 'spki-pem')).toBe(ownerPubPem);
    expect(await exportPrivateKey(owner.privateKey, 'pkcs8-pem')).toBe(ownerPem);
  });

  it('writes PKCS#1 PEM exactly as OpenSSL does', async () => {
    const info = await importPrivateKey(ownerPkcs1Pem, { extractable: true });
    expect(await exportPrivateKey(info.privateKey, 'pkcs1-pem')).toBe(ownerPkcs1Pem);
    expect(await exportPublicKey(info.publicKey, 'pkcs1-pem')).toBe(ownerPkcs1PubPem);
  });

  it('writes JWKs labelled for RSA-OAEP-256', () => {
    expect(JSON.parse(ownerPublicJwk)).toEqual({
      kty: 'RSA',
      n: expect.stringMatching(/^[A-Za-z0-9_-]{512}$/) as unknown,
      e: 'AQAB',
      alg: 'RSA-OAEP-256',
      ext: true,
      key_ops: ['encrypt'],
    });
    const priv: unknown = JSON.parse(ownerPrivateJwk);
    expect(priv).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP-256', key_ops: ['decrypt'] });
    expect(Object.keys(priv as object).sort()).toEqual(['alg', 'd', 'dp', 'dq', 'e', 'ext', 'key_ops', 'kty', 'n', 'p', 'q', 'qi']);
  });

  it('round-trips every export format', async () => {
    for (const format of ['spki-pem', 'pkcs1-pem', 'jwk'] as const) {
      expect((await importPublicKey(await exportPublicKey(owner.publicKey, format))).keyId).toBe(KEY_IDS.owner);
    }
    for (const format of ['pkcs8-pem', 'pkcs1-pem', 'jwk'] as const) {
      expect((await importPrivateKey(await exportPrivateKey(owner.privateKey, format))).keyId).toBe(KEY_IDS.owner);
    }
  });

  it('encrypts with a passphrase, 600000 PBKDF2-HMAC-SHA256 iterations by default', async () => {
    const pem = await exportPrivateKey(owner.privateKey, 'encrypted-pkcs8-pem', { passphrase: 'new passphrase' });
    expect(parseEncryptedPrivateKeyInfo(parsePem(pem).der)).toMatchObject({ iterations: 600_000, prf: 'SHA-256', cipher: 'AES-256-CBC' });
    expect(detectKeyFormat(pem)).toEqual({ format: 'encrypted-pkcs8-pem', kind: 'private', encrypted: true });
    expectPrivateKey(await importPrivateKey(pem, { passphrase: 'new passphrase' }), KEY_IDS.owner, false);
    await expectCode(importPrivateKey(pem, { passphrase: 'old passphrase' }), 'PASSPHRASE_WRONG');
  });

  it('takes an iteration count, and insists on a passphrase', async () => {
    const pem = await exportPrivateKey(owner.privateKey, 'encrypted-pkcs8-pem', { passphrase: 'p', iterations: 1000 });
    expect(parseEncryptedPrivateKeyInfo(parsePem(pem).der).iterations).toBe(1000);
    await expectCode(exportPrivateKey(owner.privateKey, 'encrypted-pkcs8-pem'), 'PASSPHRASE_REQUIRED');
    await expectCode(exportPrivateKey(owner.privateKey, 'encrypted-pkcs8-pem', { passphrase: '' }), 'PASSPHRASE_REQUIRED');
  });

  it('refuses the wrong kind of key', async () => {
    await expectCode(exportPublicKey(owner.privateKey, 'spki-pem'), 'KEY_NOT_PUBLIC');
    await expectCode(exportPrivateKey(owner.publicKey, 'pkcs8-pem'), 'KEY_NOT_PRIVATE');
    const aes = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']);
    await expectCode(exportPublicKey(aes, 'jwk'), 'KEY_UNSUPPORTED', /AES-GCM/);
  });
});
