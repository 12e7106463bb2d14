/**
 * AtomicFile in-process: bytes of any size land in order, a view writes only
 * its own bytes, and nothing is under the real name before commit.
 */
import { randomFillSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AtomicFile } from './atomic-file.ts';
import { makeTempDir } from './test-support.ts';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('atomic-file');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('AtomicFile', () => {
  it('writes pieces of any size in order and shows the file only on commit', async () => {
    const sizes = [0, 7, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, 262_160, 3 * (1 << 20) + 5, 1];
    const pieces = sizes.map((size) => randomFillSync(new Uint8Array(size)));
    const copies = pieces.map((piece) => piece.slice());
    const path = join(dir, 'out.bin');
    const file = await AtomicFile.create(path, { force: false });
    // A view into a larger buffer: only its own bytes are written.
    const framed = randomFillSync(new Uint8Array(100));
    file.write(framed.subarray(10, 20));
    for (const piece of pieces) file.write(piece);
    expect(existsSync(path)).toBe(false);
    await file.commit();

    expect(Buffer.compare(readFileSync(path), Buffer.concat([framed.subarray(10, 20), ...copies]))).toBe(0);
    // The caller's bytes are read, never changed.
    pieces.forEach((piece, i) => {
      expect(Buffer.compare(piece, copies[i]!)).toBe(0);
    });
  });
});
