/**
 * Keyward v1 §4: the payload, a STREAM of AES-256-GCM chunks, sealed or
 * opened piece by piece when its size is known up front. This is the one
 * STREAM engine: the app's Worker and the CLI both reach it through
 * `encryptSource` / `openSource` (core/pieces.ts drives it).
 *
 * It never holds on to a piece: once `push` settles, the caller may refill
 * the piece's buffer (measured in a Chromium Worker: reading into two reused
 * buffers ran about 4x faster than reading into fresh ones, and fresh memory
 * is what AES-GCM there waits on).
 */
import { type Bytes, concatAll } from '../bytes.ts';
import { KeywardError } from '../errors.ts';
import { NONCE_LENGTH, PAYLOAD_DIGEST_CONTEXT, TAG_LENGTH } from './constants.ts';
import { type ChunkAead, type ChunkCrypto, type SealedChunk, webAead, webChunkCrypto } from './chunk-crypto.ts';
import { isValidChunkSize } from './header.ts';

const FLAG_LAST = 0x01;
const FLAG_MORE = 0x00;

/**
 * Chunks sealed or opened at once. WebCrypto in Node runs calls on a thread
 * pool (several in flight are faster); in Chromium they run one after another
 * on the calling thread and a small queue costs nothing.
 */
export const CHUNKS_IN_FLIGHT = 4;

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

/** Seals chunk `i` (§4). */
async function sealChunk(aead: ChunkAead, plain: Bytes, i: number, last: boolean): Promise<SealedChunk> {
  return aead.seal(chunkNonce(i, last), plain);
}

/** Opens chunk `i`, or `null` if it does not verify as such. */
async function openChunk(aead: ChunkAead, sealed: Bytes, i: number, last: boolean): Promise<Bytes | null> {
  return aead.open(chunkNonce(i, last), sealed);
}

/** A chunk's output: its bytes, in one part or several (in order). */
type ChunkOutput = Bytes | readonly Bytes[];

/** A payload key as the engine uses it: a primitive bound to the key, or a WebCrypto key (wrapped in `webAead`). */
export type PayloadKey = ChunkAead | CryptoKey;

function isParts(output: ChunkOutput): output is readonly Bytes[] {
  return Array.isArray(output);
}

function aeadOf(key: PayloadKey): ChunkAead {
  return 'seal' in key ? key : webAead(key);
}

/** A full-size chunk with more bytes after it. */
async function openMiddle(payloadKey: ChunkAead, sealed: Bytes, i: number): Promise<Bytes> {
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
async function openLast(payloadKey: ChunkAead, sealed: Bytes, i: number, full: number): Promise<Bytes> {
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

/**
 * The leaves of v2 §3.2, `leaf_i = SHA-256(chunk_i)` over the stored chunks,
 * filled in any order (chunks are in flight together) and hashed in order.
 */
export class PayloadLeaves {
  readonly #leaves: Bytes[] = [];
  readonly #sha256: ChunkCrypto['sha256'];

  /** @param crypto - where SHA-256 comes from (default WebCrypto) */
  constructor(crypto: Pick<ChunkCrypto, 'sha256'> = webChunkCrypto) {
    this.#sha256 = (data) => crypto.sha256(data);
  }

  /** Hashes stored chunk `i` (its bytes are read before this returns a promise, so the caller may reuse them once it settles). */
  async add(i: number, chunk: Uint8Array<ArrayBuffer>): Promise<void> {
    this.#leaves[i] = await this.#sha256(chunk);
  }

  /** Leaves so far (every chunk from 0 must be in). */
  get count(): number {
    return this.#leaves.length;
  }

  /** `SHA-256(utf8("keyward/v2 payload") || 0x00 || leaf_0 || ... || leaf_(n-1))`. */
  async digest(): Promise<Bytes> {
    const leaves = Array.from(this.#leaves, (leaf: Bytes | undefined, i) => {
      if (!leaf) throw new RangeError(`leaf ${i} is missing`);
      return leaf;
    });
    return this.#sha256(concatAll([PAYLOAD_DIGEST_CONTEXT, new Uint8Array(1), ...leaves]));
  }
}

function checkChunkSize(chunkSize: number): void {
  if (!isValidChunkSize(chunkSize)) throw new RangeError('chunkSize must be a power of two from 65536 to 16777216');
}

/**
 * Bytes per piece for chunks of `chunkLength` bytes: the whole chunks that
 * fit in `preferred` bytes, at least one. Pieces of whole chunks mean no
 * chunk straddles two pieces, so none is copied.
 */
export function pieceSizeFor(chunkLength: number, preferred: number): number {
  return chunkLength * Math.max(1, Math.floor(preferred / chunkLength));
}

/**
 * A payload sealed or opened piece by piece. Pieces may have any length (a
 * chunk that straddles two is copied once), but pieces of whole chunks
 * (`pieceSizeFor`) are never copied.
 */
export interface PieceCipher {
  /**
   * The output of every chunk that `piece` completes, in order. A chunk that
   * `piece` ends inside is copied and completed by the next piece. Rejects
   * with the error of the first chunk (in order) that fails. Every chunk of
   * the piece has settled when it settles (a failed chunk is opened a second
   * time, from the piece), so the caller may then refill the piece.
   */
  push(piece: Uint8Array): Promise<Bytes[]>;
  /** The output of the last chunk, after the size checks. */
  finish(): Promise<Bytes[]>;
}

/**
 * Runs `jobs` at most `CHUNKS_IN_FLIGHT` at a time, starting them in order,
 * and returns their outputs in order. After a failure no further job starts;
 * those already started run to their end, then the first failure in order
 * wins (every job before it had started, so none is missed).
 */
async function runInOrder(jobs: readonly (() => Promise<ChunkOutput>)[]): Promise<Bytes[]> {
  const out: ChunkOutput[] = new Array<ChunkOutput>(jobs.length);
  const failures = new Map<number, unknown>();
  let next = 0;
  const lane = async () => {
    while (next < jobs.length && failures.size === 0) {
      const i = next++;
      try {
        out[i] = await jobs[i]!();
      } catch (error) {
        failures.set(i, error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, jobs.length) }, lane));
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  return out.flat();
}

/**
 * Cuts pieces into chunks of `chunkLength` bytes and runs `work` on each
 * once it is known whether it is the last one: at once when `total` is
 * known, else when a byte follows it (a chunk that ends a piece is carried
 * to the next, or to `finish`).
 */
function pieceCipher(
  chunkLength: number,
  total: number | undefined,
  work: (chunk: Bytes, i: number, last: boolean) => Promise<ChunkOutput>,
  checks: { tooMuch: (seen: number) => Error; tooLittle: (seen: number) => Error; emptyIsOneChunk: boolean; done?: (chunks: number) => void },
): PieceCipher {
  const carry = new Uint8Array(chunkLength);
  let carried = 0;
  let index = 0;
  let seen = 0;

  return {
    async push(piece) {
      seen += piece.length;
      if (total !== undefined && seen > total) throw checks.tooMuch(seen);
      /** Whether bytes follow offset `end` of this piece; null while that is not known. */
      const follows = (end: number): boolean | null => (end < piece.length ? true : total === undefined ? null : seen < total);
      /** A chunk is decided when it is whole and its position known: full with a known follower, or the short end. */
      const decided = (length: number, more: boolean | null) => (length === chunkLength ? more !== null : more === false);
      const jobs: (() => Promise<ChunkOutput>)[] = [];
      let offset = 0;
      if (carried > 0) {
        offset = Math.min(chunkLength - carried, piece.length);
        carry.set(piece.subarray(0, offset), carried);
        carried += offset;
        const more = follows(offset);
        if (decided(carried, more)) {
          const i = index++;
          const chunk = carry.subarray(0, carried);
          jobs.push(() => work(chunk, i, !more));
          carried = 0;
        }
      }
      while (carried === 0 && offset < piece.length) {
        const end = Math.min(offset + chunkLength, piece.length);
        const more = follows(end);
        if (!decided(end - offset, more)) break;
        const i = index++;
        const chunk = piece.subarray(offset, end) as Bytes;
        jobs.push(() => work(chunk, i, !more));
        offset = end;
      }
      const out = await runInOrder(jobs);
      // The rest of the piece starts the next chunk (copied: the piece's buffer is refilled).
      carry.set(piece.subarray(offset), carried);
      carried += piece.length - offset;
      return out;
    },
    async finish() {
      if (total !== undefined && seen < total) throw checks.tooLittle(seen);
      // What is carried ends the payload; an empty payload is one empty chunk where that is allowed.
      const jobs: (() => Promise<ChunkOutput>)[] = [];
      if (carried > 0 || (index === 0 && checks.emptyIsOneChunk)) {
        const i = index++;
        const chunk = carry.subarray(0, carried);
        jobs.push(() => work(chunk, i, true));
        carried = 0;
      }
      const out = await runInOrder(jobs);
      checks.done?.(index);
      return out;
    },
  };
}

/**
 * Seals a plaintext of exactly `size` bytes (§4), piece by piece.
 *
 * @throws (from `push` / `finish`) KeywardError `SIZE_MISMATCH` when more or fewer bytes arrive
 */
export function sealPieces(payloadKey: PayloadKey, chunkSize: number, size: number, options: { leaves?: PayloadLeaves } = {}): PieceCipher {
  checkChunkSize(chunkSize);
  const aead = aeadOf(payloadKey);
  const changed = (actualSize: number) =>
    new KeywardError('SIZE_MISMATCH', { expectedSize: size, actualSize, reason: 'the file changed while it was read' });
  const { leaves } = options;
  const seal = (chunk: Bytes, i: number, last: boolean) => sealChunk(aead, chunk, i, last);
  const work = leaves
    ? async (chunk: Bytes, i: number, last: boolean) => {
        const sealed = await seal(chunk, i, last);
        const whole = isParts(sealed) ? concatAll(sealed) : sealed;
        await leaves.add(i, whole);
        return whole;
      }
    : seal;
  return pieceCipher(chunkSize, size, work, {
    tooMuch: changed,
    tooLittle: changed,
    emptyIsOneChunk: true,
  });
}

/**
 * Opens a STREAM payload (§4) piece by piece: of exactly `payloadSize`
 * bytes, or, when that is not known (a pipe), of whatever the pieces hold.
 *
 * @param options - `expectedSize`: the metadata `size`, checked at the end;
 *   `leaves`: where the v2 §3.2 leaf of each stored chunk goes, hashed while the chunk is opened
 * @throws (from `push` / `finish`) KeywardError `CHUNK_TAMPERED`, `TRUNCATED`,
 *   `TRAILING_DATA`, `SIZE_MISMATCH`
 */
export function openPieces(
  payloadKey: PayloadKey,
  chunkSize: number,
  payloadSize: number | undefined,
  options: { expectedSize?: number; leaves?: PayloadLeaves } = {},
): PieceCipher {
  checkChunkSize(chunkSize);
  const aead = aeadOf(payloadKey);
  const full = chunkSize + TAG_LENGTH;
  let plaintext = 0;
  const { leaves } = options;
  const counted = async (work: Promise<Bytes>, chunk: Bytes, i: number) => {
    // The leaf is hashed alongside the AES-GCM work on the same chunk (v2 §3.4 step 4).
    const [plain] = await Promise.all([work, leaves?.add(i, chunk)]);
    plaintext += plain.length;
    return plain;
  };
  // The source ended early or ran on: the file changed on disk while it was read.
  const changed = () => new KeywardError('TRUNCATED', { reason: 'the file changed while it was read' });
  return pieceCipher(full, payloadSize, (chunk, i, last) => counted(last ? openLast(aead, chunk, i, full) : openMiddle(aead, chunk, i), chunk, i), {
    tooMuch: changed,
    tooLittle: changed,
    emptyIsOneChunk: false,
    done(chunks) {
      // Nothing after the header: the file ends before any last chunk.
      if (chunks === 0) throw new KeywardError('TRUNCATED');
      if (options.expectedSize !== undefined && plaintext !== options.expectedSize) {
        throw new KeywardError('SIZE_MISMATCH', { expectedSize: options.expectedSize, actualSize: plaintext });
      }
    },
  });
}

const NO_OUTPUT = new Uint8Array(0);

/**
 * The leaves of a stored payload without opening it (v2 §3.4, verifying
 * without a private key): the payload cut exactly as `openPieces` cuts it,
 * by the same engine. Outputs nothing.
 *
 * @throws (from `push` / `finish`) KeywardError `TRUNCATED` when the source delivers more or fewer than `payloadSize` bytes
 */
export function digestPieces(chunkSize: number, payloadSize: number, leaves: PayloadLeaves): PieceCipher {
  checkChunkSize(chunkSize);
  const changed = () => new KeywardError('TRUNCATED', { reason: 'the file changed while it was read' });
  return pieceCipher(chunkSize + TAG_LENGTH, payloadSize, async (chunk, i) => {
    await leaves.add(i, chunk);
    return NO_OUTPUT;
  }, { tooMuch: changed, tooLittle: changed, emptyIsOneChunk: false });
}
