/**
 * A minimal reader for the zips the app offers (client-zip: stored, not
 * deflated), so that a journey checks what is really inside a zip download:
 * every entry's name and bytes, each checked against its CRC-32.
 */
import { crc32 } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/**
 * The entries of a zip, in central-directory order.
 *
 * @throws Error if the bytes are not a zip this reader understands, or an entry's CRC-32 is wrong.
 */
export function readZip(zip: Buffer): { name: string; bytes: Buffer }[] {
  // The end-of-central-directory record is the last 22 bytes, plus a comment of up to 64 KiB.
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== EOCD) eocd--;
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== CENTRAL) throw new Error(`central directory entry ${i} is damaged`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (method !== 0) throw new Error(`${name}: compression method ${method}, expected stored`);
    if (size === 0xffffffff || local === 0xffffffff) throw new Error(`${name}: zip64 is not handled here`);
    if (zip.readUInt32LE(local) !== LOCAL) throw new Error(`${name}: local header is damaged`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const bytes = zip.subarray(start, start + size);
    if (crc32(bytes) !== crc) throw new Error(`${name}: CRC-32 does not match`);
    entries.push({ name, bytes });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
