/**
 * The escrow service's own signed objects, shared by the service, the app
 * and the CLI: the service's description (`GET /v1/service`), its key ID,
 * the sign-in challenge a person signs (context `keyward/v2 sign-in`) and
 * the signed acknowledgement of a deposit (context `keyward/v2 service ack`).
 * Both are signed over `canonical(object without "signature")`, as every v2 object.
 */
import { type Bytes, b64u, fromB64u, sha256, toHex, utf8 } from './bytes.ts';
import { b64uField, canonicalJson, exactFields, idField, isPlainObject, timeField } from './canonical.ts';
import { KeywardError } from './errors.ts';
import { FILE_ID_LENGTH, SIGNATURE_LENGTH } from './format/constants.ts';
import { isSerial } from './format/serial.ts';
import { jsonValue, signedBody } from './format/signing.ts';
import { ED25519, importEd25519Public, signingInput } from './keys/ed25519.ts';
import { type PrivateIdentity, type SignContext, signAs, verifySignature } from './keys/identity.ts';

/** `GET /v1/service`'s `format`. */
export const SERVICE_FORMAT = 'keyward-service/1';
/** A sign-in challenge's `format`. */
export const SIGN_IN_FORMAT = 'keyward-sign-in/1';
/** A signed acknowledgement's `format`. */
export const ACK_FORMAT = 'keyward-ack/1';

/** What the service says about itself: its Ed25519 key, and that key's ID. */
export interface ServiceInfo {
  format: typeof SERVICE_FORMAT;
  /** `"SHA256:"` + hex(SHA-256(signingKey's SPKI)). */
  keyId: string;
  /** b64u of the service's Ed25519 SPKI (44 bytes). */
  signingKey: string;
}

/** What a person signs to sign in (`POST /v1/sign-in/challenge` answers it). */
export interface SignInChallenge {
  format: typeof SIGN_IN_FORMAT;
  /** The service's key ID: a challenge of one service is no use at another. */
  service: string;
  identityId: string;
  /** b64u of 32 random bytes. */
  nonce: string;
  expiresAt: string;
}

/** The service's signed answer to a stored deposit; the same, byte for byte, for the same blob again. */
export interface SignedAcknowledgement {
  format: typeof ACK_FORMAT;
  fileId: string;
  serial: string;
  ownerId: string;
  /** v2 §5: `b64u(SHA-256(canonical(blob)))`. */
  escrowDigest: string;
  storedAt: string;
  auditSeq: number;
  /** The service's key ID. */
  service: string;
  /** Ed25519 over `canonical(ack without "signature")`, context `keyward/v2 service ack`. */
  signature: string;
}

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const ED25519_SPKI_LENGTH = 44;

/** The key ID of the service's Ed25519 key: `"SHA256:"` + hex(SHA-256(spki)). */
export async function serviceKeyId(spki: Bytes): Promise<string> {
  return `SHA256:${toHex(await sha256(spki))}`;
}

/**
 * Reads `GET /v1/service`'s answer strictly (the key ID is checked against the key by `verifyAcknowledgement`).
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseServiceInfo(value: unknown): ServiceInfo {
  const info = exactFields(jsonValue(value, 'the service description'), 'the service description', ['format', 'keyId', 'signingKey']);
  if (info.format !== SERVICE_FORMAT) throw malformed(`format must be ${SERVICE_FORMAT}`);
  b64uField(info.signingKey, 'signingKey', ED25519_SPKI_LENGTH);
  return { format: SERVICE_FORMAT, keyId: idField(info.keyId, 'keyId'), signingKey: info.signingKey as string };
}

/** An authority or a council the service keeps escrow for (`GET /v1/authorities`): a deposit for any other is refused. */
export interface ServedAuthority {
  kind: 'identity' | 'council';
  /** The identity ID, or the council ID. */
  id: string;
  name: string;
}

/** The most authorities and councils an answer may list (an organisation registers a handful). */
const MAX_SERVED = 1000;

/**
 * Reads `GET /v1/authorities`' answer strictly. The list says only where the
 * service stores blobs; it vouches for no key (the owner still compares the ID).
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseServedAuthorities(value: unknown): ServedAuthority[] {
  const { authorities } = exactFields(jsonValue(value, 'the list of authorities'), 'the list of authorities', ['authorities']);
  if (!Array.isArray(authorities) || authorities.length > MAX_SERVED) throw malformed(`authorities must be an array of at most ${MAX_SERVED}`);
  return (authorities as unknown[]).map((item, i) => {
    const where = `authorities[${i}]`;
    const { kind, id, name } = exactFields(item, where, ['kind', 'id', 'name']);
    if (kind !== 'identity' && kind !== 'council') throw malformed(`${where}.kind must be "identity" or "council"`);
    if (typeof name !== 'string') throw malformed(`${where}.name must be a string`);
    return { kind, id: idField(id, `${where}.id`), name };
  });
}

/**
 * Reads a sign-in challenge strictly.
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseSignInChallenge(value: unknown): SignInChallenge {
  const challenge = exactFields(jsonValue(value, 'the challenge'), 'the challenge', ['format', 'service', 'identityId', 'nonce', 'expiresAt']);
  if (challenge.format !== SIGN_IN_FORMAT) throw malformed(`format must be ${SIGN_IN_FORMAT}`);
  b64uField(challenge.nonce, 'nonce', 32);
  return {
    format: SIGN_IN_FORMAT,
    service: idField(challenge.service, 'service'),
    identityId: idField(challenge.identityId, 'identityId'),
    nonce: challenge.nonce as string,
    expiresAt: timeField(challenge.expiresAt, 'expiresAt'),
  };
}

/** The bytes a sign-in signature covers (under `keyward/v2 sign-in`): `canonical(challenge)`. */
export function signInChallengeBody(challenge: SignInChallenge): Bytes {
  const { format, service, identityId, nonce, expiresAt } = challenge;
  return utf8(canonicalJson({ format, service, identityId, nonce, expiresAt }));
}

/** The identity's signature of a challenge (b64u), what `POST /v1/sign-in` takes. */
export async function signChallenge(identity: PrivateIdentity, challenge: SignInChallenge): Promise<string> {
  return b64u(await signAs(identity, 'keyward/v2 sign-in', signInChallengeBody(challenge)));
}

/** True when `signature` (b64u) is `signingKey`'s signature of the challenge; any failure is false. */
export async function challengeSignedBy(challenge: SignInChallenge, signature: string, signingKey: CryptoKey): Promise<boolean> {
  let bytes: Bytes;
  try {
    bytes = fromB64u(signature, 'signature');
  } catch {
    return false;
  }
  return verifySignature(signingKey, 'keyward/v2 sign-in', signInChallengeBody(challenge), bytes);
}

/**
 * Reads a signed acknowledgement strictly.
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseAcknowledgement(value: unknown): SignedAcknowledgement {
  const raw = jsonValue(value, 'the acknowledgement');
  if (!isPlainObject(raw) || raw.format !== ACK_FORMAT) throw malformed(`the acknowledgement's format must be ${ACK_FORMAT}`);
  const ack = exactFields(raw, 'the acknowledgement', ['format', 'fileId', 'serial', 'ownerId', 'escrowDigest', 'storedAt', 'auditSeq', 'service', 'signature']);
  b64uField(ack.fileId, 'fileId', FILE_ID_LENGTH);
  if (!isSerial(ack.serial)) throw malformed('serial must look like KW-XXXX-XXXX-XXXX-XXXX');
  b64uField(ack.escrowDigest, 'escrowDigest', 32);
  b64uField(ack.signature, 'signature', SIGNATURE_LENGTH);
  const { auditSeq } = ack;
  if (typeof auditSeq !== 'number' || !Number.isSafeInteger(auditSeq) || auditSeq < 1) throw malformed('auditSeq must be a whole number from 1');
  return {
    format: ACK_FORMAT,
    fileId: ack.fileId as string,
    serial: ack.serial,
    ownerId: idField(ack.ownerId, 'ownerId'),
    escrowDigest: ack.escrowDigest as string,
    storedAt: timeField(ack.storedAt, 'storedAt'),
    auditSeq,
    service: idField(ack.service, 'service'),
    signature: ack.signature as string,
  };
}

/**
 * An Ed25519 signature made at once by whoever holds the key: what the service passes instead of its CryptoKey
 * (node:crypto's, on the caller's thread; WebCrypto's job would wait in libuv's queue behind other work).
 */
export type SignNow = (message: Bytes) => Bytes;

/** Signs `body` under `context` with a bare Ed25519 private key (the service's own, which is no identity), by WebCrypto or at once. */
export async function signWithKey(privateKey: CryptoKey | SignNow, context: SignContext, body: Bytes): Promise<string> {
  const message = signingInput(utf8(context), body);
  return b64u(typeof privateKey === 'function' ? privateKey(message) : new Uint8Array(await globalThis.crypto.subtle.sign(ED25519, privateKey, message)));
}

/** The service signs an acknowledgement (deterministic: Ed25519, over canonical JSON). */
export async function signAcknowledgement(ack: Omit<SignedAcknowledgement, 'signature'>, privateKey: CryptoKey | SignNow): Promise<SignedAcknowledgement> {
  const unsigned: Omit<SignedAcknowledgement, 'signature'> = {
    format: ACK_FORMAT,
    fileId: ack.fileId,
    serial: ack.serial,
    ownerId: ack.ownerId,
    escrowDigest: ack.escrowDigest,
    storedAt: ack.storedAt,
    auditSeq: ack.auditSeq,
    service: ack.service,
  };
  return { ...unsigned, signature: await signWithKey(privateKey, 'keyward/v2 service ack', signedBody(unsigned)) };
}

/**
 * Checks an acknowledgement against the service the app or CLI trusts: the
 * description's key must be the one `expectKeyId` names, the acknowledgement
 * must name it, and its signature must verify with it.
 *
 * @throws KeywardError `MALFORMED`, `SIGNER_UNTRUSTED` (another service's key), `SIGNATURE_INVALID`
 */
export async function verifyAcknowledgement(input: unknown, info: ServiceInfo, expectKeyId: string): Promise<void> {
  const ack = parseAcknowledgement(input);
  const service = parseServiceInfo(info);
  const spki = fromB64u(service.signingKey, 'signingKey');
  if ((await serviceKeyId(spki)) !== expectKeyId || service.keyId !== expectKeyId) {
    throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the service's key is not ${expectKeyId}` });
  }
  if (ack.service !== expectKeyId) throw new KeywardError('SIGNER_UNTRUSTED', { reason: `the acknowledgement names the service ${ack.service}, not ${expectKeyId}` });
  const { key } = await importEd25519Public(spki);
  const ok = await verifySignature(key, 'keyward/v2 service ack', signedBody(ack), fromB64u(ack.signature, 'signature'));
  if (!ok) throw new KeywardError('SIGNATURE_INVALID', { reason: 'the acknowledgement\'s signature does not verify' });
}
