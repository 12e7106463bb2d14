/**
 * The reader Worker: reads files for the crypto Worker on a thread of its
 * own, so that reading and encryption run side by side (`remote-pieces.ts`
 * says why). Each request brings a Blob and a MessagePort; pieces go out over
 * the port by transfer, and come back the same way to be filled again.
 */
import { type PieceReader, readPieces } from './piece-reader.ts';
import type { ReaderReply, ReaderRequest, ReaderReturn } from './remote-pieces.ts';

function serve({ blob, pieceSize, ahead, port }: ReaderRequest): void {
  const reader: PieceReader = readPieces(blob, pieceSize, ahead + 1);
  // Changed by messages while the loop below awaits.
  const state = { out: 0, stopped: false, wake: null as (() => void) | null };
  port.onmessage = (event: MessageEvent<ReaderReturn>) => {
    if (event.data === 'stop') state.stopped = true;
    else {
      state.out--;
      reader.release(new Uint8Array(event.data));
    }
    state.wake?.();
    state.wake = null;
  };
  const post = (reply: ReaderReply, transfer: Transferable[] = []) => {
    port.postMessage(reply, transfer);
  };
  void (async () => {
    try {
      for (;;) {
        // At most `ahead` pieces are out at once; the buffer left over is read into meanwhile.
        while (state.out >= ahead && !state.stopped) await new Promise<void>((resolve) => (state.wake = resolve));
        if (state.stopped) break;
        const piece = await reader.next();
        if (!piece) {
          post({ kind: 'end' });
          break;
        }
        state.out++;
        post({ kind: 'piece', buffer: piece.buffer, length: piece.length }, [piece.buffer]);
      }
    } catch (error) {
      post({ kind: 'error', name: error instanceof DOMException ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) });
    } finally {
      await reader.cancel();
      port.close();
    }
  })();
}

self.onmessage = (event: MessageEvent<ReaderRequest>) => {
  serve(event.data);
};
