import { downloadZip } from 'client-zip';
import { zipSync } from 'fflate';
import { isKeywardError } from '../core/index.ts';
import { ESCROW_ZIP_LIMITS, type ZipBlobEntry, type ZipLimits, readEscrowZip } from './escrow-zip.ts';

const text = (value: string) => new TextEncoder().encode(value);
const blobJson = (serial: string) => JSON.stringify({ format: 'keyward-escrow/1', serial, description: 'x'.repeat(200) });

/** A zip as the owner's register export makes it (client-zip: stored entries, data descriptors). */
async function registerZip(entries: Record<string, string>): Promise<Uint8Array> {
  const files = Object.entries(entries).map(([name, value]) => ({ name, input: value, lastModified: new Date(0) }));
  return new Uint8Array(await downloadZip(files).arrayBuffer());
}

/** A zip with deflated entries, as `zip` or a file manager makes one. */
const deflatedZip = (entries: Record<string, Uint8Array>) => zipSync(entries, { level: 6, mtime: new Date(2026, 0, 1) });

/** Where each central-directory entry starts. */
function centralEntries(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = zip.length - 22;
  while (view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  const offsets: number[] = [];
  let at = view.getUint32(eocd + 16, true);
  for (let i = 0; i < view.getUint16(eocd + 10, true); i++) {
    offsets.push(at);
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return offsets;
}

/** The same bytes with every occurrence of one name replaced by another of the same length (local and central). */
function renamed(zip: Uint8Array, from: string, to: string): Uint8Array {
  const out = zip.slice();
  const a = text(from);
  const b = text(to);
  for (let i = 0; i + a.length <= out.length; i++) {
    if (a.every((byte, j) => out[i + j] === byte)) out.set(b, i);
  }
  return out;
}

async function refused(zip: Uint8Array, limits?: ZipLimits): Promise<string> {
  try {
    await readEscrowZip(asBlob(zip), limits);
  } catch (error) {
    if (isKeywardError(error)) return error.code;
    throw error;
  }
  throw new Error('the zip was read');
}

/** A copy in a plain ArrayBuffer, as a dropped file. */
const asBlob = (bytes: Uint8Array) => new Blob([bytes.slice()]);

const codeOf = (entry: ZipBlobEntry | undefined) => (entry && 'error' in entry ? entry.error.code : undefined);

describe('readEscrowZip', () => {
  it('reads every escrow blob of the register export and skips its CSV index', async () => {
    const zip = await registerZip({
      'register.csv': 'serial,file\r\n',
      'KW-AAAA-AAAA-AAAA-AAAA.keyward-escrow.json': blobJson('KW-AAAA-AAAA-AAAA-AAAA'),
      'KW-BBBB-BBBB-BBBB-BBBB.keyward-escrow.json': blobJson('KW-BBBB-BBBB-BBBB-BBBB'),
    });
    const read = await readEscrowZip(asBlob(zip));
    expect(read.skipped).toEqual(['register.csv']);
    expect(read.blobs).toEqual([
      { name: 'KW-AAAA-AAAA-AAAA-AAAA.keyward-escrow.json', text: blobJson('KW-AAAA-AAAA-AAAA-AAAA') },
      { name: 'KW-BBBB-BBBB-BBBB-BBBB.keyward-escrow.json', text: blobJson('KW-BBBB-BBBB-BBBB-BBBB') },
    ]);
  });

  it('reads deflated blobs in folders, and ignores folders and files that are not .json', async () => {
    const zip = deflatedZip({ 'blobs/a.keyward-escrow.json': text(blobJson('A')), 'blobs/notes.txt': text('hello'), 'photo.jpg': new Uint8Array(10) });
    const read = await readEscrowZip(asBlob(zip));
    expect(read.blobs).toEqual([{ name: 'blobs/a.keyward-escrow.json', text: blobJson('A') }]);
    expect(read.skipped).toEqual(['blobs/notes.txt', 'photo.jpg']);
  });

  it('says a file that is not a zip, or a cut one, cannot be read', async () => {
    expect(await refused(text('{"format":"keyward-escrow/1"}'))).toBe('ZIP_UNREADABLE');
    const zip = await registerZip({ 'a.json': blobJson('A') });
    expect(await refused(zip.subarray(0, zip.length - 30))).toBe('ZIP_UNREADABLE');
  });

  it('refuses a zip with too many entries before reading any', async () => {
    const entries = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`${String(i)}.json`, text('{}')]));
    expect(await refused(deflatedZip(entries), { ...ESCROW_ZIP_LIMITS, entries: 4 })).toBe('ZIP_TOO_MANY_ENTRIES');
    expect((await readEscrowZip(asBlob(deflatedZip(entries)), { ...ESCROW_ZIP_LIMITS, entries: 5 })).blobs).toHaveLength(5);
  });

  it('refuses a zip that is too large, or whose blobs together are', async () => {
    const zip = await registerZip({ 'a.json': blobJson('A'), 'b.json': blobJson('B') });
    expect(await refused(zip, { ...ESCROW_ZIP_LIMITS, zipBytes: zip.length - 1 })).toBe('ZIP_TOO_LARGE');
    expect(await refused(zip, { ...ESCROW_ZIP_LIMITS, totalBytes: blobJson('A').length * 2 - 1 })).toBe('ZIP_TOO_LARGE');
    expect((await readEscrowZip(asBlob(zip), { ...ESCROW_ZIP_LIMITS, totalBytes: blobJson('A').length * 2 })).blobs).toHaveLength(2);
  });

  it('does not inflate a bomb: an entry too large is refused unread, and the others are read', async () => {
    // 20 MB of zeros deflate to about 20 KB, well within every limit but the one entry's.
    const zip = deflatedZip({ 'bomb.json': new Uint8Array(20_000_000), 'good.json': text(blobJson('G')) });
    const read = await readEscrowZip(asBlob(zip));
    expect(codeOf(read.blobs[0])).toBe('ZIP_ENTRY_TOO_LARGE');
    expect(read.blobs[1]).toEqual({ name: 'good.json', text: blobJson('G') });
  });

  it('stops an entry that inflates past the size it declares', async () => {
    const zip = deflatedZip({ 'liar.json': new Uint8Array(20_000_000), 'good.json': text(blobJson('G')) });
    const view = new DataView(zip.buffer);
    // The central directory claims 1,000 bytes (within every limit); the data inflates to 20 MB.
    view.setUint32(centralEntries(zip)[0]! + 24, 1000, true);
    const read = await readEscrowZip(asBlob(zip));
    expect(codeOf(read.blobs[0])).toBe('ZIP_ENTRY_UNREADABLE');
    expect(read.blobs[1]).toEqual({ name: 'good.json', text: blobJson('G') });
  });

  it('returns an entry it cannot read with its error, and reads the others', async () => {
    const zip = deflatedZip({ 'odd.json': text(blobJson('O')), 'good.json': text(blobJson('G')) });
    // Compression method 12 (bzip2), which is not read.
    new DataView(zip.buffer).setUint16(centralEntries(zip)[0]! + 10, 12, true);
    const read = await readEscrowZip(asBlob(zip));
    expect(codeOf(read.blobs[0])).toBe('ZIP_ENTRY_UNREADABLE');
    expect(read.blobs[1]).toEqual({ name: 'good.json', text: blobJson('G') });
  });

  it.each([
    ['../up.json', 'parent folder'],
    ['a/../../up.json', 'parent folder inside'],
    ['/etc/abs.json', 'absolute path'],
    ['a\\..\\b.json', 'backslashes'],
    ['C:/win.json', 'a drive'],
    ['evil\u202enosj.json', 'a bidi override'],
    ['nul\u0000.json', 'a control character'],
  ])('refuses a zip with an entry named %j (%s)', async (name) => {
    const zip = deflatedZip({ 'good.json': text(blobJson('G')), [name]: text(blobJson('E')) });
    expect(await refused(zip)).toBe('ZIP_UNSAFE_NAME');
  });

  it('refuses a zip with two entries of one name', async () => {
    const zip = renamed(deflatedZip({ 'a.json': text(blobJson('A')), 'b.json': text(blobJson('B')) }), 'b.json', 'a.json');
    expect(await refused(zip)).toBe('ZIP_UNSAFE_NAME');
  });
});
