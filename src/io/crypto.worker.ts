/**
 * The crypto Worker: runs the core off the main thread. It only wires
 * messages to `crypto-handlers.ts`; the same handlers run in-process in tests.
 */
import { runOperation, toWireError } from './crypto-handlers.ts';
import type { WorkerRequest, WorkerResponse } from './crypto-protocol.ts';
import { installTrustedTypesPolicy } from './trusted-types.ts';

// The CSP's Trusted Types apply here too: the reader Worker of a large file needs the policy.
installTrustedTypesPolicy();

const running = new Map<number, AbortController>();
const post = (response: WorkerResponse) => {
  self.postMessage(response);
};

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  if (request.op === 'cancel') {
    running.get(request.id)?.abort(new DOMException('Cancelled', 'AbortError'));
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  const context = {
    signal: controller.signal,
    progress: (done: number, total: number) => {
      post({ id: request.id, kind: 'progress', done, total });
    },
  };
  runOperation(request.op, request.args as never, context)
    .then(
      (value) => {
        post({ id: request.id, kind: 'result', value });
      },
      (error: unknown) => {
        post({ id: request.id, kind: 'error', error: toWireError(error, controller.signal) });
      },
    )
    .finally(() => running.delete(request.id));
};
