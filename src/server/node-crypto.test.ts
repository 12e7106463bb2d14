/**
 * node:crypto and libsodium at once, in place of WebCrypto on the deposit
 * path: the same bytes signed, and the same answers checked (never true
 * where WebCrypto says false).
 */
import fc from 'fast-check';
import { ACK_FORMAT, SERVICE_FORMAT, serviceKeyId, signAcknowledgement, verifyAcknowledgement } from '../core/service.ts';
import { type Bytes, type Ed25519Verify, b64u, escrowDigest } from '../core/index.ts';
import { ED25519 } from '../core/keys/ed25519.ts';
import { makeIdentity } from '../core/test-support.ts';
import { answersRfc8032, loadSodium, sha256Now, signNow, sodiumVerify } from './node-crypto.ts';
import { makeOwner } from './test-support.ts';


describe('node:crypto on the deposit path', () => {
  it.each([
    ['libsodium', true],
    ['node:crypto', false],
  ])('signs an acknowledgement by %s with the same bytes as WebCrypto, and it verifies', async (_by, withSodium) => {
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
    const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
    // As the service holds it: its PKCS#8 PrivateKeyInfo.
    const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', pair.privateKey));
    const sodium = withSodium ? loadSodium() : null;
    // sodium-native is a dependency of the service: it must load here.
    if (withSodium) expect(sodium).not.toBeNull();
    const info = { format: SERVICE_FORMAT as typeof SERVICE_FORMAT, keyId: await serviceKeyId(spki), signingKey: b64u(spki) };
    const fields = { format: ACK_FORMAT, fileId: b64u(new Uint8Array(16).fill(7)), serial: 'KW-AAAA-BBBB-CCCC-DDDD', ownerId: `SHA256:${'a'.repeat(64)}`, escrowDigest: b64u(new Uint8Array(32)), storedAt: '2026-12-06T10:00:00.000Z', auditSeq: 3, service: info.keyId } as const;
    const now = await signAcknowledgement(fields, signNow(pkcs8, sodium));
    expect(now).toEqual(await signAcknowledgement(fields, pair.privateKey));
    await verifyAcknowledgement(now, info, info.keyId);
  });

  it('gives a blob the same digest as WebCrypto', async () => {
    const owner = await makeOwner(await makeIdentity(), 1);
    const blob = owner.blobs[0]!;
    expect(await escrowDigest(blob, sha256Now)).toBe(await escrowDigest(blob));
  });
});

const subtle = globalThis.crypto.subtle;

interface Signer {
  spki: Bytes;
  publicKey: CryptoKey;
  privateKey: CryptoKey;
}

async function signer(): Promise<Signer> {
  const pair = (await subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { spki: new Uint8Array(await subtle.exportKey('spki', pair.publicKey)), publicKey: pair.publicKey, privateKey: pair.privateKey };
}

const sign = async (by: Signer, message: Bytes) => new Uint8Array(await subtle.sign(ED25519, by.privateKey, message));
const webCrypto = async (by: { spki: Bytes }, message: Bytes, signature: Bytes) => {
  const key = await subtle.importKey('spki', by.spki, ED25519, false, ['verify']);
  return subtle.verify(ED25519, key, signature, message);
};

describe('Ed25519 checks by libsodium (sodiumVerify)', () => {
  let verify: Ed25519Verify;
  let signers: Signer[];

  beforeAll(async () => {
    const sodium = loadSodium();
    if (!sodium) throw new Error('sodium-native is a dependency of the service: it must load here');
    verify = sodiumVerify(sodium);
    signers = await Promise.all([signer(), signer(), signer()]);
  });

  it('answers each check as WebCrypto does, good and bad mixed', async () => {
    const checks = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const by = signers[i % 3]!;
        const message = globalThis.crypto.getRandomValues(new Uint8Array(i * 37));
        const signature = await sign(by, message);
        // Every third is good; the others: a bit of the signature, a bit of the message, or another signer's key.
        if (i % 6 === 1) signature[i % 64]! ^= 1 << (i % 8);
        if (i % 6 === 2 && message.length > 0) message[i % message.length]! ^= 0x80;
        const claimed = i % 6 === 4 ? signers[(i + 1) % 3]! : by;
        return { spki: claimed.spki, message, signature };
      }),
    );
    const answers = await Promise.all(checks.map((c) => verify(c.spki, c.message, c.signature)));
    const expected = await Promise.all(checks.map((c) => webCrypto(c, c.message, c.signature)));
    expect(answers).toEqual(expected);
    expect(answers.filter(Boolean).length).toBe(30);
  });

  it('never says true where WebCrypto says false (random keys, signatures and messages, and changed ones)', async () => {
    const by = signers[0]!;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.constantFrom('none', 'signature', 'message', 'random', 'key'), async (generated, at, change) => {
        const message = new Uint8Array(generated);
        let signature = await sign(by, message);
        let spki = by.spki;
        if (change === 'signature') signature[at % 64]! ^= 1 << (at % 8);
        if (change === 'message' && message.length > 0) message[at % message.length]! ^= 1;
        if (change === 'random') signature = globalThis.crypto.getRandomValues(new Uint8Array(64));
        if (change === 'key') spki = Uint8Array.from([...by.spki.subarray(0, 12), ...globalThis.crypto.getRandomValues(new Uint8Array(32))]);
        const ours = await verify(spki, message, signature);
        const theirs = await webCrypto({ spki }, message, signature).catch(() => false);
        // The same answer for every signature an honest signer makes, and for every change of one.
        expect(ours).toBe(theirs);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a degenerate signature that OpenSSL takes: the identity point as key and as R, with S = 0', async () => {
    // A = R = the neutral point (small order), S = 0: [S]B = R + [k]A holds for every message.
    const neutral: Bytes = new Uint8Array(32);
    neutral[0] = 1;
    const spki = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00, ...neutral]);
    const signature = new Uint8Array(64);
    signature.set(neutral);
    const message = new TextEncoder().encode('anything at all');
    expect(await verify(spki, message, signature)).toBe(false);
    // Node 20's OpenSSL accepts it (docs/service.md says so); libsodium is the stricter of the two, never the looser.
    expect(await webCrypto({ spki }, message, signature)).toBe(true);
  });

  it('refuses a key that is not an Ed25519 SubjectPublicKeyInfo, even one of the same length with the right key in it', async () => {
    const by = signers[0]!;
    const message = new Uint8Array([4, 5, 6]);
    const signature = await sign(by, message);
    // The same 32 bytes under X25519's OID (1.3.101.110): a key of another algorithm.
    const x25519 = by.spki.slice();
    expect(x25519[8]).toBe(0x70);
    x25519[8] = 0x6e;
    expect(await verify(x25519, message, signature)).toBe(false);
    expect(await verify(by.spki, message, signature)).toBe(true);
  });

  it('refuses a key or a signature of the wrong length without asking libsodium', async () => {
    const by = signers[1]!;
    const message = new Uint8Array([1, 2, 3]);
    const signature = await sign(by, message);
    expect(await verify(by.spki.subarray(1), message, signature)).toBe(false);
    expect(await verify(by.spki, message, signature.subarray(1))).toBe(false);
    expect(await verify(by.spki, message, signature)).toBe(true);
  });

  it('answers RFC 8032\'s test vector, which a verifier that takes every signature, or none, fails (the worker\'s check before use)', async () => {
    expect(await answersRfc8032(verify)).toBe(true);
    expect(await answersRfc8032(() => Promise.resolve(true))).toBe(false);
    expect(await answersRfc8032(() => Promise.resolve(false))).toBe(false);
  });
});
