/** The service's own signed objects: its key ID, the sign-in challenge, the signed acknowledgement. */
import { b64u, fromB64u, sha256, toHex, utf8 } from './bytes.ts';
import { canonicalJson } from './canonical.ts';
import { signingInput } from './keys/ed25519.ts';
import { verifySignature } from './keys/identity.ts';
import {
  ACK_FORMAT,
  SERVICE_FORMAT,
  SIGN_IN_FORMAT,
  type ServiceInfo,
  type SignInChallenge,
  challengeSignedBy,
  parseAcknowledgement,
  parseServedAuthorities,
  parseServiceInfo,
  parseSignInChallenge,
  serviceKeyId,
  signAcknowledgement,
  signChallenge,
  signInChallengeBody,
  signWithKey,
} from './service.ts';
import { verifyAcknowledgement } from './service.ts';
import { expectCode, expectCodeSync, makeIdentity } from './test-support.ts';

async function serviceKey(): Promise<{ info: ServiceInfo; privateKey: CryptoKey }> {
  const pair = await globalThis.crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const spki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', pair.publicKey));
  return { info: { format: SERVICE_FORMAT, keyId: await serviceKeyId(spki), signingKey: b64u(spki) }, privateKey: pair.privateKey };
}

describe('the authorities the service keeps escrow for', () => {
  it('are read strictly: a kind, an ID and a name each, nothing else', () => {
    const listed = [
      { kind: 'identity', id: `SHA256:${'1'.repeat(64)}`, name: 'IT backup' },
      { kind: 'council', id: `SHA256:${'2'.repeat(64)}`, name: 'Board' },
    ];
    expect(parseServedAuthorities(JSON.stringify({ authorities: listed }))).toEqual(listed);
    expect(parseServedAuthorities({ authorities: [] })).toEqual([]);
    const bad: unknown[] = [
      { authorities: listed, extra: 1 },
      { authorities: 'all' },
      { authorities: [{ ...listed[0], keyId: 'x' }] },
      { authorities: [{ ...listed[0], kind: 'officer' }] },
      { authorities: [{ ...listed[0], id: 'SHA256:short' }] },
      { authorities: [{ kind: 'identity', id: listed[0]!.id }] },
      { authorities: [null] },
      { authorities: Array.from({ length: 1001 }, () => listed[0]) },
      '{"authorities":[],"authorities":[]}',
    ];
    for (const value of bad) expectCodeSync(() => parseServedAuthorities(value), 'MALFORMED');
  });
});

const FIELDS = {
  fileId: b64u(new Uint8Array(16).fill(7)),
  serial: 'KW-ABCD-EFGH-JKMN-PQRS',
  ownerId: `SHA256:${'a'.repeat(64)}`,
  escrowDigest: b64u(new Uint8Array(32).fill(1)),
  storedAt: '2026-12-06T11:00:00.000Z',
  auditSeq: 3,
};

describe('the service key', () => {
  it('is named by the SHA-256 of its SPKI, and its description is read strictly', async () => {
    const { info } = await serviceKey();
    expect(info.keyId).toBe(`SHA256:${toHex(await sha256(fromB64u(info.signingKey)))}`);
    expect(parseServiceInfo(JSON.stringify(info))).toEqual(info);
    expectCodeSync(() => parseServiceInfo({ ...info, extra: 'x' }), 'MALFORMED');
    expectCodeSync(() => parseServiceInfo({ ...info, format: 'keyward-service/2' }), 'MALFORMED');
    expectCodeSync(() => parseServiceInfo({ ...info, signingKey: b64u(new Uint8Array(32)) }), 'MALFORMED');
  });
});

describe('the sign-in challenge', () => {
  it('is signed by the identity over canonical(challenge) under "keyward/v2 sign-in", and by nothing else', async () => {
    const [ada, bob] = await Promise.all([makeIdentity(), makeIdentity()]);
    const challenge: SignInChallenge = parseSignInChallenge({
      format: SIGN_IN_FORMAT,
      service: `SHA256:${'b'.repeat(64)}`,
      identityId: ada.id,
      nonce: b64u(new Uint8Array(32).fill(9)),
      expiresAt: '2026-12-06T11:05:00.000Z',
    });
    expect(signInChallengeBody(challenge)).toEqual(utf8(canonicalJson(challenge)));
    const signature = await signChallenge(ada, challenge);
    expect(await verifySignature(ada.signingKey, 'keyward/v2 sign-in', signInChallengeBody(challenge), fromB64u(signature))).toBe(true);
    expect(await challengeSignedBy(challenge, signature, ada.signingKey)).toBe(true);
    expect(await challengeSignedBy(challenge, signature, bob.signingKey)).toBe(false);
    expect(await challengeSignedBy({ ...challenge, nonce: b64u(new Uint8Array(32).fill(8)) }, signature, ada.signingKey)).toBe(false);
    expect(await challengeSignedBy(challenge, 'not b64u!', ada.signingKey)).toBe(false);
    // The same bytes signed under another context do not sign in.
    const other = b64u(new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, ada.signingPrivateKey, signingInput(utf8('keyward/v2 receipt'), signInChallengeBody(challenge)))));
    expect(await challengeSignedBy(challenge, other, ada.signingKey)).toBe(false);
    expectCodeSync(() => parseSignInChallenge({ ...challenge, nonce: b64u(new Uint8Array(16)) }), 'MALFORMED');
    expectCodeSync(() => parseSignInChallenge({ ...challenge, admin: 'yes' }), 'MALFORMED');
  });
});

describe('the signed acknowledgement', () => {
  it('is deterministic, verifies with the service key it names, and nothing else', async () => {
    const [{ info, privateKey }, other] = await Promise.all([serviceKey(), serviceKey()]);
    const ack = await signAcknowledgement({ format: ACK_FORMAT, ...FIELDS, service: info.keyId }, privateKey);
    expect(canonicalJson(await signAcknowledgement({ format: ACK_FORMAT, ...FIELDS, service: info.keyId }, privateKey))).toBe(canonicalJson(ack));
    expect(parseAcknowledgement(JSON.stringify(ack))).toEqual(ack);
    await verifyAcknowledgement(ack, info, info.keyId);
    // Another service's key, or a description that does not match the key it names.
    await expectCode(verifyAcknowledgement(ack, info, other.info.keyId), 'SIGNER_UNTRUSTED');
    await expectCode(verifyAcknowledgement(ack, { ...info, signingKey: other.info.signingKey }, info.keyId), 'SIGNER_UNTRUSTED');
    await expectCode(verifyAcknowledgement({ ...ack, service: other.info.keyId }, info, info.keyId), 'SIGNER_UNTRUSTED');
    // A changed field, or a signature by another key or under another context.
    await expectCode(verifyAcknowledgement({ ...ack, auditSeq: 4 }, info, info.keyId), 'SIGNATURE_INVALID');
    const unsigned = { format: ACK_FORMAT, ...FIELDS, service: info.keyId };
    const byOther = await signWithKey(other.privateKey, 'keyward/v2 service ack', utf8(canonicalJson(unsigned)));
    await expectCode(verifyAcknowledgement({ ...unsigned, signature: byOther }, info, info.keyId), 'SIGNATURE_INVALID');
    const otherContext = await signWithKey(privateKey, 'keyward/v2 receipt', utf8(canonicalJson(unsigned)));
    await expectCode(verifyAcknowledgement({ ...unsigned, signature: otherContext }, info, info.keyId), 'SIGNATURE_INVALID');
    await expectCode(verifyAcknowledgement({ ...ack, extra: 'x' }, info, info.keyId), 'MALFORMED');
  });
});
