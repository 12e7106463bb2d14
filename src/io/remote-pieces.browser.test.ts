/**
 * A file read by the real reader Worker, in Chromium: every byte once and in
 * order, in whole pieces; buffers go back and forth; a cancel stops it and
 * leaves the Worker able to serve the next file; and if the Worker cannot
 * start, the file is read on this thread instead.
 */
import { remotePieces } from './remote-pieces.ts';
import type { PieceReader } from './piece-reader.ts';

const PIECE = 1 << 20;

function patterned(length: number): Blob {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 12)) & 0xff;
  return new Blob([bytes.subarray(0, 5000), bytes.subarray(5000)]);
}

/** SHA-256 of some bytes, to compare megabytes at once (a deep equal of each byte is slow here). */
const digest = async (data: Blob | Uint8Array) =>
  new Uint8Array(await crypto.subtle.digest('SHA-256', data instanceof Blob ? await data.arrayBuffer() : (data as Uint8Array<ArrayBuffer>))).join(',');

const readerWorker = () => new Worker(new URL('./reader.worker.ts', import.meta.url), { type: 'module' });

async function readAll(reader: PieceReader, size: number): Promise<{ bytes: Uint8Array; sizes: number[]; buffers: Set<ArrayBuffer> }> {
  const out = new Uint8Array(size);
  const sizes: number[] = [];
  const buffers = new Set<ArrayBuffer>();
  for (let at = 0; ; ) {
    const piece = await reader.next();
    if (!piece) break;
    sizes.push(piece.length);
    buffers.add(piece.buffer);
    out.set(piece, at);
    at += piece.length;
    reader.release(piece);
  }
  return { bytes: out, sizes, buffers };
}

let worker: Worker;
beforeAll(() => {
  worker = readerWorker();
});
afterAll(() => {
  worker.terminate();
});

describe('remotePieces', () => {
  it('reads a file of several pieces in whole pieces, in order, through buffers handed back and forth', async () => {
    const size = 9 * PIECE + 12_345;
    const blob = patterned(size);
    const { bytes, sizes, buffers } = await readAll(remotePieces(blob, PIECE, worker), size);
    expect(sizes).toEqual([...Array<number>(9).fill(PIECE), 12_345]);
    expect(await digest(bytes)).toBe(await digest(blob));
    // Each piece arrived in a buffer of the reader's, transferred (the sender's copy is detached on release).
    for (const buffer of buffers) expect(buffer.byteLength).toBe(0);
  });

  it('holds back pieces the caller has not released: at most `ahead` at once', async () => {
    const reader = remotePieces(patterned(8 * PIECE), PIECE, worker, 2);
    const first = await reader.next();
    const second = await reader.next();
    const third = reader.next();
    const late = await Promise.race([third.then(() => 'third came'), new Promise((resolve) => {
        setTimeout(() => {
          resolve('held back');
        }, 300);
      })]);
    expect(late).toBe('held back');
    reader.release(first!);
    expect((await third)?.length).toBe(PIECE);
    reader.release(second!);
    await reader.cancel();
  });

  it('stops at cancel, and the Worker reads the next file', async () => {
    const reader = remotePieces(patterned(8 * PIECE), PIECE, worker);
    await reader.next();
    await reader.cancel();
    expect(await reader.next()).toBeNull();

    const blob = patterned(3 * PIECE + 1);
    const { bytes } = await readAll(remotePieces(blob, PIECE, worker), blob.size);
    expect(await digest(bytes)).toBe(await digest(blob));
  });

  it('reads the file on this thread when the reader Worker fails to start', async () => {
    const script = URL.createObjectURL(new Blob(['throw new Error("no reader here")'], { type: 'text/javascript' }));
    const broken = new Worker(script);
    try {
      const size = 4 * PIECE + 7;
      const blob = patterned(size);
      const { bytes, sizes } = await readAll(remotePieces(blob, PIECE, broken), size);
      expect(sizes).toEqual([PIECE, PIECE, PIECE, PIECE, 7]);
      expect(await digest(bytes)).toBe(await digest(blob));
    } finally {
      broken.terminate();
      URL.revokeObjectURL(script);
    }
  });
});
