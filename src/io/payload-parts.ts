/**
 * A large payload sealed or opened in two parts at once: the crypto Worker
 * does the first chunks and a helper Worker (`part.worker.ts`) the rest, each
 * reading its own range of the File and writing its own OPFS temp file. The
 * output is one `File` of the two disk-backed files (nothing is copied).
 * Measured: two Workers writing one shared file (`mode: 'readwrite-unsafe'`)
 * gained about half as much, the file system taking their writes in turn.
 *
 * Chromium runs WebCrypto on the calling thread, so one Worker uses one core;
 * measured on these 2-core machines (npm run bench and docs/performance.md),
 * two parts ran 1.25-1.4x faster than one. A part's errors cross back as codes;
 * the error of the lower chunk wins, as when one Worker reads in order.
 */
import { type ChunkRange, chunkLayout } from '../core/index.ts';
import type { TempFile } from './crypto-protocol.ts';
import { removeTempFile, tempFolder } from './temp-files.ts';
import { openTempSink } from './output-sink.ts';
import { type PartJob, type PartMessage, pieceSizeFor, runPart } from './payload-part.ts';
import { OperationFailure, fromWireError } from './wire-error.ts';

/** Below this, a second Worker costs more than it saves. */
export const PARTS_MIN_BYTES = 64 * 1024 * 1024;

/** The helper Worker for the second part, or `null` where none can start. */
function startHelper(): Worker | null {
  if (typeof Worker !== 'function') return null;
  try {
    return new Worker(new URL('./part.worker.ts', import.meta.url), { type: 'module', name: 'keyward-part' });
  } catch {
    return null;
  }
}

/** Runs `job` in a helper Worker; `stop()` asks it to stop and close its handle, then ends it. */
function runInHelper(worker: Worker, job: PartJob, progress: (bytes: number) => void): { done: Promise<void>; stop: () => Promise<void> } {
  let settle: (() => void) | null = null;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  const done = new Promise<void>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<PartMessage>) => {
      const message = event.data;
      if (message.kind === 'progress') {
        progress(message.bytes);
        return;
      }
      settle?.();
      if (message.kind === 'done') resolve();
      else reject(fromWireError(message.error));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      settle?.();
      reject(new OperationFailure('INTERNAL'));
    };
  });
  done.catch(() => undefined);
  worker.postMessage(job);
  return {
    done,
    async stop() {
      worker.postMessage('stop');
      // It closes its handle before it answers; a Worker that does not answer is ended anyway.
      await Promise.race([finished, new Promise((resolve) => setTimeout(resolve, 2000))]);
      worker.terminate();
    },
  };
}

export interface PartsRequest {
  op: 'seal' | 'open';
  key: CryptoKey;
  chunkSize: number;
  /** The plaintext's size (seal) or the payload's (open). */
  size: number;
  /** The input: the plaintext File, or the payload (the File after its prefix). */
  source: Blob;
  /** Bytes written before the first chunk (the prefix, when sealing). */
  prefix?: Uint8Array;
  target: TempFile;
  /** The output's MIME type. */
  type: string;
  /** Runs once every chunk verified, before the output is committed (the size check of a decryption). */
  check?: () => void;
}

/**
 * Seals or opens a payload in two parts at once into two temp files (the
 * target's name, and a second name beside it). Resolves to the output and its
 * temp files, or `null` (nothing written) where it cannot: a small payload, no
 * nested Workers, no sync access handles. On any failure or cancel both parts
 * stop and both files are removed.
 *
 * @param progress - called with the input bytes handled so far by both parts
 */
export async function runInParts(request: PartsRequest, signal: AbortSignal, progress: (bytes: number) => void): Promise<{ output: File; temp: TempFile } | null> {
  const layout = chunkLayout(request.size, request.chunkSize, request.op === 'open');
  if (request.source.size < PARTS_MIN_BYTES || layout.count < 2) return null;
  const sink = await openTempSink(request.target, request.type);
  if (!sink) return null;
  const worker = startHelper();
  if (!worker) {
    await sink.abort();
    return null;
  }
  const second: TempFile = { session: request.target.session, name: `${request.target.name}.2` };

  // The split falls on a piece boundary, so each part reads whole pieces.
  const perPiece = pieceSizeFor(layout.lengthOf(0)) / layout.lengthOf(0);
  const middle = Math.max(1, Math.min(layout.count - 1, Math.round(layout.count / 2 / perPiece) * perPiece));
  const part = (range: ChunkRange, target: TempFile): PartJob => ({
    op: request.op,
    key: request.key,
    chunkSize: request.chunkSize,
    size: request.size,
    range,
    source: request.source.slice(layout.offsetOf(range.first), range.end < layout.count ? layout.offsetOf(range.end) : request.source.size),
    at: 0,
    target,
  });

  let handled = 0;
  const count = (bytes: number) => {
    handled += bytes;
    progress(handled);
  };
  const local = new AbortController();
  const helper = runInHelper(worker, part({ first: middle, end: layout.count }, second), count);
  const cancel = () => {
    local.abort(signal.reason);
    void helper.stop();
  };
  signal.addEventListener('abort', cancel);
  try {
    if (request.prefix) sink.write(request.prefix);
    const first = runPart(
      part({ first: 0, end: middle }, request.target),
      (chunk) => {
        sink.write(chunk);
      },
      local.signal,
      count,
    ).catch(async (error: unknown) => {
      // Nothing after a failed chunk counts: the second part stops.
      await helper.stop();
      throw error;
    });
    // The first part's error wins (it names the lower chunk); the second's counts only once the first is clean.
    const [a, b] = await Promise.allSettled([first, helper.done]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    request.check?.();
    await helper.stop();
    const head = await sink.close();
    const tail = await (await (await tempFolder(second.session, false)).getFileHandle(second.name)).getFile();
    return { output: new File([head, tail], request.target.name, { type: request.type }), temp: { ...request.target, more: [second.name] } };
  } catch (error) {
    await helper.stop();
    await sink.abort();
    // The helper removes its file when it fails; one that had finished is removed here.
    await removeTempFile(second);
    throw error;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
