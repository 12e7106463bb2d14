/**
 * A file of known size read in pieces into reused buffers, and the STREAM
 * engine run over it. The app (a `File`, read in a Worker) and the CLI (a
 * file handle) each implement `PieceSource`; everything about the format
 * (where the payload starts, how large a piece of whole chunks is, which
 * chunk is the last) is decided here in the core.
 */
import { type Bytes, concat } from './bytes.ts';
import { KeywardError } from './errors.ts';
import type { PieceCipher } from './format/stream.ts';

/** Bytes per piece unless the caller asks otherwise (the app's reader measured fastest at 8 MiB). */
export const DEFAULT_PIECE_BYTES = 8 * 1024 * 1024;

export interface PieceReader {
  /**
   * The next piece: exactly the piece size asked for, fewer only at the end;
   * `null` after the end. Its bytes stay as they are until it is released.
   */
  next(): Promise<Uint8Array | null>;
  /** Hands a piece's buffer back, to be filled again. */
  release(piece: Uint8Array): void;
  /** Stops reading. */
  cancel(): Promise<void>;
}

/** A file whose size is known before it is read. */
export interface PieceSource {
  /** The size in bytes (a source that then delivers more or fewer fails). */
  readonly size: number;
  /**
   * The bytes from `start` to `end` (default: the end of the file), in
   * pieces of `pieceSize` bytes (fewer only in the last).
   */
  pieces(start: number, pieceSize: number, end?: number): PieceReader;
}

/**
 * Reads one piece into a buffer of `pieceSize` bytes, stopping early once
 * `stopped()` (the reader was cancelled). Resolves to the bytes read: a view
 * from the start of `buffer`, or of the buffer a transferring (BYOB) read
 * handed back; all `pieceSize` bytes but at the end, and none (an empty view
 * of the buffer, which is used again) after it. Resolves to null when a
 * cancelled read kept the buffer.
 */
export type FillPiece = (buffer: ArrayBuffer, stopped: () => boolean) => Promise<Uint8Array<ArrayBuffer> | null>;

/**
 * A `PieceReader` over `fill`, into at most `buffers` buffers of `pieceSize`
 * bytes used again and again: one piece is read ahead while the caller holds
 * another. `stop` ends the reads underneath on `cancel`.
 */
export function readAhead(
  pieceSize: number,
  buffers: number,
  fill: FillPiece,
  stop: () => Promise<void> = () => Promise.resolve(),
): PieceReader & { next(): Promise<Uint8Array<ArrayBuffer> | null> } {
  const free: ArrayBuffer[] = [];
  let made = 0;
  let ended = false;
  let cancelled = false;
  let reading: Promise<Uint8Array<ArrayBuffer> | null> | null = null;
  const stopped = () => ended;

  const fillNext = async (buffer: ArrayBuffer): Promise<Uint8Array<ArrayBuffer> | null> => {
    const piece = await fill(buffer, stopped);
    if (!piece || piece.length < pieceSize) ended = true;
    if (!piece) {
      made--;
      return null;
    }
    if (piece.length === 0) {
      free.push(piece.buffer);
      return null;
    }
    return piece;
  };

  const readNext = () => {
    if (reading || ended) return;
    const buffer = free.pop() ?? (made < buffers ? (made++, new ArrayBuffer(pieceSize)) : null);
    if (!buffer) return;
    reading = fillNext(buffer);
    // A failure surfaces from the next `next()`.
    reading.catch(() => undefined);
  };

  return {
    async next() {
      if (cancelled) return null;
      readNext();
      if (!reading) {
        if (ended) return null;
        throw new RangeError('every buffer is held: release a piece before reading the next');
      }
      const piece = await reading;
      reading = null;
      readNext();
      return piece;
    },
    release(piece) {
      free.push(piece.buffer as ArrayBuffer);
      readNext();
    },
    async cancel() {
      ended = true;
      cancelled = true;
      await stop().catch(() => undefined);
      await reading?.catch(() => undefined);
    },
  };
}

/** Pieces of bytes already in memory: views, nothing copied. */
export function bytesReader(bytes: Uint8Array, pieceSize: number): PieceReader {
  let offset = 0;
  return {
    next() {
      if (offset >= bytes.length) return Promise.resolve(null);
      const piece = bytes.subarray(offset, offset + pieceSize);
      offset += piece.length;
      return Promise.resolve(piece);
    },
    release() {},
    cancel() {
      offset = bytes.length;
      return Promise.resolve();
    },
  };
}

/**
 * A stream's chunks as pieces, whatever their sizes (a pipe, whose size is
 * not known up front): the piece cipher copies what straddles them.
 */
export function streamReader(stream: ReadableStream<Uint8Array>): PieceReader {
  const reader = stream.getReader();
  return {
    async next() {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return null;
        if (value.length > 0) return value;
      }
    },
    release() {},
    cancel: () => reader.cancel().catch(() => undefined),
  };
}

/**
 * A reader that holds back the last `length` bytes of what `inner` yields
 * (a v2 file's signature, when the file is a pipe of unknown size): they
 * are `trailer()` once `next()` has returned null. Pieces are copied, so
 * `inner` may reuse its buffers.
 *
 * @throws (from `next`) KeywardError `TRUNCATED` when `inner` ends with fewer than `length` bytes in all
 */
export function holdBack(inner: PieceReader, length: number): { reader: PieceReader; trailer: () => Bytes } {
  let tail: Bytes = new Uint8Array(0);
  let ended = false;
  const reader: PieceReader = {
    async next() {
      for (;;) {
        const piece = await inner.next();
        if (!piece) {
          ended = true;
          if (tail.length < length) throw new KeywardError('TRUNCATED', { reason: 'the file ends before its signature' });
          return null;
        }
        const all = concat(tail, piece);
        inner.release(piece);
        if (all.length <= length) {
          tail = all;
          continue;
        }
        tail = all.slice(all.length - length);
        return all.subarray(0, all.length - length);
      }
    },
    release() {},
    cancel: () => inner.cancel(),
  };
  return {
    reader,
    trailer() {
      if (!ended) throw new RangeError('the trailer is known once the reader has ended');
      return tail;
    },
  };
}

/** Bytes in memory as a source (tests, and inputs already read whole). */
export function bytesSource(bytes: Uint8Array): PieceSource {
  return { size: bytes.length, pieces: (start, pieceSize, end) => bytesReader(bytes.subarray(start, end), pieceSize) };
}

/** What a caller may tune and watch while a file is sealed or opened. */
export interface PieceHooks {
  /** Bytes per piece asked of the source, rounded down to whole chunks (default 8 MiB). */
  pieceBytes?: number;
  /**
   * Called before each piece is read, with the input bytes handled so far and
   * the input's size. What it throws (a cancel) fails the output; what it
   * returns is awaited (a Worker yields to its message queue here).
   */
  beforePiece?: (done: number, total: number) => void | Promise<void>;
}

/**
 * The output of `cipher` over the pieces of `reader`, as a pull-based stream:
 * `prefix` first, then each piece's chunks once they are sealed or opened.
 * A piece's buffer goes back to the reader as soon as the cipher is done
 * with it. The stream errors at the first failure, and cancelling it stops
 * the reader.
 */
export function cipherStream(
  reader: PieceReader,
  cipher: PieceCipher,
  progress: { before: number; total: number },
  hooks: PieceHooks = {},
  prefix?: Bytes,
  /** Called when the stream is cancelled. */
  onCancel?: (reason: unknown) => void,
): ReadableStream<Uint8Array> {
  let done = progress.before;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (prefix) controller.enqueue(prefix);
      },
      async pull(controller) {
        try {
          // A pull that enqueued nothing would not be called again: go on until a chunk is out.
          for (let out: Uint8Array[] = []; out.length === 0; ) {
            await hooks.beforePiece?.(done, progress.total);
            const piece = await reader.next();
            if (!piece) {
              for (const chunk of await cipher.finish()) controller.enqueue(chunk);
              controller.close();
              return;
            }
            done += piece.length;
            try {
              out = await cipher.push(piece);
            } finally {
              reader.release(piece);
            }
            for (const chunk of out) controller.enqueue(chunk);
          }
        } catch (error) {
          await reader.cancel();
          throw error;
        }
      },
      cancel: (reason) => {
        onCancel?.(reason);
        return reader.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}
