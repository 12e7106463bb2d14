/** node:crypto and libsodium at once, in place of WebCrypto on the deposit path: the same bytes. */
import { ACK_FORMAT, SERVICE_FORMAT, serviceKeyId, signAcknowledgement, verifyAcknowledgement } from '../core/service.ts';
import { b64u, escrowDigest } from '../core/index.ts';
import { makeIdentity } from '../core/test-support.ts';
import { loadSodium, sha256Now, signNow } from './node-crypto.ts';
import { makeOwner } from './test-support.ts';

const ED25519 = { name: 'Ed25519' };

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
