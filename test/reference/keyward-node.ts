/**
 * Independent reference implementation of the Keyward formats v1
 * (docs/keyward-v1.md) and v2 (docs/keyward-v2.md) on node:crypto, written
 * from the specs alone (nothing from src/core). It exists to cross-check the
 * main (WebCrypto) implementation and to generate the test vectors.
 * Readability over speed: whole files in memory.
 */
import * as crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const MAGIC = Buffer.from('KEYWARD/1\n', 'utf8');
/** v2 §3. */
export const MAGIC2 = Buffer.from('KEYWARD/2\n', 'utf8');
const MAGIC_PREFIX = Buffer.from('KEYWARD/', 'utf8');
export const OAEP_LABEL = Buffer.from('keyward/v1 file key', 'utf8');
export const MAX_HLEN = 1048576;
export const MIN_CHUNK = 65536;
export const MAX_CHUNK = 16777216;
const TAG = 16;
const META_NONCE = Buffer.alloc(12);
const KEY_ID_RE = /^SHA256:[0-9a-f]{64}$/;
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SERIAL_RE = /^KW-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const ESCROW_FORMAT = 'keyward-escrow/1';
export const RECOVERY_FORMAT = 'keyward-recovery/1';

export type RefErrorCode =
  | 'NOT_KEYWARD' | 'UNSUPPORTED_VERSION' | 'MALFORMED' | 'NO_MATCHING_KEY' | 'UNWRAP_FAILED'
  | 'HEADER_TAMPERED' | 'BLOB_TAMPERED' | 'BLOB_MISMATCH' | 'CHUNK_TAMPERED' | 'TRUNCATED'
  | 'TRAILING_DATA' | 'SIZE_MISMATCH' | 'KEY_TOO_WEAK'
  // v2 §9
  | 'SIGNATURE_INVALID' | 'SIGNER_UNTRUSTED' | 'ESCROW_INVALID' | 'QUORUM_NOT_MET';

export class RefError extends Error {
  readonly code: RefErrorCode;
  readonly chunkIndex: number | undefined;
  readonly keyIds: string[] | undefined;
  constructor(code: RefErrorCode, message: string, extra: { chunkIndex?: number; keyIds?: string[] } = {}) {
    super(`${code}: ${message}`);
    this.name = 'RefError';
    this.code = code;
    this.chunkIndex = extra.chunkIndex;
    this.keyIds = extra.keyIds;
  }
}
const malformed = (msg: string): RefError => new RefError('MALFORMED', msg);

export type Role = 'owner' | 'recipient' | 'authority';
export interface RefMeta { name: string; type: string; size: number; lastModified: number }
export interface RefStanza { role: Role; alg: 'RSA-OAEP-256'; keyId: string; wrappedKey: string }

// ---------------------------------------------------------------- primitives

export function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
export function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}
/** Strict base64url: no padding, only the url-safe alphabet, zero trailing bits. */
export function b64uDecode(s: string, what: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw malformed(`${what}: not unpadded base64url`);
  const bytes = Buffer.from(s, 'base64url');
  // Re-encoding catches a dangling 6-bit group and non-zero trailing bits.
  if (bytes.toString('base64url') !== s) throw malformed(`${what}: non-canonical base64url`);
  return bytes;
}
export function hkdf(fileKey: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', fileKey, salt, Buffer.from(info, 'utf8'), 32));
}
export function deriveKeys(fileKey: Uint8Array, salt: Uint8Array) {
  return {
    payloadKey: hkdf(fileKey, salt, 'keyward/v1 payload'),
    metaKey: hkdf(fileKey, salt, 'keyward/v1 meta'),
    headerMacKey: hkdf(fileKey, salt, 'keyward/v1 header'),
    blobMacKey: hkdf(fileKey, salt, 'keyward/v1 blob'),
  };
}
export function hmac(key: Uint8Array, data: Uint8Array): Buffer {
  return crypto.createHmac('sha256', key).update(data).digest();
}
export function gcmEncrypt(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Buffer {
  const c = crypto.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}
/** Returns null when the tag does not verify (or the input cannot hold a tag). */
export function gcmDecrypt(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | null {
  if (sealed.length < TAG) return null;
  const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const head = d.update(sealed.subarray(0, sealed.length - TAG));
  try {
    return Buffer.concat([head, d.final()]);
  } catch {
    return null;
  }
}
/** nonce_i = u88be(i) || flag */
export function chunkNonce(i: number, last: boolean): Buffer {
  if (!Number.isSafeInteger(i) || i < 0 || i >= 2 ** 48) throw new RangeError('chunk index');
  const n = Buffer.alloc(12);
  n.writeUIntBE(i, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
}

// ---------------------------------------------------------------- keys

function checkRsa(k: KeyObject): void {
  if (k.asymmetricKeyType !== 'rsa') throw new Error('not an RSA key');
  const bits = k.asymmetricKeyDetails?.modulusLength;
  if (bits === undefined || bits < 2048) throw new RefError('KEY_TOO_WEAK', `RSA key of ${String(bits)} bits`);
}
function keyIdOf(pub: KeyObject): string {
  const der = pub.export({ type: 'spki', format: 'der' });
  return 'SHA256:' + crypto.createHash('sha256').update(der).digest('hex');
}
/** "SHA256:" + hex SHA-256 of the DER SPKI (a private PEM also works: its public half is used). */
export function refKeyId(publicKeyPem: string): string {
  return keyIdOf(crypto.createPublicKey(publicKeyPem));
}
export function refWrap(fileKey: Uint8Array, publicKeyPem: string): Buffer {
  const key = crypto.createPublicKey(publicKeyPem);
  checkRsa(key);
  return crypto.publicEncrypt(
    { key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: OAEP_LABEL },
    fileKey,
  );
}
function unwrapWith(key: KeyObject, wrapped: Uint8Array): Buffer {
  let out: Buffer;
  try {
    out = crypto.privateDecrypt(
      { key, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: OAEP_LABEL },
      wrapped,
    );
  } catch {
    throw new RefError('UNWRAP_FAILED', 'RSA-OAEP-256 decryption failed');
  }
  // The file key is 32 bytes by definition (§2); anything else did not unwrap to a file key.
  if (out.length !== 32) throw new RefError('UNWRAP_FAILED', `unwrapped ${out.length} bytes, not 32`);
  return out;
}
function loadPrivate(privateKeyPem: string): { key: KeyObject; keyId: string } {
  const key = crypto.createPrivateKey(privateKeyPem);
  checkRsa(key);
  return { key, keyId: keyIdOf(crypto.createPublicKey(key)) };
}
export function refUnwrap(wrapped: Uint8Array, privateKeyPem: string): Buffer {
  return unwrapWith(loadPrivate(privateKeyPem).key, wrapped);
}

/** §5 serial: "KW-" + Crockford base32 of fileId[0..10), MSB first, 4 groups of 4. */
export function refSerial(fileId: Uint8Array): string {
  if (fileId.length < 10) throw new RangeError('fileId too short');
  let bits = 0n;
  for (const b of fileId.subarray(0, 10)) bits = (bits << 8n) | BigInt(b);
  let s = '';
  for (let k = 15; k >= 0; k--) s += CROCKFORD.charAt(Number((bits >> BigInt(5 * k)) & 31n));
  return `KW-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}`;
}

// ---------------------------------------------------------------- writing

export interface RefEncryptOptions {
  plaintext: Buffer;
  chunkSize: number;
  meta: RefMeta;
  recipients: { role: Role; publicKeyPem: string }[];
  fileKey?: Buffer;
  salt?: Buffer;
  fileId?: Buffer;
  extraHeaderFields?: Record<string, unknown>;
  /** Produce the header bytes from the header object (odd or invalid JSON, even invalid UTF-8). */
  headerJsonOverride?: (header: Record<string, unknown>) => string | Uint8Array;
  /** Replace utf8(JSON metadata) before it is encrypted. */
  metaJsonOverride?: string;
  /** Replace refWrap (e.g. deterministic OAEP for reproducible vectors). */
  wrapOverride?: (fileKey: Buffer, publicKeyPem: string, index: number) => Buffer;
  /** v2 only: magic "KEYWARD/2\n" and header version 2 (the signer goes in extraHeaderFields). Default 1. */
  formatVersion?: 1 | 2;
}
export interface RefEncryptResult {
  file: Buffer; fileKey: Buffer; salt: Buffer; fileId: Buffer; headerHmac: Buffer;
  headerBytes: Buffer; // magic || hlen || header
  payload: Buffer;
}

export function encryptPayload(payloadKey: Uint8Array, plaintext: Buffer, chunkSize: number): Buffer {
  const chunks: Buffer[] = [];
  const count = Math.max(1, Math.ceil(plaintext.length / chunkSize));
  for (let i = 0; i < count; i++) {
    const part = plaintext.subarray(i * chunkSize, (i + 1) * chunkSize);
    chunks.push(gcmEncrypt(payloadKey, chunkNonce(i, i === count - 1), part));
  }
  return Buffer.concat(chunks);
}

export function refEncrypt(o: RefEncryptOptions): RefEncryptResult {
  const fileKey = o.fileKey ?? crypto.randomBytes(32);
  const salt = o.salt ?? crypto.randomBytes(16);
  const fileId = o.fileId ?? crypto.randomBytes(16);
  const keys = deriveKeys(fileKey, salt);
  const metaJson = o.metaJsonOverride ?? JSON.stringify(o.meta);
  const wrap = o.wrapOverride ?? ((k: Buffer, pem: string) => refWrap(k, pem));
  const recipients: RefStanza[] = o.recipients.map((r, i) => ({
    role: r.role, alg: 'RSA-OAEP-256', keyId: refKeyId(r.publicKeyPem), wrappedKey: b64u(wrap(fileKey, r.publicKeyPem, i)),
  }));
  const version = o.formatVersion ?? 1;
  const header: Record<string, unknown> = {
    version, fileId: b64u(fileId), salt: b64u(salt), chunkSize: o.chunkSize, recipients,
    meta: b64u(gcmEncrypt(keys.metaKey, META_NONCE, Buffer.from(metaJson, 'utf8'))),
    ...o.extraHeaderFields,
  };
  const text = o.headerJsonOverride ? o.headerJsonOverride(header) : JSON.stringify(header);
  const headerJson = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  const headerBytes = Buffer.concat([version === 2 ? MAGIC2 : MAGIC, u32be(headerJson.length), headerJson]);
  const headerHmac = hmac(keys.headerMacKey, headerBytes);
  const payload = encryptPayload(keys.payloadKey, o.plaintext, o.chunkSize);
  return { file: Buffer.concat([headerBytes, headerHmac, payload]), fileKey, salt, fileId, headerHmac, headerBytes, payload };
}

// ---------------------------------------------------------------- reading

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
function str(o: Record<string, unknown>, k: string, where: string): string {
  const v = o[k];
  if (typeof v !== 'string') throw malformed(`${where}.${k} missing or not a string`);
  return v;
}
function num(o: Record<string, unknown>, k: string, where: string): number {
  const v = o[k];
  if (typeof v !== 'number') throw malformed(`${where}.${k} missing or not a number`);
  return v;
}
function keyId(o: Record<string, unknown>, where: string): string {
  const v = str(o, 'keyId', where);
  if (!KEY_ID_RE.test(v)) throw malformed(`${where}.keyId is not SHA256:<64 lowercase hex>`);
  return v;
}
function decodeUtf8Json(bytes: Uint8Array, what: string): unknown {
  let text: string;
  try {
    // fatal: invalid UTF-8 is an error; ignoreBOM: a BOM is kept and then fails JSON.parse.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw malformed(`${what} is not UTF-8`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(`${what} is not JSON`);
  }
}

export interface ParsedFile {
  version: 1 | 2;
  headerBytes: Buffer; // magic || hlen || header: what the hmac covers
  header: Record<string, unknown>;
  fileId: Buffer; salt: Buffer; chunkSize: number;
  recipients: (RefStanza & { wrapped: Buffer })[];
  meta: Buffer; hmac: Buffer;
  /** v1: everything after the hmac; v2: between the prefix and the 64-byte signature. */
  payload: Buffer;
  /** v2 only (§3.1, §3.3). */
  signer?: RefPublicIdentity;
  signature?: Buffer;
}

/**
 * v1 §3 / v2 §3: magic, hlen, header syntax and rules (and v2 §3.1's signer).
 * No key needed, nothing decrypted.
 */
export function refParseFile(file: Buffer): ParsedFile {
  if (file.length === 0) throw new RefError('NOT_KEYWARD', 'empty file');
  // §3: a non-empty file shorter than the magic that is a prefix of it is cut short.
  if (file.length < MAGIC.length && (file.equals(MAGIC.subarray(0, file.length)) || file.equals(MAGIC2.subarray(0, file.length)))) {
    throw new RefError('TRUNCATED', 'file ends inside the magic');
  }
  if (file.length < MAGIC_PREFIX.length || !file.subarray(0, MAGIC_PREFIX.length).equals(MAGIC_PREFIX)) {
    throw new RefError('NOT_KEYWARD', 'no Keyward magic');
  }
  const magic = file.subarray(0, MAGIC.length);
  const version = magic.equals(MAGIC) ? 1 : magic.equals(MAGIC2) ? 2 : 0;
  if (version === 0) throw new RefError('UNSUPPORTED_VERSION', 'KEYWARD/ but not 1\\n or 2\\n');
  // §3: the full magic, then the file ends before hlen, header and hmac are complete: cut short.
  if (file.length < MAGIC.length + 4) throw new RefError('TRUNCATED', 'file ends inside hlen');
  const hlen = file.readUInt32BE(MAGIC.length);
  if (hlen < 1 || hlen > MAX_HLEN) throw malformed(`hlen ${hlen} out of bounds`);
  const headerEnd = MAGIC.length + 4 + hlen;
  if (file.length < headerEnd + 32) throw new RefError('TRUNCATED', 'file ends inside header or hmac');
  // v2 §3.1 (and v1 as Keyward reads it): a key twice in the header is MALFORMED; other values are any JSON.
  const h = refParseStrictJson(file.subarray(MAGIC.length + 4, headerEnd), 'header', { anyValues: true });
  if (!isObject(h)) throw malformed('header is not a JSON object');

  if (num(h, 'version', 'header') !== version) throw malformed(`header.version is not ${version}, as the magic says`);
  const fileId = b64uDecode(str(h, 'fileId', 'header'), 'fileId');
  if (fileId.length !== 16) throw malformed('fileId is not 16 bytes');
  const salt = b64uDecode(str(h, 'salt', 'header'), 'salt');
  if (salt.length !== 16) throw malformed('salt is not 16 bytes');
  const chunkSize = num(h, 'chunkSize', 'header');
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK || chunkSize > MAX_CHUNK || (chunkSize & (chunkSize - 1)) !== 0) {
    throw malformed(`chunkSize ${chunkSize} is not a power of two in ${MIN_CHUNK}..${MAX_CHUNK}`);
  }
  const rsValue = h['recipients'];
  if (!Array.isArray(rsValue)) throw malformed('header.recipients missing or not an array');
  const rs = rsValue as unknown[];
  if (rs.length < 1 || rs.length > 64) throw malformed(`${rs.length} recipients, not 1..64`);
  const recipients: ParsedFile['recipients'] = [];
  const seen = new Set<string>();
  rs.forEach((s, i) => {
    const where = `recipients[${i}]`;
    if (!isObject(s)) throw malformed(`${where} is not an object`);
    const role = str(s, 'role', where);
    if (role !== 'owner' && role !== 'recipient' && role !== 'authority') throw malformed(`${where}.role unknown`);
    if (str(s, 'alg', where) !== 'RSA-OAEP-256') throw malformed(`${where}.alg is not RSA-OAEP-256`);
    const id = keyId(s, where);
    if (seen.has(id)) throw malformed(`duplicate keyId ${id}`);
    seen.add(id);
    const wrappedKey = str(s, 'wrappedKey', where);
    recipients.push({ role, alg: 'RSA-OAEP-256', keyId: id, wrappedKey, wrapped: b64uDecode(wrappedKey, `${where}.wrappedKey`) });
  });
  const meta = b64uDecode(str(h, 'meta', 'header'), 'meta');
  if (meta.length < TAG) throw malformed('meta shorter than a GCM tag');
  const common = { headerBytes: file.subarray(0, headerEnd), header: h, fileId, salt, chunkSize, recipients, meta, hmac: file.subarray(headerEnd, headerEnd + 32) };
  if (version === 1) return { version, ...common, payload: file.subarray(headerEnd + 32) };

  // v2 §3.1: the signer, and exactly one owner stanza, for the signer's RSA key.
  const signer = signerOf(h);
  const owners = recipients.filter((r) => r.role === 'owner');
  if (owners.length !== 1) throw malformed(`${owners.length} owner stanzas, not exactly one`);
  if (owners[0]!.keyId !== signer.keyId) throw malformed('the owner stanza is not for signer.publicKey');
  // v2 §3.3: the signature is the last 64 bytes; a file shorter than prefix + 64 is cut short.
  if (file.length < headerEnd + 32 + SIG) throw new RefError('TRUNCATED', 'file ends before the signature');
  return { version, ...common, signer, payload: file.subarray(headerEnd + 32, file.length - SIG), signature: file.subarray(file.length - SIG) };
}

function parseMeta(bytes: Buffer): RefMeta {
  const m = decodeUtf8Json(bytes, 'metadata');
  if (!isObject(m)) throw malformed('metadata is not a JSON object');
  const meta = { name: str(m, 'name', 'meta'), type: str(m, 'type', 'meta'), size: num(m, 'size', 'meta'), lastModified: num(m, 'lastModified', 'meta') };
  if (!Number.isSafeInteger(meta.size) || meta.size < 0) throw malformed('meta.size is not a byte count');
  return meta;
}

/** §4 STREAM reader, including the TRUNCATED / TRAILING_DATA disambiguation. */
export function refDecryptPayload(payloadKey: Uint8Array, chunkSize: number, payload: Buffer): Buffer {
  const full = chunkSize + TAG;
  const out: Buffer[] = [];
  for (let i = 0, pos = 0; ; i++) {
    const rest = payload.length - pos;
    // Only reachable for i = 0: we only move on after a flag-0 chunk with more bytes after it.
    if (rest === 0) throw new RefError('TRUNCATED', 'no chunk at all');
    if (rest < full) {
      // A short chunk must be the last one: flag 1 only. No disambiguation for short chunks.
      const pt = gcmDecrypt(payloadKey, chunkNonce(i, true), payload.subarray(pos));
      if (!pt) throw new RefError('CHUNK_TAMPERED', `chunk ${i}`, { chunkIndex: i });
      if (pt.length === 0 && i !== 0) throw new RefError('CHUNK_TAMPERED', `empty last chunk ${i}`, { chunkIndex: i });
      out.push(pt);
      return Buffer.concat(out);
    }
    const chunk = payload.subarray(pos, pos + full);
    const endsFile = rest === full;
    const pt = gcmDecrypt(payloadKey, chunkNonce(i, endsFile), chunk);
    if (pt) {
      out.push(pt);
      if (endsFile) return Buffer.concat(out);
      pos += full;
      continue;
    }
    if (gcmDecrypt(payloadKey, chunkNonce(i, !endsFile), chunk)) {
      throw endsFile
        ? new RefError('TRUNCATED', `file ends after non-last chunk ${i}`)
        : new RefError('TRAILING_DATA', `bytes follow last chunk ${i}`);
    }
    throw new RefError('CHUNK_TAMPERED', `chunk ${i}`, { chunkIndex: i });
  }
}

export interface RefDecrypted { meta: RefMeta; plaintext: Buffer; header: ParsedFile }
/** v2 §3.4 step 2: whom the reader was told to expect (an identity ID), if anyone. */
export interface RefReadOptions { expectSigner?: string }

/** v2 §3.4 step 2, before any key is used; a v1 file has no signer, so it is refused when one is expected. */
function checkExpectedSigner(p: ParsedFile, o: RefReadOptions): void {
  if (o.expectSigner === undefined) return;
  if (p.version === 1) throw new RefError('SIGNER_UNTRUSTED', 'a v1 file is unsigned, and a signer was expected');
  if (p.signer!.id !== o.expectSigner) throw new RefError('SIGNER_UNTRUSTED', `signed by ${p.signer!.id}, not ${o.expectSigner}`);
}

function openParsed(p: ParsedFile, fileKey: Uint8Array, expectedHeaderHmac?: Uint8Array): RefDecrypted {
  if (expectedHeaderHmac && !Buffer.from(expectedHeaderHmac).equals(p.hmac)) {
    throw new RefError('BLOB_MISMATCH', 'the blob is for another file');
  }
  const keys = deriveKeys(fileKey, p.salt);
  if (!crypto.timingSafeEqual(hmac(keys.headerMacKey, p.headerBytes), p.hmac)) {
    throw new RefError('HEADER_TAMPERED', 'header hmac does not verify');
  }
  const metaBytes = gcmDecrypt(keys.metaKey, META_NONCE, p.meta);
  // The hmac verified, so the meta field is what the writer wrote; it still fails to open.
  if (!metaBytes) throw new RefError('MALFORMED', 'metadata does not decrypt although the header hmac verified');
  const meta = parseMeta(metaBytes);
  const plaintext = refDecryptPayload(keys.payloadKey, p.chunkSize, p.payload);
  if (plaintext.length !== meta.size) throw new RefError('SIZE_MISMATCH', `${plaintext.length} bytes, meta says ${meta.size}`);
  // v2 §3.4 step 5: nothing is released before the signature over prefix || payloadDigest verifies.
  if (p.version === 2) verifyFileSignature(p);
  return { meta, plaintext, header: p };
}

/** v1 §3 / v2 §3.4 with the reader's own private key (PEM; for an identity, its RSA key). */
export function refDecrypt(file: Buffer, privateKeyPem: string, o: RefReadOptions = {}): RefDecrypted {
  const { key, keyId: mine } = loadPrivate(privateKeyPem);
  const p = refParseFile(file);
  checkExpectedSigner(p, o);
  const stanza = p.recipients.find((s) => s.keyId === mine);
  if (!stanza) {
    const keyIds = p.recipients.map((s) => s.keyId);
    throw new RefError('NO_MATCHING_KEY', `file is for ${keyIds.join(', ')}`, { keyIds });
  }
  return openParsed(p, unwrapWith(key, stanza.wrapped));
}

/** Decrypt with a known file key; with expectedHeaderHmac (from a blob) also BLOB_MISMATCH. */
export function refDecryptWithFileKey(file: Buffer, fileKey: Uint8Array, expectedHeaderHmac?: Uint8Array, o: RefReadOptions = {}): RefDecrypted {
  const p = refParseFile(file);
  checkExpectedSigner(p, o);
  return openParsed(p, fileKey, expectedHeaderHmac);
}

// ---------------------------------------------------------------- blobs

export interface RefBlobFields {
  format: string; fileId: string; serial: string; description: string; createdAt: string;
  owner: { name: string; keyId: string }; authority: { name: string; keyId: string };
  salt: string; headerHmac: string; wrappedKey: string;
}
export interface RefBlob extends RefBlobFields { mac: string }

export function refBlobCanonical(b: RefBlobFields): Buffer {
  const values = [b.format, b.fileId, b.serial, b.description, b.createdAt, b.owner.name, b.owner.keyId,
    b.authority.name, b.authority.keyId, b.salt, b.headerHmac, b.wrappedKey];
  return Buffer.concat(values.flatMap((v) => {
    const bytes = Buffer.from(v, 'utf8');
    return [u32be(bytes.length), bytes];
  }));
}
export function refBlobMac(fileKey: Uint8Array, salt: Uint8Array, b: RefBlobFields): Buffer {
  return hmac(deriveKeys(fileKey, salt).blobMacKey, refBlobCanonical(b));
}

export function refMakeEscrowBlob(o: {
  format: typeof ESCROW_FORMAT | typeof RECOVERY_FORMAT; fileId: Buffer; salt: Buffer; headerHmac: Buffer; fileKey: Buffer;
  description: string; createdAt: string; owner: { name: string; keyId: string }; authority: { name: string; keyId: string };
  wrapForPublicKeyPem: string; wrappedKey?: Buffer;
}): RefBlob {
  const fields: RefBlobFields = {
    format: o.format, fileId: b64u(o.fileId), serial: refSerial(o.fileId), description: o.description, createdAt: o.createdAt,
    owner: { name: o.owner.name, keyId: o.owner.keyId }, authority: { name: o.authority.name, keyId: o.authority.keyId },
    salt: b64u(o.salt), headerHmac: b64u(o.headerHmac), wrappedKey: b64u(o.wrappedKey ?? refWrap(o.fileKey, o.wrapForPublicKeyPem)),
  };
  return { ...fields, mac: b64u(refBlobMac(o.fileKey, o.salt, fields)) };
}

export interface ParsedBlob { blob: RefBlob; fileId: Buffer; salt: Buffer; headerHmac: Buffer; wrapped: Buffer; mac: Buffer }

function party(b: Record<string, unknown>, k: 'owner' | 'authority'): { name: string; keyId: string } {
  const v = b[k];
  if (!isObject(v)) throw malformed(`blob.${k} missing or not an object`);
  return { name: str(v, 'name', k), keyId: keyId(v, k) };
}

/** Blob syntax and rules (MALFORMED). Accepts the JSON bytes/text or an already parsed value. */
export function refParseBlob(input: unknown): ParsedBlob {
  const b = input instanceof Uint8Array ? decodeUtf8Json(input, 'blob')
    : typeof input === 'string' ? decodeUtf8Json(Buffer.from(input, 'utf8'), 'blob') : input;
  if (!isObject(b)) throw malformed('blob is not a JSON object');
  const format = str(b, 'format', 'blob');
  if (format !== ESCROW_FORMAT && format !== RECOVERY_FORMAT) throw malformed(`unknown blob format ${format}`);
  const blob: RefBlob = {
    format, fileId: str(b, 'fileId', 'blob'), serial: str(b, 'serial', 'blob'), description: str(b, 'description', 'blob'),
    createdAt: str(b, 'createdAt', 'blob'), owner: party(b, 'owner'), authority: party(b, 'authority'), salt: str(b, 'salt', 'blob'),
    headerHmac: str(b, 'headerHmac', 'blob'), wrappedKey: str(b, 'wrappedKey', 'blob'), mac: str(b, 'mac', 'blob'),
  };
  const fileId = b64uDecode(blob.fileId, 'blob.fileId');
  if (fileId.length !== 16) throw malformed('blob.fileId is not 16 bytes');
  if (!SERIAL_RE.test(blob.serial)) throw malformed('blob.serial has the wrong format');
  // The serial is derived from fileId (§5); one that is not is a rule violation, reported before any key is used.
  if (blob.serial !== refSerial(fileId)) throw malformed('blob.serial does not match blob.fileId');
  if (!ISO_UTC_RE.test(blob.createdAt) || Number.isNaN(Date.parse(blob.createdAt))) throw malformed('blob.createdAt is not ISO 8601 UTC');
  const salt = b64uDecode(blob.salt, 'blob.salt');
  if (salt.length !== 16) throw malformed('blob.salt is not 16 bytes');
  const headerHmac = b64uDecode(blob.headerHmac, 'blob.headerHmac');
  if (headerHmac.length !== 32) throw malformed('blob.headerHmac is not 32 bytes');
  const wrapped = b64uDecode(blob.wrappedKey, 'blob.wrappedKey');
  const mac = b64uDecode(blob.mac, 'blob.mac');
  if (mac.length !== 32) throw malformed('blob.mac is not 32 bytes');
  return { blob, fileId, salt, headerHmac, wrapped, mac };
}

/** Unwrap an escrow blob (authority key) or recovery blob (new owner key) and check its mac. */
export function refOpenBlob(input: unknown, privateKeyPem: string): ParsedBlob & { fileKey: Buffer } {
  const { key, keyId: mine } = loadPrivate(privateKeyPem);
  const p = refParseBlob(input);
  const target = p.blob.format === ESCROW_FORMAT ? p.blob.authority.keyId : p.blob.owner.keyId;
  if (mine !== target) throw new RefError('NO_MATCHING_KEY', `blob is for ${target}`, { keyIds: [target] });
  const fileKey = unwrapWith(key, p.wrapped);
  if (!crypto.timingSafeEqual(refBlobMac(fileKey, p.salt, p.blob), p.mac)) {
    throw new RefError('BLOB_TAMPERED', 'blob mac does not verify');
  }
  return { ...p, fileKey };
}

/** "escrow"/"recovery" opening of a v1 blob: open the blob, then the file with headerHmac bound to it. */
export function refDecryptWithBlob(file: Buffer, blob: unknown, privateKeyPem: string, o: RefReadOptions = {}): RefDecrypted {
  const opened = refOpenBlob(blob, privateKeyPem);
  return refDecryptWithFileKey(file, opened.fileKey, opened.headerHmac, o);
}

// ================================================================ format v2

const SIG = 64;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const ISO_MS_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const ESCROW2_FORMAT = 'keyward-escrow/2';
export const RECEIPT_FORMAT = 'keyward-receipt/2';
export const RECOVERY2_FORMAT = 'keyward-recovery/2';
/** v2 §1: the signing contexts. */
export type SignContext = 'keyward/v2 file' | 'keyward/v2 escrow' | 'keyward/v2 receipt' | 'keyward/v2 recovery' | 'keyward/v2 partial' | 'keyward/v2 drill';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** v2 §1: utf8(context) || 0x00 || body. */
export function refSigningInput(context: SignContext, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(context, 'utf8'), Buffer.from([0]), body]);
}
export function refSign(context: SignContext, body: Uint8Array, key: KeyObject): Buffer {
  return crypto.sign(null, refSigningInput(context, body), key);
}
export function refVerifySig(context: SignContext, body: Uint8Array, key: KeyObject, sig: Uint8Array): boolean {
  return sig.length === SIG && crypto.verify(null, refSigningInput(context, body), key, sig);
}

// ---------------------------------------------------------------- v2 §2 identities

export interface RefPublicIdentity {
  id: string; keyId: string; rsaSpki: Buffer; edSpki: Buffer; rsa: KeyObject; ed: KeyObject;
}
export interface RefPrivateIdentity extends RefPublicIdentity {
  rsaPrivate: KeyObject; edPrivate: KeyObject;
  /** The RSA private key as PKCS#8 PEM, for the v1-shaped functions above (refDecrypt, refUnwrap). */
  rsaPrivatePem: string;
}

/** v2 §2: "SHA256:" + hex SHA-256(rsaSpki || ed25519Spki). */
export function refIdentityId(rsaSpki: Uint8Array, edSpki: Uint8Array): string {
  return 'SHA256:' + sha256(rsaSpki, edSpki).toString('hex');
}

/** An RSA SPKI (DER): RSA, 2048 bits or more, and DER as Node would write it (the key ID hashes these bytes). */
function rsaFromSpki(der: Buffer, what: string): KeyObject {
  let k: KeyObject;
  try {
    k = crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw malformed(`${what} is not a DER SubjectPublicKeyInfo`);
  }
  if (k.asymmetricKeyType !== 'rsa') throw malformed(`${what} is not an RSA key`);
  if ((k.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw malformed(`${what} has fewer than 2048 bits`);
  if (!k.export({ type: 'spki', format: 'der' }).equals(der)) throw malformed(`${what} is not canonical DER`);
  return k;
}
/** v2 §1: the 44-byte Ed25519 SPKI, 12 fixed bytes and the key. */
function edFromSpki(der: Buffer, what: string): KeyObject {
  if (der.length !== 44 || !der.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) throw malformed(`${what} is not a 44-byte Ed25519 SubjectPublicKeyInfo`);
  try {
    return crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw malformed(`${what} is not an Ed25519 key`);
  }
}
/** A public identity from its two SPKIs; `id`, when given, must be their identity ID (MALFORMED). */
export function refPublicIdentity(rsaSpki: Buffer, edSpki: Buffer, id?: string, where = 'identity'): RefPublicIdentity {
  const rsa = rsaFromSpki(rsaSpki, `${where}.publicKey`);
  const ed = edFromSpki(edSpki, `${where}.signingKey`);
  const computed = refIdentityId(rsaSpki, edSpki);
  if (id !== undefined && id !== computed) throw malformed(`${where}.id is not the identity ID of its keys`);
  return { id: computed, keyId: 'SHA256:' + sha256(rsaSpki).toString('hex'), rsaSpki, edSpki, rsa, ed };
}

const PEM_BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK_RE)].map((m) => ({ label: m[1]!, pem: m[0] }));
}

/** v2 §2 `NAME.pub.pem`: exactly two PUBLIC KEY blocks, RSA then Ed25519; text outside them ignored. */
export function refParsePublicIdentity(pemText: string): RefPublicIdentity {
  const blocks = pemBlocks(pemText);
  if (blocks.length !== 2 || blocks.some((b) => b.label !== 'PUBLIC KEY')) throw malformed('a public identity is exactly two PUBLIC KEY blocks');
  const der = blocks.map((b) => crypto.createPublicKey(b.pem).export({ type: 'spki', format: 'der' }));
  return refPublicIdentity(der[0]!, der[1]!);
}
/** v2 §2 public identity, JWK: `{"keys":[RSA (alg RSA-OAEP-256), OKP (crv Ed25519, alg EdDSA)]}`, nothing private. */
export function refParsePublicIdentityJwk(text: string): RefPublicIdentity {
  const set = JSON.parse(text) as unknown;
  const keys = isObject(set) ? set['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length !== 2 || !keys.every(isObject)) throw malformed('a public identity JWK Set holds exactly two keys');
  const [rsa, ed] = keys;
  if (rsa!['kty'] !== 'RSA' || rsa!['alg'] !== 'RSA-OAEP-256') throw malformed('the first JWK is not an RSA-OAEP-256 key');
  if (ed!['kty'] !== 'OKP' || ed!['crv'] !== 'Ed25519' || ed!['alg'] !== 'EdDSA') throw malformed('the second JWK is not an Ed25519 EdDSA key');
  if ('d' in rsa! || 'd' in ed!) throw malformed('a public identity holds no private members');
  const der = [rsa!, ed!].map((jwk) => crypto.createPublicKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'der' }));
  return refPublicIdentity(der[0]!, der[1]!);
}
/** v2 §2 private identity, JWK: the public JWK Set's two keys with their private members. */
export function refParsePrivateIdentityJwk(text: string): RefPrivateIdentity {
  const set = JSON.parse(text) as unknown;
  const keys = isObject(set) ? set['keys'] : undefined;
  if (!Array.isArray(keys) || keys.length !== 2 || !keys.every(isObject)) throw malformed('a private identity JWK Set holds exactly two keys');
  const [rsa, ed] = keys;
  if (rsa!['kty'] !== 'RSA' || ed!['kty'] !== 'OKP' || ed!['crv'] !== 'Ed25519') throw malformed('the JWK Set is not RSA then Ed25519');
  return privateIdentity(crypto.createPrivateKey({ key: rsa as crypto.JsonWebKey, format: 'jwk' }), crypto.createPrivateKey({ key: ed as crypto.JsonWebKey, format: 'jwk' }));
}
/** v2 §2: the two-block public identity PEM (RSA first). */
export function refPublicIdentityPem(pub: RefPublicIdentity): string {
  return `${pub.rsa.export({ type: 'spki', format: 'pem' }) as string}${pub.ed.export({ type: 'spki', format: 'pem' }) as string}`;
}

function privateIdentity(rsaPrivate: KeyObject, edPrivate: KeyObject): RefPrivateIdentity {
  checkRsa(rsaPrivate);
  if (edPrivate.asymmetricKeyType !== 'ed25519') throw malformed('the second key of an identity is not Ed25519');
  const rsaSpki = crypto.createPublicKey(rsaPrivate).export({ type: 'spki', format: 'der' });
  const edSpki = crypto.createPublicKey(edPrivate).export({ type: 'spki', format: 'der' });
  return {
    ...refPublicIdentity(rsaSpki, edSpki), rsaPrivate, edPrivate,
    rsaPrivatePem: rsaPrivate.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
/** v2 §2 `NAME.pem`: two (ENCRYPTED) PRIVATE KEY blocks, RSA first (any v1 private key form for the RSA block). */
export function refParsePrivateIdentity(pemText: string, passphrase?: string): RefPrivateIdentity {
  const blocks = pemBlocks(pemText);
  if (blocks.length !== 2) throw malformed('a private identity is exactly two private key blocks');
  const [rsa, ed] = blocks.map((b) => crypto.createPrivateKey(passphrase === undefined ? b.pem : { key: b.pem, passphrase }));
  return privateIdentity(rsa!, ed!);
}
/** An identity from an existing RSA private key and an Ed25519 private key (fresh when not given). */
export function refIdentityFromKeys(rsaPrivatePem: string, edPrivate?: KeyObject): RefPrivateIdentity {
  return privateIdentity(crypto.createPrivateKey(rsaPrivatePem), edPrivate ?? crypto.generateKeyPairSync('ed25519').privateKey);
}
/** v2 §2: the private identity PEM, two PKCS#8 blocks. */
export function refPrivateIdentityPem(me: RefPrivateIdentity): string {
  return `${me.rsaPrivatePem}${me.edPrivate.export({ type: 'pkcs8', format: 'pem' }) as string}`;
}

// ---------------------------------------------------------------- v2 §1 canonical JSON, strict parsing

/** v2 §1: sorted keys (UTF-16 code units, which is Array.prototype.sort's order), no white space, JSON.stringify escapes. */
export function refCanonical(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw malformed(`${v} is not an integer in 0..2^53-1`);
      return v;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) Object.defineProperty(out, k, { value: walk(v[k]), enumerable: true, writable: true, configurable: true });
      return out;
    }
    throw malformed(`${String(v)} cannot be in a signed object`);
  };
  return JSON.stringify(walk(value));
}

// eslint-disable-next-line no-control-regex -- RFC 8259: control characters must be escaped inside strings.
const STRING_RE = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/**
 * v2 §1 strict parsing: RFC 8259 JSON, any white space between tokens, but a
 * duplicate key is MALFORMED and so is anything canonical JSON cannot hold
 * (true, false, null, negative or non-integer numbers).
 */
export function refParseStrictJson(input: Uint8Array | string, what: string, options: { anyValues?: boolean } = {}): unknown {
  let text: string;
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
  } catch {
    throw malformed(`${what} is not UTF-8`);
  }
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const token = (re: RegExp): string | null => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) return null;
    i += m[0].length;
    return m[0];
  };
  const value = (depth: number): unknown => {
    if (depth > 32) throw malformed(`${what} nests too deeply`);
    ws();
    const c = text.charAt(i);
    if (c === '{') {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text.charAt(i) === '}') { i++; return o; }
      for (;;) {
        ws();
        const k = token(STRING_RE);
        if (k === null) throw malformed(`${what}: expected a key at ${i}`);
        const key = JSON.parse(k) as string;
        if (Object.prototype.hasOwnProperty.call(o, key)) throw malformed(`${what}: duplicate key ${JSON.stringify(key)}`);
        ws();
        if (text.charAt(i) !== ':') throw malformed(`${what}: expected : at ${i}`);
        i++;
        Object.defineProperty(o, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        const d = text.charAt(i++);
        if (d === '}') return o;
        if (d !== ',') throw malformed(`${what}: expected , or } at ${i - 1}`);
      }
    }
    if (c === '[') {
      i++;
      const a: unknown[] = [];
      ws();
      if (text.charAt(i) === ']') { i++; return a; }
      for (;;) {
        a.push(value(depth + 1));
        ws();
        const d = text.charAt(i++);
        if (d === ']') return a;
        if (d !== ',') throw malformed(`${what}: expected , or ] at ${i - 1}`);
      }
    }
    if (c === '"') {
      const s = token(STRING_RE);
      if (s === null) throw malformed(`${what}: bad string at ${i}`);
      return JSON.parse(s) as string;
    }
    if (options.anyValues) {
      for (const literal of ['true', 'false', 'null']) {
        if (text.startsWith(literal, i)) {
          i += literal.length;
          return JSON.parse(literal) as unknown;
        }
      }
    }
    const n = token(NUMBER_RE);
    if (n !== null) {
      const v = Number(n);
      if (options.anyValues) return v;
      if (!Number.isSafeInteger(v) || v < 0 || n.startsWith('-')) throw malformed(`${what}: ${n} is not an integer in 0..2^53-1`);
      return v;
    }
    throw malformed(`${what}: unexpected ${JSON.stringify(text.slice(i, i + 8))} at ${i} (true, false and null cannot be signed)`);
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw malformed(`${what}: trailing characters at ${i}`);
  return v;
}

/** Exactly these fields (v2 §1: a field the spec does not define is MALFORMED). */
function exactObject(v: unknown, fields: readonly string[], where: string): Record<string, unknown> {
  if (!isObject(v)) throw malformed(`${where} is not an object`);
  for (const k of Object.keys(v)) if (!fields.includes(k)) throw malformed(`${where}.${k} is not a field of ${where}`);
  for (const k of fields) if (!(k in v)) throw malformed(`${where}.${k} is missing`);
  return v;
}
function idField(o: Record<string, unknown>, k: string, where: string): string {
  const v = str(o, k, where);
  if (!KEY_ID_RE.test(v)) throw malformed(`${where}.${k} is not SHA256:<64 lowercase hex>`);
  return v;
}
function bytesField(o: Record<string, unknown>, k: string, where: string, len?: number): Buffer {
  const b = b64uDecode(str(o, k, where), `${where}.${k}`);
  if (len !== undefined && b.length !== len) throw malformed(`${where}.${k} is not ${len} bytes`);
  return b;
}
function timeField(o: Record<string, unknown>, k: string, where: string): string {
  const v = str(o, k, where);
  // A date that does not exist (2026-02-30) is not an ISO 8601 time, though Date.parse rolls it over.
  if (!ISO_MS_UTC_RE.test(v) || Number.isNaN(Date.parse(v)) || new Date(v).toISOString() !== v) throw malformed(`${where}.${k} is not ISO 8601 UTC with milliseconds`);
  return v;
}
function serialField(o: Record<string, unknown>, where: string): string {
  const v = str(o, 'serial', where);
  if (!SERIAL_RE.test(v)) throw malformed(`${where}.serial has the wrong format`);
  return v;
}
function inputObject(input: unknown, what: string): unknown {
  return input instanceof Uint8Array || typeof input === 'string' ? refParseStrictJson(input, what) : input;
}
const withoutSignature = (o: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'signature'));
/** Adds `signature` over canonical(object) under `context`. */
export function refSignObject<T extends object>(context: SignContext, o: T, key: KeyObject): T & { signature: string } {
  const body = Buffer.from(refCanonical(o), 'utf8');
  return { ...o, signature: b64u(refSign(context, body, key)) };
}
/** What a writer writes (v2 §1): canonical(object) and one "\n". */
export function refSignedText(o: object): string {
  return `${refCanonical(o)}\n`;
}

// ---------------------------------------------------------------- v2 §3 signed file

/** v2 §3.1: the header's signer. */
function signerOf(h: Record<string, unknown>): RefPublicIdentity {
  const s = h['signer'];
  if (!isObject(s)) throw malformed('header.signer missing or not an object');
  const id = idField(s, 'id', 'signer');
  return refPublicIdentity(bytesField(s, 'publicKey', 'signer'), bytesField(s, 'signingKey', 'signer'), id, 'signer');
}

/** v2 §3.2: the payload cut into chunkSize + 16 pieces (the last shorter or equal), one leaf each. */
export function refPayloadDigest(payload: Buffer, chunkSize: number): Buffer {
  const leaves: Buffer[] = [];
  for (let pos = 0; pos < payload.length; pos += chunkSize + TAG) leaves.push(sha256(payload.subarray(pos, pos + chunkSize + TAG)));
  return sha256(Buffer.from('keyward/v2 payload', 'utf8'), Buffer.from([0]), ...leaves);
}
/** prefix = magic || hlen || header || hmac. */
const prefixOf = (p: ParsedFile): Buffer => Buffer.concat([p.headerBytes, p.hmac]);

function verifyFileSignature(p: ParsedFile): void {
  const body = Buffer.concat([prefixOf(p), refPayloadDigest(p.payload, p.chunkSize)]);
  if (!refVerifySig('keyward/v2 file', body, p.signer!.ed, p.signature!)) throw new RefError('SIGNATURE_INVALID', 'the file signature does not verify');
}

export type RefVerified = { version: 1 } | { version: 2; signer: RefPublicIdentity; payloadDigest: Buffer };
/**
 * v2 §3.4 "verifying without a private key": steps 1 and 2, the leaves, step 5.
 * A v1 file is reported as unsigned, or refused when a signer was expected.
 */
export function refVerify(file: Buffer, o: RefReadOptions = {}): RefVerified {
  const p = refParseFile(file);
  checkExpectedSigner(p, o);
  if (p.version === 1) return { version: 1 };
  verifyFileSignature(p);
  return { version: 2, signer: p.signer!, payloadDigest: refPayloadDigest(p.payload, p.chunkSize) };
}

export interface RefEncryptV2Options extends Omit<RefEncryptOptions, 'recipients' | 'formatVersion'> {
  signer: RefPrivateIdentity;
  /** Default: one owner stanza for the signer's RSA key. */
  recipients?: { role: Role; publicKeyPem: string }[];
  /** Replace the header's signer object (for refused headers). */
  signerField?: Record<string, unknown>;
}
export interface RefEncryptV2Result extends RefEncryptResult {
  prefix: Buffer; payloadDigest: Buffer; signature: Buffer;
}
/** v2 §3: a signed file. */
export function refEncryptV2(o: RefEncryptV2Options): RefEncryptV2Result {
  const { signer, signerField, recipients, ...rest } = o;
  const ownerPem = signer.rsa.export({ type: 'spki', format: 'pem' }) as string;
  const made = refEncrypt({
    ...rest, formatVersion: 2, recipients: recipients ?? [{ role: 'owner', publicKeyPem: ownerPem }],
    extraHeaderFields: { signer: signerField ?? { id: signer.id, publicKey: b64u(signer.rsaSpki), signingKey: b64u(signer.edSpki) }, ...o.extraHeaderFields },
  });
  const prefix = Buffer.concat([made.headerBytes, made.headerHmac]);
  const payloadDigest = refPayloadDigest(made.payload, o.chunkSize);
  const signature = refSign('keyward/v2 file', Buffer.concat([prefix, payloadDigest]), signer.edPrivate);
  return { ...made, file: Buffer.concat([made.file, signature]), prefix, payloadDigest, signature };
}
/** Re-sign a (changed) v2 file's prefix and payload with `signer`, replacing its last 64 bytes. */
export function refResign(file: Buffer, signer: RefPrivateIdentity): Buffer {
  const p = refParseFile(file);
  const body = Buffer.concat([prefixOf(p), refPayloadDigest(p.payload, p.chunkSize)]);
  return Buffer.concat([file.subarray(0, file.length - SIG), refSign('keyward/v2 file', body, signer.edPrivate)]);
}

// ---------------------------------------------------------------- v2 §4 escrow blob

export interface RefEscrowV2 {
  format: string; fileId: string; serial: string; description: string; createdAt: string;
  owner: { name: string; id: string; publicKey: string; signingKey: string };
  authority: { kind: 'identity'; name: string; id: string; keyId: string };
  prefix: string; payloadDigest: string; fileSignature: string; wrappedKey: string; signature: string;
}
const ESCROW_FIELDS = ['format', 'fileId', 'serial', 'description', 'createdAt', 'owner', 'authority', 'prefix', 'payloadDigest',
  'fileSignature', 'wrappedKey', 'signature'] as const;

/** v2 §4: the owner's signed escrow blob for a signed file. `edit` changes fields before signing. */
export function refMakeEscrowV2(o: {
  file: Buffer; fileKey: Buffer; owner: RefPrivateIdentity; ownerName: string; authority: RefPublicIdentity; authorityName: string;
  description: string; createdAt: string; wrappedKey?: Buffer; edit?: (unsigned: Omit<RefEscrowV2, 'signature'>) => Record<string, unknown>;
}): RefEscrowV2 {
  const p = refParseFile(o.file);
  if (p.version !== 2) throw new Error('an escrow blob v2 is for a v2 file');
  const unsigned: Omit<RefEscrowV2, 'signature'> = {
    format: ESCROW2_FORMAT, fileId: b64u(p.fileId), serial: refSerial(p.fileId), description: o.description, createdAt: o.createdAt,
    owner: { name: o.ownerName, id: o.owner.id, publicKey: b64u(o.owner.rsaSpki), signingKey: b64u(o.owner.edSpki) },
    authority: { kind: 'identity', name: o.authorityName, id: o.authority.id, keyId: o.authority.keyId },
    prefix: b64u(prefixOf(p)), payloadDigest: b64u(refPayloadDigest(p.payload, p.chunkSize)), fileSignature: b64u(p.signature!),
    wrappedKey: b64u(o.wrappedKey ?? crypto.publicEncrypt(
      { key: o.authority.rsa, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: OAEP_LABEL }, o.fileKey)),
  };
  return refSignObject('keyward/v2 escrow', o.edit ? o.edit(unsigned) : unsigned, o.owner.edPrivate) as unknown as RefEscrowV2;
}

/** v2 §4 step 5: the prefix alone, exactly magic || hlen || header || hmac of a v2 file (any failure is MALFORMED). */
function parsePrefix(prefix: Buffer): ParsedFile {
  let p: ParsedFile;
  try {
    // A dummy 64-byte "signature" lets refParseFile cut the prefix as it would from a file.
    p = refParseFile(Buffer.concat([prefix, Buffer.alloc(SIG)]));
  } catch (e) {
    if (e instanceof RefError) throw malformed(`escrow.prefix: ${e.message}`);
    throw e;
  }
  if (p.version !== 2) throw malformed('escrow.prefix is not a v2 prefix');
  if (p.payload.length !== 0) throw malformed('escrow.prefix has bytes after the hmac');
  return p;
}

/** v2 §4 check 1, and §8.3 check 1 for a council's blob: strict fields and types, format, the council's rules and ID. */
function parseEscrowV2(raw: unknown) {
  const isCouncil = isObject(raw) && isObject(raw['authority']) && raw['authority']['kind'] === 'council';
  const b = exactObject(raw, isCouncil ? COUNCIL_ESCROW_FIELDS : ESCROW_FIELDS, 'escrow');
  if (str(b, 'format', 'escrow') !== ESCROW2_FORMAT) throw malformed(`escrow.format is not ${ESCROW2_FORMAT}`);
  const fileId = bytesField(b, 'fileId', 'escrow', 16);
  const serial = serialField(b, 'escrow');
  str(b, 'description', 'escrow');
  timeField(b, 'createdAt', 'escrow');
  const ow = exactObject(b['owner'], ['name', 'id', 'publicKey', 'signingKey'], 'escrow.owner');
  str(ow, 'name', 'escrow.owner');
  const ownerId = idField(ow, 'id', 'escrow.owner');
  const ownerRsa = bytesField(ow, 'publicKey', 'escrow.owner');
  const ownerEd = bytesField(ow, 'signingKey', 'escrow.owner');
  let authority: RefEscrowAuthority;
  if (isCouncil) {
    const au = exactObject(b['authority'], ['kind', 'name', 'id', 'threshold', 'members'], 'escrow.authority');
    const claimed = idField(au, 'id', 'escrow.authority');
    // §8.3 check 1: the council follows §8.1, and its id is the council ID of what the blob says it is.
    const council = councilFrom({ format: COUNCIL_FORMAT, name: au['name'], threshold: au['threshold'], members: au['members'] }, 'escrow.authority');
    if (claimed !== council.id) throw malformed('escrow.authority.id is not the council ID of the council it names');
    const sharesValue = b['shares'];
    if (!Array.isArray(sharesValue) || sharesValue.length !== council.members.length) throw malformed('escrow.shares is not one wrapped share per member');
    const shares = (sharesValue as unknown[]).map((v, i) => {
      const bytes = bytesField({ s: v }, 's', `escrow.shares[${i}]`);
      if (bytes.length === 0) throw malformed(`escrow.shares[${i}] is empty`);
      return bytes;
    });
    authority = { kind: 'council', council, shares };
  } else {
    const au = exactObject(b['authority'], ['kind', 'name', 'id', 'keyId'], 'escrow.authority');
    if (str(au, 'kind', 'escrow.authority') !== 'identity') throw malformed('escrow.authority.kind is not "identity"');
    str(au, 'name', 'escrow.authority');
    authority = { kind: 'identity', id: idField(au, 'id', 'escrow.authority'), keyId: idField(au, 'keyId', 'escrow.authority'), wrapped: bytesField(b, 'wrappedKey', 'escrow') };
  }
  const prefix = bytesField(b, 'prefix', 'escrow');
  const payloadDigest = bytesField(b, 'payloadDigest', 'escrow', 32);
  const fileSignature = bytesField(b, 'fileSignature', 'escrow', SIG);
  const signature = bytesField(b, 'signature', 'escrow', SIG);
  return { b, fileId, serial, ownerId, ownerRsa, ownerEd, authority, prefix, payloadDigest, fileSignature, signature };
}
type RefEscrowAuthority =
  | { kind: 'identity'; id: string; keyId: string; wrapped: Buffer }
  | { kind: 'council'; council: RefCouncil; shares: Buffer[] };
type ParsedEscrowV2 = ReturnType<typeof parseEscrowV2>;

/** v2 §4 checks 2 to 6 (the same for a council's blob, §8.3). */
function checkEscrowSigned(e: ParsedEscrowV2, o: { expectOwner?: string }): { owner: RefPublicIdentity; header: ParsedFile } {
  // 2. owner.id is the identity ID of the owner's keys.
  const owner = refPublicIdentity(e.ownerRsa, e.ownerEd, e.ownerId, 'escrow.owner');
  // 3. the owner's signature over the blob.
  if (!refVerifySig('keyward/v2 escrow', Buffer.from(refCanonical(withoutSignature(e.b)), 'utf8'), owner.ed, e.signature)) {
    throw new RefError('SIGNATURE_INVALID', 'the escrow blob signature does not verify');
  }
  // 4. the owner the checker expects.
  if (o.expectOwner !== undefined && owner.id !== o.expectOwner) throw new RefError('SIGNER_UNTRUSTED', `blob from ${owner.id}, not ${o.expectOwner}`);
  // 5. the prefix: a v2 prefix by the same author, for this fileId and serial.
  const header = parsePrefix(e.prefix);
  if (header.signer!.id !== owner.id) throw new RefError('SIGNER_UNTRUSTED', 'the file was signed by someone other than the blob');
  if (!header.fileId.equals(e.fileId) || e.serial !== refSerial(header.fileId)) throw new RefError('ESCROW_INVALID', 'fileId or serial is not the header\'s');
  // 6. the owner signed a file with this prefix and this payload digest.
  if (!refVerifySig('keyward/v2 file', Buffer.concat([e.prefix, e.payloadDigest]), owner.ed, e.fileSignature)) {
    throw new RefError('SIGNATURE_INVALID', 'fileSignature does not verify over prefix || payloadDigest');
  }
  return { owner, header };
}

/** v2 §4 check 8 with a candidate file key: it derives the header MAC key and opens meta (ESCROW_INVALID). */
function checkKeyOpensHeader(fileKey: Buffer, header: ParsedFile, what: string): void {
  const keys = deriveKeys(fileKey, header.salt);
  if (!crypto.timingSafeEqual(hmac(keys.headerMacKey, header.headerBytes), header.hmac)) {
    throw new RefError('ESCROW_INVALID', `${what} does not open the header`);
  }
  if (!gcmDecrypt(keys.metaKey, META_NONCE, header.meta)) throw new RefError('ESCROW_INVALID', `${what} does not open meta`);
}

export interface RefEscrowChecked {
  version: 2; blob: RefEscrowV2; owner: RefPublicIdentity; header: ParsedFile; fileKey: Buffer; headerHmac: Buffer;
  payloadDigest: Buffer; fileSignature: Buffer;
}
export interface RefEscrowV1Checked { version: 1; fileKey: Buffer; blob: RefBlob }

/**
 * v2 §4 "checking a blob at intake", checks 1 to 8 in order; the first failure is thrown.
 * `checker` is the authority's private identity; a "keyward-escrow/1" blob is checked as v1 §5
 * (with the identity's RSA key) and reported as version 1. A council's blob (§8.3) is not for an
 * identity: check 7 fails (NO_MATCHING_KEY, naming the council); a member checks it with refCheckEscrowAsMember.
 */
export function refCheckEscrow(input: unknown, checker: RefPrivateIdentity, o: { expectOwner?: string } = {}): RefEscrowChecked | RefEscrowV1Checked {
  // 1. strict JSON, fields and types, format.
  const raw = inputObject(input, 'escrow blob');
  if (isObject(raw) && raw['format'] === ESCROW_FORMAT) {
    const v1 = refOpenBlob(raw, checker.rsaPrivatePem);
    return { version: 1, fileKey: v1.fileKey, blob: v1.blob };
  }
  const e = parseEscrowV2(raw);
  // 2. to 6.
  const { owner, header } = checkEscrowSigned(e, o);
  // 7. the blob is for this checker.
  const au = e.authority;
  if (au.kind === 'council') throw new RefError('NO_MATCHING_KEY', `blob is for the council ${au.council.id}`, { keyIds: au.council.members.map((m) => m.keyId) });
  if (au.keyId !== checker.keyId || au.id !== checker.id) {
    throw new RefError('NO_MATCHING_KEY', `blob is for ${au.id} (RSA key ${au.keyId})`, { keyIds: [au.keyId] });
  }
  // 8. the wrapped key opens the header: unwrap, derive, header hmac, meta.
  let fileKey: Buffer;
  try {
    fileKey = unwrapWith(checker.rsaPrivate, au.wrapped);
  } catch {
    throw new RefError('ESCROW_INVALID', 'wrappedKey does not unwrap to a file key');
  }
  checkKeyOpensHeader(fileKey, header, 'the wrapped key');
  return { version: 2, blob: e.b as unknown as RefEscrowV2, owner, header, fileKey, headerHmac: header.hmac, payloadDigest: e.payloadDigest, fileSignature: e.fileSignature };
}

/** v2 §5 escrowDigest / §6: b64u(SHA-256(canonical(escrow blob with its signature))). */
export function refEscrowDigest(blob: object): string {
  return b64u(sha256(Buffer.from(refCanonical(blob), 'utf8')));
}

// ---------------------------------------------------------------- v2 §5 receipt

export interface RefReceipt {
  format: string; fileId: string; serial: string; escrowDigest: string; owner: { id: string };
  authority: { name: string; id: string; publicKey: string; signingKey: string }; receivedAt: string; signature: string;
}
const RECEIPT_FIELDS = ['format', 'fileId', 'serial', 'escrowDigest', 'owner', 'authority', 'receivedAt', 'signature'] as const;

/** v2 §5: the authority's receipt for a blob that passed refCheckEscrow. */
export function refMakeReceipt(o: {
  blob: { fileId: string; serial: string; owner: { id: string } }; authority: RefPrivateIdentity; authorityName: string; receivedAt: string;
  edit?: (unsigned: Omit<RefReceipt, 'signature'>) => Record<string, unknown>;
}): RefReceipt {
  const unsigned: Omit<RefReceipt, 'signature'> = {
    format: RECEIPT_FORMAT, fileId: o.blob.fileId, serial: o.blob.serial, escrowDigest: refEscrowDigest(o.blob), owner: { id: o.blob.owner.id },
    authority: { name: o.authorityName, id: o.authority.id, publicKey: b64u(o.authority.rsaSpki), signingKey: b64u(o.authority.edSpki) },
    receivedAt: o.receivedAt,
  };
  return refSignObject('keyward/v2 receipt', o.edit ? o.edit(unsigned) : unsigned, o.authority.edPrivate) as unknown as RefReceipt;
}

/** v2 §5, first check: strict fields and types. */
function parseReceiptV2(raw: unknown) {
  const r = exactObject(raw, RECEIPT_FIELDS, 'receipt');
  if (str(r, 'format', 'receipt') !== RECEIPT_FORMAT) throw malformed(`receipt.format is not ${RECEIPT_FORMAT}`);
  const fileId = b64u(bytesField(r, 'fileId', 'receipt', 16));
  serialField(r, 'receipt');
  const escrowDigest = b64u(bytesField(r, 'escrowDigest', 'receipt', 32));
  idField(exactObject(r['owner'], ['id'], 'receipt.owner'), 'id', 'receipt.owner');
  const au = exactObject(r['authority'], ['name', 'id', 'publicKey', 'signingKey'], 'receipt.authority');
  str(au, 'name', 'receipt.authority');
  const authorityId = idField(au, 'id', 'receipt.authority');
  timeField(r, 'receivedAt', 'receipt');
  const signature = bytesField(r, 'signature', 'receipt', SIG);
  return { r, fileId, escrowDigest, au, authorityId, signature };
}

/**
 * v2 §5: the owner's checks of a receipt for the escrow blob it made (`blob`), in the spec's order:
 * strict fields, authority.id, signature, the blob's authority (SIGNER_UNTRUSTED), fileId, serial, owner.id and escrowDigest (BLOB_MISMATCH).
 */
export function refCheckReceipt(input: unknown, blob: RefEscrowV2 | RefCouncilEscrow): RefReceipt {
  const { r, fileId, escrowDigest, au, authorityId, signature } = parseReceiptV2(inputObject(input, 'receipt'));
  const authority = refPublicIdentity(bytesField(au, 'publicKey', 'receipt.authority'), bytesField(au, 'signingKey', 'receipt.authority'), authorityId, 'receipt.authority');
  if (!refVerifySig('keyward/v2 receipt', Buffer.from(refCanonical(withoutSignature(r)), 'utf8'), authority.ed, signature)) {
    throw new RefError('SIGNATURE_INVALID', 'the receipt signature does not verify');
  }
  // §8.3: for a council's blob, any member of that council.
  const issuers = blob.authority.kind === 'council' ? blob.authority.members.map((m) => m.id) : [blob.authority.id];
  if (!issuers.includes(authority.id)) throw new RefError('SIGNER_UNTRUSTED', `receipt from ${authority.id}, not the blob's authority`);
  const owner = r['owner'] as { id: string };
  const named = blob.fileId === fileId && blob.serial === r['serial'] && blob.owner.id === owner.id;
  if (!named || refEscrowDigest(blob) !== escrowDigest) throw new RefError('BLOB_MISMATCH', 'the receipt is for another escrow blob');
  return r as unknown as RefReceipt;
}

// ---------------------------------------------------------------- v2 §6 recovery blob

export interface RefRecoveryV2 {
  format: string; fileId: string; serial: string; description: string; createdAt: string; headerHmac: string; escrowDigest: string;
  owner: { name: string; id: string; keyId: string };
  issuer: { kind: 'identity'; name: string; id: string; publicKey: string; signingKey: string };
  wrappedKey: string; signature: string;
}
const RECOVERY_FIELDS = ['format', 'fileId', 'serial', 'description', 'createdAt', 'headerHmac', 'escrowDigest', 'owner', 'issuer',
  'wrappedKey', 'signature'] as const;

/** v2 §6: issued from a good escrow blob (all eight checks run first) for the owner's new identity. */
export function refMakeRecoveryV2(o: {
  escrow: unknown; authority: RefPrivateIdentity; authorityName: string; newOwner: RefPublicIdentity; newOwnerName: string; createdAt: string;
  edit?: (unsigned: Omit<RefRecoveryV2, 'signature'>) => Record<string, unknown>;
}): RefRecoveryV2 {
  const good = refCheckEscrow(o.escrow, o.authority);
  if (good.version !== 2) throw new Error('a v2 recovery blob is issued from a v2 escrow blob');
  const unsigned: Omit<RefRecoveryV2, 'signature'> = {
    format: RECOVERY2_FORMAT, fileId: good.blob.fileId, serial: good.blob.serial, description: good.blob.description, createdAt: o.createdAt,
    headerHmac: b64u(good.headerHmac), escrowDigest: refEscrowDigest(good.blob),
    owner: { name: o.newOwnerName, id: o.newOwner.id, keyId: o.newOwner.keyId },
    issuer: { kind: 'identity', name: o.authorityName, id: o.authority.id, publicKey: b64u(o.authority.rsaSpki), signingKey: b64u(o.authority.edSpki) },
    wrappedKey: b64u(crypto.publicEncrypt(
      { key: o.newOwner.rsa, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: OAEP_LABEL }, good.fileKey)),
  };
  return refSignObject('keyward/v2 recovery', o.edit ? o.edit(unsigned) : unsigned, o.authority.edPrivate) as unknown as RefRecoveryV2;
}

/** v2 §6 step 1: strict fields and types (a member's partial blob, §8.4, is not one: MALFORMED here). */
function parseRecoveryV2(raw: unknown) {
  const b = exactObject(raw, RECOVERY_FIELDS, 'recovery');
  if (str(b, 'format', 'recovery') !== RECOVERY2_FORMAT) throw malformed(`recovery.format is not ${RECOVERY2_FORMAT}`);
  const fileId = bytesField(b, 'fileId', 'recovery', 16);
  serialField(b, 'recovery');
  str(b, 'description', 'recovery');
  timeField(b, 'createdAt', 'recovery');
  const headerHmac = bytesField(b, 'headerHmac', 'recovery', 32);
  bytesField(b, 'escrowDigest', 'recovery', 32);
  const ow = exactObject(b['owner'], ['name', 'id', 'keyId'], 'recovery.owner');
  str(ow, 'name', 'recovery.owner');
  idField(ow, 'id', 'recovery.owner');
  const ownerKeyId = idField(ow, 'keyId', 'recovery.owner');
  const is = exactObject(b['issuer'], ['kind', 'name', 'id', 'publicKey', 'signingKey'], 'recovery.issuer');
  if (str(is, 'kind', 'recovery.issuer') !== 'identity') throw malformed('recovery.issuer.kind is not "identity"');
  str(is, 'name', 'recovery.issuer');
  const issuerId = idField(is, 'id', 'recovery.issuer');
  const wrapped = bytesField(b, 'wrappedKey', 'recovery');
  const signature = bytesField(b, 'signature', 'recovery', SIG);
  return { b, fileId, headerHmac, ownerKeyId, is, issuerId, wrapped, signature };
}

export type RefSignedObjectKind = 'escrow-v1' | 'recovery-v1' | 'escrow-v2' | 'receipt' | 'recovery-v2' | 'partial' | 'drill';
/**
 * Which blob or receipt a text is, by `format`, parsed strictly (duplicate keys refused everywhere;
 * v1 blobs by v1 §5's rules, v2 objects by their first check). No signature is checked.
 */
export function refParseSignedObject(input: Uint8Array | string): RefSignedObjectKind {
  const raw = refParseStrictJson(input, 'blob');
  if (!isObject(raw)) throw malformed('a blob is a JSON object');
  switch (raw['format']) {
    case ESCROW_FORMAT: refParseBlob(raw); return 'escrow-v1';
    case RECOVERY_FORMAT: refParseBlob(raw); return 'recovery-v1';
    case ESCROW2_FORMAT: parseEscrowV2(raw); return 'escrow-v2';
    case RECEIPT_FORMAT: parseReceiptV2(raw); return 'receipt';
    case RECOVERY2_FORMAT:
      if (isObject(raw['issuer']) && raw['issuer']['kind'] === 'member') {
        parsePartial(raw);
        return 'partial';
      }
      parseRecoveryV2(raw);
      return 'recovery-v2';
    case DRILL_FORMAT: parseDrill(raw); return 'drill';
    default: throw malformed('format is not a Keyward blob or receipt format');
  }
}

/**
 * v2 §6 "opening a file with a recovery blob", steps 1 to 6. `pinned` are the issuer identity IDs
 * the reader trusts; `reader` is the reader's RSA private key (PEM). A v1 recovery blob opens as
 * v1 §5 unless the reader pins issuers (then SIGNER_UNTRUSTED: it is unsigned).
 */
export function refDecryptWithRecoveryV2(file: Buffer, input: unknown, readerPem: string, o: RefReadOptions & { pinned?: string[] } = {}): RefDecrypted {
  const raw = inputObject(input, 'recovery blob');
  if (isObject(raw) && raw['format'] === RECOVERY_FORMAT) {
    if (o.pinned !== undefined) throw new RefError('SIGNER_UNTRUSTED', 'a v1 recovery blob is unsigned, and only pinned issuers are trusted');
    return refDecryptWithBlob(file, raw, readerPem, o);
  }
  // 1. strict JSON and fields; issuer.id is the identity ID of its keys.
  const { b, fileId, headerHmac, ownerKeyId, is, issuerId, wrapped, signature } = parseRecoveryV2(raw);
  const issuer = refPublicIdentity(bytesField(is, 'publicKey', 'recovery.issuer'), bytesField(is, 'signingKey', 'recovery.issuer'), issuerId, 'recovery.issuer');
  // 2. the issuer's signature.
  if (!refVerifySig('keyward/v2 recovery', Buffer.from(refCanonical(withoutSignature(b)), 'utf8'), issuer.ed, signature)) {
    throw new RefError('SIGNATURE_INVALID', 'the recovery blob signature does not verify');
  }
  // 3. a pinned issuer (nothing pinned: every v2 recovery blob is refused).
  if (!(o.pinned ?? []).includes(issuer.id)) throw new RefError('SIGNER_UNTRUSTED', `issuer ${issuer.id} is not pinned`);
  // 4. for the reader's key.
  const { key, keyId: mine } = loadPrivate(readerPem);
  if (ownerKeyId !== mine) throw new RefError('NO_MATCHING_KEY', `recovery blob is for ${ownerKeyId}`, { keyIds: [ownerKeyId] });
  // 5. for this file (the file's prefix parsed, §3.4 steps 1 and 2).
  const p = refParseFile(file);
  checkExpectedSigner(p, o);
  if (!p.fileId.equals(fileId) || !p.hmac.equals(headerHmac)) throw new RefError('BLOB_MISMATCH', 'the recovery blob is for another file');
  // 6. unwrap, header hmac, then §3.4 from step 4 on (payload, signature).
  return openParsed(p, unwrapWith(key, wrapped));
}

// ================================================================ v2 §8 councils

export const COUNCIL_FORMAT = 'keyward-council/2';
export const DRILL_FORMAT = 'keyward-drill/2';
/** v2 §8: 1 <= k <= n <= 16. */
export const MAX_MEMBERS = 16;
/** v2 §8.2: y_1 .. y_32 || x. */
export const SHARE_BYTES = 33;
const COUNCIL_ESCROW_FIELDS = [...ESCROW_FIELDS.filter((f) => f !== 'wrappedKey'), 'shares'] as const;
const PARTIAL_FIELDS = [...RECOVERY_FIELDS.filter((f) => f !== 'wrappedKey'), 'wrappedShare'] as const;
const RESULT_RE = /^[A-Z][A-Z_]*$/;

export interface RefCouncilMember { name: string; id: string; publicKey: string; signingKey: string }
export interface RefCouncilDescriptor { format: string; name: string; threshold: number; members: RefCouncilMember[] }
/** A council that follows §8.1's rules, with its ID and its members' keys (member i is members[i - 1]). */
export interface RefCouncil {
  id: string; name: string; threshold: number; descriptor: RefCouncilDescriptor; members: (RefPublicIdentity & { name: string })[];
}

// ---------------------------------------------------------------- §8.1 descriptor and council ID

/** v2 §8.1: "SHA256:" + hex SHA-256(utf8("keyward/v2 council") || 0x00 || canonical(descriptor)). */
export function refCouncilId(descriptor: object): string {
  return 'SHA256:' + sha256(Buffer.from('keyward/v2 council', 'utf8'), Buffer.from([0]), Buffer.from(refCanonical(descriptor), 'utf8')).toString('hex');
}

/** §8.1's rules over a descriptor's four fields (whatever object they came from); MALFORMED on any failure. */
function councilFrom(d: { format: unknown; name: unknown; threshold: unknown; members: unknown }, where: string): RefCouncil {
  if (d.format !== COUNCIL_FORMAT) throw malformed(`${where}.format is not ${COUNCIL_FORMAT}`);
  if (typeof d.name !== 'string') throw malformed(`${where}.name is not a string`);
  const k = d.threshold;
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1) throw malformed(`${where}.threshold is not an integer of 1 or more`);
  if (!Array.isArray(d.members)) throw malformed(`${where}.members is not an array`);
  const list = d.members as unknown[];
  if (list.length < 1 || list.length > MAX_MEMBERS) throw malformed(`${where} has ${list.length} members, not 1..${MAX_MEMBERS}`);
  if (k > list.length) throw malformed(`${where}.threshold ${k} is more than its ${list.length} members`);
  const seen = new Set<string>();
  const members = list.map((m, i) => {
    const at = `${where}.members[${i}]`;
    const o = exactObject(m, ['name', 'id', 'publicKey', 'signingKey'], at);
    const name = str(o, 'name', at);
    const id = idField(o, 'id', at);
    // The id is the identity ID of its keys, the RSA key has 2048 bits or more (MALFORMED, not KEY_TOO_WEAK: §8.1).
    const identity = refPublicIdentity(bytesField(o, 'publicKey', at), bytesField(o, 'signingKey', at), id, at);
    if (seen.has(id)) throw malformed(`${at}.id occurs twice`);
    seen.add(id);
    // §8.1: no RSA key and no signing key twice either.
    for (const field of ['publicKey', 'signingKey'] as const) {
      const value = `${field}:${String(o[field])}`;
      if (seen.has(value)) throw malformed(`${at}.${field} occurs twice`);
      seen.add(value);
    }
    return { ...identity, name };
  });
  const descriptor: RefCouncilDescriptor = { format: COUNCIL_FORMAT, name: d.name, threshold: k, members: list as RefCouncilMember[] };
  return { id: refCouncilId(descriptor), name: d.name, threshold: k, descriptor, members };
}

/** v2 §8.1: a council descriptor (text, bytes or value), strict. */
export function refParseCouncil(input: unknown): RefCouncil {
  const d = exactObject(inputObject(input, 'council'), ['format', 'name', 'threshold', 'members'], 'council');
  return councilFrom({ format: d['format'], name: d['name'], threshold: d['threshold'], members: d['members'] }, 'council');
}
/** A descriptor for these members, in this order (not checked: the negative vectors build bad ones too). */
export function refMakeCouncil(name: string, threshold: number, members: readonly { name: string; identity: RefPublicIdentity }[]): RefCouncilDescriptor {
  return {
    format: COUNCIL_FORMAT, name, threshold,
    members: members.map((m) => ({ name: m.name, id: m.identity.id, publicKey: b64u(m.identity.rsaSpki), signingKey: b64u(m.identity.edSpki) })),
  };
}

// ---------------------------------------------------------------- §8.2 shares over GF(2^8)

/** GF(2^8) product modulo x^8 + x^4 + x^3 + x + 1 (0x11B), shift and add. */
function gfMul(a: number, b: number): number {
  let p = 0;
  for (let x = a, y = b; y > 0; y >>= 1) {
    if (y & 1) p ^= x;
    x <<= 1;
    if (x & 0x100) x ^= 0x11b;
  }
  return p;
}
/** a^-1 = a^254 (the multiplicative group has 255 elements); a != 0. */
function gfInv(a: number): number {
  let r = 1;
  for (let e = 254, x = a; e > 0; e >>= 1, x = gfMul(x, x)) if (e & 1) r = gfMul(r, x);
  return r;
}

/**
 * v2 §8.2: n shares of `secret` (any length), any k of which combine to it; share = y_1 .. y_len || x.
 * `random` gives the points and coefficients (seeded for the vectors).
 */
export function refSplit(secret: Uint8Array, n: number, k: number, random: (len: number) => Buffer = crypto.randomBytes): Buffer[] {
  if (!(k >= 1 && k <= n && n <= 255)) throw new RangeError('1 <= k <= n <= 255');
  const xs: number[] = [];
  while (xs.length < n) {
    const x = random(1)[0]!;
    if (x !== 0 && !xs.includes(x)) xs.push(x);
  }
  const shares = xs.map((x) => Buffer.concat([Buffer.alloc(secret.length), Buffer.from([x])]));
  secret.forEach((byte, j) => {
    const coefficients = [byte, ...random(k - 1)]; // p_j(0) = byte
    for (const share of shares) {
      const x = share[secret.length]!;
      let y = 0;
      for (let c = k - 1; c >= 0; c--) y = gfMul(y, x) ^ coefficients[c]!; // Horner
      share[j] = y;
    }
  });
  return shares;
}

/**
 * v2 §8.2: Lagrange interpolation at 0, byte by byte, of m >= 1 shares of 33 bytes with distinct
 * nonzero points. A share that cannot be combined is ESCROW_INVALID (§8.4 step 7).
 */
export function refCombine(shares: readonly Uint8Array[]): Buffer {
  if (shares.length === 0) throw new RefError('ESCROW_INVALID', 'no shares to combine');
  const xs = shares.map((s, i) => {
    if (s.length !== SHARE_BYTES) throw new RefError('ESCROW_INVALID', `share ${i} is ${s.length} bytes, not ${SHARE_BYTES}`);
    const x = s[SHARE_BYTES - 1]!;
    if (x === 0) throw new RefError('ESCROW_INVALID', `share ${i} has the point 0`);
    return x;
  });
  if (new Set(xs).size !== xs.length) throw new RefError('ESCROW_INVALID', 'two shares have one point');
  // l_i(0) = prod_{m != i} x_m / (x_m - x_i); subtraction is XOR.
  const basis = xs.map((xi, i) => xs.reduce((acc, xm, m) => (m === i ? acc : gfMul(acc, gfMul(xm, gfInv(xm ^ xi)))), 1));
  const out = Buffer.alloc(SHARE_BYTES - 1);
  for (let j = 0; j < out.length; j++) out[j] = shares.reduce((acc, s, i) => acc ^ gfMul(basis[i]!, s[j]!), 0);
  return out;
}

/** v2 §8.2: utf8("keyward/v2 share " || decimal(i)). */
export function refShareLabel(index: number): Buffer {
  return Buffer.from(`keyward/v2 share ${index}`, 'utf8');
}
export function refWrapShare(share: Uint8Array, index: number, rsa: KeyObject): Buffer {
  return crypto.publicEncrypt({ key: rsa, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: refShareLabel(index) }, share);
}
/** RSA-OAEP-256 under member i's label; UNWRAP_FAILED if it does not decrypt (the length is the caller's check). */
export function refUnwrapShare(wrapped: Uint8Array, index: number, rsaPrivate: KeyObject): Buffer {
  try {
    return crypto.privateDecrypt({ key: rsaPrivate, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: refShareLabel(index) }, wrapped);
  } catch {
    throw new RefError('UNWRAP_FAILED', `share ${index} does not unwrap`);
  }
}
/** §8.3 check 8: a member's share unwraps, is 33 bytes and its point is not 0 (ESCROW_INVALID). */
function memberShare(wrapped: Buffer, index: number, rsaPrivate: KeyObject): Buffer {
  let share: Buffer;
  try {
    share = refUnwrapShare(wrapped, index, rsaPrivate);
  } catch {
    throw new RefError('ESCROW_INVALID', `share ${index} does not unwrap`);
  }
  if (share.length !== SHARE_BYTES || share[SHARE_BYTES - 1] === 0) throw new RefError('ESCROW_INVALID', `share ${index} is not a share`);
  return share;
}

// ---------------------------------------------------------------- §8.3 escrow blob for a council

export interface RefCouncilEscrow {
  format: string; fileId: string; serial: string; description: string; createdAt: string;
  owner: { name: string; id: string; publicKey: string; signingKey: string };
  authority: { kind: 'council'; name: string; id: string; threshold: number; members: RefCouncilMember[] };
  prefix: string; payloadDigest: string; fileSignature: string; shares: string[]; signature: string;
}

/**
 * v2 §8.3: the owner's signed blob for a council: the file key split (`shares`, raw, to make a bad
 * blob; default a fresh split) and share i wrapped for member i. `council` need not be valid.
 */
export function refMakeCouncilEscrow(o: {
  file: Buffer; fileKey: Buffer; owner: RefPrivateIdentity; ownerName: string; council: RefCouncilDescriptor; description: string; createdAt: string;
  shares?: Buffer[]; random?: (len: number) => Buffer; wrapShare?: (share: Buffer, index: number, rsa: KeyObject) => Buffer;
  edit?: (unsigned: Omit<RefCouncilEscrow, 'signature'>) => Record<string, unknown>;
}): RefCouncilEscrow {
  const p = refParseFile(o.file);
  if (p.version !== 2) throw new Error('an escrow blob v2 is for a v2 file');
  const c = o.council;
  const shares = o.shares ?? refSplit(o.fileKey, c.members.length, c.threshold, o.random);
  const wrap = o.wrapShare ?? refWrapShare;
  const unsigned: Omit<RefCouncilEscrow, 'signature'> = {
    format: ESCROW2_FORMAT, fileId: b64u(p.fileId), serial: refSerial(p.fileId), description: o.description, createdAt: o.createdAt,
    owner: { name: o.ownerName, id: o.owner.id, publicKey: b64u(o.owner.rsaSpki), signingKey: b64u(o.owner.edSpki) },
    authority: { kind: 'council', name: c.name, id: refCouncilId(c), threshold: c.threshold, members: c.members },
    prefix: b64u(prefixOf(p)), payloadDigest: b64u(refPayloadDigest(p.payload, p.chunkSize)), fileSignature: b64u(p.signature!),
    shares: c.members.map((m, i) => b64u(wrap(shares[i]!, i + 1, crypto.createPublicKey({ key: Buffer.from(m.publicKey, 'base64url'), format: 'der', type: 'spki' })))),
  };
  return refSignObject('keyward/v2 escrow', o.edit ? o.edit(unsigned) : unsigned, o.owner.edPrivate) as unknown as RefCouncilEscrow;
}

/** Checks 1 to 6 of §8.3 (= §4's, with the council's rules in check 1); the council's blob or NO_MATCHING_KEY for an identity's. */
function councilBlob(input: unknown, o: { expectOwner?: string }) {
  const e = parseEscrowV2(inputObject(input, 'escrow blob'));
  const { owner, header } = checkEscrowSigned(e, o);
  if (e.authority.kind !== 'council') {
    throw new RefError('NO_MATCHING_KEY', `blob is for the identity ${e.authority.id}`, { keyIds: [e.authority.keyId] });
  }
  return { blob: e.b as unknown as RefCouncilEscrow, owner, header, council: e.authority.council, shares: e.authority.shares };
}
/** Member i (1-based) of the council that this identity is, its RSA key ID and identity ID both; 0 if none. */
function indexIn(council: RefCouncil, who: RefPublicIdentity): number {
  return council.members.findIndex((m) => m.id === who.id && m.keyId === who.keyId) + 1;
}
const notAMember = (council: RefCouncil, who: RefPublicIdentity): RefError =>
  new RefError('NO_MATCHING_KEY', `${who.id} is not a member of the council ${council.id}`, { keyIds: council.members.map((m) => m.keyId) });

export interface RefMemberChecked {
  version: 2; blob: RefCouncilEscrow; owner: RefPublicIdentity; header: ParsedFile; council: RefCouncil; index: number; share: Buffer;
  /** Only when k = 1: the share alone is the key, and check 8 proved it opens the header. */
  fileKey?: Buffer;
}

/** v2 §8.3 "a member's check at intake", checks 1 to 8 in order; the first failure is thrown. */
export function refCheckEscrowAsMember(input: unknown, member: RefPrivateIdentity, o: { expectOwner?: string; expectCouncil?: string } = {}): RefMemberChecked {
  const { blob, owner, header, council, shares } = councilBlob(input, o);
  // 7. the council expected, and the checker is member i of it.
  if (o.expectCouncil !== undefined && council.id !== o.expectCouncil) throw new RefError('SIGNER_UNTRUSTED', `blob for council ${council.id}, not ${o.expectCouncil}`);
  const index = indexIn(council, member);
  if (index === 0) throw notAMember(council, member);
  // 8. the member's own share unwraps under its label; for k = 1 it is the key and opens the header.
  const share = memberShare(shares[index - 1]!, index, member.rsaPrivate);
  if (council.threshold > 1) return { version: 2, blob, owner, header, council, index, share };
  const fileKey = refCombine([share]);
  checkKeyOpensHeader(fileKey, header, 'the share');
  return { version: 2, blob, owner, header, council, index, share, fileKey };
}

/** Every k-subset of 0 .. n-1, in lexicographic order. */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= n - k; first++) for (const rest of subsets(n - first - 1, k - 1)) out.push([first, ...rest.map((r) => r + first + 1)]);
  return out;
}

export interface RefQuorumChecked {
  version: 2; blob: RefCouncilEscrow; owner: RefPublicIdentity; header: ParsedFile; council: RefCouncil; present: number[]; fileKey: Buffer;
}
/**
 * v2 §8.3 "with k or more member keys together": checks 1 to 6; every key a member's (NO_MATCHING_KEY);
 * at least k distinct members (QUORUM_NOT_MET); every present share unwraps, and every k-subset of
 * them combines to one key that passes §4 check 8 (ESCROW_INVALID).
 */
export function refCheckEscrowWithMembers(input: unknown, members: readonly RefPrivateIdentity[], o: { expectOwner?: string } = {}): RefQuorumChecked {
  const { blob, owner, header, council, shares } = councilBlob(input, o);
  const keyOf = new Map<number, RefPrivateIdentity>();
  for (const m of members) {
    const index = indexIn(council, m);
    if (index === 0) throw notAMember(council, m);
    if (!keyOf.has(index)) keyOf.set(index, m);
  }
  const present = [...keyOf.keys()].sort((a, b) => a - b);
  if (present.length < council.threshold) throw new RefError('QUORUM_NOT_MET', `${present.length} distinct members, the council needs ${council.threshold}`);
  const unwrapped = present.map((i) => memberShare(shares[i - 1]!, i, keyOf.get(i)!.rsaPrivate));
  let fileKey: Buffer | undefined;
  for (const subset of subsets(present.length, council.threshold)) {
    const key = refCombine(subset.map((s) => unwrapped[s]!));
    if (fileKey === undefined) {
      checkKeyOpensHeader(key, header, 'the combined shares');
      fileKey = key;
    } else if (!key.equals(fileKey)) {
      throw new RefError('ESCROW_INVALID', `members ${subset.map((s) => present[s]).join(', ')} combine to another key`);
    }
  }
  return { version: 2, blob, owner, header, council, present, fileKey: fileKey! };
}

// ---------------------------------------------------------------- §8.4 partial recovery blob

export interface RefPartial {
  format: string; fileId: string; serial: string; description: string; createdAt: string; headerHmac: string; escrowDigest: string;
  owner: { name: string; id: string; keyId: string };
  issuer: { kind: 'member'; name: string; id: string; publicKey: string; signingKey: string; council: string; index: number };
  wrappedShare: string; signature: string;
}

/** v2 §8.4: issued by a member from a council blob its check (§8.3 checks 1-8) passes, for the owner's new identity. */
export function refMakePartial(o: {
  escrow: unknown; member: RefPrivateIdentity; memberName: string; newOwner: RefPublicIdentity; newOwnerName: string; createdAt: string;
  share?: Buffer; edit?: (unsigned: Omit<RefPartial, 'signature'>) => Record<string, unknown>;
}): RefPartial {
  const good = refCheckEscrowAsMember(o.escrow, o.member);
  const unsigned: Omit<RefPartial, 'signature'> = {
    format: RECOVERY2_FORMAT, fileId: good.blob.fileId, serial: good.blob.serial, description: good.blob.description, createdAt: o.createdAt,
    headerHmac: b64u(good.header.hmac), escrowDigest: refEscrowDigest(good.blob),
    owner: { name: o.newOwnerName, id: o.newOwner.id, keyId: o.newOwner.keyId },
    issuer: {
      kind: 'member', name: o.memberName, id: o.member.id, publicKey: b64u(o.member.rsaSpki), signingKey: b64u(o.member.edSpki),
      council: good.council.id, index: good.index,
    },
    wrappedShare: b64u(refWrapShare(o.share ?? good.share, good.index, o.newOwner.rsa)),
  };
  return refSignObject('keyward/v2 partial', o.edit ? o.edit(unsigned) : unsigned, o.member.edPrivate) as unknown as RefPartial;
}

/** v2 §8.4 step 1: strict fields and types; issuer.id is the identity ID of its keys (MALFORMED). */
function parsePartial(raw: unknown) {
  const b = exactObject(raw, PARTIAL_FIELDS, 'partial');
  if (str(b, 'format', 'partial') !== RECOVERY2_FORMAT) throw malformed(`partial.format is not ${RECOVERY2_FORMAT}`);
  const fileId = bytesField(b, 'fileId', 'partial', 16);
  serialField(b, 'partial');
  str(b, 'description', 'partial');
  timeField(b, 'createdAt', 'partial');
  const headerHmac = bytesField(b, 'headerHmac', 'partial', 32);
  bytesField(b, 'escrowDigest', 'partial', 32);
  const ow = exactObject(b['owner'], ['name', 'id', 'keyId'], 'partial.owner');
  str(ow, 'name', 'partial.owner');
  idField(ow, 'id', 'partial.owner');
  const ownerKeyId = idField(ow, 'keyId', 'partial.owner');
  const is = exactObject(b['issuer'], ['kind', 'name', 'id', 'publicKey', 'signingKey', 'council', 'index'], 'partial.issuer');
  if (str(is, 'kind', 'partial.issuer') !== 'member') throw malformed('partial.issuer.kind is not "member"');
  str(is, 'name', 'partial.issuer');
  const issuer = refPublicIdentity(bytesField(is, 'publicKey', 'partial.issuer'), bytesField(is, 'signingKey', 'partial.issuer'), idField(is, 'id', 'partial.issuer'), 'partial.issuer');
  const council = idField(is, 'council', 'partial.issuer');
  const index = num(is, 'index', 'partial.issuer');
  if (!Number.isSafeInteger(index) || index < 1 || index > MAX_MEMBERS) throw malformed(`partial.issuer.index ${index} is not 1..${MAX_MEMBERS}`);
  const wrapped = bytesField(b, 'wrappedShare', 'partial');
  const signature = bytesField(b, 'signature', 'partial', SIG);
  return { b, fileId, headerHmac, ownerKeyId, issuer, council, index, wrapped, signature };
}

/**
 * v2 §8.4 "opening a file with partials", steps 1 to 7 in order (each step over every partial before
 * the next). `councils` are the councils the reader pinned; `readerPem` its RSA private key.
 */
export function refDecryptWithPartials(file: Buffer, inputs: readonly unknown[], readerPem: string, o: RefReadOptions & { councils: readonly RefCouncil[] }): RefDecrypted {
  // 1. strict fields; issuer.id.
  const partials = inputs.map((input) => parsePartial(inputObject(input, 'partial')));
  // 2. each signature, context keyward/v2 partial.
  for (const p of partials) {
    if (!refVerifySig('keyward/v2 partial', Buffer.from(refCanonical(withoutSignature(p.b)), 'utf8'), p.issuer.ed, p.signature)) {
      throw new RefError('SIGNATURE_INVALID', 'a partial\'s signature does not verify');
    }
  }
  // 3. a pinned council, whose member issuer.index is issuer.id; all partials name one council.
  for (const p of partials) {
    const member = o.councils.find((c) => c.id === p.council)?.members[p.index - 1];
    if (member === undefined || member.id !== p.issuer.id) throw new RefError('SIGNER_UNTRUSTED', `${p.issuer.id} is not member ${p.index} of a pinned council`);
  }
  if (new Set(partials.map((p) => p.council)).size > 1) throw new RefError('BLOB_MISMATCH', 'the partials name more than one council');
  // 4. for the reader's key.
  const { key, keyId: mine } = loadPrivate(readerPem);
  for (const p of partials) if (p.ownerKeyId !== mine) throw new RefError('NO_MATCHING_KEY', `partial is for ${p.ownerKeyId}`, { keyIds: [p.ownerKeyId] });
  // 5. for this file (its prefix parsed, §3.4 steps 1 and 2).
  const f = refParseFile(file);
  checkExpectedSigner(f, o);
  for (const p of partials) if (!f.fileId.equals(p.fileId) || !f.hmac.equals(p.headerHmac)) throw new RefError('BLOB_MISMATCH', 'a partial is for another file');
  // 6. k distinct members, k the pinned council's (two partials of one member count once); nothing unwrapped before.
  const council = o.councils.find((c) => c.id === partials[0]?.council);
  const byMember = new Map<number, (typeof partials)[number]>();
  for (const p of partials) if (!byMember.has(p.index)) byMember.set(p.index, p);
  if (council === undefined || byMember.size < council.threshold) {
    throw new RefError('QUORUM_NOT_MET', `partials from ${byMember.size} distinct members, the council needs ${council?.threshold ?? 1}`);
  }
  // 7. unwrap each share under its index's label, combine, the header HMAC, then §3.4 from step 4 on.
  const shares = [...byMember.values()].map((p) => refUnwrapShare(p.wrapped, p.index, key));
  const fileKey = refCombine(shares);
  if (!crypto.timingSafeEqual(hmac(deriveKeys(fileKey, f.salt).headerMacKey, f.headerBytes), f.hmac)) {
    throw new RefError('ESCROW_INVALID', 'the shares do not open the file');
  }
  return openParsed(f, fileKey);
}

/** v2 §8.4 "recovery by decryption": the k-member check, the file's prefix is the blob's, then §3.4 from step 4 on. */
export function refDecryptWithMembers(file: Buffer, escrow: unknown, members: readonly RefPrivateIdentity[], o: RefReadOptions = {}): RefDecrypted {
  const q = refCheckEscrowWithMembers(escrow, members);
  const f = refParseFile(file);
  if (!prefixOf(f).equals(b64uDecode(q.blob.prefix, 'escrow.prefix'))) throw new RefError('BLOB_MISMATCH', 'the file\'s prefix is not the blob\'s');
  checkExpectedSigner(f, o);
  return openParsed(f, q.fileKey);
}

// ---------------------------------------------------------------- §8.5 drill report

export interface RefDrillReport {
  format: string; council: { name: string; id: string; threshold: number }; createdAt: string;
  members: { index: number; id: string }[]; results: { blob: string; fileId: string; serial: string; result: string }[];
  signatures: { id: string; signature: string }[];
}
const DRILL_FIELDS = ['format', 'council', 'createdAt', 'members', 'results', 'signatures'] as const;

/**
 * v2 §8.5: k or more members check each blob together (§8.3) and sign the report. Keys that are not
 * members are NO_MATCHING_KEY, fewer than k distinct members QUORUM_NOT_MET.
 */
export function refRunDrill(o: {
  council: RefCouncil; members: readonly RefPrivateIdentity[]; blobs: readonly Buffer[]; createdAt: string;
  edit?: (unsigned: Omit<RefDrillReport, 'signatures'>) => Omit<RefDrillReport, 'signatures'>;
}): RefDrillReport {
  const byIndex = new Map<number, RefPrivateIdentity>();
  for (const m of o.members) {
    const index = indexIn(o.council, m);
    if (index === 0) throw notAMember(o.council, m);
    if (!byIndex.has(index)) byIndex.set(index, m);
  }
  if (byIndex.size < o.council.threshold) throw new RefError('QUORUM_NOT_MET', `${byIndex.size} distinct members`);
  const present = [...byIndex.entries()].sort(([a], [b]) => a - b);
  const results = o.blobs.map((bytes) => {
    let named = { fileId: '', serial: '' };
    try {
      const e = parseEscrowV2(refParseStrictJson(bytes, 'escrow blob'));
      named = { fileId: b64u(e.fileId), serial: e.serial };
    } catch {
      // a blob that does not parse names no file
    }
    let result = 'GOOD';
    try {
      refCheckEscrowWithMembers(bytes, present.map(([, m]) => m));
    } catch (e) {
      if (!(e instanceof RefError)) throw e;
      result = e.code;
    }
    return { blob: b64u(sha256(bytes)), ...named, result };
  });
  const made: Omit<RefDrillReport, 'signatures'> = {
    format: DRILL_FORMAT, council: { name: o.council.name, id: o.council.id, threshold: o.council.threshold }, createdAt: o.createdAt,
    members: present.map(([index, m]) => ({ index, id: m.id })), results,
  };
  const unsigned = o.edit ? o.edit(made) : made;
  const body = Buffer.from(refCanonical(unsigned), 'utf8');
  return { ...unsigned, signatures: present.map(([, m]) => ({ id: m.id, signature: b64u(refSign('keyward/v2 drill', body, m.edPrivate)) })) };
}
export function refDrillPassed(report: RefDrillReport): boolean {
  return report.results.every((r) => r.result === 'GOOD');
}

/** v2 §8.5, first check: strict fields and types. */
function parseDrill(raw: unknown): RefDrillReport {
  const r = exactObject(raw, DRILL_FIELDS, 'drill');
  if (str(r, 'format', 'drill') !== DRILL_FORMAT) throw malformed(`drill.format is not ${DRILL_FORMAT}`);
  const c = exactObject(r['council'], ['name', 'id', 'threshold'], 'drill.council');
  str(c, 'name', 'drill.council');
  idField(c, 'id', 'drill.council');
  num(c, 'threshold', 'drill.council');
  timeField(r, 'createdAt', 'drill');
  const list = (k: string): unknown[] => {
    const v = r[k];
    if (!Array.isArray(v)) throw malformed(`drill.${k} is not an array`);
    return v as unknown[];
  };
  list('members').forEach((m, i) => {
    const o = exactObject(m, ['index', 'id'], `drill.members[${i}]`);
    num(o, 'index', `drill.members[${i}]`);
    idField(o, 'id', `drill.members[${i}]`);
  });
  list('results').forEach((x, i) => {
    const at = `drill.results[${i}]`;
    const o = exactObject(x, ['blob', 'fileId', 'serial', 'result'], at);
    bytesField(o, 'blob', at, 32);
    if (str(o, 'fileId', at) !== '') bytesField(o, 'fileId', at, 16);
    if (str(o, 'serial', at) !== '') serialField(o, at);
    if (!RESULT_RE.test(str(o, 'result', at))) throw malformed(`${at}.result is not GOOD or a code`);
  });
  list('signatures').forEach((s, i) => {
    const o = exactObject(s, ['id', 'signature'], `drill.signatures[${i}]`);
    idField(o, 'id', `drill.signatures[${i}]`);
    bytesField(o, 'signature', `drill.signatures[${i}]`, SIG);
  });
  return r as unknown as RefDrillReport;
}

/** v2 §8.5: a drill report checked against the council's descriptor, in the spec's order. */
export function refVerifyDrill(input: unknown, council: RefCouncil): RefDrillReport {
  const r = parseDrill(inputObject(input, 'drill report'));
  // By strictly increasing index (so no index twice): a rule of the report's form.
  let last = 0;
  for (const m of r.members) {
    if (m.index <= last) throw malformed(`drill.members: index ${m.index} comes out of order`);
    last = m.index;
  }
  // The descriptor's ID, name and threshold.
  if (r.council.id !== council.id || r.council.name !== council.name || r.council.threshold !== council.threshold) {
    throw new RefError('SIGNER_UNTRUSTED', `report for council ${r.council.id}, not ${council.id} as pinned`);
  }
  // Each the descriptor's member of that index.
  for (const m of r.members) {
    if (council.members[m.index - 1]?.id !== m.id) throw new RefError('SIGNER_UNTRUSTED', `${m.id} is not member ${m.index}`);
  }
  if (r.members.length < council.threshold) throw new RefError('QUORUM_NOT_MET', `${r.members.length} members signed, the council needs ${council.threshold}`);
  if (r.signatures.length !== r.members.length || r.signatures.some((s, i) => s.id !== r.members[i]!.id)) {
    throw new RefError('SIGNATURE_INVALID', 'the signatures are not those of the members who took part');
  }
  const body = Buffer.from(refCanonical(Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'signatures'))), 'utf8');
  r.signatures.forEach((s, i) => {
    const member = council.members[r.members[i]!.index - 1]!;
    if (!refVerifySig('keyward/v2 drill', body, member.ed, b64uDecode(s.signature, 'drill signature'))) {
      throw new RefError('SIGNATURE_INVALID', `the signature of member ${r.members[i]!.index} does not verify`);
    }
  });
  return r;
}
