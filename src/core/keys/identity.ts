/**
 * Keyward v2 §2: identities. An identity is an RSA-OAEP-256 key pair (all of
 * v1 §1 applies) and an Ed25519 key pair held together, named by its
 * identity ID, the SHA-256 of both public keys. This module generates them,
 * upgrades a v1 key pair to one, reads and writes them (two PEM blocks, RSA
 * first, or a JWK Set), and signs and verifies with the §1 context prefix.
 *
 * The RSA half is read by rsa.ts, so an identity's RSA block accepts exactly
 * what a v1 key does; the Ed25519 half by ed25519.ts. One text box or key
 * file takes either a v1 key or an identity ({@link importAnyKeyOrIdentity}).
 */
import { type Bytes, concat, equalBytes, fromB64u, sha256, toBytes, toHex, utf8 } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { unreadable } from './asn1.ts';
import {
  ED25519,
  ED25519_KEY_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  type Ed25519PrivateFields,
  ed25519Jwk,
  encodeEd25519Spki,
  exportEd25519Pkcs8,
  importEd25519Private,
  importEd25519Public,
  isEd25519Der,
  parseEd25519Pkcs8,
  parseEd25519Spki,
  signingInput,
} from './ed25519.ts';
import {
  DEFAULT_PBKDF2_ITERATIONS,
  type EncryptedPrivateKeyInfo,
  decryptPrivateKeyInfo,
  encryptPrivateKeyInfo,
  parseEncryptedPrivateKeyInfo,
} from './pbes2.ts';
import { type PemBlock, encodePem, looksLikePem, parsePemKeyBlocks } from './pem.ts';
import {
  detectKeyFormat,
  exportPrivateKey,
  exportPublicKey,
  generateKeyPair,
  importAnyKey,
  importPrivateKey,
  importPublicKey,
  importPublicKeySpki,
} from './rsa.ts';
import type { PrivateKeyInfo, PublicKeyInfo } from './types.ts';

/** A public identity: what a person hands out, and what a header, blob or receipt names. */
export interface PublicIdentity {
  /** Identity ID (§2): `"SHA256:"` + hex(SHA-256(rsaSpki || ed25519Spki)). */
  id: string;
  /** The RSA-OAEP-256 part; its `keyId` is the v1 key ID of the RSA key. */
  encryption: PublicKeyInfo;
  /** The Ed25519 public key: extractable, usage `verify`. */
  signingKey: CryptoKey;
  /** DER SubjectPublicKeyInfo of the RSA key (canonical, as WebCrypto and OpenSSL write it). */
  rsaSpki: Bytes;
  /** DER SubjectPublicKeyInfo of the Ed25519 key (44 bytes). */
  ed25519Spki: Bytes;
}

/** A private identity: both key pairs. */
export interface PrivateIdentity extends PublicIdentity {
  /** The RSA key pair; the private key is non-extractable unless asked for. */
  encryption: PrivateKeyInfo;
  /** The Ed25519 private key: usage `sign`, non-extractable unless asked for. */
  signingPrivateKey: CryptoKey;
}

/** §1: the signing contexts of v2 (the last two are a council's, §8.4 and §8.5). */
export const SIGN_CONTEXTS = ['keyward/v2 file', 'keyward/v2 escrow', 'keyward/v2 receipt', 'keyward/v2 recovery', 'keyward/v2 partial', 'keyward/v2 drill', 'keyward/v2 sign-in', 'keyward/v2 service ack', 'keyward/v2 case'] as const;
export type SignContext = (typeof SIGN_CONTEXTS)[number];

/** What a person may hand over: a v1 key or an identity, public or private. */
export type AnyKey =
  | ({ kind: 'public' } & PublicKeyInfo)
  | ({ kind: 'private' } & PrivateKeyInfo)
  | { kind: 'public-identity'; identity: PublicIdentity }
  | { kind: 'private-identity'; identity: PrivateIdentity };

/** As rsa.ts: far larger than any key is not a key (rsa.ts then says so). */
const MAX_INPUT_LENGTH = 1_048_576;

const WRONG_ORDER = 'the Ed25519 key comes first; an identity has its RSA key first and its Ed25519 key second';
const NOT_AN_IDENTITY = 'a single RSA key, not an identity (an RSA key and an Ed25519 key together)';
const MIXED = 'a public and a private key together; the two keys of an identity are both public or both private';

/**
 * §2: the identity ID of two public keys.
 *
 * @param rsaSpki - DER SubjectPublicKeyInfo of the RSA key
 * @param ed25519Spki - DER SubjectPublicKeyInfo of the Ed25519 key
 * @returns `"SHA256:"` + 64 lowercase hex digits, what `cat rsa.der ed25519.der | sha256sum` prints
 */
export async function identityIdOf(rsaSpki: Bytes, ed25519Spki: Bytes): Promise<string> {
  return `SHA256:${toHex(await sha256(concat(rsaSpki, ed25519Spki)))}`;
}

const IDENTITY_ID_PATTERN = /^SHA256:[0-9a-f]{64}$/;

/** True for a well-formed identity ID (the same shape as a v1 key ID, §2). */
export function isIdentityId(value: unknown): value is string {
  return typeof value === 'string' && IDENTITY_ID_PATTERN.test(value);
}

async function rsaSpkiOf(publicKey: CryptoKey): Promise<Bytes> {
  return toBytes(await globalThis.crypto.subtle.exportKey('spki', publicKey));
}

/**
 * A public identity from the two DER SPKIs a header, blob or receipt carries
 * (§3.1, §4, §5). Both are checked: the RSA key as v1 §1 checks it and in its
 * canonical DER form (so one key has one identity ID), the Ed25519 key as
 * exactly RFC 8410's 44 bytes.
 *
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED` (not RSA), `KEY_TOO_WEAK`
 */
export async function publicIdentityFromSpki(rsaSpki: Bytes, ed25519Spki: Bytes): Promise<PublicIdentity> {
  const encryption = await importPublicKeySpki(rsaSpki);
  const canonical = await rsaSpkiOf(encryption.publicKey);
  if (!equalBytes(canonical, rsaSpki)) throw unreadable('the RSA SubjectPublicKeyInfo is not in its canonical DER form');
  const { key, spki } = await importEd25519Public(ed25519Spki);
  return { id: await identityIdOf(canonical, spki), encryption, signingKey: key, rsaSpki: canonical, ed25519Spki: spki };
}

/**
 * Public identities already read from their two keys' b64u text (as a
 * header, blob or receipt carries them), so that a service reading many
 * blobs of one owner imports the owner's keys once. It holds only what
 * {@link publicIdentityFromSpki} returned for exactly that text, so a reader
 * using it accepts and refuses exactly what one without it does; the
 * oldest entry goes first once `limit` are held.
 */
export class PublicIdentityCache {
  private readonly entries = new Map<string, PublicIdentity>();

  constructor(private readonly limit = 10_000) {}

  /** The identity of these two keys, read before; `undefined` if not. */
  get(publicKey: string, signingKey: string): PublicIdentity | undefined {
    return this.entries.get(`${publicKey}.${signingKey}`);
  }

  /** Remembers what `publicIdentityFromSpki` returned for these two keys. */
  set(publicKey: string, signingKey: string, identity: PublicIdentity): void {
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(`${publicKey}.${signingKey}`, identity);
  }
}

/**
 * A new identity: an RSA key pair of v1 §1 (3072 bits unless 4096 is asked
 * for) and an Ed25519 key pair.
 *
 * @param options - `bits` 3072 (default) or 4096; `extractable` makes both private keys exportable (default false)
 * @throws RangeError for another `bits` value (a programming error)
 */
export async function generateIdentity(options: { bits?: 3072 | 4096; extractable?: boolean } = {}): Promise<PrivateIdentity> {
  const rsa = await generateKeyPair(options);
  return identityFromKeyPair(rsa, { extractable: options.extractable ?? false });
}

/**
 * Upgrades a v1 key pair to an identity by adding a fresh Ed25519 key pair
 * (§2). The RSA key, and so its key ID, stays; the identity ID is new and is
 * confirmed again.
 *
 * @param rsa - the v1 key pair
 * @param options - `extractable` makes the new Ed25519 private key exportable (default false)
 */
export async function identityFromKeyPair(rsa: PrivateKeyInfo, options: { extractable?: boolean } = {}): Promise<PrivateIdentity> {
  const subtle = globalThis.crypto.subtle;
  const pair = (await subtle.generateKey(ED25519, options.extractable ?? false, ['sign', 'verify'])) as CryptoKeyPair;
  const rsaSpki = await rsaSpkiOf(rsa.publicKey);
  const ed25519Spki = toBytes(await subtle.exportKey('spki', pair.publicKey));
  return {
    id: await identityIdOf(rsaSpki, ed25519Spki),
    encryption: rsa,
    signingKey: pair.publicKey,
    signingPrivateKey: pair.privateKey,
    rsaSpki,
    ed25519Spki,
  };
}

/** An identity read from text, checked up to WebCrypto and the passphrase. */
type DecodedIdentity =
  | { kind: 'public-identity'; rsa: string; ed: Bytes }
  | { kind: 'private-identity'; encrypted: false; rsa: string; ed: Ed25519PrivateFields }
  | { kind: 'private-identity'; encrypted: true; rsa: EncryptedPrivateKeyInfo; ed: EncryptedPrivateKeyInfo };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The identity in `input`, or `undefined` when it holds one key at most (a
 * v1 key, or text rsa.ts will explain it cannot read).
 */
function decodeIdentity(input: string): DecodedIdentity | undefined {
  if (typeof input !== 'string' || input.length > MAX_INPUT_LENGTH) return undefined;
  const text = input.replace(/^\uFEFF/, '').trim();
  if (looksLikePem(text)) {
    const blocks = parsePemKeyBlocks(text);
    if (blocks.length <= 1) return undefined;
    if (blocks.length > 2) {
      throw unreadable(`${blocks.length} keys in the PEM text; an identity is two (RSA, then Ed25519), a v1 key one`);
    }
    return decodeIdentityPem(blocks[0]!, blocks[1]!);
  }
  if (text.startsWith('{')) {
    // Strict: a member given twice is refused, not the last one taken.
    const value = parseJson(text, { code: 'KEY_UNREADABLE', what: 'the JWK' });
    if (isRecord(value) && value.keys !== undefined) return decodeJwkSet(value.keys);
  }
  return undefined;
}

const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);
/** §2: the RSA block accepts everything a v1 private key may be. */
const RSA_PRIVATE_LABELS = new Set(['PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
const ED25519_PRIVATE_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);

function decodeIdentityPem(first: PemBlock, second: PemBlock): DecodedIdentity {
  if (PUBLIC_LABELS.has(first.label) !== PUBLIC_LABELS.has(second.label)) throw unreadable(MIXED);
  if (isEd25519Der(first.der)) throw unreadable(WRONG_ORDER);
  if (PUBLIC_LABELS.has(first.label)) {
    if (first.label !== 'PUBLIC KEY' || second.label !== 'PUBLIC KEY') {
      throw unreadable('a public identity is two PUBLIC KEY blocks (RSA, then Ed25519)');
    }
    const rsa = encodePem(first.label, first.der);
    detectKeyFormat(rsa);
    parseEd25519Spki(second.der);
    return { kind: 'public-identity', rsa, ed: second.der };
  }
  if (!RSA_PRIVATE_LABELS.has(first.label) || !ED25519_PRIVATE_LABELS.has(second.label)) {
    throw unreadable(`keys labelled ${first.label} and ${second.label} are not an identity`);
  }
  const firstEncrypted = first.label === 'ENCRYPTED PRIVATE KEY';
  if (firstEncrypted !== (second.label === 'ENCRYPTED PRIVATE KEY')) {
    throw unreadable('one key of the identity is encrypted and the other is not; both are encrypted under one passphrase, or neither');
  }
  if (firstEncrypted) {
    return {
      kind: 'private-identity',
      encrypted: true,
      rsa: parseEncryptedPrivateKeyInfo(first.der),
      ed: parseEncryptedPrivateKeyInfo(second.der),
    };
  }
  const rsa = encodePem(first.label, first.der);
  detectKeyFormat(rsa);
  return { kind: 'private-identity', encrypted: false, rsa, ed: parseEd25519Pkcs8(second.der) };
}

function jwkMember(jwk: Record<string, unknown>, name: string): Bytes {
  const value = jwk[name];
  if (typeof value !== 'string') throw unreadable(`the Ed25519 JWK member "${name}" is missing or not a string`);
  let bytes: Bytes;
  try {
    bytes = fromB64u(value, name);
  } catch {
    throw unreadable(`the Ed25519 JWK member "${name}" is not base64url`);
  }
  if (bytes.length !== ED25519_KEY_LENGTH) throw unreadable(`the Ed25519 JWK member "${name}" is ${bytes.length} bytes, not 32`);
  return bytes;
}

/** §2: `{"keys":[RSA, OKP]}`, both public or both private. */
function decodeJwkSet(keys: unknown): DecodedIdentity {
  if (!Array.isArray(keys)) throw unreadable('the "keys" of the JWK Set is not an array');
  if (keys.length !== 2) throw unreadable(`a JWK Set of ${keys.length} keys; an identity is two (RSA, then Ed25519)`);
  const [rsaJwk, edJwk] = keys as [unknown, unknown];
  if (!isRecord(rsaJwk) || !isRecord(edJwk)) throw unreadable('a key of the JWK Set is not an object');
  if (rsaJwk.kty === 'OKP') throw unreadable(WRONG_ORDER);
  const rsa = JSON.stringify(rsaJwk);
  const { kind } = detectKeyFormat(rsa);
  if (edJwk.kty !== 'OKP' || edJwk.crv !== 'Ed25519') throw unreadable('the second key of the JWK Set is not an Ed25519 (OKP) key');
  const x = jwkMember(edJwk, 'x');
  if ((edJwk.d !== undefined) !== (kind === 'private')) throw unreadable(MIXED);
  if (kind === 'public') return { kind: 'public-identity', rsa, ed: encodeEd25519Spki(x) };
  return { kind: 'private-identity', encrypted: false, rsa, ed: { seed: jwkMember(edJwk, 'd'), publicKey: x } };
}

async function importDecoded(
  decoded: DecodedIdentity,
  options: { passphrase?: string; extractable?: boolean },
): Promise<PublicIdentity | PrivateIdentity> {
  if (decoded.kind === 'public-identity') {
    const encryption = await importPublicKey(decoded.rsa);
    const { key, spki } = await importEd25519Public(decoded.ed);
    const rsaSpki = await rsaSpkiOf(encryption.publicKey);
    return { id: await identityIdOf(rsaSpki, spki), encryption, signingKey: key, rsaSpki, ed25519Spki: spki };
  }
  let rsaText: string;
  let edFields: Ed25519PrivateFields;
  if (decoded.encrypted) {
    // An empty field in a form is no passphrase at all.
    const { passphrase } = options;
    if (passphrase === undefined || passphrase === '') throw new KeywardError('PASSPHRASE_REQUIRED');
    // §2: one passphrase for both; a second key under another passphrase is PASSPHRASE_WRONG.
    const rsaPkcs8 = await decryptPrivateKeyInfo(decoded.rsa, passphrase);
    if (isEd25519Der(rsaPkcs8)) throw unreadable(WRONG_ORDER);
    rsaText = encodePem('PRIVATE KEY', rsaPkcs8);
    edFields = parseEd25519Pkcs8(await decryptPrivateKeyInfo(decoded.ed, passphrase));
  } else {
    rsaText = decoded.rsa;
    edFields = decoded.ed;
  }
  const extractable = options.extractable ?? false;
  const encryption = await importPrivateKey(rsaText, { extractable });
  const ed = await importEd25519Private(edFields, extractable);
  const rsaSpki = await rsaSpkiOf(encryption.publicKey);
  return {
    id: await identityIdOf(rsaSpki, ed.spki),
    encryption,
    signingKey: ed.publicKey,
    signingPrivateKey: ed.privateKey,
    rsaSpki,
    ed25519Spki: ed.spki,
  };
}

/** Says why a v1 key (or unreadable text) is not an identity: rsa.ts's reason if it cannot read it at all. */
function notAnIdentity(text: string): KeywardError {
  detectKeyFormat(text);
  return unreadable(NOT_AN_IDENTITY);
}

/**
 * Finds out what the text holds, without WebCrypto and without a passphrase:
 * a v1 key (rsa.ts's `detectKeyFormat`) or an identity, public or private.
 *
 * @throws KeywardError `KEY_UNREADABLE` (not a key, damaged, blocks in the
 *   wrong order, extra blocks, a public and a private half), `KEY_UNSUPPORTED`
 */
export function detectKeyOrIdentity(text: string): { kind: AnyKey['kind']; encrypted: boolean } {
  const decoded = decodeIdentity(text);
  if (!decoded) {
    const { kind, encrypted } = detectKeyFormat(text);
    return { kind, encrypted };
  }
  return { kind: decoded.kind, encrypted: decoded.kind === 'private-identity' && decoded.encrypted };
}

/**
 * Imports a public identity: two `PUBLIC KEY` PEM blocks (RSA first) or a
 * public JWK Set.
 *
 * @throws KeywardError `KEY_UNREADABLE` (also for a v1 key: it has no signing
 *   key), `KEY_UNSUPPORTED`, `KEY_TOO_WEAK`, `KEY_NOT_PUBLIC` (a private identity)
 */
export async function importPublicIdentity(text: string): Promise<PublicIdentity> {
  const decoded = decodeIdentity(text);
  if (!decoded) throw notAnIdentity(text);
  if (decoded.kind !== 'public-identity') throw new KeywardError('KEY_NOT_PUBLIC');
  return importDecoded(decoded, {});
}

/**
 * Imports a private identity: two `PRIVATE KEY` blocks (the RSA one may be
 * any v1 private key form), two `ENCRYPTED PRIVATE KEY` blocks under one
 * passphrase, or a private JWK Set.
 *
 * @param options - `passphrase` for encrypted blocks; `extractable` lets both private keys be exported later (default false)
 * @throws KeywardError `KEY_UNREADABLE` (also for a v1 key), `KEY_UNSUPPORTED`,
 *   `KEY_TOO_WEAK`, `KEY_NOT_PRIVATE` (a public identity), `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`
 */
export async function importPrivateIdentity(
  text: string,
  options: { passphrase?: string; extractable?: boolean } = {},
): Promise<PrivateIdentity> {
  const decoded = decodeIdentity(text);
  if (!decoded) throw notAnIdentity(text);
  if (decoded.kind !== 'private-identity') throw new KeywardError('KEY_NOT_PRIVATE');
  return (await importDecoded(decoded, options)) as PrivateIdentity;
}

/**
 * Imports whatever the text holds: a v1 key (any form rsa.ts reads) or an
 * identity, public or private. One text box or key file takes them all.
 *
 * @param options - as for {@link importPrivateIdentity}; ignored for public keys
 * @throws KeywardError `KEY_UNREADABLE`, `KEY_UNSUPPORTED`, `KEY_TOO_WEAK`, `PASSPHRASE_REQUIRED`, `PASSPHRASE_WRONG`
 */
export async function importAnyKeyOrIdentity(
  text: string,
  options: { passphrase?: string; extractable?: boolean } = {},
): Promise<AnyKey> {
  const decoded = decodeIdentity(text);
  if (!decoded) return importAnyKey(text, options);
  if (decoded.kind === 'public-identity') return { kind: 'public-identity', identity: await importDecoded(decoded, {}) };
  return { kind: 'private-identity', identity: (await importDecoded(decoded, options)) as PrivateIdentity };
}

function jwkSet(keys: readonly unknown[]): string {
  return `${JSON.stringify({ keys }, null, 2)}\n`;
}

/**
 * Writes a public identity out (§2).
 *
 * @param format - `pem`: two `PUBLIC KEY` blocks, RSA first; `jwk`: a JWK Set `{"keys":[RSA, OKP]}`
 * @returns the text, ending in a newline
 */
export async function exportPublicIdentity(identity: PublicIdentity, format: 'pem' | 'jwk'): Promise<string> {
  if (format === 'pem') return encodePem('PUBLIC KEY', identity.rsaSpki) + encodePem('PUBLIC KEY', identity.ed25519Spki);
  const rsa: unknown = JSON.parse(await exportPublicKey(identity.encryption.publicKey, 'jwk'));
  return jwkSet([rsa, ed25519Jwk(parseEd25519Spki(identity.ed25519Spki))]);
}

/**
 * Writes a private identity out (§2). `encrypted-pem` encrypts both blocks
 * as v1 keys are (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) under one passphrase.
 *
 * @param format - `pem` (two `PRIVATE KEY` blocks), `encrypted-pem` (two `ENCRYPTED PRIVATE KEY` blocks) or `jwk` (a JWK Set)
 * @param options - `passphrase` (needed for `encrypted-pem`); `iterations` of PBKDF2 (default 600000)
 * @returns the text, ending in a newline
 * @throws KeywardError `KEY_NOT_EXTRACTABLE`, `PASSPHRASE_REQUIRED`
 * @throws RangeError for `iterations` outside 1000 to 10000000 (a programming error)
 */
export async function exportPrivateIdentity(
  identity: PrivateIdentity,
  format: 'pem' | 'jwk' | 'encrypted-pem',
  options: { passphrase?: string; iterations?: number } = {},
): Promise<string> {
  const rsaKey = identity.encryption.privateKey;
  const edPkcs8 = await exportEd25519Pkcs8(identity.signingPrivateKey);
  switch (format) {
    case 'pem':
      return (await exportPrivateKey(rsaKey, 'pkcs8-pem')) + encodePem('PRIVATE KEY', edPkcs8);
    case 'encrypted-pem': {
      const rsa = await exportPrivateKey(rsaKey, 'encrypted-pkcs8-pem', options);
      // exportPrivateKey has refused a missing passphrase already.
      const { passphrase = '', iterations = DEFAULT_PBKDF2_ITERATIONS } = options;
      return rsa + encodePem('ENCRYPTED PRIVATE KEY', await encryptPrivateKeyInfo(edPkcs8, passphrase, iterations));
    }
    case 'jwk': {
      const rsa: unknown = JSON.parse(await exportPrivateKey(rsaKey, 'jwk'));
      const { seed } = parseEd25519Pkcs8(edPkcs8);
      return jwkSet([rsa, ed25519Jwk(parseEd25519Spki(identity.ed25519Spki), seed)]);
    }
  }
}

/**
 * §1: signs `utf8(context) || 0x00 || body` with the identity's Ed25519 key.
 *
 * @returns the 64-byte signature
 * @throws RangeError for a context that is not one of {@link SIGN_CONTEXTS} (a programming error)
 */
export async function signAs(identity: PrivateIdentity, context: SignContext, body: Bytes): Promise<Bytes> {
  if (!(SIGN_CONTEXTS as readonly string[]).includes(context)) throw new RangeError(`signAs: unknown context ${context}`);
  return toBytes(await globalThis.crypto.subtle.sign(ED25519, identity.signingPrivateKey, signingInput(utf8(context), body)));
}

/**
 * Ed25519 verification by the caller's own means (RFC 8032), given the identity's Ed25519 SubjectPublicKeyInfo
 * (44 bytes, as the identity was read), the whole signed message and the 64-byte signature. The service passes
 * one (libsodium on a worker thread) instead of WebCrypto's; it may be stricter than OpenSSL about degenerate
 * keys and signatures, never looser. It throws only when it cannot answer (never for a bad signature).
 */
export type Ed25519Verify = (spki: Bytes, message: Bytes, signature: Bytes) => Promise<boolean>;

/**
 * §1: true when `signature` is `identity`'s Ed25519 signature of `utf8(context) || 0x00 || body`: by `verify`
 * when given, by WebCrypto ({@link verifySignature}) otherwise. A bad signature is `false`.
 *
 * @throws whatever `verify` throws when it cannot answer
 */
export async function identitySigned(identity: PublicIdentity, context: SignContext, body: Bytes, signature: Bytes, verify?: Ed25519Verify): Promise<boolean> {
  if (!verify) return verifySignature(identity.signingKey, context, body, signature);
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!(SIGN_CONTEXTS as readonly string[]).includes(context)) return false;
  return verify(identity.ed25519Spki, signingInput(utf8(context), body), signature);
}

/**
 * §1: true when `signature` is an Ed25519 signature of `utf8(context) || 0x00 || body` by `signingKey`.
 * Never throws for a bad signature: any failure is `false`, and the caller names the code.
 */
export async function verifySignature(signingKey: CryptoKey, context: SignContext, body: Bytes, signature: Bytes): Promise<boolean> {
  if (signature.length !== ED25519_SIGNATURE_LENGTH) return false;
  if (!(SIGN_CONTEXTS as readonly string[]).includes(context)) return false;
  try {
    return await globalThis.crypto.subtle.verify(ED25519, signingKey, signature, signingInput(utf8(context), body));
  } catch {
    return false;
  }
}
