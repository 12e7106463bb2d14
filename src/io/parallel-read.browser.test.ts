/** Reading a large File on another Worker: every byte in order, short files on this thread, a cancel stops the reader. */
import { SLICE_BYTES, readInParallel } from './parallel-read.ts';

function randomFile(length: number): File {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65_536) crypto.getRandomValues(bytes.subarray(at, at + 65_536));
  return new File([bytes], 'data.bin');
}

async function digest(stream: ReadableStream<Uint8Array>): Promise<{ sha: string; pieces: number[] }> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value as Uint8Array<ArrayBuffer>);
  }
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  return { sha: new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)).join(','), pieces: parts.map((p) => p.length) };
}

describe('readInParallel', () => {
  it('delivers a large file in 8 MiB slices, every byte in order', async () => {
    const file = randomFile(2 * SLICE_BYTES + 12_345);
    const read = await digest(readInParallel(file));
    expect(read.pieces).toEqual([SLICE_BYTES, SLICE_BYTES, 12_345]);
    expect(read.sha).toBe((await digest(file.stream())).sha);
  });

  it('reads a small file on this thread, and stops the reader when cancelled', async () => {
    const small = randomFile(100_000);
    expect((await digest(readInParallel(small))).sha).toBe((await digest(small.stream())).sha);

    const large = readInParallel(randomFile(4 * SLICE_BYTES));
    const reader = large.getReader();
    expect((await reader.read()).value?.length).toBe(SLICE_BYTES);
    await reader.cancel();
    // The reader Worker is free for the next file.
    const next = randomFile(SLICE_BYTES + 1);
    expect((await digest(readInParallel(next))).pieces).toEqual([SLICE_BYTES, 1]);
  });

  it('reads the rest on this thread when the reader Worker fails halfway, without losing or repeating a byte', async () => {
    const file = randomFile(3 * SLICE_BYTES + 7);
    const worker = new Worker(new URL('./file-reader.worker.ts', import.meta.url), { type: 'module' });
    const stream = readInParallel(file, worker);
    const reader = stream.getReader();
    const first = await reader.read();
    expect(first.value?.length).toBe(SLICE_BYTES);
    worker.dispatchEvent(new Event('error'));
    worker.terminate();
    const rest: Uint8Array<ArrayBuffer>[] = [first.value as Uint8Array<ArrayBuffer>];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest.push(value as Uint8Array<ArrayBuffer>);
    }
    const whole = new Uint8Array(await new Blob(rest).arrayBuffer());
    const expected = new Uint8Array(await file.arrayBuffer());
    expect(whole.length).toBe(expected.length);
    expect(whole.every((byte, i) => byte === expected[i])).toBe(true);
  });
});
