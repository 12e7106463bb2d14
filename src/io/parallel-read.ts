/**
 * A File as a stream of slices read by another Worker (`file-reader.worker.ts`),
 * so that reading from disk and encrypting run side by side. Measured here
 * (npm run bench): in one Chromium Worker, reading and AES-GCM took turns.
 * Small files, and browsers without nested Workers, read on this thread.
 */

/** Bytes per slice: Chromium read 8 MiB slices at full speed, 1 MiB ones at about half. */
export const SLICE_BYTES = 8 * 1024 * 1024;
/** Slices read ahead of the encryption: at most this many are held at once. */
export const SLICES_AHEAD = 2;

export interface ReaderRequest {
  file: Blob;
  sliceBytes: number;
  ahead: number;
  port: MessagePort;
}

export type ReaderMessage = { kind: 'slice'; buffer: ArrayBuffer } | { kind: 'end' } | { kind: 'error'; name: string };

/** A read that failed in the reader (a file moved or changed on disk: `NotReadableError`). */
export class FileReadError extends Error {
  override readonly name = 'FileReadError';
}

let reader: Worker | null | undefined;

function readerWorker(): Worker | null {
  if (reader !== undefined) return reader;
  try {
    reader = new Worker(new URL('./file-reader.worker.ts', import.meta.url), { type: 'module', name: 'keyward-reader' });
    reader.addEventListener('error', () => {
      // Blocked by a policy, missing offline, or crashed: read on this thread from now on.
      reader = null;
    });
  } catch {
    reader = null;
  }
  return reader;
}

/**
 * The file's bytes, read on another thread when it is large and the browser
 * can. If that Worker fails (blocked, missing offline, crashed), the rest of
 * the file is read on this thread.
 */
export function readInParallel(file: Blob, worker = file.size > SLICE_BYTES && typeof Worker === 'function' ? readerWorker() : null): ReadableStream<Uint8Array> {
  if (!worker) return file.stream();
  const channel = new MessageChannel();
  const queue: ReaderMessage[] = [];
  let waiting: (() => void) | null = null;
  let delivered = 0;
  /** Set when the reader Worker failed: the rest of the file is read here. */
  let fallback: ReadableStreamDefaultReader<Uint8Array> | null = null;
  const wakeUp = () => {
    waiting?.();
    waiting = null;
  };
  const broken = () => {
    if (queue.some((message) => message.kind !== 'slice')) return; // it had finished
    // Slices received but not yet handed on come first; the rest is read here.
    const received = queue.reduce((sum, message) => sum + (message.kind === 'slice' ? message.buffer.byteLength : 0), 0);
    fallback = file.slice(delivered + received).stream().getReader();
    wakeUp();
  };
  worker.addEventListener('error', broken);
  channel.port1.onmessage = (event: MessageEvent<ReaderMessage>) => {
    queue.push(event.data);
    wakeUp();
  };
  worker.postMessage({ file, sliceBytes: SLICE_BYTES, ahead: SLICES_AHEAD, port: channel.port2 } satisfies ReaderRequest, [channel.port2]);
  const stop = () => {
    worker.removeEventListener('error', broken);
    channel.port1.postMessage('stop');
    channel.port1.close();
    void fallback?.cancel();
  };
  const readFallback = async (from: ReadableStreamDefaultReader<Uint8Array>, controller: ReadableStreamDefaultController<Uint8Array>) => {
    const { done, value } = await from.read();
    if (done) controller.close();
    else controller.enqueue(value);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (queue.length === 0 && !fallback) await new Promise<void>((resolve) => (waiting = resolve));
        const message = queue.shift();
        if (!message) {
          await readFallback(fallback!, controller);
          return;
        }
        if (message.kind === 'end') {
          worker.removeEventListener('error', broken);
          channel.port1.close();
          controller.close();
        } else if (message.kind === 'error') {
          stop();
          controller.error(new FileReadError(message.name));
        } else {
          channel.port1.postMessage('more');
          delivered += message.buffer.byteLength;
          controller.enqueue(new Uint8Array(message.buffer));
        }
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  );
}
