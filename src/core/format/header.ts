/**
 * Keyward v1 §3 and v2 §3.1: the encrypted file's prefix, `magic || hlen || header || hmac`.
 * Parsing keeps the exact bytes read: the HMAC is always computed over them,
 * never over a re-serialisation of the JSON.
 */
import { type Bytes, concat, equalBytes, fromB64u, fromUtf8, readU32be, u32be, utf8 } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { WRAP_ALG } from '../keys/constants.ts';
import { isKeyId } from '../keys/key-id.ts';
import {
  FILE_ID_LENGTH,
  HMAC_LENGTH,
  MAGIC,
  MAGIC_PREFIX,
  MAGIC_V2,
  MAX_CHUNK_SIZE,
  MAX_HEADER_LENGTH,
  MAX_RECIPIENTS,
  MIN_CHUNK_SIZE,
  MIN_HEADER_LENGTH,
  MIN_RECIPIENTS,
  SALT_LENGTH,
  TAG_LENGTH,
} from './constants.ts';

export type StanzaRole = 'owner' | 'recipient' | 'authority';

/** A recipient stanza (§3). */
export interface Stanza {
  role: StanzaRole;
  alg: typeof WRAP_ALG;
  keyId: string;
  /** `b64u(RSA-OAEP-256(publicKey, fileKey))`. */
  wrappedKey: string;
}

/** v2 §3.1: the file owner's public identity, as the header names it. */
export interface SignerField {
  /** The identity ID (v2 §2). */
  id: string;
  /** `b64u(rsaSpki)`. */
  publicKey: string;
  /** `b64u(ed25519Spki)`. */
  signingKey: string;
}

/** The known fields of the header object (§3; v2 §3.1 adds `signer`, with `version` 2). */
export interface Header {
  version: 1 | 2;
  fileId: string;
  salt: string;
  chunkSize: number;
  recipients: Stanza[];
  meta: string;
  /** v2 only: who signed the file. */
  signer?: SignerField;
}

/** A header read from a file, with the exact bytes it came from. */
export interface ParsedHeader {
  header: Header;
  /** The decoded `fileId` (16 bytes). */
  fileId: Bytes;
  /** The decoded `salt` (16 bytes). */
  salt: Bytes;
  /** The decoded `meta` ciphertext. */
  metaCiphertext: Bytes;
  /** `magic || hlen || header`, exactly as read: the HMAC input. */
  headerBytes: Bytes;
  /** The 32-byte `hmac` as read. */
  hmac: Bytes;
  /** Bytes before the payload: `headerBytes.length + 32`. */
  prefixSize: number;
}

const ROLES: readonly string[] = ['owner', 'recipient', 'authority'];
const MAGIC_LENGTH = MAGIC.length;
const MAGICS = [MAGIC, MAGIC_V2] as const;

/** The format version a magic names (1 or 2), or null. */
export function magicVersion(start: Uint8Array): 1 | 2 | null {
  if (start.length < MAGIC_LENGTH) return null;
  const head = start.subarray(0, MAGIC_LENGTH);
  return equalBytes(head, MAGIC) ? 1 : equalBytes(head, MAGIC_V2) ? 2 : null;
}
/** magic + hlen */
export const FIXED_PREFIX_LENGTH = MAGIC_LENGTH + 4;

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });

/** True for a power of two in the allowed chunk-size range (§3). */
export function isValidChunkSize(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= MIN_CHUNK_SIZE &&
    value <= MAX_CHUNK_SIZE &&
    (value & (value - 1)) === 0
  );
}

const truncated = (reason: string) => new KeywardError('TRUNCATED', { reason });

/**
 * Checks the first bytes of a file (§3): `start` is its first 10 bytes, or
 * the whole file when it is shorter.
 *
 * @throws KeywardError `NOT_KEYWARD` (also an empty file), `UNSUPPORTED_VERSION`,
 *   `TRUNCATED` (a non-empty file that is a proper prefix of the magic)
 */
export function checkMagic(start: Uint8Array): void {
  if (magicVersion(start) !== null) return;
  if (start.length > 0 && start.length < MAGIC_LENGTH && MAGICS.some((magic) => equalBytes(start, magic.subarray(0, start.length)))) {
    throw truncated('the file ends inside the magic');
  }
  if (start.length >= MAGIC_PREFIX.length && equalBytes(start.subarray(0, MAGIC_PREFIX.length), MAGIC_PREFIX)) {
    const rest = start.subarray(MAGIC_PREFIX.length, MAGIC_LENGTH);
    const version = String.fromCharCode(...rest).replace(/[^\x20-\x7e]/g, '').trim();
    throw new KeywardError('UNSUPPORTED_VERSION', version ? { version } : {});
  }
  throw new KeywardError('NOT_KEYWARD');
}

/**
 * Reads `hlen` after the magic and checks its bounds (§3). `start` is the
 * start of the file, or all of it when it is shorter than 14 bytes.
 *
 * @returns the length of the whole prefix, `magic || hlen || header || hmac`
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`
 */
export function prefixSizeOf(start: Uint8Array): number {
  checkMagic(start);
  if (start.length < FIXED_PREFIX_LENGTH) throw truncated('the file ends inside the header length');
  const hlen = readU32be(start, MAGIC_LENGTH);
  if (hlen < MIN_HEADER_LENGTH || hlen > MAX_HEADER_LENGTH) {
    throw malformed(`header length ${hlen} is outside 1..${MAX_HEADER_LENGTH}`);
  }
  return FIXED_PREFIX_LENGTH + hlen + HMAC_LENGTH;
}

/**
 * How many bytes of a file's start its prefix needs, judged from the bytes
 * read so far: `FIXED_PREFIX_LENGTH` while `hlen` is not yet read, then the
 * whole prefix, `magic || hlen || header || hmac`. Every reader of a file's
 * start (a stream, a file of known size) decides with this one function.
 * A file that ends before its prefix does is `TRUNCATED` (§3).
 *
 * @param ended - true when no byte follows `start` (the file ends there)
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`
 */
export function prefixLength(start: Uint8Array, ended: boolean): number {
  if (start.length < FIXED_PREFIX_LENGTH && !ended) return FIXED_PREFIX_LENGTH;
  const prefixSize = prefixSizeOf(start);
  if (start.length < prefixSize && ended) throw truncated('the file ends inside the header or its HMAC');
  return prefixSize;
}

/**
 * Parses the prefix of a file: magic, header length, header JSON, HMAC. Every
 * known field is checked here, before any key is touched; the HMAC itself is
 * verified by the caller once it has the file key (§3).
 *
 * @param bytes - the start of the file, at least `prefixSizeOf(bytes)` long (more is ignored);
 *   if it is shorter, the file ends there
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`
 */
export function parseHeader(bytes: Uint8Array): ParsedHeader {
  const prefixSize = prefixLength(bytes, true);
  const headerEnd = prefixSize - HMAC_LENGTH;
  const headerBytes = concat(bytes.subarray(0, headerEnd));
  const hmac = concat(bytes.subarray(headerEnd, prefixSize));
  const json = fromUtf8(headerBytes.subarray(FIXED_PREFIX_LENGTH), 'the header');
  const header = checkHeaderObject(parseJson(json, { what: 'the header' }), magicVersion(bytes) ?? 1);
  return {
    header,
    fileId: fromB64u(header.fileId, 'fileId'),
    salt: fromB64u(header.salt, 'salt'),
    metaCiphertext: fromB64u(header.meta, 'meta'),
    headerBytes,
    hmac,
    prefixSize,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkB64uLength(value: unknown, field: string, length: number): string {
  if (typeof value !== 'string') throw malformed(`${field} must be a string`);
  if (fromB64u(value, field).length !== length) throw malformed(`${field} must be ${length} bytes`);
  return value;
}

function checkStanza(value: unknown, index: number): Stanza {
  const where = `recipients[${index}]`;
  if (!isObject(value)) throw malformed(`${where} must be an object`);
  const { role, alg, keyId, wrappedKey } = value;
  if (typeof role !== 'string' || !ROLES.includes(role)) throw malformed(`${where}.role must be owner, recipient or authority`);
  if (alg !== WRAP_ALG) throw malformed(`${where}.alg must be ${WRAP_ALG}`);
  if (!isKeyId(keyId)) throw malformed(`${where}.keyId is not a key ID`);
  if (typeof wrappedKey !== 'string' || fromB64u(wrappedKey, `${where}.wrappedKey`).length === 0) {
    throw malformed(`${where}.wrappedKey must be a non-empty base64url string`);
  }
  return { role: role as StanzaRole, alg, keyId, wrappedKey };
}

/** v2 §1: an Ed25519 SubjectPublicKeyInfo is 44 bytes. */
const ED25519_SPKI_LENGTH = 44;

function checkSignerField(value: unknown): SignerField {
  if (!isObject(value)) throw malformed('signer must be an object');
  const { id, publicKey, signingKey } = value;
  if (!isKeyId(id)) throw malformed('signer.id is not an identity ID');
  if (typeof publicKey !== 'string' || fromB64u(publicKey, 'signer.publicKey').length === 0) throw malformed('signer.publicKey must be a non-empty base64url string');
  checkB64uLength(signingKey, 'signer.signingKey', ED25519_SPKI_LENGTH);
  return { id, publicKey, signingKey: signingKey as string };
}

/**
 * Validates the header object's known fields; unknown fields are ignored (§3).
 * A v2 header (`version` 2, under the v2 magic) also has `signer` and exactly
 * one `owner` stanza (v2 §3.1; that the IDs agree is checked by `fileSigner`).
 *
 * @param version - the version the file's magic names
 * @throws KeywardError `MALFORMED`
 */
export function checkHeaderObject(value: unknown, version: 1 | 2 = 1): Header {
  if (!isObject(value)) throw malformed('the header must be a JSON object');
  const { fileId, salt, chunkSize, recipients, meta } = value;
  if (value.version !== version) throw malformed(`version must be ${version}`);
  checkB64uLength(fileId, 'fileId', FILE_ID_LENGTH);
  checkB64uLength(salt, 'salt', SALT_LENGTH);
  if (!isValidChunkSize(chunkSize)) throw malformed('chunkSize must be a power of two from 65536 to 16777216');
  if (!Array.isArray(recipients)) throw malformed('recipients must be an array');
  if (recipients.length < MIN_RECIPIENTS || recipients.length > MAX_RECIPIENTS) {
    throw malformed(`recipients must hold ${MIN_RECIPIENTS} to ${MAX_RECIPIENTS} stanzas`);
  }
  const stanzas = recipients.map((stanza: unknown, i) => checkStanza(stanza, i));
  if (new Set(stanzas.map((s) => s.keyId)).size !== stanzas.length) throw malformed('a key ID appears twice in recipients');
  if (typeof meta !== 'string') throw malformed('meta must be a string');
  if (fromB64u(meta, 'meta').length < TAG_LENGTH) throw malformed('meta is too short');
  const known = { fileId: fileId as string, salt: salt as string, chunkSize, recipients: stanzas, meta };
  if (version === 1) return { version, ...known };
  const signer = checkSignerField(value.signer);
  if (stanzas.filter((s) => s.role === 'owner').length !== 1) throw malformed('a signed header has exactly one owner stanza');
  return { version, ...known, signer };
}

/**
 * Encodes `magic || hlen || header` for a new file. The known fields come
 * first in spec order; `extra` fields (for tests and future writers) follow.
 *
 * @throws KeywardError `MALFORMED` if the header is invalid or too long
 */
export function encodeHeader(header: Header, extra: Record<string, unknown> = {}): Bytes {
  checkHeaderObject(header, header.version);
  const known: Record<string, unknown> = { ...header };
  const unknown = Object.fromEntries(Object.entries(extra).filter(([name]) => !(name in known)));
  const json = utf8(JSON.stringify({ ...known, ...unknown }));
  if (json.length > MAX_HEADER_LENGTH) throw malformed('the header is longer than 1 MiB');
  return concat(header.version === 2 ? MAGIC_V2 : MAGIC, u32be(json.length), json);
}

/** `HMAC(headerMacKey, magic || hlen || header)` (§3). */
export async function computeHeaderHmac(headerMacKey: CryptoKey, headerBytes: Bytes): Promise<Bytes> {
  return new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', headerMacKey, headerBytes));
}

/**
 * Verifies the header HMAC over the exact bytes read (§3).
 *
 * @throws KeywardError `HEADER_TAMPERED`
 */
export async function verifyHeaderHmac(headerMacKey: CryptoKey, parsed: ParsedHeader): Promise<void> {
  const ok = await globalThis.crypto.subtle.verify('HMAC', headerMacKey, parsed.hmac, parsed.headerBytes);
  if (!ok) throw new KeywardError('HEADER_TAMPERED');
}
