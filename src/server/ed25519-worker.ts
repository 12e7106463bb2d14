/**
 * Ed25519 for the deposit path: libsodium (sodium-native) on a worker thread
 * of its own, for a deposit's two signature checks and for the service's
 * signature of its acknowledgement.
 *
 * Through WebCrypto each check is a job for libuv's pool: OpenSSL 3.0 takes
 * about 110 µs of CPU per check here, and each job costs the main thread
 * about 30 µs more to start and to finish. libsodium takes about 55 µs. A
 * signature took the main thread 36–48 µs with node:crypto; libsodium makes
 * the same signature in 19–27 µs, here on the worker. The jobs asked for in
 * one turn of the event loop go to the worker in messages of a few jobs each
 * (an answer for 8 checks comes back sooner than one for 40), and each
 * message is answered as one.
 *
 * libsodium refuses some degenerate keys and signatures that OpenSSL accepts
 * (small-order points, non-canonical encodings) on top of the same equation;
 * ed25519-worker.test.ts shows one such signature, and finds none the other
 * way round among 300 random and changed ones. Ed25519 signing is
 * deterministic: the worker's signatures are node:crypto's, byte for byte
 * (the test compares them).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Bytes } from '../core/bytes.ts';
import type { Ed25519Sign, Ed25519Verify } from '../core/keys/identity.ts';

/**
 * The worker: CommonJS, read from this string (no file of its own to find in
 * the sources, the tests and the built CLI alike).
 *
 * - `{ op: 'key', key, seed }` makes the signing key of a 32-byte seed (RFC
 *   8032's private key) and keeps it under the number `key`; nothing is answered.
 * - `{ op: 'verify' | 'sign', id, key, jobs }`: `jobs` is one buffer, the
 *   count (u32), then per job its length (u32) and its bytes. A check's bytes
 *   are the 32-byte public key, the 64-byte signature and the message; the
 *   answer is one byte per check, 1 for a signature that verifies. A
 *   signature's bytes are the message; the answer is 64 bytes per message.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const sodium = require(workerData.sodium);
const keys = new Map();
parentPort.on('message', (message) => {
  if (message.op === 'key') {
    const secret = new Uint8Array(64);
    sodium.crypto_sign_seed_keypair(new Uint8Array(32), secret, new Uint8Array(message.seed));
    keys.set(message.key, secret);
    return;
  }
  const { op, id, key, jobs } = message;
  const bytes = new Uint8Array(jobs);
  const view = new DataView(jobs);
  const count = view.getUint32(0);
  const signing = op === 'sign';
  const secret = signing ? keys.get(key) : undefined;
  if (signing && !secret) throw new Error('no signing key ' + key);
  const answers = new Uint8Array(signing ? count * 64 : count);
  let at = 4;
  for (let i = 0; i < count; i++) {
    const length = view.getUint32(at);
    const job = bytes.subarray(at + 4, at + 4 + length);
    if (signing) sodium.crypto_sign_detached(answers.subarray(i * 64, i * 64 + 64), job, secret);
    else answers[i] = sodium.crypto_sign_verify_detached(job.subarray(32, 96), job.subarray(96), job.subarray(0, 32)) ? 1 : 0;
    at += 4 + length;
  }
  parentPort.postMessage({ id, answers }, [answers.buffer]);
});
`;

/** An Ed25519 SubjectPublicKeyInfo is a fixed 12-byte prefix and the 32-byte key. */
const SPKI_LENGTH = 44;
const KEY_LENGTH = 32;
const SEED_LENGTH = 32;
const SIGNATURE_LENGTH = 64;
/** The most jobs in one message to the worker. */
const PER_MESSAGE = 8;

type Op = 'verify' | 'sign';

interface Job {
  /** The job's bytes, in order (a check: key, signature, message; a signature: the message). */
  parts: readonly Uint8Array[];
  /** Takes job `i`'s answer out of its message's answers. */
  answer: (answers: Uint8Array, i: number) => void;
  reject: (error: unknown) => void;
}

/** The worker. `verify` is the core's `Ed25519Verify`; `signer` signs with one key; `close` ends the thread. */
export interface Ed25519Worker {
  verify: Ed25519Verify;
  /** Signs with the key of this 32-byte seed (RFC 8032's private key), on the worker. */
  signer: (seed: Uint8Array) => Ed25519Sign;
  close(): Promise<void>;
}

/** One message's jobs in one buffer (the layout of `WORKER_SOURCE`). */
function pack(jobs: readonly Job[]): ArrayBuffer {
  let size = 4;
  for (const job of jobs) for (const part of job.parts) size += part.length;
  size += 4 * jobs.length;
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  view.setUint32(0, jobs.length);
  let at = 4;
  for (const job of jobs) {
    const length = job.parts.reduce((sum, part) => sum + part.length, 0);
    view.setUint32(at, length);
    at += 4;
    for (const part of job.parts) {
      bytes.set(part, at);
      at += part.length;
    }
  }
  return buffer;
}

/**
 * Starts the worker and tries it on RFC 8032's first test vector (the
 * signature made from its key, checked, and refused with one bit changed)
 * before it is used.
 *
 * @returns the worker, or `null` where sodium-native cannot be found (the service then uses WebCrypto and node:crypto)
 * @throws Error when the worker answers the test vector wrongly
 */
export async function startEd25519Worker(): Promise<Ed25519Worker | null> {
  let sodium: string;
  try {
    sodium = createRequire(import.meta.url).resolve('sodium-native');
  } catch {
    return null;
  }
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodium } });
  // The worker does not keep the process alive by itself (the service's listening socket does); `close` ends it.
  worker.unref();
  const sent = new Map<number, Job[]>();
  /** The jobs asked for in this turn, by operation and key (`verify:0`, `sign:1`, ...). */
  let waiting = new Map<string, { op: Op; key: number; jobs: Job[] }>();
  let nextId = 1;
  let nextKey = 1;
  let failure: Error | null = null;

  // A worker that fails or stops fails every job in flight and every later one: never a false "does not verify".
  const fail = (error: Error) => {
    failure ??= error;
    for (const jobs of sent.values()) for (const job of jobs) job.reject(failure);
    sent.clear();
    for (const { jobs } of waiting.values()) for (const job of jobs) job.reject(failure);
    waiting = new Map();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    fail(new Error(`the Ed25519 worker stopped (exit code ${code})`));
  });
  worker.on('message', ({ id, answers }: { id: number; answers: Uint8Array }) => {
    const jobs = sent.get(id);
    sent.delete(id);
    jobs?.forEach((job, i) => {
      job.answer(answers, i);
    });
  });

  const flush = () => {
    for (const { op, key, jobs } of waiting.values()) {
      for (let from = 0; from < jobs.length; from += PER_MESSAGE) {
        const some = jobs.slice(from, from + PER_MESSAGE);
        const buffer = pack(some);
        const id = nextId++;
        sent.set(id, some);
        worker.postMessage({ op, id, key, jobs: buffer }, [buffer]);
      }
    }
    waiting = new Map();
  };

  /** Queues a job: what is asked in this turn of the event loop is sent together, after it. */
  const ask = (op: Op, key: number, job: Job) => {
    if (waiting.size === 0) setImmediate(flush);
    const name = `${op}:${key}`;
    let queue = waiting.get(name);
    if (!queue) waiting.set(name, (queue = { op, key, jobs: [] }));
    queue.jobs.push(job);
  };

  const verify: Ed25519Verify = (spki, message, signature) => {
    if (spki.length !== SPKI_LENGTH || signature.length !== SIGNATURE_LENGTH) return Promise.resolve(false);
    if (failure) return Promise.reject(failure);
    return new Promise<boolean>((resolve, reject) => {
      ask('verify', 0, { parts: [spki.subarray(SPKI_LENGTH - KEY_LENGTH), signature, message], answer: (answers, i) => {
          resolve(answers[i] === 1);
        }, reject });
    });
  };

  const signer = (seed: Uint8Array): Ed25519Sign => {
    if (seed.length !== SEED_LENGTH) throw new RangeError(`an Ed25519 seed is ${SEED_LENGTH} bytes, not ${seed.length}`);
    const key = nextKey++;
    // Messages reach the worker in order: the key is there before the first signature asks for it.
    worker.postMessage({ op: 'key', key, seed: seed.slice() });
    return (message) => {
      if (failure) return Promise.reject(failure);
      return new Promise<Bytes>((resolve, reject) => {
        ask('sign', key, { parts: [message], answer: (answers, i) => {
          resolve(answers.slice(i * SIGNATURE_LENGTH, (i + 1) * SIGNATURE_LENGTH));
        }, reject });
      });
    };
  };

  const ed25519: Ed25519Worker = {
    verify,
    signer,
    close: async () => {
      await worker.terminate();
    },
  };
  if (!(await selfTest(ed25519))) {
    await ed25519.close();
    throw new Error('the Ed25519 worker does not answer RFC 8032\'s test vector');
  }
  return ed25519;
}

const fromHex = (text: string) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** RFC 8032 §7.1, test 1 (the empty message): its key makes its signature, which verifies, and not with one bit changed. */
async function selfTest({ verify, signer }: Ed25519Worker): Promise<boolean> {
  const seed = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const spki = fromHex('302a300506032b6570032100d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const signature = fromHex('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
  const changed = signature.slice();
  changed[0] = changed[0]! ^ 1;
  const [made, good, bad] = await Promise.all([signer(seed)(new Uint8Array(0)), verify(spki, new Uint8Array(0), signature), verify(spki, new Uint8Array(0), changed)]);
  return sameBytes(made, signature) && good && !bad;
}
