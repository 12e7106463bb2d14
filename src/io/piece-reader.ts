/**
 * A File read piece by piece into a few buffers that are used again and
 * again, the next piece read while the current one is encrypted.
 *
 * Measured in a Chromium Worker on these machines (npm run bench): reading a
 * disk-backed File with a BYOB reader into one reused 8 MiB buffer ran at
 * 830-900 MB/s with almost no CPU, against about 200 MB/s for `File.stream()`'s
 * own chunks and 150 MB/s for 8 MiB `slice().arrayBuffer()` calls; what those
 * pay for is fresh memory, and fresh memory is also what slows AES-GCM there.
 * Where a Blob's stream is not a byte stream, its chunks are copied into the
 * buffers instead.
 */

import { readAhead } from '../core/index.ts';

/** Bytes per piece: Chromium reads large pieces fastest, and 8 MiB keeps two of them cheap. */
export const PIECE_BYTES = 8 * 1024 * 1024;

export interface PieceReader {
  /**
   * The next piece: exactly `pieceSize` bytes, fewer only at the end; `null`
   * after the end. Its bytes stay as they are until it is released.
   */
  next(): Promise<Uint8Array<ArrayBuffer> | null>;
  /** Hands a piece's buffer back, to be filled again. */
  release(piece: Uint8Array<ArrayBuffer>): void;
  /** Stops reading. */
  cancel(): Promise<void>;
}

/**
 * Reads `blob` into at most `buffers` buffers of `pieceSize` bytes; one
 * piece is read ahead while the caller holds another.
 *
 * @param byteStream - false to read the Blob's own chunks and copy them (what
 *   happens where `getReader({ mode: 'byob' })` is not supported)
 */
export function readPieces(blob: Blob, pieceSize = PIECE_BYTES, buffers = 2, byteStream = true): PieceReader {
  if (blob.size <= pieceSize) return wholeBlob(blob);
  const stream = blob.stream();
  let byob: ReadableStreamBYOBReader | null = null;
  if (byteStream) {
    try {
      byob = stream.getReader({ mode: 'byob' });
    } catch {
      // Not a byte stream here: copy its chunks.
    }
  }
  const chunks = byob ? null : stream.getReader();
  let leftover: Uint8Array | null = null;

  /** Copies what the Blob's own reader gives into `into`; the rest waits in `leftover`. */
  const copyChunks = async (into: Uint8Array): Promise<number> => {
    if (!leftover || leftover.length === 0) {
      const { done, value } = await chunks!.read();
      if (done) return -1;
      leftover = value;
    }
    const n = Math.min(into.length, leftover.length);
    into.set(leftover.subarray(0, n));
    leftover = leftover.subarray(n);
    return n;
  };

  const fill = async (start: ArrayBuffer, stopped: () => boolean): Promise<Uint8Array<ArrayBuffer> | null> => {
    let buffer = start;
    let filled = 0;
    let ended = false;
    while (filled < pieceSize && !ended && !stopped()) {
      if (byob) {
        const result = await byob.read(new Uint8Array(buffer, filled, pieceSize - filled));
        // A BYOB read hands the same memory back under a new ArrayBuffer; a cancelled one keeps it.
        const view: Uint8Array<ArrayBuffer> | undefined = result.value;
        if (!view) return null;
        buffer = view.buffer;
        if (result.done) ended = true;
        else filled += view.byteLength;
      } else {
        const n = await copyChunks(new Uint8Array(buffer, filled, pieceSize - filled));
        if (n < 0) ended = true;
        else filled += n;
      }
    }
    return new Uint8Array(buffer, 0, filled);
  };

  return readAhead(pieceSize, buffers, fill, () => (byob ?? chunks)!.cancel());
}

/**
 * A Blob of at most one piece, read in one `arrayBuffer()` call.
 *
 * Seen in Chromium 156 here with both cores busy (`vectors-in-worker.browser.test.ts`
 * under load, 2026-12-07): a BYOB read of a Blob of a few KiB into an 8 MiB
 * view sometimes never settled (with two busy loops beside it, in 4 runs of 6
 * one or two files of the 470 hung for the test's whole 120 s while the Worker
 * itself still answered; after this change, none in 3 runs). A file that fits
 * one piece gains nothing from a stream.
 */
function wholeBlob(blob: Blob): PieceReader {
  let read = false;
  return {
    async next() {
      if (read) return null;
      read = true;
      const bytes = new Uint8Array(await blob.arrayBuffer());
      return bytes.length > 0 ? bytes : null;
    },
    release() {},
    cancel() {
      read = true;
      return Promise.resolve();
    },
  };
}
