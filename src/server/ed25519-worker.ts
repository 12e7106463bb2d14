/**
 * Ed25519 signature checks for the deposit path: libsodium (sodium-native)
 * on a worker thread of their own.
 *
 * Through WebCrypto each check is a job for libuv's pool: OpenSSL 3.0 takes
 * about 110 µs of CPU per check here, and each job costs the main thread
 * about 30 µs more to start and to finish. libsodium takes about 55 µs. The
 * checks asked for in one turn of the event loop go to the worker in
 * messages of a few checks each (an answer for 8 checks comes back sooner
 * than one for 40), and each message is answered as one.
 *
 * libsodium refuses some degenerate keys and signatures that OpenSSL accepts
 * (small-order points, non-canonical encodings) on top of the same equation;
 * ed25519-worker.test.ts shows one such signature, and finds none the other
 * way round among 300 random and changed ones.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Ed25519Verify } from '../core/keys/identity.ts';

/**
 * The worker: CommonJS, read from this string (no file of its own to find in
 * the sources, the tests and the built CLI alike). A message is one buffer:
 * the count (u32), then per check the message's length (u32), the 32-byte
 * key, the 64-byte signature and the message; the answer is one byte per
 * check, 1 for a signature that verifies.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodium);
parentPort.on('message', ({ id, checks }) => {
  const bytes = new Uint8Array(checks);
  const view = new DataView(checks);
  const count = view.getUint32(0);
  const answers = new Uint8Array(count);
  let at = 4;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at);
    const key = bytes.subarray(at + 4, at + 36);
    const signature = bytes.subarray(at + 36, at + 100);
    const message = bytes.subarray(at + 100, at + 100 + length);
    answers[i] = sodium.crypto_sign_verify_detached(signature, message, key) ? 1 : 0;
    at += 100 + length;
  }
  parentPort.postMessage({ id, answers }, [answers.buffer]);
});
`;

/** An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key. */
const SPKI_LENGTH = 44;
const KEY_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
/** The most checks in one message to the worker. */
const PER_MESSAGE = 8;

interface Check {
  key: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
  resolve: (ok: boolean) => void;
  reject: (error: unknown) => void;
}

/** The worker. `verify` is the core's `Ed25519Verify`; `close` ends the thread. */
export interface Ed25519Verifier {
  verify: Ed25519Verify;
  close(): Promise<void>;
}

/** One message's checks in one buffer (the layout of `WORKER_SOURCE`). */
function pack(checks: readonly Check[]): ArrayBuffer {
  const size = checks.reduce((sum, check) => sum + 4 + KEY_LENGTH + SIGNATURE_LENGTH + check.message.length, 4);
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  view.setUint32(0, checks.length);
  let at = 4;
  for (const check of checks) {
    view.setUint32(at, check.message.length);
    bytes.set(check.key, at + 4);
    bytes.set(check.signature, at + 4 + KEY_LENGTH);
    bytes.set(check.message, at + 4 + KEY_LENGTH + SIGNATURE_LENGTH);
    at += 4 + KEY_LENGTH + SIGNATURE_LENGTH + check.message.length;
  }
  return buffer;
}

/**
 * Starts the worker and tries it on RFC 8032's first test vector (and the
 * same with one bit changed) before it is used.
 *
 * @returns the verifier, or `null` where sodium-native cannot be found (the service then checks with WebCrypto)
 * @throws Error when the worker answers the test vector wrongly
 */
export async function startEd25519Verifier(): Promise<Ed25519Verifier | null> {
  let sodium: string;
  try {
    sodium = createRequire(import.meta.url).resolve('sodium-native');
  } catch {
    return null;
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodium } });
  // The worker does not keep the process alive by itself (the service's listening socket does); `close` ends it.
  worker.unref();
  const sent = new Map<number, Check[]>();
  let waiting: Check[] = [];
  let nextId = 1;
  let failure: Error | null = null;

  // A worker that fails or stops fails every check in flight and every later one: never a false "does not verify".
  const fail = (error: Error) => {
    failure ??= error;
    for (const checks of sent.values()) for (const check of checks) check.reject(failure);
    sent.clear();
    for (const check of waiting) check.reject(failure);
    waiting = [];
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    fail(new Error(`the Ed25519 worker stopped (exit code ${code})`));
  });
  worker.on('message', ({ id, answers }: { id: number; answers: Uint8Array }) => {
    const checks = sent.get(id);
    sent.delete(id);
    checks?.forEach((check, i) => {
      check.resolve(answers[i] === 1);
    });
  });

  const flush = () => {
    for (let from = 0; from < waiting.length; from += PER_MESSAGE) {
      const checks = waiting.slice(from, from + PER_MESSAGE);
      const buffer = pack(checks);
      const id = nextId++;
      sent.set(id, checks);
      worker.postMessage({ id, checks: buffer }, [buffer]);
    }
    waiting = [];
  };

  const verify: Ed25519Verify = (spki, message, signature) => {
    if (spki.length !== SPKI_LENGTH || signature.length !== SIGNATURE_LENGTH) return Promise.resolve(false);
    if (failure) return Promise.reject(failure);
    return new Promise<boolean>((resolve, reject) => {
      // What is asked in this turn of the event loop is sent together, after it.
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ key: spki.subarray(SPKI_LENGTH - KEY_LENGTH), message, signature, resolve, reject });
    });
  };

  const verifier: Ed25519Verifier = {
    verify,
    close: async () => {
      await worker.terminate();
    },
  };
  if (!(await selfTest(verify))) {
    await verifier.close();
    throw new Error('the Ed25519 worker does not answer RFC 8032\'s test vector');
  }
  return verifier;
}

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));

/** RFC 8032 §7.1, test 1 (the empty message): its signature verifies, and not with one bit changed. */
async function selfTest(verify: Ed25519Verify): Promise<boolean> {
  const spki = fromHex('302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  const changed = signature.slice();
  changed[0] = changed[0]! ^ 1;
  const [good, bad] = await Promise.all([verify(spki, new Uint8Array(0), signature), verify(spki, new Uint8Array(0), changed)]);
  return good && !bad;
}
