/** readAhead: the reused buffers under the CLI's file reader and the app's Blob reader. */
import { type FillPiece, readAhead } from './pieces.ts';
import { patternBytes } from './test-support.ts';

/** A fill over bytes in memory that records which buffers it was given and can be held at a gate. */
function memoryFill(bytes: Uint8Array) {
  let position = 0;
  const buffers: ArrayBuffer[] = [];
  let gate: Promise<void> | null = null;
  const fill: FillPiece = async (buffer, stopped) => {
    buffers.push(buffer);
    if (gate) await gate;
    const into = new Uint8Array(buffer);
    let filled = 0;
    while (filled < into.length && position < bytes.length && !stopped()) {
      const n = Math.min(into.length - filled, 3, bytes.length - position);
      into.set(bytes.subarray(position, position + n), filled);
      filled += n;
      position += n;
    }
    return into.subarray(0, filled);
  };
  return {
    fill,
    buffers,
    hold() {
      let open!: () => void;
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        gate = null;
        open();
      };
    },
  };
}

describe('readAhead', () => {
  it('gives every byte once, in whole pieces but the last, in at most `buffers` buffers used again', async () => {
    const bytes = patternBytes(100);
    const source = memoryFill(bytes);
    const reader = readAhead(16, 2, source.fill);
    const out: number[] = [];
    const sizes: number[] = [];
    for (let piece = await reader.next(); piece; piece = await reader.next()) {
      sizes.push(piece.length);
      out.push(...piece);
      piece.fill(0xee);
      reader.release(piece);
    }
    expect(Uint8Array.from(out)).toEqual(bytes);
    expect(sizes).toEqual([16, 16, 16, 16, 16, 16, 4]);
    expect(new Set(source.buffers).size).toBe(2);
    expect(await reader.next()).toBeNull();
  });

  it('reads no further while every buffer is held', async () => {
    const reader = readAhead(8, 2, memoryFill(patternBytes(64)).fill);
    const first = await reader.next();
    const second = await reader.next();
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    await expect(reader.next()).rejects.toThrow(RangeError);
    reader.release(first!);
    expect(await reader.next()).toHaveLength(8);
  });

  it('after cancel gives nothing, not even a piece already read ahead, and stops the reads underneath', async () => {
    const source = memoryFill(patternBytes(64));
    let stops = 0;
    const reader = readAhead(8, 2, source.fill, () => {
      stops++;
      return Promise.resolve();
    });
    expect(await reader.next()).toHaveLength(8);
    // This fill reads at once (no await before its loop): the second piece is already read ahead.
    expect(source.buffers).toHaveLength(2);
    await reader.cancel();
    expect(stops).toBe(1);
    expect(await reader.next()).toBeNull();
  });

  it('stops a piece being read at cancel', async () => {
    const source = memoryFill(patternBytes(64));
    const reader = readAhead(8, 2, source.fill);
    const open = source.hold();
    const pending = reader.next();
    const cancelled = reader.cancel();
    open();
    await cancelled;
    expect(await pending).toBeNull();
    expect(await reader.next()).toBeNull();
  });

  it('ends when a read comes back without its buffer (a cancelled BYOB read keeps it)', async () => {
    let calls = 0;
    const reader = readAhead(4, 1, (buffer) => {
      calls++;
      return Promise.resolve(calls === 1 ? null : new Uint8Array(buffer, 0, 4));
    });
    expect(await reader.next()).toBeNull();
    expect(await reader.next()).toBeNull();
    expect(calls).toBe(1);
  });
});
