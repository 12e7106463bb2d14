/**
 * The CLI's input edge: Node files as web streams, which is what the core
 * consumes. Reads are pull-based (a read happens only when the consumer
 * asks), so memory stays flat whatever the file size. Output files are
 * `atomic-file.ts`.
 */
import { constants as fsConstants } from 'node:fs';
import { type FileHandle, lstat, open } from 'node:fs/promises';
import { KeywardError, type PieceReader, type PieceSource, readAhead } from '../core/index.ts';
import { fromFsError } from './errors.ts';

/**
 * Bytes per read (two buffers, reused). With WebCrypto per chunk, 4 MiB
 * reads were 15% faster than 1 MiB (2026-11-29); with node:crypto per chunk
 * (synchronous), 512 KiB keeps peak memory lower at no measured cost, see docs/performance.md,
 * "CLI against age".
 */
export const READ_SIZE = 512 << 10;

/** An input file, opened and checked to be a file. */
export interface InputFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** The file's bytes from the start; the handle closes when it ends, errors or is cancelled. */
  stream: () => ReadableStream<Uint8Array>;
  /**
   * The file as the core's source of known size (read with positioned reads;
   * `close` closes it), or null when it is not a regular file (a pipe, a
   * device): its size is not known, and `stream` reads it instead.
   */
  source: () => PieceSource | null;
  /** Closes the handle if `stream` was never consumed. */
  close: () => Promise<void>;
}

/**
 * Opens a file to read.
 *
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR` (a folder, no permission)
 */
export async function openInput(path: string): Promise<InputFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, fsConstants.O_RDONLY);
  } catch (error) {
    throw fromFsError(error, path, 'read');
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new KeywardError('IO_ERROR', { path, action: 'read', reason: 'it is a folder, not a file' });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await handle.close();
    };
    const source = (): PieceSource | null =>
      info.isFile() ? { size: info.size, pieces: (start, pieceSize, end) => handlePieces(handle, path, start, pieceSize, end) } : null;
    return { path, size: info.size, mtimeMs: info.mtimeMs, stream: () => handleStream(handle, path, close), source, close };
  } catch (error) {
    await handle.close();
    throw fromFsError(error, path, 'read');
  }
}

/**
 * A pull-based stream over a file handle. Written by hand rather than with
 * `Readable.toWeb`: each read happens only when the consumer asks, so a
 * slow writer holds back the reader with no hidden buffer in between.
 */
function handleStream(handle: FileHandle, path: string, close: () => Promise<void>): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const buffer = new Uint8Array(READ_SIZE);
        let bytesRead: number;
        try {
          ({ bytesRead } = await handle.read(buffer, 0, READ_SIZE, null));
        } catch (error) {
          await close().catch(() => undefined);
          throw fromFsError(error, path, 'read');
        }
        if (bytesRead === 0) {
          await close();
          controller.close();
        } else {
          controller.enqueue(buffer.subarray(0, bytesRead));
        }
      },
      cancel: () => close(),
    },
    // Two reads ahead: the disk works while the previous read is encrypted.
    { highWaterMark: 2 },
  );
}

/**
 * The bytes of `handle` from `start` to `end` (default: to the end of the
 * file, however far it grew), read into two buffers used again and again;
 * one piece is read ahead while the caller holds the other.
 */
function handlePieces(handle: FileHandle, path: string, start: number, pieceSize: number, end = Number.POSITIVE_INFINITY): PieceReader {
  let position = start;
  return readAhead(pieceSize, 2, async (buffer, stopped) => {
    const into = new Uint8Array(buffer);
    let filled = 0;
    let ended = false;
    try {
      while (filled < pieceSize && !ended && !stopped()) {
        const length = Math.min(pieceSize - filled, end - position);
        const { bytesRead } = length > 0 ? await handle.read(into, filled, length, position) : { bytesRead: 0 };
        if (bytesRead === 0) ended = true;
        filled += bytesRead;
        position += bytesRead;
      }
    } catch (error) {
      throw fromFsError(error, path, 'read');
    }
    return into.subarray(0, filled);
  });
}

/**
 * Reads a small file (a key, a blob) whole, as bytes.
 *
 * @param tooLarge - the error for a file over `maxBytes`; nothing past that is read
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`; or `tooLarge()`
 */
export async function readSmallBytes(path: string, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array<ArrayBuffer>> {
  const input = await openInput(path);
  if (input.size > maxBytes) {
    await input.close();
    throw tooLarge();
  }
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = input.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.length;
    // The file grew after the size check (a device, a pipe): still refuse to read without end.
    if (length > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
  }
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Reads a small text file (a key, a blob) whole.
 *
 * @throws as {@link readSmallBytes}
 */
export async function readSmallText(path: string, maxBytes: number, tooLarge: () => Error): Promise<string> {
  return Buffer.from(await readSmallBytes(path, maxBytes, tooLarge)).toString('utf8');
}

/** True if anything (a file, a folder, even a dangling link) is at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') return false;
    throw fromFsError(error, path, 'write');
  }
}

/**
 * The first bytes of a file (fewer if it is shorter), to tell formats apart.
 *
 * @throws KeywardError `FILE_NOT_FOUND`, `IO_ERROR`
 */
export async function readStart(path: string, length: number): Promise<Uint8Array> {
  const input = await openInput(path);
  const reader = input.stream().getReader();
  try {
    const { done, value } = await reader.read();
    return done ? new Uint8Array(0) : value.subarray(0, length);
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
