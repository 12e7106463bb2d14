/**
 * One reused buffer that outgoing bytes are copied into before a write, in
 * parts of at most `maxPart` bytes. The browser's temp-file sink writes from
 * it instead of from WebCrypto's output: each output is fresh memory, and
 * here a write from memory the kernel has never mapped cost more than the
 * copy (docs/performance.md).
 */
export class StagingBuffer {
  private buffer: Uint8Array<ArrayBuffer> = new Uint8Array(0);

  constructor(private readonly maxPart = 1 << 20) {}

  /**
   * `bytes` copied into this buffer, part by part. Each part is a view of the
   * same memory: finish with it (write it) before taking the next.
   */
  *parts(bytes: Uint8Array): Generator<Uint8Array<ArrayBuffer>> {
    for (let from = 0; from < bytes.length; ) {
      const part = bytes.subarray(from, from + this.maxPart);
      if (this.buffer.length < part.length) this.buffer = new Uint8Array(part.length);
      const staged = this.buffer.subarray(0, part.length);
      staged.set(part);
      yield staged;
      from += part.length;
    }
  }
}

