/**
 * The page's side of the crypto Worker: a typed `run(op, args)` that returns
 * a promise, reports progress and can be cancelled. `createInlineCrypto()`
 * runs the same handlers in-process (component and store tests).
 */
import { KeywardError, isErrorCode } from '../core/index.ts';
import type { Operations, OperationName, WireError, WorkerRequest, WorkerResponse } from './crypto-protocol.ts';

export interface RunOptions {
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export interface CryptoClient {
  run<K extends OperationName>(op: K, args: Operations[K]['args'], options?: RunOptions): Promise<Operations[K]['result']>;
  dispose(): void;
}

/** Rebuilds an error that crossed the Worker boundary. */
export function fromWireError(error: WireError): KeywardError {
  return isErrorCode(error.code) ? new KeywardError(error.code, error.details) : new KeywardError('INTERNAL');
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
    for (const entry of pending.values()) entry.reject(new KeywardError('INTERNAL'));
    pending.clear();
  };

  return {
    run(op, args, options = {}) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        if (options.signal?.aborted) {
          reject(new KeywardError('CANCELLED'));
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
