import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { RowList } from '../../components/row-list.tsx';
import { BatchStatus } from '../../components/batch-status.tsx';
import { useProgressiveCount } from '../../components/use-progressive-count.ts';
import { useValuePerFrame } from '../../components/use-value-per-frame.ts';
import { batchProgress } from '../../store/jobs.ts';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { EncryptRow } from './encrypt-row.tsx';

/** The rows of files being encrypted, the batch's progress, and what to do with all of them. */
export function EncryptRows() {
  const jobs = useAppStore((s) => s.encryptJobs);
  const rows = useValuePerFrame(jobs);
  const batch = useAppStore(useShallow((s) => batchProgress(s.encryptJobs)));
  const { downloadAllEncrypted, clearEncryptJobs } = useAppStore(
    useShallow((s) => ({ downloadAllEncrypted: s.downloadAllEncrypted, clearEncryptJobs: s.clearEncryptJobs })),
  );
  const [zipError, setZipError] = useState<UiError | null>(null);
  const shown = useProgressiveCount(jobs.length);
  if (jobs.length === 0) return null;
  const anyFinished = jobs.some((job) => job.status !== 'queued' && job.status !== 'running');

  return (
    <div className="encrypt-rows">
      <BatchStatus batch={batch} failed="not encrypted" label="Encrypting all files" always />
      <RowList jobs={rows} shown={shown} label="Files being encrypted" Row={EncryptRow} />
      <div className="actions encrypt-rows__actions">
        <button
          type="button"
          className="button"
          disabled={batch.succeeded === 0}
          onClick={() => {
            setZipError(null);
            void downloadAllEncrypted().then(setZipError);
          }}
        >
          Download all as zip
        </button>
        <button type="button" className="button button--quiet" disabled={!anyFinished} onClick={clearEncryptJobs}>
          Clear finished
        </button>
      </div>
      {zipError && <ErrorNotice error={zipError} subject="Download all as zip" />}
    </div>
  );
}
