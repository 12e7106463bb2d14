/**
 * The helper Worker of `payload-parts.ts`: runs the second part of a payload
 * into a temp file of its own, reports the input bytes it handled (every
 * 100 ms) and stops on 'stop'. It has closed its file before it says it is
 * done, and removed it before it says it failed.
 */
import { type PositionalSink, openTempSink } from './output-sink.ts';
import { PROGRESS_INTERVAL_MS, type PartJob, type PartMessage, runPart } from './payload-part.ts';
import { toWireError } from './wire-error.ts';

const stopped = new AbortController();
const post = (message: PartMessage) => {
  self.postMessage(message);
};

async function run(job: PartJob): Promise<void> {
  let sink: PositionalSink | null = null;
  let unreported = 0;
  let last = Date.now();
  try {
    sink = await openTempSink(job.target);
    if (!sink) throw new Error('no synchronous access handles in this Worker');
    const into = sink;
    await runPart(
      job,
      (chunk, at) => {
        into.writeAt(chunk, at);
      },
      stopped.signal,
      (bytes) => {
        unreported += bytes;
        if (Date.now() - last < PROGRESS_INTERVAL_MS) return;
        last = Date.now();
        post({ kind: 'progress', bytes: unreported });
        unreported = 0;
      },
    );
    await into.close();
    if (unreported > 0) post({ kind: 'progress', bytes: unreported });
    post({ kind: 'done' });
  } catch (error) {
    await sink?.abort();
    post({ kind: 'error', error: toWireError(error, stopped.signal) });
  }
}

self.onmessage = (event: MessageEvent<PartJob | 'stop'>) => {
  if (event.data === 'stop') stopped.abort(new DOMException('Stopped', 'AbortError'));
  else void run(event.data);
};
