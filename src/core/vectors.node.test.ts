/**
 * Runs every vector of testdata/manifest.json (made by scripts/make-vectors.ts
 * with the independent node:crypto reference) through the core: whole,
 * streamed in 64 KiB pieces, and byte by byte for small files, and as a file
 * of known size (`openSource`, what the app and the CLI call). Each bad
 * vector must fail with exactly its code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Unlock, openFile, openSource } from './decrypt-file.ts';
import { type PieceSource, bytesSource } from './pieces.ts';
import { isKeywardError } from './errors.ts';
import { parseBlob } from './format/escrow-blob.ts';
import { importPrivateKey } from './keys/rsa.ts';
import { openBlob } from './recover.ts';
import { collectBytes, streamFromBytes, streamInPieces } from './streams.ts';
import { sha256, toHex } from './bytes.ts';
import { type TestVector as Vector, vectorKeys } from './test-support.ts';


const TESTDATA = join(import.meta.dirname, 'testdata');
const manifest = JSON.parse(readFileSync(join(TESTDATA, 'manifest.json'), 'utf8')) as { keys: Record<string, string>; vectors: Vector[] };
const read = (relative: string) => new Uint8Array(readFileSync(join(TESTDATA, relative)));
const text = (relative: string) => readFileSync(join(TESTDATA, relative), 'utf8');

const keyNamed = vectorKeys(manifest.keys, text);

type Delivery = (bytes: Uint8Array) => ReadableStream<Uint8Array> | PieceSource;
const deliveries: [string, Delivery][] = [
  ['as a file of known size', (bytes) => bytesSource(bytes)],
  ['whole', (bytes) => streamFromBytes(bytes, bytes.length || 1)],
  ['in 64 KiB pieces', (bytes) => streamFromBytes(bytes, 65536)],
  ['byte by byte', (bytes) => streamInPieces(bytes, [1])],
];

/** Opens a vector as the manifest says; resolves with the plaintext's facts. */
async function run(vector: Vector, deliver: Delivery) {
  const key = vector.key === 'weak-1024' ? importPrivateKey(text('keys/weak-1024.pem')) : keyNamed(vector.key);
  let unlock: Unlock;
  if (vector.kind === 'file' && (vector.open ?? 'key') === 'key') {
    unlock = { keys: [await key] };
  } else {
    const blobPath = vector.kind === 'file' ? (vector.open === 'escrow' ? vector.escrow : vector.recovery) : vector.blob;
    const blob = parseBlob(text(blobPath!));
    if (!vector.file) {
      await openBlob(blob, await key);
      return null;
    }
    unlock = { blob, key: await key };
  }
  const source = deliver(read(vector.file!));
  // A file of known size in pieces of one chunk, as the app and the CLI read one; a stream as a pipe is read.
  const opened = source instanceof ReadableStream ? await openFile(source, unlock) : await openSource(source, unlock, { pieceBytes: 1 });
  const plain = await collectBytes(opened.plaintext);
  return { sha256: toHex(await sha256(plain)), size: plain.length, meta: opened.meta, chunkSize: opened.parsed.header.chunkSize };
}

describe('test vectors (testdata/manifest.json)', () => {
  it('has good and bad vectors of every kind', () => {
    const codes = new Set(manifest.vectors.map((v) => v.expect));
    for (const code of ['success', 'NOT_KEYWARD', 'UNSUPPORTED_VERSION', 'MALFORMED', 'NO_MATCHING_KEY', 'UNWRAP_FAILED', 'HEADER_TAMPERED',
      'BLOB_TAMPERED', 'BLOB_MISMATCH', 'CHUNK_TAMPERED', 'TRUNCATED', 'TRAILING_DATA', 'SIZE_MISMATCH', 'KEY_TOO_WEAK']) {
      expect(codes, code).toContain(code);
    }
  });

  for (const vector of manifest.vectors) {
    const small = (vector.file ? read(vector.file).length : 0) < 300_000;
    const ways = deliveries.filter(([how]) => how !== 'byte by byte' || small);
    it.for(ways)(`${vector.name} (${vector.expect}), delivered %s`, async ([, deliver]) => {
      if (vector.expect === 'success') {
        const result = await run(vector, deliver);
        if (result) expect(result).toEqual({ sha256: vector.sha256, size: vector.size, meta: vector.meta, chunkSize: vector.chunkSize });
        return;
      }
      let error: unknown = null;
      try {
        await run(vector, deliver);
      } catch (caught) {
        error = caught;
      }
      if (!isKeywardError(error)) throw new Error(`${vector.name}: expected ${vector.expect}, got ${String(error)}`);
      expect(error.code, vector.description).toBe(vector.expect);
      if (vector.chunkIndex !== undefined) expect(error.details.chunkIndex).toBe(vector.chunkIndex);
      if (vector.keyIds) expect([...(error.details.keyIds ?? [])].sort()).toEqual([...vector.keyIds].sort());
    });
  }
});
