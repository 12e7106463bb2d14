import { memo } from 'react';
import { ChooseWhereToSave } from './choose-where-to-save.tsx';
import { ErrorNotice } from './error-notice.tsx';
import { KeyId } from './key-id.tsx';
import { ProgressBar } from './progress-bar.tsx';
import { formatBytes, formatDate } from '../store/format.ts';
import { isBusy } from '../store/jobs.ts';
import { decryptedName } from '../store/names.ts';
import type { DecryptJob } from '../store/types.ts';
import { useAppActions } from '../store/use-app-store.ts';

const STATUS: Record<DecryptJob['status'], string> = {
  queued: 'Waiting',
  running: 'Decrypting…',
  done: 'Verified',
  failed: 'Not opened',
  cancelled: 'Cancelled',
};

/**
 * One file being decrypted. A download is offered only once the store holds
 * the verified output (spec §7): a file that failed shows its error instead.
 */
export const DecryptRow = memo(function DecryptRow({ job }: { job: DecryptJob }) {
  const { cancelDecrypt, downloadDecrypted, chooseWhereToSaveDecrypted: chooseWhereToSave } = useAppActions();
  const busy = isBusy(job);
  return (
    <li className="row" aria-label={job.fileName}>
      <div className="row__head">
        <span className="row__name">{job.fileName}</span>
        <span className={`row__meta status--${job.status}`}>
          {STATUS[job.status]}
          {job.via === 'recovery' && ' · with a recovery blob'}
          {job.via === 'escrow' && ' · with the escrow blob'}
        </span>
      </div>
      {job.awaitingTarget && busy && <ChooseWhereToSave choose={() => chooseWhereToSave(job.id)} />}
      {busy && (
        <div className="actions decrypt-row__progress">
          <ProgressBar done={job.done} total={job.size} label={`Decrypting ${job.fileName}`} timing={job} />
          <button type="button" className="button button--quiet button--small" onClick={() => { cancelDecrypt(job.id); }}>
            Cancel
          </button>
        </div>
      )}
      {job.status === 'done' && job.output && job.meta && (
        <div className="actions">
          <span className="row__meta">
            <bdi className="row__name">{job.meta.name}</bdi> · {formatBytes(job.meta.size)} · modified {formatDate(job.meta.lastModified)}
          </span>
          {job.signedBy !== undefined && (
            <span className="row__meta decrypt-row__signer">
              {job.signedBy === null ? (
                'unsigned (v1)'
              ) : job.signedBy.byMe ? (
                'Signed by you'
              ) : (
                <>
                  Signed by <KeyId keyId={job.signedBy.id} />
                </>
              )}
            </span>
          )}
          {job.savedAs ? (
            <span className="row__meta">
              Saved as <bdi className="row__name">{job.savedAs}</bdi>
            </span>
          ) : (
            <button type="button" className="button button--small" onClick={() => { downloadDecrypted(job.id); }}>
              <span>
                Download <bdi>{decryptedName(job.meta.name, job.fileName)}</bdi>
              </span>
            </button>
          )}
        </div>
      )}
      {job.status === 'failed' && job.error && <ErrorNotice error={job.error} />}
      {job.status === 'cancelled' && <p className="row__meta">Cancelled. Nothing was saved.</p>}
    </li>
  );
});
