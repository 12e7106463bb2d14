import { StagingBuffer } from './staging-buffer.ts';

describe('StagingBuffer', () => {
  it('copies bytes into one reused buffer, in parts of at most its part size', () => {
    const staging = new StagingBuffer(8);
    const source = Uint8Array.from({ length: 30 }, (_, i) => i);
    const seen: number[][] = [];
    const buffers = new Set<ArrayBufferLike>();
    for (const part of staging.parts(source.subarray(3, 23))) {
      seen.push([...part]);
      buffers.add(part.buffer);
    }
    expect(seen.map((part) => part.length)).toEqual([8, 8, 4]);
    expect(seen.flat()).toEqual([...source.subarray(3, 23)]);
    // The next write reuses the same memory; the caller's bytes are never changed.
    for (const part of staging.parts(new Uint8Array(5).fill(9))) buffers.add(part.buffer);
    expect(buffers.size).toBe(1);
    expect([...source]).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect([...staging.parts(new Uint8Array(0))]).toEqual([]);
  });
});
