import { describe, expect, it } from 'vitest';
import ownerPem from '../testdata/keys/owner.pem?raw';
import ownerPubPem from '../testdata/keys/owner.pub.pem?raw';
import ownerPkcs1Pem from '../testdata/keys/owner-pkcs1.pem?raw';
import weakPubPem from '../testdata/keys/weak-1024.pub.pem?raw';
import { type Bytes, b64u, concat, fromB64u, sha256, toBytes, toHex, utf8 } from '../bytes.ts';
import { encodeEd25519Pkcs8, encodeEd25519Spki, parseEd25519Pkcs8, parseEd25519Spki } from './ed25519.ts';
import { derBitString, derContext, derNull, derOctetString, derOid, derSequence, derSmallInteger } from './asn1.ts';
import {
  type PrivateIdentity,
  detectKeyOrIdentity,
  exportPrivateIdentity,
  exportPublicIdentity,
  generateIdentity,
  identityFromKeyPair,
  identityIdOf,
  importAnyKeyOrIdentity,
  importPrivateIdentity,
  importPublicIdentity,
  publicIdentityFromSpki,
  signAs,
  verifySignature,
} from './identity.ts';
import { encodePem, parsePemKeyBlocks } from './pem.ts';
import { encodeRsaPublicKey, parseSpki } from './pkcs1.ts';
import { exportPublicKey, importPrivateKey, importPublicKey } from './rsa.ts';
import { expectCode, expectCodeSync } from '../test-support.ts';

const ITERATIONS = 1000;
const PASSPHRASE = 'correct horse battery';

/** The owner's v1 key made an identity: a fixed RSA key (fast), a fresh Ed25519 key, everything extractable. */
async function ownerIdentity(): Promise<PrivateIdentity> {
  return identityFromKeyPair(await importPrivateKey(ownerPem, { extractable: true }), { extractable: true });
}

function blocksOf(text: string): string[] {
  return parsePemKeyBlocks(text).map((b) => encodePem(b.label, b.der));
}

function expectSameIdentity(actual: { id: string; rsaSpki: Bytes; ed25519Spki: Bytes; encryption: { keyId: string } }, expected: PrivateIdentity) {
  expect(actual.id).toBe(expected.id);
  expect(actual.encryption.keyId).toBe(expected.encryption.keyId);
  expect(b64u(actual.rsaSpki)).toBe(b64u(expected.rsaSpki));
  expect(b64u(actual.ed25519Spki)).toBe(b64u(expected.ed25519Spki));
}

/** Signs with `identity` and checks the signature with `signingKey`, as a reader would. */
async function signsFor(identity: PrivateIdentity, signingKey: CryptoKey): Promise<boolean> {
  const body = utf8('a body');
  return verifySignature(signingKey, 'keyward/v2 file', body, await signAs(identity, 'keyward/v2 file', body));
}

describe('identity ID (§2)', () => {
  it('is SHA-256 over the two SPKIs concatenated, and never the RSA key ID', async () => {
    const identity = await ownerIdentity();
    expect(identity.id).toMatch(/^SHA256:[0-9a-f]{64}$/);
    expect(identity.id).toBe(`SHA256:${toHex(await sha256(concat(identity.rsaSpki, identity.ed25519Spki)))}`);
    expect(identity.id).not.toBe(identity.encryption.keyId);
    expect(identity.ed25519Spki).toHaveLength(44);
    expect(toHex(identity.ed25519Spki.subarray(0, 12))).toBe('302a300506032b6570032100');
    expect(await identityIdOf(identity.rsaSpki, identity.ed25519Spki)).toBe(identity.id);
  });

  it('upgrading a v1 key keeps its key ID and gives a new identity each time', async () => {
    const rsa = await importPrivateKey(ownerPem);
    const a = await identityFromKeyPair(rsa);
    const b = await identityFromKeyPair(rsa);
    expect(a.encryption.keyId).toBe(rsa.keyId);
    expect(b.encryption.keyId).toBe(rsa.keyId);
    expect(a.id).not.toBe(b.id);
    expect(a.signingPrivateKey.extractable).toBe(false);
    await expectCode(exportPrivateIdentity(a, 'pem'), 'KEY_NOT_EXTRACTABLE');
  });

  it('generates 3072-bit identities by default, non-extractable', async () => {
    const identity = await generateIdentity();
    expect(identity.encryption.modulusBits).toBe(3072);
    expect(identity.encryption.privateKey.extractable).toBe(false);
    expect(identity.signingPrivateKey.extractable).toBe(false);
    expect(identity.signingKey.usages).toEqual(['verify']);
    expect(identity.signingPrivateKey.usages).toEqual(['sign']);
    expect(await signsFor(identity, identity.signingKey)).toBe(true);
  });
});

describe('public identity round trips', () => {
  it.each(['pem', 'jwk'] as const)('%s', async (format) => {
    const identity = await ownerIdentity();
    const text = await exportPublicIdentity(identity, format);
    expect(detectKeyOrIdentity(text)).toEqual({ kind: 'public-identity', encrypted: false });
    const imported = await importPublicIdentity(text);
    expectSameIdentity(imported, identity);
    expect(await signsFor(identity, imported.signingKey)).toBe(true);
    const any = await importAnyKeyOrIdentity(text);
    expect(any.kind).toBe('public-identity');
  });

  it('PEM is two PUBLIC KEY blocks, RSA first, and text around them is ignored', async () => {
    const identity = await ownerIdentity();
    const text = await exportPublicIdentity(identity, 'pem');
    const blocks = parsePemKeyBlocks(text);
    expect(blocks.map((b) => b.label)).toEqual(['PUBLIC KEY', 'PUBLIC KEY']);
    expect(b64u(blocks[0]!.der)).toBe(b64u(identity.rsaSpki));
    expect(b64u(blocks[1]!.der)).toBe(b64u(identity.ed25519Spki));
    const wrapped = `Alice's identity\r\n${text.replace(/\n/g, '\r\n')}\r\n-- \r\nAlice`;
    expect((await importPublicIdentity(wrapped)).id).toBe(identity.id);
  });

  it('JWK is a Set of the RSA key then the OKP key', async () => {
    const identity = await ownerIdentity();
    const set = JSON.parse(await exportPublicIdentity(identity, 'jwk')) as { keys: Record<string, unknown>[] };
    expect(set.keys).toHaveLength(2);
    expect(set.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP-256' });
    expect(set.keys[1]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' });
    expect(set.keys[1]!.d).toBeUndefined();
    expect(b64u(encodeEd25519Spki(fromB64u(set.keys[1]!.x as string)))).toBe(b64u(identity.ed25519Spki));
  });

  it('from SPKIs: the same identity, and the RSA SPKI only in canonical DER', async () => {
    const identity = await ownerIdentity();
    const again = await publicIdentityFromSpki(identity.rsaSpki, identity.ed25519Spki);
    expectSameIdentity(again, identity);
    // The same RSA key without the NULL parameters: readable as a v1 key, but not the bytes an ID is over.
    const rsaPublicKey = encodeRsaPublicKey(parseSpki(identity.rsaSpki));
    const withoutNull = derSequence(derSequence(derOid('1.2.840.113549.1.1.1')), derBitString(rsaPublicKey));
    expect((await importPublicKey(encodePem('PUBLIC KEY', withoutNull))).keyId).toBe(identity.encryption.keyId);
    await expectCode(publicIdentityFromSpki(withoutNull, identity.ed25519Spki), 'KEY_UNREADABLE', /canonical/);
    await expectCode(publicIdentityFromSpki(identity.rsaSpki, identity.ed25519Spki.subarray(0, 43)), 'KEY_UNREADABLE');
    await expectCode(publicIdentityFromSpki(identity.ed25519Spki, identity.rsaSpki), 'KEY_UNSUPPORTED', /Ed25519/);
    const weak = parsePemKeyBlocks(weakPubPem)[0]!.der;
    await expectCode(publicIdentityFromSpki(weak, identity.ed25519Spki), 'KEY_TOO_WEAK');
  });
});

describe('private identity round trips', () => {
  it.each(['pem', 'jwk', 'encrypted-pem'] as const)('%s', async (format) => {
    const identity = await ownerIdentity();
    const text = await exportPrivateIdentity(identity, format, { passphrase: PASSPHRASE, iterations: ITERATIONS });
    expect(detectKeyOrIdentity(text)).toEqual({ kind: 'private-identity', encrypted: format === 'encrypted-pem' });
    const imported = await importPrivateIdentity(text, { passphrase: PASSPHRASE, extractable: true });
    expectSameIdentity(imported, identity);
    expect(await signsFor(imported, identity.signingKey)).toBe(true);
    // Exported again, the same keys come back (the RSA key too: it unwraps what was wrapped for the original).
    const twice = await importPrivateIdentity(await exportPrivateIdentity(imported, 'pem'));
    expectSameIdentity(twice, identity);
    expect(imported.signingPrivateKey.extractable).toBe(true);
    expect(twice.signingPrivateKey.extractable).toBe(false);
    expect(twice.encryption.privateKey.extractable).toBe(false);
  });

  it('PEM is two PRIVATE KEY blocks, the Ed25519 one in the 48 bytes OpenSSL writes', async () => {
    const text = await exportPrivateIdentity(await ownerIdentity(), 'pem');
    const blocks = parsePemKeyBlocks(text);
    expect(blocks.map((b) => b.label)).toEqual(['PRIVATE KEY', 'PRIVATE KEY']);
    expect(blocks[1]!.der).toHaveLength(48);
    expect(toHex(blocks[1]!.der.subarray(0, 16))).toBe('302e020100300506032b657004220420');
  });

  it('encrypted PEM: both blocks under one passphrase, required and checked', async () => {
    const identity = await ownerIdentity();
    const text = await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase: PASSPHRASE, iterations: ITERATIONS });
    expect(parsePemKeyBlocks(text).map((b) => b.label)).toEqual(['ENCRYPTED PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
    await expectCode(importPrivateIdentity(text), 'PASSPHRASE_REQUIRED');
    await expectCode(importPrivateIdentity(text, { passphrase: '' }), 'PASSPHRASE_REQUIRED');
    await expectCode(importPrivateIdentity(text, { passphrase: 'wrong passphrase' }), 'PASSPHRASE_WRONG');
    await expectCode(exportPrivateIdentity(identity, 'encrypted-pem'), 'PASSPHRASE_REQUIRED');
    // The Ed25519 block under another passphrase: the RSA block opens, the Ed25519 one does not.
    const other = await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase: 'another passphrase', iterations: ITERATIONS });
    const mixed = blocksOf(text)[0]! + blocksOf(other)[1]!;
    await expectCode(importPrivateIdentity(mixed, { passphrase: PASSPHRASE }), 'PASSPHRASE_WRONG');
  });

  it('accepts a PKCS#1 RSA block, as for a v1 private key', async () => {
    const ed = blocksOf(await exportPrivateIdentity(await ownerIdentity(), 'pem'))[1]!;
    const imported = await importPrivateIdentity(ownerPkcs1Pem + ed);
    expect(imported.encryption.keyId).toBe((await importPrivateKey(ownerPkcs1Pem)).keyId);
  });
});

describe('refused with a code', () => {
  it('blocks in the wrong order', async () => {
    const identity = await ownerIdentity();
    const [rsaPub, edPub] = blocksOf(await exportPublicIdentity(identity, 'pem'));
    const [rsaPriv, edPriv] = blocksOf(await exportPrivateIdentity(identity, 'pem'));
    const [rsaEnc, edEnc] = blocksOf(await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase: PASSPHRASE, iterations: ITERATIONS }));
    expectCodeSync(() => detectKeyOrIdentity(edPub! + rsaPub!), 'KEY_UNREADABLE', /Ed25519 key comes first/);
    await expectCode(importPublicIdentity(edPub! + rsaPub!), 'KEY_UNREADABLE', /Ed25519 key comes first/);
    await expectCode(importPrivateIdentity(edPriv! + rsaPriv!), 'KEY_UNREADABLE', /Ed25519 key comes first/);
    await expectCode(importPrivateIdentity(edEnc! + rsaEnc!, { passphrase: PASSPHRASE }), 'KEY_UNREADABLE', /Ed25519 key comes first/);
    const set = JSON.parse(await exportPublicIdentity(identity, 'jwk')) as { keys: unknown[] };
    await expectCode(importAnyKeyOrIdentity(JSON.stringify({ keys: [...set.keys].reverse() })), 'KEY_UNREADABLE', /Ed25519 key comes first/);
  });

  it('extra or missing blocks and keys', async () => {
    const identity = await ownerIdentity();
    const pub = await exportPublicIdentity(identity, 'pem');
    const [rsaPub, edPub] = blocksOf(pub);
    await expectCode(importAnyKeyOrIdentity(pub + edPub!), 'KEY_UNREADABLE', /3 keys/);
    await expectCode(importAnyKeyOrIdentity(rsaPub! + rsaPub!), 'KEY_UNREADABLE', /not an Ed25519 key/);
    await expectCode(importAnyKeyOrIdentity(rsaPub! + ownerPubPem), 'KEY_UNREADABLE', /not an Ed25519 key/);
    const set = JSON.parse(await exportPublicIdentity(identity, 'jwk')) as { keys: unknown[] };
    await expectCode(importAnyKeyOrIdentity(JSON.stringify({ keys: [...set.keys, set.keys[1]] })), 'KEY_UNREADABLE', /3 keys/);
    await expectCode(importAnyKeyOrIdentity(JSON.stringify({ keys: [set.keys[0]] })), 'KEY_UNREADABLE', /1 keys/);
    await expectCode(importAnyKeyOrIdentity('{"keys":{}}'), 'KEY_UNREADABLE', /not an array/);
    // A v1 key is not an identity where one is needed, and says so.
    await expectCode(importPublicIdentity(ownerPubPem), 'KEY_UNREADABLE', /single RSA key, not an identity/);
    await expectCode(importPrivateIdentity(ownerPem), 'KEY_UNREADABLE', /single RSA key, not an identity/);
    await expectCode(importPublicIdentity('hello'), 'KEY_UNREADABLE', /neither a PEM block nor a JWK/);
  });

  it('mismatched halves: a public and a private key, one encrypted and one not', async () => {
    const identity = await ownerIdentity();
    const [rsaPub, edPub] = blocksOf(await exportPublicIdentity(identity, 'pem'));
    const [rsaPriv, edPriv] = blocksOf(await exportPrivateIdentity(identity, 'pem'));
    const [rsaEnc, edEnc] = blocksOf(await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase: PASSPHRASE, iterations: ITERATIONS }));
    expectCodeSync(() => detectKeyOrIdentity(rsaPub! + edPriv!), 'KEY_UNREADABLE', /public and a private key together/);
    expectCodeSync(() => detectKeyOrIdentity(rsaPriv! + edPub!), 'KEY_UNREADABLE', /public and a private key together/);
    expectCodeSync(() => detectKeyOrIdentity(rsaEnc! + edPriv!), 'KEY_UNREADABLE', /encrypted and the other is not/);
    expectCodeSync(() => detectKeyOrIdentity(rsaPriv! + edEnc!), 'KEY_UNREADABLE', /encrypted and the other is not/);
    const pubSet = JSON.parse(await exportPublicIdentity(identity, 'jwk')) as { keys: unknown[] };
    const privSet = JSON.parse(await exportPrivateIdentity(identity, 'jwk')) as { keys: unknown[] };
    expectCodeSync(() => detectKeyOrIdentity(JSON.stringify({ keys: [pubSet.keys[0], privSet.keys[1]] })), 'KEY_UNREADABLE', /public and a private/);
    expectCodeSync(() => detectKeyOrIdentity(JSON.stringify({ keys: [privSet.keys[0], pubSet.keys[1]] })), 'KEY_UNREADABLE', /public and a private/);
    // A private OKP key whose x is another key's.
    const other = await ownerIdentity();
    const otherSet = JSON.parse(await exportPublicIdentity(other, 'jwk')) as { keys: Record<string, unknown>[] };
    const okp = { ...(privSet.keys[1] as Record<string, unknown>), x: otherSet.keys[1]!.x };
    await expectCode(importPrivateIdentity(JSON.stringify({ keys: [privSet.keys[0], okp] })), 'KEY_UNREADABLE', /does not belong/);
    // A public identity where a private one is needed, and the other way round.
    await expectCode(importPrivateIdentity(rsaPub! + edPub!), 'KEY_NOT_PRIVATE');
    await expectCode(importPublicIdentity(rsaPriv! + edPriv!), 'KEY_NOT_PUBLIC');
  });

  it('Ed25519 DER read strictly (RFC 8410)', () => {
    const key = new Uint8Array(32).fill(7);
    const alg = derSequence(derOid('1.3.101.112'));
    expect(parseEd25519Spki(encodeEd25519Spki(key))).toEqual(key);
    // Parameters (even NULL), another curve, a short key, unused bits, trailing bytes.
    expectCodeSync(() => parseEd25519Spki(derSequence(derSequence(derOid('1.3.101.112'), derNull()), derBitString(key))), 'KEY_UNREADABLE', /parameters/);
    expectCodeSync(() => parseEd25519Spki(derSequence(derSequence(derOid('1.3.101.113')), derBitString(key))), 'KEY_UNREADABLE', /not an Ed25519 key/);
    expectCodeSync(() => parseEd25519Spki(derSequence(alg, derBitString(key.subarray(1)))), 'KEY_UNREADABLE', /31 bytes/);
    const unused = encodeEd25519Spki(key);
    unused[12 - 1] = 1;
    expectCodeSync(() => parseEd25519Spki(unused), 'KEY_UNREADABLE', /unused bits/);
    expectCodeSync(() => parseEd25519Spki(concat(encodeEd25519Spki(key), Uint8Array.of(0))), 'KEY_UNREADABLE', /trailing/);
    // PKCS#8: the seed inside its own OCTET STRING, 32 bytes; version 1 may carry the public key.
    expect(parseEd25519Pkcs8(encodeEd25519Pkcs8(key))).toEqual({ seed: key });
    expectCodeSync(() => parseEd25519Pkcs8(derSequence(derSmallInteger(0), alg, derOctetString(key))), 'KEY_UNREADABLE', /CurvePrivateKey/);
    expectCodeSync(() => parseEd25519Pkcs8(derSequence(derSmallInteger(2), alg, derOctetString(derOctetString(key)))), 'KEY_UNREADABLE', /version/);
    const v1 = derSequence(derSmallInteger(1), alg, derOctetString(derOctetString(key)), derContext(1, concat(Uint8Array.of(0), key), false));
    expect(parseEd25519Pkcs8(v1)).toEqual({ seed: key, publicKey: key });
    const v0WithPublic = derSequence(derSmallInteger(0), alg, derOctetString(derOctetString(key)), derContext(1, concat(Uint8Array.of(0), key), false));
    expectCodeSync(() => parseEd25519Pkcs8(v0WithPublic), 'KEY_UNREADABLE', /extra field/);
  });

  it('an Ed25519 PKCS#8 whose public key copy is another key', async () => {
    const identity = await ownerIdentity();
    const [rsaPriv, edPriv] = blocksOf(await exportPrivateIdentity(identity, 'pem'));
    const seed = parseEd25519Pkcs8(parsePemKeyBlocks(edPriv!)[0]!.der).seed;
    const x = parseEd25519Spki(identity.ed25519Spki);
    const alg = derSequence(derOid('1.3.101.112'));
    const withPublic = (pub: Uint8Array) =>
      encodePem('PRIVATE KEY', derSequence(derSmallInteger(1), alg, derOctetString(derOctetString(seed)), derContext(1, concat(Uint8Array.of(0), pub), false)));
    expect((await importPrivateIdentity(rsaPriv! + withPublic(x))).id).toBe(identity.id);
    const wrong = toBytes(x.slice());
    wrong[0]! ^= 1;
    await expectCode(importPrivateIdentity(rsaPriv! + withPublic(wrong)), 'KEY_UNREADABLE', /does not belong/);
  });
});

describe('one text box takes a v1 key or an identity', () => {
  it('v1 keys come back as v1 keys', async () => {
    expect(detectKeyOrIdentity(ownerPubPem)).toEqual({ kind: 'public', encrypted: false });
    expect(detectKeyOrIdentity(ownerPem)).toEqual({ kind: 'private', encrypted: false });
    const key = await importAnyKeyOrIdentity(ownerPem);
    expect(key.kind).toBe('private');
    if (key.kind === 'private') expect(key.keyId).toBe((await importPrivateKey(ownerPem)).keyId);
    // A single JWK is a v1 key; a single key's errors are rsa.ts's.
    const jwk = await exportPublicKey((await importPublicKey(ownerPubPem)).publicKey, 'jwk');
    expect(detectKeyOrIdentity(jwk)).toEqual({ kind: 'public', encrypted: false });
    await expectCode(importAnyKeyOrIdentity('{"kty":"OKP","crv":"Ed25519","x":"AA"}'), 'KEY_UNSUPPORTED');
  });

  it('identities come back as identities', async () => {
    const identity = await ownerIdentity();
    const key = await importAnyKeyOrIdentity(await exportPrivateIdentity(identity, 'encrypted-pem', { passphrase: PASSPHRASE, iterations: ITERATIONS }), { passphrase: PASSPHRASE });
    expect(key.kind).toBe('private-identity');
    if (key.kind === 'private-identity') expect(key.identity.id).toBe(identity.id);
  });
});

describe('signatures (§1)', () => {
  it('sign over utf8(context) || 0x00 || body, and only for that context and body', async () => {
    const identity = await ownerIdentity();
    const body = utf8('prefix and digest');
    const signature = await signAs(identity, 'keyward/v2 escrow', body);
    expect(signature).toHaveLength(64);
    // Pure Ed25519 over the prefixed input, as any Ed25519 verifier sees it.
    const input = concat(utf8('keyward/v2 escrow'), Uint8Array.of(0), body);
    expect(await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, identity.signingKey, signature, input)).toBe(true);
    expect(await verifySignature(identity.signingKey, 'keyward/v2 escrow', body, signature)).toBe(true);
    expect(await verifySignature(identity.signingKey, 'keyward/v2 recovery', body, signature)).toBe(false);
    expect(await verifySignature(identity.signingKey, 'keyward/v2 escrow', utf8('prefix and digesT'), signature)).toBe(false);
    expect(await verifySignature(identity.signingKey, 'keyward/v2 escrow', body, signature.subarray(0, 63))).toBe(false);
    const flipped = toBytes(signature.slice());
    flipped[10]! ^= 1;
    expect(await verifySignature(identity.signingKey, 'keyward/v2 escrow', body, flipped)).toBe(false);
    const other = await ownerIdentity();
    expect(await verifySignature(other.signingKey, 'keyward/v2 escrow', body, signature)).toBe(false);
  });
});
