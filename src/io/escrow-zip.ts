/**
 * Reading a zip of escrow blobs (the owner's register export) that may come
 * from anyone: every count, size and offset is checked before it is used,
 * and nothing is inflated past the size its entry declares. Deflate is
 * fflate's; the central directory is walked here because fflate's
 * `unzipSync` keys entries by name (a duplicate hides the first) and keeps
 * inflating past an entry's declared size (zip bomb: time, not memory).
 */
import { Inflate } from 'fflate';
import { KeywardError } from '../core/index.ts';

export interface ZipLimits {
  /** The zip file itself (it is read into memory). */
  zipBytes: number;
  /** Entries in the central directory, skipped ones included. */
  entries: number;
  /** The blobs' declared uncompressed sizes, added up. */
  totalBytes: number;
  /** One blob (blobs are a few kilobytes; the same bound as a dropped blob file). */
  entryBytes: number;
}

const MiB = 1_048_576;

/** A register of 10,000 escrow blobs is about 15 MB; these leave room and stop bombs. */
export const ESCROW_ZIP_LIMITS: ZipLimits = { zipBytes: 64 * MiB, entries: 10_000, totalBytes: 64 * MiB, entryBytes: MiB };

export type ZipBlobEntry = { name: string; text: string } | { name: string; error: KeywardError };

export interface EscrowZip {
  /** Each `.json` entry, in central-directory order: its text, or why it was not read. */
  blobs: ZipBlobEntry[];
  /** Entries that are not `.json` files (the register's `register.csv`, anything else). */
  skipped: string[];
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/** True for a zip by name or type (the escrow drop zone takes blobs and zips). */
export function isZipFile(file: { name: string; type: string }): boolean {
  return /\.zip$/i.test(file.name) || file.type === 'application/zip' || file.type === 'application/x-zip-compressed';
}

/**
 * A name that could point outside a folder, or show one thing and be
 * another: absolute, a drive, `..`, backslashes, control or bidi characters.
 * Nothing is written to disk, but a zip that tries this is not one the
 * owner's app made, so none of it is opened.
 */
function isUnsafeName(name: string): boolean {
  return (
    name === '' ||
    name.startsWith('/') ||
    name.includes('\\') ||
    /^[a-zA-Z]:/.test(name) ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(name) ||
    name.split('/').some((part) => part === '..')
  );
}

/** The entry's name as shown in an error: quoted, and cut short. */
const shown = (name: string) => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);

/**
 * Inflates `data` into exactly `size` bytes, or null when it is damaged or
 * would give more or less (so a lying entry costs at most `size` bytes and
 * the time to make them).
 */
function inflateExactly(data: Uint8Array, size: number): Uint8Array | null {
  const out = new Uint8Array(size);
  let at = 0;
  const inflater = new Inflate((chunk) => {
    if (at + chunk.length > size) throw new RangeError('entry inflates past its declared size');
    out.set(chunk, at);
    at += chunk.length;
  });
  // Small pushes: one push of deflate can grow about 1,000-fold before the size check sees it.
  const step = 4096;
  try {
    let start = 0;
    do {
      const end = start + step;
      inflater.push(data.subarray(start, end), end >= data.length);
      start = end;
    } while (start < data.length);
  } catch {
    return null;
  }
  return at === size ? out : null;
}

/**
 * The escrow blobs in a zip. Entries that are not `.json` are skipped; a
 * blob entry that is too large, encrypted, compressed otherwise than stored
 * or deflated, or damaged, is returned with its error, and the others still
 * are read.
 *
 * @throws KeywardError `ZIP_TOO_LARGE` (the zip, or its blobs together),
 *   `ZIP_TOO_MANY_ENTRIES`, `ZIP_UNSAFE_NAME` (a path trick, or two entries
 *   of one name), `ZIP_UNREADABLE` (not a zip, zip64, or a damaged directory)
 */
export async function readEscrowZip(zip: Blob, limits: ZipLimits = ESCROW_ZIP_LIMITS): Promise<EscrowZip> {
  if (zip.size > limits.zipBytes) throw new KeywardError('ZIP_TOO_LARGE', { limit: limits.zipBytes });
  const bytes = new Uint8Array(await zip.arrayBuffer());
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const unreadable = (reason: string) => new KeywardError('ZIP_UNREADABLE', { reason });
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);

  // The end record is the last 22 bytes, before a comment of at most 65,535 bytes.
  let eocd = bytes.length - 22;
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  while (eocd >= lowest && u32(eocd) !== EOCD) eocd--;
  if (eocd < lowest) throw unreadable('no end of central directory');
  const count = u16(eocd + 10);
  const directoryOffset = u32(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw unreadable('zip64 is not read');
  if (count > limits.entries) throw new KeywardError('ZIP_TOO_MANY_ENTRIES', { limit: limits.entries });

  const blobs: ZipBlobEntry[] = [];
  const skipped: string[] = [];
  const names = new Set<string>();
  const decoder = new TextDecoder();
  let total = 0;
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || u32(at) !== CENTRAL) throw unreadable(`central directory entry ${String(i)} is damaged`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const compressedSize = u32(at + 20);
    const size = u32(at + 24);
    const nameLength = u16(at + 28);
    const next = at + 46 + nameLength + u16(at + 30) + u16(at + 32);
    const localOffset = u32(at + 42);
    if (next > eocd) throw unreadable(`central directory entry ${String(i)} is damaged`);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at = next;

    if (isUnsafeName(name)) throw new KeywardError('ZIP_UNSAFE_NAME', { entry: shown(name) });
    if (names.has(name)) throw new KeywardError('ZIP_UNSAFE_NAME', { entry: `${shown(name)} twice` });
    names.add(name);
    if (name.endsWith('/')) continue;
    if (!/\.json$/i.test(name)) {
      skipped.push(name);
      continue;
    }
    if (size > limits.entryBytes || compressedSize > limits.entryBytes) {
      blobs.push({ name, error: new KeywardError('ZIP_ENTRY_TOO_LARGE') });
      continue;
    }
    total += size;
    if (total > limits.totalBytes) throw new KeywardError('ZIP_TOO_LARGE', { limit: limits.totalBytes });
    const damaged = (reason: string) => {
      blobs.push({ name, error: new KeywardError('ZIP_ENTRY_UNREADABLE', { reason }) });
    };
    if (flags & 1) {
      damaged('encrypted');
      continue;
    }
    if (method !== STORED && method !== DEFLATED) {
      damaged(`compression method ${String(method)}`);
      continue;
    }
    if (localOffset + 30 > bytes.length || u32(localOffset) !== LOCAL) {
      damaged('its local header is missing');
      continue;
    }
    const start = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (start + compressedSize > bytes.length) {
      damaged('it is cut short');
      continue;
    }
    const data = bytes.subarray(start, start + compressedSize);
    const content = method === STORED ? (compressedSize === size ? data : null) : inflateExactly(data, size);
    if (!content) {
      damaged('its size does not match what it declares');
      continue;
    }
    blobs.push({ name, text: decoder.decode(content) });
  }
  return { blobs, skipped };
}
