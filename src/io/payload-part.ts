/**
 * One part of a payload: chunks `[first, end)` read from their own slice of
 * the File, sealed or opened piece by piece, and written at their place in the
 * output. The crypto Worker runs the first part and `part.worker.ts` the
 * second (see `payload-parts.ts`).
 */
import { type ChunkRange, TAG_LENGTH, openPieces, sealPieces } from '../core/index.ts';
import type { TempFile, WireError } from './crypto-protocol.ts';
import { PIECE_BYTES, readPieces } from './piece-reader.ts';

/** Report progress at most this often, to keep messages cheap. */
export const PROGRESS_INTERVAL_MS = 100;

/** Pieces of whole chunks (about 8 MiB), so that no chunk straddles two pieces. */
export const pieceSizeFor = (chunkLength: number) => chunkLength * Math.max(1, Math.floor(PIECE_BYTES / chunkLength));

/** One part of a payload, as a helper Worker receives it. */
export interface PartJob {
  op: 'seal' | 'open';
  key: CryptoKey;
  chunkSize: number;
  /** The plaintext's size (seal) or the payload's (open). */
  size: number;
  range: ChunkRange;
  /** The input bytes of exactly these chunks. */
  source: Blob;
  /** Where the output of chunk `range.first` goes in the file. */
  at: number;
  target: TempFile;
}

export type PartMessage = { kind: 'progress'; bytes: number } | { kind: 'done' } | { kind: 'error'; error: WireError };

/**
 * Runs one part: reads `source` in pieces, seals or opens them and writes the
 * output at its place. Reports input bytes as they are handled.
 */
export async function runPart(job: PartJob, write: (chunk: Uint8Array, at: number) => void, signal: AbortSignal, progress: (bytes: number) => void): Promise<void> {
  const cipher = job.op === 'seal' ? sealPieces(job.key, job.chunkSize, job.size, job.range) : openPieces(job.key, job.chunkSize, job.size, { range: job.range });
  const pieces = readPieces(job.source, pieceSizeFor(job.op === 'seal' ? job.chunkSize : job.chunkSize + TAG_LENGTH));
  let at = job.at;
  const out = (chunks: Uint8Array[]) => {
    for (const chunk of chunks) {
      write(chunk, at);
      at += chunk.length;
    }
  };
  let last = Date.now();
  try {
    for (;;) {
      signal.throwIfAborted();
      const piece = await pieces.next();
      if (!piece) break;
      const bytes = piece.length;
      try {
        out(await cipher.push(piece));
      } finally {
        pieces.release(piece);
      }
      progress(bytes);
      if (Date.now() - last >= PROGRESS_INTERVAL_MS) {
        last = Date.now();
        // Reading and WebCrypto alone never let a message task run: a timer turn lets a Cancel in.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }
    out(await cipher.finish());
  } catch (error) {
    await pieces.cancel();
    throw error;
  }
}

