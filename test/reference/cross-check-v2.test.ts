// v2 both ways between the reference (node:crypto, from the spec) and src/core
// (WebCrypto): what one writes, the other reads, and both agree on IDs,
// signatures and canonical JSON.
import * as crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson, exportPrivateIdentity, exportPublicIdentity, generateIdentity, importPrivateIdentity, importPublicIdentity,
  signAs, verifySignature,
} from '../../src/core/index.ts';
import type { PrivateIdentity } from '../../src/core/index.ts';
import {
  refCanonical, refParsePrivateIdentity, refParsePrivateIdentityJwk, refParsePublicIdentity, refParsePublicIdentityJwk, refPrivateIdentityPem,
  refPublicIdentityPem, refSign, refVerifySig,
} from './keyward-node.ts';
import { testIdentity } from './identities.ts';

const refOwner = testIdentity('owner');
let coreOwner: PrivateIdentity | undefined;
async function core(): Promise<PrivateIdentity> {
  coreOwner ??= await generateIdentity({ extractable: true });
  return coreOwner;
}

describe('identities (v2 §2), both ways', () => {
  it('core-written public and private identities read in the reference, with the same ID', async () => {
    const id = await core();
    const pub = refParsePublicIdentity(await exportPublicIdentity(id, 'pem'));
    expect(pub.id).toBe(id.id);
    expect(pub.keyId).toBe(id.encryption.keyId);
    expect(refParsePublicIdentityJwk(await exportPublicIdentity(id, 'jwk')).id).toBe(id.id);
    expect(refParsePrivateIdentity(await exportPrivateIdentity(id, 'pem')).id).toBe(id.id);
    const fromJwk = refParsePrivateIdentityJwk(await exportPrivateIdentity(id, 'jwk'));
    expect(fromJwk.id).toBe(id.id);
    // The private halves are the identity's: what the reference signs with them core verifies.
    const body = new Uint8Array(crypto.randomBytes(32));
    expect(await verifySignature(id.signingKey, 'keyward/v2 file', body, new Uint8Array(refSign('keyward/v2 file', body, fromJwk.edPrivate)))).toBe(true);
    const encrypted = await exportPrivateIdentity(id, 'encrypted-pem', { passphrase: 'correct horse', iterations: 1000 });
    expect(refParsePrivateIdentity(encrypted, 'correct horse').id).toBe(id.id);
  });

  it('reference-written identities read in core, with the same ID', async () => {
    const pub = await importPublicIdentity(`Zoë\n${refPublicIdentityPem(refOwner)}`);
    expect(pub.id).toBe(refOwner.id);
    expect(pub.encryption.keyId).toBe(refOwner.keyId);
    const priv = await importPrivateIdentity(refPrivateIdentityPem(refOwner));
    expect(priv.id).toBe(refOwner.id);
  });

  it('signatures cross: core signs, the reference verifies, and back; the context is bound', async () => {
    const id = await core();
    const body = new Uint8Array(crypto.randomBytes(100));
    const sig = await signAs(id, 'keyward/v2 escrow', body);
    const edKey = refParsePublicIdentity(await exportPublicIdentity(id, 'pem')).ed;
    expect(refVerifySig('keyward/v2 escrow', body, edKey, sig)).toBe(true);
    expect(refVerifySig('keyward/v2 receipt', body, edKey, sig)).toBe(false);
    const refSig = refSign('keyward/v2 recovery', body, refOwner.edPrivate);
    const corePub = await importPublicIdentity(refPublicIdentityPem(refOwner));
    expect(await verifySignature(corePub.signingKey, 'keyward/v2 recovery', body, new Uint8Array(refSig))).toBe(true);
    expect(await verifySignature(corePub.signingKey, 'keyward/v2 file', body, new Uint8Array(refSig))).toBe(false);
  });
});

describe('canonical JSON (v2 §1), both ways', () => {
  it('agrees on sorting by UTF-16 code units and on escapes', () => {
    const samples: unknown[] = [
      { b: 'x', a: { z: [1, 2, { y: '' }], '': 'empty key' }, A: 0 },
      { '\u{1F511}': 'astral', '\uFB01': 'bmp', é: 'é', e: 'e', '\u0000': '\u0000\u001f\u007f\u2028\u2029"\\/' },
      { lone: '\uD800', n: 9007199254740991, arr: [] },
    ];
    for (const s of samples) expect(canonicalJson(s)).toBe(refCanonical(s));
    for (const bad of [{ a: true }, { a: null }, { a: 1.5 }, { a: -1 }]) {
      expect(() => canonicalJson(bad)).toThrow();
      expect(() => refCanonical(bad)).toThrow();
    }
  });
});
