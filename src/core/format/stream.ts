/**
 * Keyward v1 §4: the payload, a STREAM of AES-256-GCM chunks, as a pair of
 * web `TransformStream` factories. Each holds back one chunk so that it knows
 * whether a chunk is the last one before sealing or opening it.
 *
 * A chunk that lies whole inside an incoming piece is held as a view of that
 * piece, not copied: measured in a Chromium Worker, allocating a fresh 256 KiB
 * buffer per chunk halved AES-GCM throughput (garbage collection of external
 * memory). Pieces handed to a stream belong to it and are not changed after.
 */
import type { Bytes } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { NONCE_LENGTH, TAG_LENGTH } from './constants.ts';
import { isValidChunkSize } from './header.ts';

const FLAG_LAST = 0x01;
const FLAG_MORE = 0x00;

/**
 * Chunks sealed or opened at once. WebCrypto in Node runs calls on a thread
 * pool (several in flight are faster); in Chromium they run one after another
 * on the calling thread and a small queue costs nothing.
 */
const DEFAULT_DEPTH = 4;

/** `nonce_i = u88be(i) || flag` (§4). */
export function chunkNonce(index: number, last: boolean): Bytes {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError('chunk index out of range');
  const nonce = new Uint8Array(NONCE_LENGTH);
  const view = new DataView(nonce.buffer);
  view.setUint32(3, Math.floor(index / 0x1_0000_0000), false);
  view.setUint32(7, index >>> 0, false);
  nonce[11] = last ? FLAG_LAST : FLAG_MORE;
  return nonce;
}

/** Payload bytes of a plaintext of `size` bytes: one tag per chunk, and one empty chunk for an empty file. */
export function ciphertextSize(size: number, chunkSize: number): number {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  return size + chunks * TAG_LENGTH;
}

/**
 * Plaintext bytes of a payload of `payloadSize` bytes, or `null` if no valid
 * payload has that length.
 */
export function plaintextSize(payloadSize: number, chunkSize: number): number | null {
  const full = chunkSize + TAG_LENGTH;
  const chunks = Math.max(1, Math.ceil(payloadSize / full));
  const size = payloadSize - chunks * TAG_LENGTH;
  if (size < 0 || (size === 0 && chunks > 1)) return null;
  const rest = payloadSize % full;
  if (rest !== 0 && rest < TAG_LENGTH + (chunks > 1 ? 1 : 0)) return null;
  return size;
}

export interface StreamOptions {
  /** Plaintext size the stream must end at (the metadata `size`); checked at the end. */
  expectedSize?: number;
  /** Chunks in flight at once (default 4). */
  depth?: number;
}

/**
 * An in-order queue of pending chunk results, at most `depth` long. Results
 * leave strictly in order, so nothing after a failed chunk is ever released.
 */
class OrderedQueue {
  private readonly pending: Promise<Bytes>[] = [];
  constructor(private readonly depth: number) {}

  async push(work: Promise<Bytes>, controller: TransformStreamDefaultController<Uint8Array>): Promise<void> {
    // A later failure must not surface as an unhandled rejection while an earlier chunk is awaited.
    work.catch(() => undefined);
    this.pending.push(work);
    while (this.pending.length >= this.depth) controller.enqueue(await this.pending.shift()!);
  }

  async drain(controller: TransformStreamDefaultController<Uint8Array>): Promise<void> {
    while (this.pending.length > 0) controller.enqueue(await this.pending.shift()!);
  }
}

/** Seals chunk `i` (§4). */
async function sealChunk(payloadKey: CryptoKey, plain: Bytes, i: number, last: boolean): Promise<Bytes> {
  return new Uint8Array(
    await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv: chunkNonce(i, last), tagLength: TAG_LENGTH * 8 }, payloadKey, plain),
  );
}

/** Opens chunk `i`, or `null` if it does not verify as such. */
async function openChunk(payloadKey: CryptoKey, sealed: Bytes, i: number, last: boolean): Promise<Bytes | null> {
  try {
    const plain = await globalThis.crypto.subtle.decrypt({ name: 'AES-GCM', iv: chunkNonce(i, last), tagLength: TAG_LENGTH * 8 }, payloadKey, sealed);
    return new Uint8Array(plain);
  } catch {
    return null;
  }
}

/** A full-size chunk with more bytes after it. */
async function openMiddle(payloadKey: CryptoKey, sealed: Bytes, i: number): Promise<Bytes> {
  const plain = await openChunk(payloadKey, sealed, i, false);
  if (plain) return plain;
  // It opens as a last chunk: the real file ended here and bytes were appended.
  if (await openChunk(payloadKey, sealed, i, true)) throw new KeywardError('TRAILING_DATA');
  throw new KeywardError('CHUNK_TAMPERED', { chunkIndex: i });
}

/**
 * The chunk the payload ends with. A piece shorter than a full chunk must be
 * the last chunk (§4); one that fails (even one shorter than a tag, from a
 * file cut inside a chunk) is `CHUNK_TAMPERED`, naming it.
 */
async function openLast(payloadKey: CryptoKey, sealed: Bytes, i: number, full: number): Promise<Bytes> {
  const plain = sealed.length >= TAG_LENGTH ? await openChunk(payloadKey, sealed, i, true) : null;
  if (plain) {
    // §4: an empty last chunk is allowed only as chunk 0.
    if (plain.length === 0 && i > 0) throw new KeywardError('CHUNK_TAMPERED', { chunkIndex: i, reason: 'an empty last chunk after other chunks' });
    return plain;
  }
  // A full-size chunk that opens as a middle chunk: the file was cut after it.
  if (sealed.length === full && (await openChunk(payloadKey, sealed, i, false))) throw new KeywardError('TRUNCATED');
  throw new KeywardError('CHUNK_TAMPERED', { chunkIndex: i });
}

function checkChunkSize(chunkSize: number): void {
  if (!isValidChunkSize(chunkSize)) throw new RangeError('chunkSize must be a power of two from 65536 to 16777216');
}

/**
 * Encrypts a plaintext stream into the STREAM payload (§4).
 *
 * @param payloadKey - AES-256-GCM key from `deriveFileKeys`
 * @param chunkSize - plaintext bytes per chunk (the header's `chunkSize`)
 * @param options - `expectedSize`: the size recorded in the metadata; a source
 *   that delivers another size (a file changed while read) fails with `SIZE_MISMATCH`
 */
export function encryptStream(payloadKey: CryptoKey, chunkSize: number, options: StreamOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  checkChunkSize(chunkSize);
  const queue = new OrderedQueue(options.depth ?? DEFAULT_DEPTH);
  let pending: Bytes = new Uint8Array(chunkSize);
  let filled = 0;
  let index = 0;
  let total = 0;

  const seal = (plain: Bytes, i: number, last: boolean) => sealChunk(payloadKey, plain, i, last);

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(data, controller) {
      total += data.length;
      let offset = 0;
      while (offset < data.length) {
        if (filled === chunkSize) {
          // More bytes follow a full chunk, so it is not the last one.
          await queue.push(seal(pending, index++, false), controller);
          filled = 0;
        }
        if (filled === 0 && data.length - offset >= chunkSize) {
          // A whole chunk inside this piece is held as a view, not copied.
          pending = data.subarray(offset, offset + chunkSize) as Bytes;
          filled = chunkSize;
          offset += chunkSize;
          continue;
        }
        if (filled === 0) pending = new Uint8Array(chunkSize);
        const n = Math.min(chunkSize - filled, data.length - offset);
        pending.set(data.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
      }
    },
    async flush(controller) {
      if (options.expectedSize !== undefined && total !== options.expectedSize) {
        throw new KeywardError('SIZE_MISMATCH', {
          expectedSize: options.expectedSize,
          actualSize: total,
          reason: 'the file changed while it was read',
        });
      }
      // The remainder (1..chunkSize bytes, or 0 for an empty file) is the last chunk.
      await queue.push(seal(pending.subarray(0, filled), index++, true), controller);
      await queue.drain(controller);
    },
  });
}

/**
 * Decrypts a STREAM payload (§4), releasing only chunks that verified. The
 * readable side errors with a `KeywardError` on the first failure; the caller
 * must still discard everything already received (spec §7): see the sinks.
 *
 * @throws (through the stream) KeywardError `CHUNK_TAMPERED`, `TRUNCATED`,
 *   `TRAILING_DATA`, `SIZE_MISMATCH`, `MALFORMED`
 */
export function decryptStream(payloadKey: CryptoKey, chunkSize: number, options: StreamOptions = {}): TransformStream<Uint8Array, Uint8Array> {
  checkChunkSize(chunkSize);
  const full = chunkSize + TAG_LENGTH;
  const queue = new OrderedQueue(options.depth ?? DEFAULT_DEPTH);
  let pending: Bytes = new Uint8Array(full);
  let filled = 0;
  let index = 0;
  let total = 0;

  const counted = async (work: Promise<Bytes>): Promise<Bytes> => {
    const plain = await work;
    total += plain.length;
    return plain;
  };

  return new TransformStream<Uint8Array, Uint8Array>({
    async transform(data, controller) {
      let offset = 0;
      while (offset < data.length) {
        if (filled === full) {
          await queue.push(counted(openMiddle(payloadKey, pending, index++)), controller);
          filled = 0;
        }
        if (filled === 0 && data.length - offset >= full) {
          // A whole chunk inside this piece is held as a view, not copied.
          pending = data.subarray(offset, offset + full) as Bytes;
          filled = full;
          offset += full;
          continue;
        }
        // A chunk that straddles pieces gets a buffer of its own (never reused: a
        // failed chunk is opened a second time, after an await).
        if (filled === 0) pending = new Uint8Array(full);
        const n = Math.min(full - filled, data.length - offset);
        pending.set(data.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
      }
    },
    async flush(controller) {
      // Nothing after the header: the file ends before any last chunk.
      if (filled === 0) {
        await queue.drain(controller);
        throw new KeywardError('TRUNCATED');
      }
      await queue.push(counted(openLast(payloadKey, pending.subarray(0, filled), index++, full)), controller);
      await queue.drain(controller);
      if (options.expectedSize !== undefined && total !== options.expectedSize) {
        throw new KeywardError('SIZE_MISMATCH', { expectedSize: options.expectedSize, actualSize: total });
      }
    },
  });
}

/**
 * A payload sealed or opened piece by piece when its total length is known
 * up front (a `File`), so that no chunk waits to learn whether it is the last.
 * Unlike the transform streams, it never holds on to a piece: once `push`
 * settles, the caller may refill the piece's buffer (measured in a Chromium
 * Worker: reading into two reused buffers ran about 4x faster than reading
 * into fresh ones, and fresh memory is what AES-GCM there waits on).
 */
export interface PieceCipher {
  /**
   * The output of every chunk that `piece` completes, in order. A chunk that
   * `piece` ends inside is copied and completed by the next piece. Rejects
   * with the error of the first chunk (in order) that fails.
   */
  push(piece: Uint8Array): Promise<Bytes[]>;
  /** The output of the last chunk, after the size checks. */
  finish(): Promise<Bytes[]>;
}

interface Layout {
  /** Input bytes of chunk `i` of `count` (the last one may be shorter, or empty). */
  lengthOf(i: number): number;
  count: number;
  /** Input bytes in all. */
  total: number;
}

function layout(total: number, chunkLength: number, emptyIsOneChunk: boolean): Layout {
  const count = total === 0 ? (emptyIsOneChunk ? 1 : 0) : Math.ceil(total / chunkLength);
  return { count, total, lengthOf: (i) => (i < count - 1 ? chunkLength : total - (count - 1) * chunkLength) };
}

function pieceCipher(
  plan: Layout,
  work: (chunk: Bytes, i: number) => Promise<Bytes>,
  checks: { tooMuch: (seen: number) => Error; tooLittle: (seen: number) => Error; done?: () => void },
): PieceCipher {
  const carry = new Uint8Array(plan.count > 0 ? plan.lengthOf(0) : 0);
  let carried = 0;
  let index = 0;
  let seen = 0;

  const settle = async (jobs: Promise<Bytes>[]): Promise<Bytes[]> => {
    // Every job runs to its end (a failed chunk is opened twice), then the first failure in order wins.
    const results = await Promise.allSettled(jobs);
    return results.map((result) => {
      if (result.status === 'rejected') throw result.reason;
      return result.value;
    });
  };

  return {
    async push(piece) {
      seen += piece.length;
      if (seen > plan.total) throw checks.tooMuch(seen);
      const jobs: Promise<Bytes>[] = [];
      let offset = 0;
      if (carried > 0) {
        const n = Math.min(plan.lengthOf(index) - carried, piece.length);
        carry.set(piece.subarray(0, n), carried);
        carried += n;
        offset = n;
        // The carried chunk is copied again by WebCrypto when the call is made, so `carry` is free once `jobs` settle.
        if (carried === plan.lengthOf(index)) {
          jobs.push(work(carry.subarray(0, carried), index++));
          carried = 0;
        }
      }
      while (index < plan.count && piece.length - offset >= plan.lengthOf(index) && plan.lengthOf(index) > 0) {
        const length = plan.lengthOf(index);
        jobs.push(work(piece.subarray(offset, offset + length) as Bytes, index++));
        offset += length;
      }
      const out = await settle(jobs);
      // The tail of the piece starts the next chunk.
      carry.set(piece.subarray(offset), carried);
      carried += piece.length - offset;
      return out;
    },
    async finish() {
      if (seen < plan.total) throw checks.tooLittle(seen);
      const out = index < plan.count ? await settle([work(carry.subarray(0, carried), index++)]) : [];
      checks.done?.();
      return out;
    },
  };
}

/**
 * Seals a plaintext of exactly `size` bytes (§4), piece by piece.
 *
 * @throws (from `push` / `finish`) KeywardError `SIZE_MISMATCH` when more or fewer bytes arrive
 */
export function sealPieces(payloadKey: CryptoKey, chunkSize: number, size: number): PieceCipher {
  checkChunkSize(chunkSize);
  const plan = layout(size, chunkSize, true);
  const changed = (actualSize: number) =>
    new KeywardError('SIZE_MISMATCH', { expectedSize: size, actualSize, reason: 'the file changed while it was read' });
  return pieceCipher(plan, (chunk, i) => sealChunk(payloadKey, chunk, i, i === plan.count - 1), { tooMuch: changed, tooLittle: changed });
}

/**
 * Opens a STREAM payload of exactly `payloadSize` bytes (§4), piece by piece,
 * with the same checks and error codes as `decryptStream`.
 *
 * @throws (from `push` / `finish`) KeywardError `CHUNK_TAMPERED`, `TRUNCATED`,
 *   `TRAILING_DATA`, `SIZE_MISMATCH`
 */
export function openPieces(payloadKey: CryptoKey, chunkSize: number, payloadSize: number, options: Pick<StreamOptions, 'expectedSize'> = {}): PieceCipher {
  checkChunkSize(chunkSize);
  const full = chunkSize + TAG_LENGTH;
  const plan = layout(payloadSize, full, false);
  let plaintext = 0;
  const counted = async (work: Promise<Bytes>) => {
    const plain = await work;
    plaintext += plain.length;
    return plain;
  };
  // The source ended early or ran on: the file changed on disk while it was read.
  const changed = () => new KeywardError('TRUNCATED', { reason: 'the file changed while it was read' });
  return pieceCipher(
    plan,
    (chunk, i) => counted(i === plan.count - 1 ? openLast(payloadKey, chunk, i, full) : openMiddle(payloadKey, chunk, i)),
    {
      tooMuch: changed,
      tooLittle: changed,
      done() {
        // Nothing after the header: the file ends before any last chunk.
        if (plan.count === 0) throw new KeywardError('TRUNCATED');
        if (options.expectedSize !== undefined && plaintext !== options.expectedSize) {
          throw new KeywardError('SIZE_MISMATCH', { expectedSize: options.expectedSize, actualSize: plaintext });
        }
      },
    },
  );
}
