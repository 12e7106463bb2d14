/**
 * The ceilings the app's pipeline is measured against, in a Worker as the
 * app's crypto runs: reading a disk-backed File through the app's own source
 * (`readPiecesOffThread`: 8 MiB pieces read by the reader Worker into reused
 * buffers and handed over) with the bytes discarded, and raw WebCrypto
 * AES-256-GCM over in-memory chunks, one call after another (sealing, or
 * opening chunks sealed beforehand), and writing to OPFS through the app's own
 * sink: the three parts of the CPU-bound ceiling (run.ts reads the CPU time
 * each part costs from /proc).
 *
 * And the options for format v2's payload digest (keyward-v2.md §3.2), each
 * over the same in-memory chunks: SHA-256 per chunk with WebCrypto (the tree
 * the spec chose; four calls in flight, as the engine runs chunks), a single
 * running SHA-256 and BLAKE3 in WebAssembly (hash-wasm), AES-GCM alone and
 * AES-GCM followed by the per-chunk digest of its ciphertext (the signed
 * engine's per-chunk work), and reading the file with a digest per piece on
 * the reader's side (a hash in the reader Worker).
 */
import { createBLAKE3, createSHA256 } from 'hash-wasm';
import type { OutputTarget } from '../../src/io/crypto-protocol.ts';
import { openSink } from '../../src/io/output-sink.ts';
import { readPiecesOffThread } from '../../src/io/remote-pieces.ts';

export type DigestMethod = 'webcrypto-chunks' | 'wasm-sha256' | 'wasm-blake3' | 'cipher-only' | 'cipher-and-digest';
export type CeilingRequest =
  | { op: 'read'; file: File; digest?: boolean }
  | { op: 'cipher'; chunkSize: number; bytes: number; decrypt?: boolean }
  | { op: 'write'; target: OutputTarget; chunkSize: number; bytes: number }
  | { op: 'digest'; method: DigestMethod; chunkSize: number; bytes: number };

async function read(file: File, digest: boolean): Promise<number> {
  const started = performance.now();
  const reader = readPiecesOffThread(file);
  let total = 0;
  for (;;) {
    const piece = await reader.next();
    if (!piece) break;
    total += piece.length;
    if (digest) {
      const chunk = 262_144 + 16;
      const leaves: Promise<ArrayBuffer>[] = [];
      for (let at = 0; at < piece.length; at += chunk) leaves.push(crypto.subtle.digest('SHA-256', piece.subarray(at, at + chunk)));
      await Promise.all(leaves);
    }
    reader.release(piece);
  }
  if (total !== file.size) throw new Error(`read ${String(total)} of ${String(file.size)} bytes`);
  return performance.now() - started;
}

let pool: Uint8Array<ArrayBuffer> | undefined;
/** 32 MiB of random bytes (made once per Worker, so that no measurement pays for it), cycled through chunk by chunk. */
function randomPool(): Uint8Array<ArrayBuffer> {
  if (pool) return pool;
  pool = new Uint8Array(32 * 1024 * 1024);
  for (let at = 0; at < pool.length; at += 65_536) crypto.getRandomValues(pool.subarray(at, at + 65_536));
  return pool;
}

/** The pool sealed chunk by chunk, once per chunk size (so that no measurement pays for it). */
const sealedPools = new Map<number, { key: CryptoKey; sealed: Uint8Array<ArrayBuffer>[] }>();

/**
 * AES-256-GCM over `bytes` in chunks of `chunkSize`, one call after another;
 * `decrypt`: opening chunks sealed beforehand (the pool, sealed once).
 */
async function cipher(chunkSize: number, bytes: number, decrypt = false): Promise<number> {
  const pool = randomPool();
  const ivFor = (i: number) => {
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setUint32(8, i);
    return iv;
  };
  const perPool = Math.floor(pool.length / chunkSize);
  let ready = sealedPools.get(chunkSize);
  if (!ready) {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const sealed: Uint8Array<ArrayBuffer>[] = [];
    for (let i = 0; decrypt && i < perPool; i++) {
      sealed.push(new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ivFor(i), tagLength: 128 }, key, pool.subarray(i * chunkSize, (i + 1) * chunkSize))));
    }
    ready = { key, sealed };
    if (decrypt) sealedPools.set(chunkSize, ready);
  }
  const { key, sealed } = ready;
  const started = performance.now();
  for (let done = 0, i = 0; done < bytes; done += chunkSize, i++) {
    const slot = i % perPool;
    if (decrypt) await crypto.subtle.decrypt({ name: 'AES-GCM', iv: ivFor(slot), tagLength: 128 }, key, sealed[slot]!);
    else await crypto.subtle.encrypt({ name: 'AES-GCM', iv: ivFor(i), tagLength: 128 }, key, pool.subarray(slot * chunkSize, (slot + 1) * chunkSize));
  }
  return performance.now() - started;
}

/**
 * Writing `bytes` in pieces of `chunkSize` (from in-memory random bytes)
 * through the app's own sink (`openSink`: a temp file in OPFS, written with a
 * synchronous access handle from one reused staging buffer), closed as the
 * app closes it. The page removes the temp file afterwards.
 */
async function write(target: OutputTarget, chunkSize: number, bytes: number): Promise<number> {
  const pool = randomPool();
  const started = performance.now();
  const sink = await openSink(target, '', bytes);
  let offset = 0;
  for (let done = 0; done < bytes; done += chunkSize) {
    const size = Math.min(chunkSize, bytes - done);
    if (offset + size > pool.length) offset = 0;
    await sink.write(pool.subarray(offset, offset + size));
    offset += size;
  }
  const output = await sink.close();
  if (output.size !== bytes) throw new Error(`wrote ${String(output.size)} of ${String(bytes)} bytes`);
  return performance.now() - started;
}

/** The chunks of `bytes` from the pool, `chunkSize` each, handed to `work` with at most four in flight. */
async function overChunks(chunkSize: number, bytes: number, work: (chunk: Uint8Array<ArrayBuffer>, index: number) => Promise<unknown>): Promise<number> {
  const pool = randomPool();
  const inFlight = new Set<Promise<unknown>>();
  const started = performance.now();
  let offset = 0;
  for (let done = 0, i = 0; done < bytes; done += chunkSize, i++) {
    if (offset + chunkSize > pool.length) offset = 0;
    const job: Promise<unknown> = work(pool.subarray(offset, offset + chunkSize), i).then((): boolean => inFlight.delete(job));
    inFlight.add(job);
    if (inFlight.size >= 4) await Promise.race(inFlight);
    offset += chunkSize;
  }
  await Promise.all(inFlight);
  return performance.now() - started;
}

async function digest(method: DigestMethod, chunkSize: number, bytes: number): Promise<number> {
  const iv = (i: number) => {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(8, i);
    return nonce;
  };
  switch (method) {
    case 'webcrypto-chunks':
      return overChunks(chunkSize, bytes, (chunk) => crypto.subtle.digest('SHA-256', chunk));
    case 'wasm-sha256':
    case 'wasm-blake3': {
      const hasher = method === 'wasm-sha256' ? await createSHA256() : await createBLAKE3();
      hasher.init();
      const ms = await overChunks(chunkSize, bytes, (chunk) => {
        hasher.update(chunk);
        return Promise.resolve();
      });
      hasher.digest('binary');
      return ms;
    }
    case 'cipher-only':
    case 'cipher-and-digest': {
      const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
      return overChunks(chunkSize, bytes, async (chunk, i) => {
        const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv(i), tagLength: 128 }, key, chunk);
        if (method === 'cipher-and-digest') await crypto.subtle.digest('SHA-256', sealed);
      });
    }
  }
}

randomPool();

self.onmessage = (event: MessageEvent<CeilingRequest>) => {
  const request = event.data;
  const work =
    request.op === 'read'
      ? read(request.file, request.digest ?? false)
      : request.op === 'cipher'
        ? cipher(request.chunkSize, request.bytes, request.decrypt ?? false)
        : request.op === 'write'
          ? write(request.target, request.chunkSize, request.bytes)
          : digest(request.method, request.chunkSize, request.bytes);
  work.then(
    (ms) => {
      self.postMessage({ ms });
    },
    (error: unknown) => {
      self.postMessage({ error: String(error) });
    },
  );
};
