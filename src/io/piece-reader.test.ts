/** Reading a Blob into a few reused buffers: every byte once and in order, whole pieces, nothing read past what is released. */
import { readPieces } from './piece-reader.ts';

function patterned(length: number): Blob {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + (i >>> 8)) & 0xff;
  // Several parts, so that the Blob's own chunks do not line up with the pieces.
  return new Blob([bytes.subarray(0, 1000), bytes.subarray(1000, 70_000), bytes.subarray(70_000)]);
}

async function readAll(blob: Blob, pieceSize: number, byteStream: boolean): Promise<{ bytes: Uint8Array; sizes: number[] }> {
  const reader = readPieces(blob, pieceSize, 2, byteStream);
  const sizes: number[] = [];
  const out = new Uint8Array(blob.size);
  for (let at = 0; ; ) {
    const piece = await reader.next();
    if (!piece) break;
    sizes.push(piece.length);
    out.set(piece, at);
    at += piece.length;
    // Scribbled over on release: a piece handed out twice, or read into while held, would show.
    piece.fill(0xee);
    reader.release(piece);
  }
  return { bytes: out, sizes };
}

describe.for([
  ['a byte stream (BYOB)', true],
  ['a stream of chunks, copied', false],
] as const)('readPieces, reading %s', ([, byteStream]) => {
  it.for([0, 1, 4095, 4096, 4097, 3 * 4096 + 5, 200_000])('reads %i bytes in whole pieces, in order', async (size) => {
    const blob = patterned(size);
    const { bytes, sizes } = await readAll(blob, 4096, byteStream);
    expect(sizes.every((s, i) => s === 4096 || i === sizes.length - 1)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(size);
    expect(bytes).toEqual(new Uint8Array(await blob.arrayBuffer()));
  });

  it('reads ahead into the second buffer only, and waits for a release', async () => {
    const reader = readPieces(patterned(10 * 4096), 4096, 2, byteStream);
    const first = await reader.next();
    const second = await reader.next();
    expect(first?.length).toBe(4096);
    expect(second?.length).toBe(4096);
    await expect(reader.next()).rejects.toThrow(RangeError);
    reader.release(first!);
    expect((await reader.next())?.length).toBe(4096);
    await reader.cancel();
  });

  it('stops at cancel', async () => {
    const reader = readPieces(patterned(10 * 4096), 4096, 2, byteStream);
    await reader.next();
    await reader.cancel();
    expect(await reader.next()).toBeNull();
  });
});

describe('readPieces, a Blob of at most one piece', () => {
  /** A Blob whose stream must not be used: a file that fits one piece is read with one `arrayBuffer()`. */
  class NoStream extends Blob {
    override stream(): never {
      throw new Error('streamed');
    }
  }

  it.for([0, 1, 4095, 4096])('reads %i bytes with one arrayBuffer() call, never its stream', async (size) => {
    const bytes = new Uint8Array(await patterned(size).arrayBuffer());
    const reader = readPieces(new NoStream([bytes]), 4096);
    const piece = await reader.next();
    if (size === 0) expect(piece).toBeNull();
    else expect(piece).toEqual(bytes);
    expect(await reader.next()).toBeNull();
  });

  it('gives nothing after cancel', async () => {
    const reader = readPieces(new NoStream([new Uint8Array(10)]), 4096);
    await reader.cancel();
    expect(await reader.next()).toBeNull();
  });
});
