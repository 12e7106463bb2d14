import { describe, expect, it } from 'vitest';
import ownerEncryptedPem from '../testdata/keys/owner-encrypted.pem?raw';
import passphraseFile from '../testdata/keys/owner-encrypted.passphrase.txt?raw';
import ownerPem from '../testdata/keys/owner.pem?raw';
import { type Bytes, randomBytes, toBytes, utf8 } from '../bytes.ts';
import { derNull, derOctetString, derOid, derSequence, derSmallInteger } from './asn1.ts';
import { decryptPrivateKeyInfo, encryptPrivateKeyInfo, parseEncryptedPrivateKeyInfo } from './pbes2.ts';
import { parsePem } from './pem.ts';
import { parsePkcs8 } from './pkcs1.ts';
import { expectCode, expectCodeSync } from '../test-support.ts';

const passphrase = passphraseFile.trim();
const ownerPkcs8 = parsePem(ownerPem).der;



const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
  sha1: '1.2.840.113549.2.7',
  sha256: '1.2.840.113549.2.9',
  sha512: '1.2.840.113549.2.11',
  aes128: '2.16.840.1.101.3.4.1.2',
  aes192: '2.16.840.1.101.3.4.1.22',
  aes256: '2.16.840.1.101.3.4.1.42',
};

interface Recipe {
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-512';
  keyLength: 16 | 24 | 32;
  writeKeyLength?: boolean;
  iterations?: number;
}

/** An EncryptedPrivateKeyInfo made directly with WebCrypto, to cover the options our encoder never writes. */
async function encryptWith(pkcs8: Bytes, password: string, recipe: Recipe): Promise<Bytes> {
  const { hash, keyLength, iterations = 1000 } = recipe;
  const salt = randomBytes(8);
  const iv = randomBytes(16);
  const subtle = globalThis.crypto.subtle;
  const base = await subtle.importKey('raw', utf8(password), 'PBKDF2', false, ['deriveBits']);
  const bits = await subtle.deriveBits({ name: 'PBKDF2', salt, iterations, hash: hash ?? 'SHA-1' }, base, keyLength * 8);
  const aes = await subtle.importKey('raw', bits, 'AES-CBC', false, ['encrypt']);
  const data = toBytes(await subtle.encrypt({ name: 'AES-CBC', iv }, aes, pkcs8));
  const prfOid = { 'SHA-1': OID.sha1, 'SHA-256': OID.sha256, 'SHA-512': OID.sha512 };
  const params = derSequence(
    derOctetString(salt),
    derSmallInteger(iterations),
    ...(recipe.writeKeyLength ? [derSmallInteger(keyLength)] : []),
    ...(hash ? [derSequence(derOid(prfOid[hash]), derNull())] : []),
  );
  const cipherOid = { 16: OID.aes128, 24: OID.aes192, 32: OID.aes256 }[keyLength];
  return encryptedInfo(derSequence(derOid(OID.pbkdf2), params), derSequence(derOid(cipherOid), derOctetString(iv)), data);
}

function encryptedInfo(kdf: Bytes, scheme: Bytes, data: Bytes = new Uint8Array(32)): Bytes {
  return derSequence(derSequence(derOid(OID.pbes2), derSequence(kdf, scheme)), derOctetString(data));
}

describe('PBES2 encrypted private keys', () => {
  it('reads the parameters of the OpenSSL fixture', () => {
    const info = parseEncryptedPrivateKeyInfo(parsePem(ownerEncryptedPem).der);
    expect(info).toMatchObject({ iterations: 2048, prf: 'SHA-256', cipher: 'AES-256-CBC', keyLength: 32 });
    expect(info.salt.length).toBe(8);
    expect(info.iv.length).toBe(16);
  });

  it('decrypts the OpenSSL fixture with its passphrase', async () => {
    const info = parseEncryptedPrivateKeyInfo(parsePem(ownerEncryptedPem).der);
    const fields = parsePkcs8(await decryptPrivateKeyInfo(info, passphrase));
    expect(fields.n.length).toBe(384);
  });

  it('calls a wrong passphrase wrong', async () => {
    const info = parseEncryptedPrivateKeyInfo(parsePem(ownerEncryptedPem).der);
    for (const wrong of ['correct-horse ', 'Correct-horse', 'x', 'correct-horse-battery']) {
      await expectCode(decryptPrivateKeyInfo(info, wrong), 'PASSPHRASE_WRONG');
    }
  });

  it('round-trips its own encryption, and writes OpenSSL-3 style parameters', async () => {
    const der = await encryptPrivateKeyInfo(ownerPkcs8, 'pässwörd 🔑', 1000);
    const info = parseEncryptedPrivateKeyInfo(der);
    expect(info).toMatchObject({ iterations: 1000, prf: 'SHA-256', cipher: 'AES-256-CBC' });
    expect(info.salt.length).toBe(16);
    expect(await decryptPrivateKeyInfo(info, 'pässwörd 🔑')).toEqual(ownerPkcs8);
    await expectCode(decryptPrivateKeyInfo(info, 'passwörd 🔑'), 'PASSPHRASE_WRONG');
  });

  it.each<[string, Recipe]>([
    ['AES-128-CBC with the default HMAC-SHA1 PRF', { keyLength: 16 }],
    ['AES-256-CBC with HMAC-SHA1 written out and a keyLength field', { keyLength: 32, hash: 'SHA-1', writeKeyLength: true }],
    ['AES-128-CBC with HMAC-SHA512', { keyLength: 16, hash: 'SHA-512' }],
  ])('decrypts %s', async (_name, recipe) => {
    const info = parseEncryptedPrivateKeyInfo(await encryptWith(ownerPkcs8, 'pw', recipe));
    expect(await decryptPrivateKeyInfo(info, 'pw')).toEqual(ownerPkcs8);
  });

  it('decrypts AES-192-CBC where the platform has it, and says so where it does not', async () => {
    const made = await encryptWith(ownerPkcs8, 'pw', { keyLength: 24, hash: 'SHA-256' }).catch(() => undefined);
    if (made) {
      // Node (OpenSSL) has 192-bit AES.
      expect(await decryptPrivateKeyInfo(parseEncryptedPrivateKeyInfo(made), 'pw')).toEqual(ownerPkcs8);
    } else {
      // Chromium has not: the error must name the cipher, not blame the passphrase.
      const info = parseEncryptedPrivateKeyInfo(await encryptWith(ownerPkcs8, 'pw', { keyLength: 16, hash: 'SHA-256' }));
      await expectCode(decryptPrivateKeyInfo({ ...info, keyLength: 24, cipher: 'AES-192-CBC' }, 'pw'), 'KEY_UNREADABLE', /AES-192-CBC/);
    }
  });

  it('refuses schemes WebCrypto cannot run, naming them', () => {
    const iv = derSequence(derOid(OID.aes256), derOctetString(new Uint8Array(16)));
    const pbkdf2 = derSequence(derOid(OID.pbkdf2), derSequence(derOctetString(new Uint8Array(8)), derSmallInteger(2048)));
    const pbes1 = derSequence(
      derSequence(derOid('1.2.840.113549.1.12.1.3'), derSequence(derOctetString(new Uint8Array(8)), derSmallInteger(2048))),
      derOctetString(new Uint8Array(32)),
    );
    expectCodeSync(() => parseEncryptedPrivateKeyInfo(pbes1), 'KEY_UNREADABLE', /PKCS#12 PBE with 3DES/);
    const scrypt = derSequence(derOid('1.3.6.1.4.1.11591.4.11'), derSequence(derOctetString(new Uint8Array(8))));
    expectCodeSync(() => parseEncryptedPrivateKeyInfo(encryptedInfo(scrypt, iv)), 'KEY_UNREADABLE', /scrypt/);
    const des3 = derSequence(derOid('1.2.840.113549.3.7'), derOctetString(new Uint8Array(8)));
    expectCodeSync(() => parseEncryptedPrivateKeyInfo(encryptedInfo(pbkdf2, des3)), 'KEY_UNREADABLE', /DES-EDE3-CBC/);
  });

  it('refuses malformed parameters', () => {
    const aes = (ivLength: number) => derSequence(derOid(OID.aes256), derOctetString(new Uint8Array(ivLength)));
    const kdf = (...params: Bytes[]) => derSequence(derOid(OID.pbkdf2), derSequence(derOctetString(new Uint8Array(8)), ...params));
    const parse = (der: Bytes) => () => parseEncryptedPrivateKeyInfo(der);
    expectCodeSync(parse(encryptedInfo(kdf(derSmallInteger(0)), aes(16))), 'KEY_UNREADABLE', /iteration count 0/);
    expectCodeSync(parse(encryptedInfo(kdf(derSmallInteger(20_000_000)), aes(16))), 'KEY_UNREADABLE', /iteration count/);
    expectCodeSync(parse(encryptedInfo(kdf(derSmallInteger(1), derSmallInteger(16)), aes(16))), 'KEY_UNREADABLE', /keyLength 16/);
    expectCodeSync(parse(encryptedInfo(kdf(derSmallInteger(1)), aes(8))), 'KEY_UNREADABLE', /IV/);
    expectCodeSync(parse(encryptedInfo(kdf(derSmallInteger(1)), aes(16), new Uint8Array(17))), 'KEY_UNREADABLE', /AES blocks/);
    const sha224 = derSequence(derOid('1.2.840.113549.2.8'), derNull());
    expectCodeSync(parse(encryptedInfo(kdf(derSmallInteger(1), sha224), aes(16))), 'KEY_UNREADABLE', /SHA-224/);
  });

  it('refuses iteration counts out of range when encrypting', async () => {
    await expect(encryptPrivateKeyInfo(ownerPkcs8, 'pw', 999)).rejects.toThrow(RangeError);
    await expect(encryptPrivateKeyInfo(ownerPkcs8, 'pw', 1.5)).rejects.toThrow(RangeError);
  });
});
