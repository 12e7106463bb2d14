import { memo } from 'react';
import { ChooseWhereToSave } from '../../components/choose-where-to-save.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { ProgressBar } from '../../components/progress-bar.tsx';
import { formatBytes } from '../../store/format.ts';
import { isBusy } from '../../store/jobs.ts';
import type { EncryptJob } from '../../store/types.ts';
import { useAppActions } from '../../store/use-app-store.ts';

const STATUS: Record<EncryptJob['status'], string> = {
  queued: 'Waiting',
  running: 'Encrypting…',
  done: 'Encrypted',
  failed: 'Not encrypted',
  cancelled: 'Cancelled. Nothing was saved.',
};

/**
 * One file being encrypted. Its downloads appear only once the store holds
 * the finished file and escrow blob, and the file is in the register.
 */
export const EncryptRow = memo(function EncryptRow({ job }: { job: EncryptJob }) {
  const { cancelEncrypt, downloadEncrypted, downloadEscrow, chooseWhereToSave } = useAppActions();
  const busy = isBusy(job);
  return (
    <li className="row" aria-label={job.fileName}>
      <div className="row__head">
        <span className="row__name">{job.fileName}</span>
        <span className="row__meta">{formatBytes(job.size)}</span>
      </div>
      <p className={`row__meta encrypt-row__status status--${job.status}`}>{STATUS[job.status]}</p>
      {job.awaitingTarget && busy && <ChooseWhereToSave name={job.outputName} choose={() => chooseWhereToSave(job.id)} />}
      {busy && (
        <div className="actions encrypt-row__progress">
          <ProgressBar done={job.done} total={job.size} label={`Encrypting ${job.fileName}`} timing={job} />
          <button type="button" className="button button--quiet button--small" onClick={() => { cancelEncrypt(job.id); }}>
            Cancel
          </button>
        </div>
      )}
      {job.status === 'done' && job.serial && job.output && job.escrowJson && (
        <>
          <p className="encrypt-row__serial">
            Serial <span className="serial">{job.serial}</span>
          </p>
          <div className="actions">
            {job.savedAs ? (
              <span className="row__meta">
                Saved as <bdi className="row__name">{job.savedAs}</bdi>
              </span>
            ) : (
              <>
                <button type="button" className="button button--small encrypt-row__download" onClick={() => { downloadEncrypted(job.id); }}>
                  <span>
                    Download <bdi>{job.outputName}</bdi>
                  </span>
                </button>
                {job.fileDownloaded && <span className="row__meta status--done">File downloaded</span>}
              </>
            )}
            <button type="button" className="button button--quiet button--small encrypt-row__download" onClick={() => { downloadEscrow(job.id); }}>
              <span>
                Download <bdi>{job.escrowName}</bdi>
              </span>
            </button>
            {job.escrowDownloaded && <span className="row__meta status--done">Escrow blob downloaded</span>}
          </div>
          {!job.fileDownloaded && !job.savedAs && (
            <p className="row__meta">The encrypted file exists only in this tab until you download it.</p>
          )}
        </>
      )}
      {job.status === 'failed' && job.error && <ErrorNotice error={job.error} />}
    </li>
  );
});
