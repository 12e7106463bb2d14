/**
 * Independent reference implementation of the Keyward v1 format
 * (/work/shared/spec/keyward-v1.md) on node:crypto, written from the spec
 * alone. It exists to cross-check the main (WebCrypto) implementation and to
 * generate the test vectors. Readability over speed: whole files in memory.
 */
import * as crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const MAGIC = Buffer.from('KEYWARD/1\n', 'utf8');
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
  | 'TRAILING_DATA' | 'SIZE_MISMATCH' | 'KEY_TOO_WEAK';

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
  const header: Record<string, unknown> = {
    version: 1, fileId: b64u(fileId), salt: b64u(salt), chunkSize: o.chunkSize, recipients,
    meta: b64u(gcmEncrypt(keys.metaKey, META_NONCE, Buffer.from(metaJson, 'utf8'))),
    ...o.extraHeaderFields,
  };
  const text = o.headerJsonOverride ? o.headerJsonOverride(header) : JSON.stringify(header);
  const headerJson = typeof text === 'string' ? Buffer.from(text, 'utf8') : Buffer.from(text);
  const headerBytes = Buffer.concat([MAGIC, u32be(headerJson.length), headerJson]);
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
  headerBytes: Buffer; // magic || hlen || header: what the hmac covers
  header: Record<string, unknown>;
  fileId: Buffer; salt: Buffer; chunkSize: number;
  recipients: (RefStanza & { wrapped: Buffer })[];
  meta: Buffer; hmac: Buffer; payload: Buffer;
}

/** §3: magic, hlen, header syntax and rules. No key needed, nothing decrypted. */
export function refParseFile(file: Buffer): ParsedFile {
  if (file.length === 0) throw new RefError('NOT_KEYWARD', 'empty file');
  // §3: a non-empty file shorter than the magic that is a prefix of it is cut short.
  if (file.length < MAGIC.length && file.equals(MAGIC.subarray(0, file.length))) throw new RefError('TRUNCATED', 'file ends inside the magic');
  if (file.length < MAGIC_PREFIX.length || !file.subarray(0, MAGIC_PREFIX.length).equals(MAGIC_PREFIX)) {
    throw new RefError('NOT_KEYWARD', 'no Keyward magic');
  }
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) throw new RefError('UNSUPPORTED_VERSION', 'KEYWARD/ but not 1\\n');
  // §3: the full magic, then the file ends before hlen, header and hmac are complete: cut short.
  if (file.length < MAGIC.length + 4) throw new RefError('TRUNCATED', 'file ends inside hlen');
  const hlen = file.readUInt32BE(MAGIC.length);
  if (hlen < 1 || hlen > MAX_HLEN) throw malformed(`hlen ${hlen} out of bounds`);
  const headerEnd = MAGIC.length + 4 + hlen;
  if (file.length < headerEnd + 32) throw new RefError('TRUNCATED', 'file ends inside header or hmac');
  const h = decodeUtf8Json(file.subarray(MAGIC.length + 4, headerEnd), 'header');
  if (!isObject(h)) throw malformed('header is not a JSON object');

  if (num(h, 'version', 'header') !== 1) throw malformed('header.version is not 1');
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
  return {
    headerBytes: file.subarray(0, headerEnd), header: h, fileId, salt, chunkSize, recipients, meta,
    hmac: file.subarray(headerEnd, headerEnd + 32), payload: file.subarray(headerEnd + 32),
  };
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
  return { meta, plaintext, header: p };
}

export function refDecrypt(file: Buffer, privateKeyPem: string): RefDecrypted {
  const { key, keyId: mine } = loadPrivate(privateKeyPem);
  const p = refParseFile(file);
  const stanza = p.recipients.find((s) => s.keyId === mine);
  if (!stanza) {
    const keyIds = p.recipients.map((s) => s.keyId);
    throw new RefError('NO_MATCHING_KEY', `file is for ${keyIds.join(', ')}`, { keyIds });
  }
  return openParsed(p, unwrapWith(key, stanza.wrapped));
}

/** Decrypt with a known file key; with expectedHeaderHmac (from a blob) also BLOB_MISMATCH. */
export function refDecryptWithFileKey(file: Buffer, fileKey: Uint8Array, expectedHeaderHmac?: Uint8Array): RefDecrypted {
  return openParsed(refParseFile(file), fileKey, expectedHeaderHmac);
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

/** "escrow"/"recovery" opening: open the blob, then the file with headerHmac bound to it. */
export function refDecryptWithBlob(file: Buffer, blob: unknown, privateKeyPem: string): RefDecrypted {
  const opened = refOpenBlob(blob, privateKeyPem);
  return refDecryptWithFileKey(file, opened.fileKey, opened.headerHmac);
}
