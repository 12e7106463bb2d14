import { KeywardError } from '../core/index.ts';
import { fromWireError } from './crypto-client.ts';
import { toWireError } from './crypto-handlers.ts';
import { type OutputSink, openSink, writeToSink } from './output-sink.ts';

const chunks = (...sizes: number[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      sizes.forEach((size, i) => {
        controller.enqueue(new Uint8Array(size).fill(i + 1));
      });
      controller.close();
    },
  });

describe('output sinks', () => {
  it('keep a stream in memory where there is no disk target, committed only at the end', async () => {
    const blob = await writeToSink(chunks(3, 2), await openSink(undefined, 'text/plain'));
    expect(blob.type).toBe('text/plain');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([1, 1, 1, 2, 2]);
  });

  it('abort the sink and cancel the source when the stream fails, and hand out nothing', async () => {
    let cancelled: unknown;
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('chunk 3 failed'));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const calls: string[] = [];
    const sink: OutputSink = {
      write: () => void calls.push('write'),
      close: () => Promise.resolve((calls.push('close'), new Blob())),
      abort: () => Promise.resolve(void calls.push('abort')),
    };
    await expect(writeToSink(failing, sink)).rejects.toThrow('chunk 3 failed');
    expect(calls).toEqual(['abort']);
    expect(cancelled).toBeUndefined(); // an errored stream needs no cancel

    // A full disk: the write fails, the sink is aborted and the reading stops.
    const space = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new Uint8Array(1));
      },
      cancel(reason) {
        cancelled = reason;
      },
    });
    const full: OutputSink = {
      write: () => {
        throw new KeywardError('NO_SPACE');
      },
      close: () => Promise.resolve(new Blob()),
      abort: () => Promise.resolve(void calls.push('abort')),
    };
    await expect(writeToSink(space, full)).rejects.toMatchObject({ code: 'NO_SPACE' });
    expect(cancelled).toMatchObject({ code: 'NO_SPACE' });
    expect(calls).toEqual(['abort', 'abort']);
  });

  it('cross to the page as NO_SPACE with a sentence to act on', () => {
    const failure = fromWireError(toWireError(new KeywardError('NO_SPACE')));
    expect(failure).toBeInstanceOf(KeywardError);
    expect(failure).toMatchObject({ code: 'NO_SPACE' });
    expect(failure.message).toBe('There is not enough free disk space (or storage this site may use) for the output. Nothing was saved; free some space and try again.');
  });
});
