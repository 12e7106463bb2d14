/**
 * Parser fuzzing (style guide §10): whatever text arrives, the key API
 * answers with a key or a KeywardError, never a TypeError or RangeError.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import ownerPem from '../testdata/keys/owner.pem?raw';
import ownerPubPem from '../testdata/keys/owner.pub.pem?raw';
import ownerPkcs1Pem from '../testdata/keys/owner-pkcs1.pem?raw';
import ownerEncryptedPem from '../testdata/keys/owner-encrypted.pem?raw';
import { type Bytes, toBytes } from '../bytes.ts';
import { isKeywardError } from '../errors.ts';
import { encodePem, parsePem } from './pem.ts';
import { detectKeyFormat, importAnyKey, importPrivateKey, importPublicKey } from './rsa.ts';

const LABELS = [
  'PUBLIC KEY',
  'RSA PUBLIC KEY',
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'EC PRIVATE KEY',
  'CERTIFICATE',
  'OPENSSH PRIVATE KEY',
  'X',
];

/** Resolves or rejects with a KeywardError; anything else fails the property. */
async function onlyKeywardErrors(input: string): Promise<void> {
  const outcomes: Promise<unknown>[] = [
    Promise.resolve().then(() => detectKeyFormat(input)),
    importPublicKey(input),
    importPrivateKey(input, { passphrase: 'correct-horse' }),
    importAnyKey(input),
  ];
  await Promise.all(
    outcomes.map((outcome) =>
      outcome.catch((error: unknown) => {
        if (!isKeywardError(error)) throw error;
      }),
    ),
  );
}

/** A real key's DER with a few bytes changed, cut or added: reaches past the first checks. */
function mutated(der: Bytes): fc.Arbitrary<Bytes> {
  return fc
    .tuple(
      fc.array(fc.tuple(fc.nat({ max: der.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary: fc.nat({ max: der.length }), weight: 1 }),
    )
    .map(([edits, cut]) => {
      const out = toBytes(der);
      for (const [index, value] of edits) out[index] = value;
      return cut === undefined ? out : out.subarray(0, cut);
    });
}

const FUZZ = { numRuns: 300 };

describe('fuzzing the key parsers', () => {
  it('arbitrary strings', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), onlyKeywardErrors), FUZZ);
  });

  it('arbitrary JSON and JWK-shaped objects', async () => {
    const member = fc.oneof(fc.string({ maxLength: 12 }), fc.base64String({ maxLength: 16 }).map((s) => s.replace(/=+$/, '')), fc.jsonValue());
    const jwk = fc.record(
      { kty: fc.constantFrom('RSA', 'EC', 'OKP', 'oct', 'rsa'), n: member, e: member, d: member, p: member, q: member, oth: member },
      { requiredKeys: ['kty'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.jsonValue(), jwk), (value) => onlyKeywardErrors(JSON.stringify(value))),
      FUZZ,
    );
  });

  it('arbitrary bytes in PEM armor with every label', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...LABELS), fc.uint8Array({ maxLength: 600 }), (label, bytes) =>
        onlyKeywardErrors(encodePem(label, bytes)),
      ),
      FUZZ,
    );
  });

  it('broken PEM armor around a real key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: ownerPubPem.length - 1 }), fc.nat({ max: ownerPubPem.length }), fc.string({ maxLength: 3 }), (at, to, insert) =>
        onlyKeywardErrors(ownerPubPem.slice(0, at) + insert + ownerPubPem.slice(Math.max(at, to))),
      ),
      FUZZ,
    );
  });

  it.each([
    ['SPKI', ownerPubPem],
    ['PKCS#8', ownerPem],
    ['PKCS#1', ownerPkcs1Pem],
    ['encrypted PKCS#8', ownerEncryptedPem],
  ])('mutated %s DER', async (_name, pem) => {
    const { label, der } = parsePem(pem);
    await fc.assert(
      fc.asyncProperty(mutated(der), (bytes) => onlyKeywardErrors(encodePem(label, bytes))),
      { numRuns: 100 },
    );
  });

  it('a value that is not text at all (a Worker message gone wrong)', async () => {
    const values: unknown[] = [null, undefined, 42, {}, []];
    for (const value of values) {
      await expect(onlyKeywardErrors(value as string)).resolves.toBeUndefined();
    }
  });
});
