/**
 * The page's side of the crypto Worker: a typed `run(op, args)` that returns
 * a promise, reports progress and can be cancelled. `createInlineCrypto()`
 * runs the same handlers in-process (component and store tests).
 */
import { KeywardError, isErrorCode } from '../core/index.ts';
import type { Operations, OperationName, WireError, WorkerRequest, WorkerResponse } from './crypto-protocol.ts';

const FAILURE_SENTENCES = {
  CANCELLED: 'Cancelled. Nothing was saved.',
  NO_SPACE: 'There is not enough free disk space (or storage this site may use) for the output. Nothing was saved; free some space and try again.',
  FILE_UNREADABLE: 'The file could not be read to the end: it was moved, changed or deleted while Keyward read it. Nothing was saved; choose it again.',
  INTERNAL: 'Something went wrong inside Keyward. Nothing was saved; try again, and reload the page if it happens again.',
} as const;

/** A failure that is not a Keyward error: the user cancelled, or something broke inside. */
export class OperationFailure extends Error {
  override readonly name = 'OperationFailure';
  constructor(readonly code: keyof typeof FAILURE_SENTENCES) {
    super(FAILURE_SENTENCES[code]);
  }
}

export interface RunOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface CryptoClient {
  run<K extends OperationName>(op: K, args: Operations[K]['args'], options?: RunOptions): Promise<Operations[K]['result']>;
  dispose(): void;
}

/** Rebuilds an error that crossed the Worker boundary. */
export function fromWireError(error: WireError): Error {
  if (isErrorCode(error.code)) return new KeywardError(error.code, error.details);
  return new OperationFailure(error.code in FAILURE_SENTENCES ? (error.code as keyof typeof FAILURE_SENTENCES) : 'INTERNAL');
}

/** Runs operations in the module Worker `crypto.worker.ts`. */
export function createWorkerCrypto(): CryptoClient {
  const worker = new Worker(new URL('./crypto.worker.ts', import.meta.url), { type: 'module', name: 'keyward-crypto' });
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; onProgress?: RunOptions['onProgress'] }>();

  worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
    const message = event.data;
    const entry = pending.get(message.id);
    if (!entry) return;
    if (message.kind === 'progress') {
      entry.onProgress?.(message.done, message.total);
      return;
    }
    pending.delete(message.id);
    if (message.kind === 'result') entry.resolve(message.value);
    else entry.reject(fromWireError(message.error));
  };
  worker.onerror = () => {
    for (const entry of pending.values()) entry.reject(new OperationFailure('INTERNAL'));
    pending.clear();
  };

  return {
    run(op, args, options = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
          reject(new OperationFailure('CANCELLED'));
          return;
        }
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
        options.signal?.addEventListener(
          'abort',
          () => {
            worker.postMessage({ id, op: 'cancel' } satisfies WorkerRequest);
          },
          { once: true },
        );
        worker.postMessage({ id, op, args });
      });
    },
    dispose() {
      worker.terminate();
    },
  };
}

/** Runs the same operations on the calling thread (tests; never the app's main thread). */
export async function createInlineCrypto(): Promise<CryptoClient> {
  const { runOperation, toWireError } = await import('./crypto-handlers.ts');
  return {
    async run(op, args, options = {}) {
      const signal = options.signal ?? new AbortController().signal;
      try {
        return await runOperation(op, args, { signal, progress: options.onProgress ?? (() => undefined) });
      } catch (error) {
        throw fromWireError(toWireError(error, signal));
      }
    },
    dispose() {
      // Nothing to release.
    },
  };
}
