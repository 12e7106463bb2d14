/**
 * Keyward v1 §5: escrow blobs (the file key wrapped for the backup authority)
 * and recovery blobs (wrapped again, for the owner's new key), with their MAC.
 */
import { type Bytes, concat, fromB64u, b64u, u32be, utf8 } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { isKeyId } from '../keys/key-id.ts';
import { ESCROW_FORMAT, FILE_ID_LENGTH, HMAC_LENGTH, RECOVERY_FORMAT, SALT_LENGTH } from './constants.ts';
import { isSerial, serialFromFileId } from './serial.ts';

export type BlobFormat = typeof ESCROW_FORMAT | typeof RECOVERY_FORMAT;

/** A named key: who holds it, and its key ID (§1). */
export interface BlobParty {
  name: string;
  keyId: string;
}

/** The fields of an escrow or recovery blob, in spec order. */
export interface KeyBlob {
  format: BlobFormat;
  fileId: string;
  serial: string;
  description: string;
  createdAt: string;
  owner: BlobParty;
  authority: BlobParty;
  salt: string;
  headerHmac: string;
  wrappedKey: string;
  mac: string;
}

export type UnsealedBlob = Omit<KeyBlob, 'mac'>;

const malformed = (reason: string) => new KeywardError('MALFORMED', { reason });
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** The key ID the blob's `wrappedKey` is for: the authority's in an escrow blob, the (new) owner's in a recovery blob. */
export function blobTargetKeyId(blob: UnsealedBlob): string {
  return blob.format === ESCROW_FORMAT ? blob.authority.keyId : blob.owner.keyId;
}

/** `canonical` of §5: `u32be(len) || utf8(value)` over the fields in spec order. */
export function canonicalBlobBytes(blob: UnsealedBlob): Bytes {
  const values = [
    blob.format,
    blob.fileId,
    blob.serial,
    blob.description,
    blob.createdAt,
    blob.owner.name,
    blob.owner.keyId,
    blob.authority.name,
    blob.authority.keyId,
    blob.salt,
    blob.headerHmac,
    blob.wrappedKey,
  ];
  return concat(...values.flatMap((value) => {
    const bytes = utf8(value);
    return [u32be(bytes.length), bytes];
  }));
}

/** Adds `mac = b64u(HMAC(blobMacKey, canonical))`. */
export async function sealBlob(blob: UnsealedBlob, blobMacKey: CryptoKey): Promise<KeyBlob> {
  const mac = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', blobMacKey, canonicalBlobBytes(blob)));
  return {
    format: blob.format,
    fileId: blob.fileId,
    serial: blob.serial,
    description: blob.description,
    createdAt: blob.createdAt,
    owner: { name: blob.owner.name, keyId: blob.owner.keyId },
    authority: { name: blob.authority.name, keyId: blob.authority.keyId },
    salt: blob.salt,
    headerHmac: blob.headerHmac,
    wrappedKey: blob.wrappedKey,
    mac: b64u(mac),
  };
}

/**
 * Verifies the blob's MAC, then that its serial is the one its `fileId`
 * gives (a wrong serial under a valid MAC means a faulty writer).
 *
 * @throws KeywardError `BLOB_TAMPERED`, `MALFORMED`
 */
export async function verifyBlobMac(blob: KeyBlob, blobMacKey: CryptoKey): Promise<void> {
  const ok = await globalThis.crypto.subtle.verify('HMAC', blobMacKey, fromB64u(blob.mac, 'mac'), canonicalBlobBytes(blob));
  if (!ok) throw new KeywardError('BLOB_TAMPERED');
  if (serialFromFileId(fromB64u(blob.fileId, 'fileId')) !== blob.serial) throw malformed('the serial does not belong to this fileId');
}

/** The blob as the JSON people download and hand to the authority. */
export function serializeBlob(blob: KeyBlob): string {
  return `${JSON.stringify(blob, null, 2)}\n`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string') throw malformed(`${field} must be a string`);
  return value;
}

function checkB64u(value: unknown, field: string, length?: number): string {
  const text = checkString(value, field);
  const bytes = fromB64u(text, field);
  if (length !== undefined && bytes.length !== length) throw malformed(`${field} must be ${length} bytes`);
  if (bytes.length === 0) throw malformed(`${field} must not be empty`);
  return text;
}

function checkParty(value: unknown, field: string): BlobParty {
  if (!isObject(value)) throw malformed(`${field} must be an object`);
  const name = checkString(value.name, `${field}.name`);
  if (!isKeyId(value.keyId)) throw malformed(`${field}.keyId is not a key ID`);
  return { name, keyId: value.keyId };
}

/**
 * Parses and checks an escrow or recovery blob. Unknown fields are dropped
 * (the MAC covers only the spec's fields).
 *
 * @param input - the blob's JSON text, or an already parsed value
 * @param expected - the format the caller needs; another format is `MALFORMED`
 * @throws KeywardError `MALFORMED`
 */
export function parseBlob(input: unknown, expected?: BlobFormat): KeyBlob {
  let value: unknown = input;
  // Strict: a key given twice (a false description, then the real one) is refused.
  if (typeof input === 'string') value = parseJson(input, { what: 'the blob' });
  if (!isObject(value)) throw malformed('the blob must be a JSON object');
  const format = value.format;
  if (format !== ESCROW_FORMAT && format !== RECOVERY_FORMAT) throw malformed('format must be keyward-escrow/1 or keyward-recovery/1');
  if (expected !== undefined && format !== expected) {
    throw malformed(expected === ESCROW_FORMAT ? 'this is a recovery blob, not an escrow blob' : 'this is an escrow blob, not a recovery blob');
  }
  const serial = value.serial;
  if (!isSerial(serial)) throw malformed('serial must look like KW-XXXX-XXXX-XXXX-XXXX');
  const createdAt = checkString(value.createdAt, 'createdAt');
  if (!ISO_UTC.test(createdAt) || Number.isNaN(Date.parse(createdAt))) throw malformed('createdAt must be an ISO 8601 UTC time');
  return {
    format,
    fileId: checkB64u(value.fileId, 'fileId', FILE_ID_LENGTH),
    serial,
    description: checkString(value.description, 'description'),
    createdAt,
    owner: checkParty(value.owner, 'owner'),
    authority: checkParty(value.authority, 'authority'),
    salt: checkB64u(value.salt, 'salt', SALT_LENGTH),
    headerHmac: checkB64u(value.headerHmac, 'headerHmac', HMAC_LENGTH),
    wrappedKey: checkB64u(value.wrappedKey, 'wrappedKey'),
    mac: checkB64u(value.mac, 'mac', HMAC_LENGTH),
  };
}
