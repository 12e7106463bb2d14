import { memo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { BatchStatus } from '../../components/batch-status.tsx';
import { useProgressiveCount } from '../../components/use-progressive-count.ts';
import { useValuePerFrame } from '../../components/use-value-per-frame.ts';
import { batchProgress } from '../../store/jobs.ts';
import type { DecryptJob } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { DecryptRow } from '../../components/decrypt-row.tsx';

/** The first `shown` rows; given the jobs at most once per frame, as the encrypt rows are. */
const DecryptRowList = memo(function DecryptRowList({ jobs, shown }: { jobs: readonly DecryptJob[]; shown: number }) {
  return (
    <ul className="rows" aria-label="Files being decrypted">
      {jobs.slice(0, shown).map((job) => (
        <DecryptRow key={job.id} job={job} />
      ))}
    </ul>
  );
});

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
      <DecryptRowList jobs={rows} shown={shown} />
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
