/** Web-stream helpers of the core: splitting a file into its prefix and payload, and small adapters. */
import { type Bytes, concat, concatAll } from './bytes.ts';
import { FIXED_PREFIX_LENGTH, type ParsedHeader, parseHeader, prefixLength } from './format/header.ts';

/** A stream of the given bytes, in pieces of at most `pieceSize` bytes. */
export function streamFromBytes(bytes: Uint8Array, pieceSize = 1 << 20): ReadableStream<Uint8Array> {
  return streamInPieces(bytes, [pieceSize]);
}

/** A stream of the given bytes, in pieces of the given sizes (cycling through them; at least 1 byte each). */
export function streamInPieces(bytes: Uint8Array, sizes: readonly number[]): ReadableStream<Uint8Array> {
  let offset = 0;
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      const end = Math.min(bytes.length, offset + Math.max(1, sizes[i++ % sizes.length] ?? 1));
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
    },
  });
}

/** Reads a whole stream into memory (tests and small blobs only). */
export async function collectBytes(stream: ReadableStream<Uint8Array>): Promise<Bytes> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
  }
  // Not concat(...parts): a stream of many small pieces would overflow the call stack.
  return concatAll(parts);
}

/** A file split into its checked prefix and the rest of its bytes. */
export interface SplitFile {
  parsed: ParsedHeader;
  /** The STREAM payload that follows the prefix. */
  payload: ReadableStream<Uint8Array>;
}

/**
 * Reads just the prefix of a file (magic, header, HMAC) from a stream and
 * parses it, before any chunk is touched (§3). The rest of the stream is
 * returned untouched as `payload`.
 *
 * @throws KeywardError `NOT_KEYWARD`, `UNSUPPORTED_VERSION`, `TRUNCATED`, `MALFORMED`
 */
export async function splitFile(source: ReadableStream<Uint8Array>): Promise<SplitFile> {
  const reader = source.getReader();
  let buffered: Bytes = new Uint8Array(0);
  let ended = false;
  const fill = async (wanted: number): Promise<void> => {
    const parts: Uint8Array[] = [buffered];
    let length = buffered.length;
    while (length < wanted && !ended) {
      const { done, value } = await reader.read();
      if (done) ended = true;
      else {
        parts.push(value);
        length += value.length;
      }
    }
    buffered = concat(...parts);
  };
  let parsed: ParsedHeader;
  try {
    await fill(FIXED_PREFIX_LENGTH);
    await fill(prefixLength(buffered, ended));
    parsed = parseHeader(buffered);
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  return { parsed, payload: withPrefix(buffered.subarray(parsed.prefixSize), reader) };
}

/**
 * `first`, then whatever `reader` still yields, as one pull-based stream
 * (nothing is read ahead); cancelling it cancels the reader.
 */
export function withPrefix(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = first.length > 0 ? first : null;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending) {
          controller.enqueue(pending);
          pending = null;
          return;
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}
