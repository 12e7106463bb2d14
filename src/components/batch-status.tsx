import type { BatchProgress } from '../store/jobs.ts';
import { ProgressBar } from './progress-bar.tsx';

/** "N of M files finished · K not <failed>" and, while a batch of several runs, its overall progress. */
export function BatchStatus({ batch, failed, label, always = false }: { batch: BatchProgress; failed: string; label: string; always?: boolean }) {
  if (!always && batch.count < 2) return null;
  return (
    <>
      <p className="row__meta" role="status">
        {batch.finished} of {batch.count} {batch.count === 1 ? 'file' : 'files'} finished
        {batch.succeeded < batch.finished && ` · ${String(batch.finished - batch.succeeded)} ${failed}`}
      </p>
      {batch.busy && batch.count > 1 && <ProgressBar done={batch.done} total={batch.total} label={label} />}
    </>
  );
}
