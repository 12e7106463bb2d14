/**
 * Reads a dropped File for the crypto Worker, on a thread of its own: in
 * Chromium, reading a Blob and WebCrypto each need the calling thread, so one
 * thread can only take turns between them. This Worker reads slices and
 * transfers them (no copy) through the MessagePort it is given, at most
 * `ahead` slices before the crypto Worker acknowledges one.
 */
import type { ReaderMessage, ReaderRequest } from './parallel-read.ts';

self.onmessage = (event: MessageEvent<ReaderRequest>) => {
  const { file, sliceBytes, ahead, port } = event.data;
  // Changed by messages while the loop below awaits.
  const state = { credit: ahead, stopped: false, wake: null as (() => void) | null };
  port.onmessage = (message: MessageEvent<'more' | 'stop'>) => {
    if (message.data === 'stop') state.stopped = true;
    else state.credit++;
    state.wake?.();
    state.wake = null;
  };
  const post = (message: ReaderMessage, transfer: Transferable[] = []) => {
    port.postMessage(message, transfer);
  };
  void (async () => {
    try {
      const stopped = () => state.stopped;
      for (let offset = 0; offset < file.size && !stopped(); offset += sliceBytes) {
        while (state.credit === 0 && !stopped()) await new Promise<void>((resolve) => (state.wake = resolve));
        if (stopped()) break;
        const buffer = await file.slice(offset, offset + sliceBytes).arrayBuffer();
        state.credit--;
        // A file cut short on disk reads short: the core's size check reports it. (Measured before the transfer empties it.)
        const short = buffer.byteLength < Math.min(sliceBytes, file.size - offset);
        post({ kind: 'slice', buffer }, [buffer]);
        if (short) break;
      }
      post({ kind: 'end' });
    } catch (error) {
      post({ kind: 'error', name: error instanceof DOMException ? error.name : 'Error' });
    } finally {
      port.close();
    }
  })();
};
