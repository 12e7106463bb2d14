/**
 * The ceilings the app's pipeline is measured against, in a Worker as the
 * app's crypto runs: reading a disk-backed File through the app's own source
 * (`readPiecesOffThread`: 8 MiB pieces read by the reader Worker into reused
 * buffers and handed over) with the bytes discarded, and raw WebCrypto
 * AES-256-GCM over in-memory chunks, one call after another.
 */
import { readPiecesOffThread } from '../../src/io/remote-pieces.ts';

export type CeilingRequest = { op: 'read'; file: File } | { op: 'cipher'; chunkSize: number; bytes: number };

async function read(file: File): Promise<number> {
  const started = performance.now();
  const reader = readPiecesOffThread(file);
  let total = 0;
  for (;;) {
    const piece = await reader.next();
    if (!piece) break;
    total += piece.length;
    reader.release(piece);
  }
  if (total !== file.size) throw new Error(`read ${String(total)} of ${String(file.size)} bytes`);
  return performance.now() - started;
}

async function cipher(chunkSize: number, bytes: number): Promise<number> {
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt']);
  // 32 MiB of random plaintext, cycled through chunk by chunk.
  const pool = new Uint8Array(32 * 1024 * 1024);
  for (let at = 0; at < pool.length; at += 65_536) crypto.getRandomValues(pool.subarray(at, at + 65_536));
  const iv = new Uint8Array(12);
  const started = performance.now();
  let offset = 0;
  for (let done = 0, i = 0; done < bytes; done += chunkSize, i++) {
    new DataView(iv.buffer).setUint32(8, i);
    if (offset + chunkSize > pool.length) offset = 0;
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, pool.subarray(offset, offset + chunkSize));
    offset += chunkSize;
  }
  return performance.now() - started;
}

self.onmessage = (event: MessageEvent<CeilingRequest>) => {
  const request = event.data;
  const work = request.op === 'read' ? read(request.file) : cipher(request.chunkSize, request.bytes);
  work.then(
    (ms) => {
      self.postMessage({ ms });
    },
    (error: unknown) => {
      self.postMessage({ error: String(error) });
    },
  );
};
