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
  } catch {
    reader = null;
  }
  return reader;
}

/** The file's bytes, read on another thread when it is large and the browser can. */
export function readInParallel(file: Blob): ReadableStream<Uint8Array> {
  const worker = file.size > SLICE_BYTES && typeof Worker === 'function' ? readerWorker() : null;
  if (!worker) return file.stream();
  const channel = new MessageChannel();
  const queue: ReaderMessage[] = [];
  let waiting: (() => void) | null = null;
  channel.port1.onmessage = (event: MessageEvent<ReaderMessage>) => {
    queue.push(event.data);
    waiting?.();
    waiting = null;
  };
  worker.postMessage({ file, sliceBytes: SLICE_BYTES, ahead: SLICES_AHEAD, port: channel.port2 } satisfies ReaderRequest, [channel.port2]);
  const stop = () => {
    channel.port1.postMessage('stop');
    channel.port1.close();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (queue.length === 0) await new Promise<void>((resolve) => (waiting = resolve));
        const message = queue.shift()!;
        if (message.kind === 'end') {
          channel.port1.close();
          controller.close();
        } else if (message.kind === 'error') {
          stop();
          controller.error(new FileReadError(message.name));
        } else {
          channel.port1.postMessage('more');
          controller.enqueue(new Uint8Array(message.buffer));
        }
      },
      cancel: stop,
    },
    { highWaterMark: 0 },
  );
}
