/**
 * Where a deposit's checks run (deposit-check.ts): on a worker thread of
 * their own, so that the main thread, which every request waits its turn
 * on, only reads the request, stores the blob and answers. The bodies that
 * arrive in one turn of the event loop go to the worker together, in
 * messages of a few bodies each, and each message is answered as one.
 *
 * The worker's module is built beside the service (dist/cli); run from the
 * sources, where there is none, the checks run on the main thread, by the
 * same function. A worker that fails or stops fails every check in flight
 * and every later one, so a request is answered `INTERNAL`, never refused
 * for what was not checked.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, type ErrorDetails, KeywardError, PublicIdentityCache } from '../core/index.ts';
import { type CheckedDeposit, checkDeposit } from './deposit-check.ts';
import { depositEd25519 } from './node-crypto.ts';

/** A message to the worker: the bodies to check. */
export interface CheckRequest {
  id: number;
  bodies: string[];
}

/** The worker's answer for one body. */
export type CheckAnswer = { checked: CheckedDeposit } | { refused: { code: ErrorCode; details: ErrorDetails } } | { failed: string };

/** The worker's first message. */
export type CheckerReady = { ready: true; ed25519: 'libsodium' | 'WebCrypto' } | { ready: false; reason: string };

export interface DepositChecker {
  /**
   * Checks a `POST /v1/deposits` body (`checkDeposit`).
   *
   * @throws KeywardError what `checkDeposit` refuses; Error when the checks could not run
   */
  check(body: string): Promise<CheckedDeposit>;
  /** Where the checks run, and whose Ed25519: for the log line that says the service is ready. */
  readonly runs: string;
  close(): Promise<void>;
}

/** The worker's module, built beside the service's own chunk. */
export const BUILT_WORKER = new URL('./deposit-check-worker.js', import.meta.url);

/** The most bodies in one message to the worker (an answer for 8 comes back sooner than one for 40). */
const PER_MESSAGE = 8;

/** How long the worker may take to say it is ready (it loads the core and tries libsodium: well under a second here). */
const READY_WITHIN_MS = 30_000;

/** The checks on the calling thread, by libsodium where it loads (by WebCrypto otherwise). */
export function checkOnThisThread(): DepositChecker {
  const identities = new PublicIdentityCache();
  const { verify, by } = depositEd25519();
  return {
    check: (body) => checkDeposit(body, identities, verify),
    runs: `main thread, Ed25519 by ${by}`,
    close: () => Promise.resolve(),
  };
}

interface Pending {
  body: string;
  resolve: (checked: CheckedDeposit) => void;
  reject: (error: unknown) => void;
}

/**
 * Starts the checks' worker from `module` (the built one by default) and
 * waits until it is ready; where that module is not there (the sources),
 * the checks run on this thread.
 *
 * @param readyWithinMs - how long it may take to say it is ready
 * @throws Error when the worker cannot start, fails its self-test or is not ready in time (it is stopped then)
 */
export async function startDepositChecker(module: URL = BUILT_WORKER, readyWithinMs = READY_WITHIN_MS): Promise<DepositChecker> {
  if (!existsSync(fileURLToPath(module))) return checkOnThisThread();
  const worker = new Worker(module);
  const sent = new Map<number, Pending[]>();
  let waiting: Pending[] = [];
  let nextId = 1;
  let failure: Error | null = null;

  const fail = (error: Error) => {
    failure ??= error;
    for (const pending of sent.values()) for (const check of pending) check.reject(failure);
    sent.clear();
    for (const check of waiting) check.reject(failure);
    waiting = [];
  };

  const ready = await new Promise<CheckerReady>((resolve, reject) => {
    const stopped = (code: number) => {
      reject(new Error(`the deposit checks' worker stopped before it was ready (exit code ${code})`));
    };
    const late = setTimeout(() => {
      reject(new Error(`the deposit checks' worker did not say it was ready within ${readyWithinMs} ms`));
    }, readyWithinMs);
    worker.once('message', (message: CheckerReady) => {
      clearTimeout(late);
      worker.off('error', reject).off('exit', stopped);
      resolve(message);
    });
    worker.once('error', reject).once('exit', stopped);
  }).catch(async (error: unknown) => {
    await worker.terminate();
    throw error;
  });
  if (!ready.ready) {
    await worker.terminate();
    throw new Error(`the deposit checks' worker did not start: ${ready.reason}`);
  }
  // It does not keep the process alive by itself (the service's listening socket does); `close` ends it.
  worker.unref();
  worker.on('error', fail);
  worker.on('exit', (code) => {
    fail(new Error(`the deposit checks' worker stopped (exit code ${code})`));
  });
  worker.on('message', ({ id, answers }: { id: number; answers: CheckAnswer[] }) => {
    const pending = sent.get(id);
    sent.delete(id);
    pending?.forEach((check, i) => {
      const answer = answers[i]!;
      if ('checked' in answer) check.resolve(answer.checked);
      else if ('refused' in answer) check.reject(new KeywardError(answer.refused.code, answer.refused.details));
      else check.reject(new Error(`the deposit checks failed: ${answer.failed}`));
    });
  });

  const flush = () => {
    for (let from = 0; from < waiting.length; from += PER_MESSAGE) {
      const pending = waiting.slice(from, from + PER_MESSAGE);
      const id = nextId++;
      sent.set(id, pending);
      worker.postMessage({ id, bodies: pending.map((check) => check.body) } satisfies CheckRequest);
    }
    waiting = [];
  };

  return {
    check: (body) => {
      if (failure) return Promise.reject(failure);
      return new Promise<CheckedDeposit>((resolve, reject) => {
        // What is asked in this turn of the event loop is sent together, after it.
        if (waiting.length === 0) setImmediate(flush);
        waiting.push({ body, resolve, reject });
      });
    },
    runs: `worker thread, Ed25519 by ${ready.ed25519}`,
    close: async () => {
      await worker.terminate();
    },
  };
}
