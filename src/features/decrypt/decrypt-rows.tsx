import { useShallow } from 'zustand/react/shallow';
import { BatchStatus } from '../../components/batch-status.tsx';
import { RowList } from '../../components/row-list.tsx';
import { useProgressiveCount } from '../../components/use-progressive-count.ts';
import { useValuePerFrame } from '../../components/use-value-per-frame.ts';
import { batchProgress } from '../../store/jobs.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { DecryptRow } from '../../components/decrypt-row.tsx';

/** The owner's rows: files opened with their own keys or with a recovery blob. */
export function DecryptRows() {
  const jobs = useAppStore(useShallow((s) => s.decryptJobs.filter((job) => job.via !== 'escrow')));
  const rows = useValuePerFrame(jobs);
  const clearDecryptJobs = useAppStore((s) => s.clearDecryptJobs);
  const shown = useProgressiveCount(jobs.length);
  if (jobs.length === 0) return null;
  const anyFinished = jobs.some((job) => job.status !== 'queued' && job.status !== 'running');
  return (
    <>
      <BatchStatus batch={batchProgress(jobs)} failed="not opened" label="Decrypting all files" />
      <RowList jobs={rows} shown={shown} label="Files being decrypted" Row={DecryptRow} />
      <div className="actions decrypt-rows__actions">
        <button
          type="button"
          className="button button--quiet button--small"
          disabled={!anyFinished}
          onClick={() => { clearDecryptJobs(['own-key', 'recovery']); }}
        >
          Clear finished
        </button>
      </div>
    </>
  );
}
