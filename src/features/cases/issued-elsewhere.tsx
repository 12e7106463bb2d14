import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import type { CaseFile, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * For a case's files escrowed to an authority identity that is not signed in
 * here (its key kept offline): once per case, what `keyward reissue` needs
 * besides each file's escrow blob, the case's new identity.
 */
export function IssueElsewhereHint({ caseId }: { caseId: string }) {
  const downloadCaseIdentity = useAppStore((s) => s.downloadCaseIdentity);
  const [error, setError] = useState<UiError | null>(null);
  return (
    <div className="field-hint">
      <p>
        A file escrowed to an authority whose key is not signed in here gets its recovery blob where that key is kept. Download the case’s new identity
        and the file’s escrow blob, run{' '}
        <code>
          keyward reissue SERIAL.escrow.json --authority-key AUTHORITY.pem --to case-{caseId}.pub.pem --out SERIAL.recovery.json
        </code>{' '}
        there, and upload what it writes.
      </p>
      <div className="actions">
        <button type="button" className="button button--small" onClick={() => void downloadCaseIdentity().then(setError)}>
          Download the new identity (PEM)
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
    </div>
  );
}

/** What this desk's upload for a file came to: uploaded (`what` for SERIAL uploaded.), or the refusal's sentence. */
export function UploadOutcome({ what, file, outcome }: { what: string; file: CaseFile; outcome: { done: true } | { error: UiError } | undefined }) {
  if (!outcome) return null;
  if ('error' in outcome) return <ErrorNotice error={outcome.error} />;
  return (
    <span role="status" className="status--done">
      {what} for {file.serial} uploaded.
    </span>
  );
}

/** One such file: its escrow blob to download, and the recovery blob issued elsewhere to upload (the service checks it). */
export function IssuedElsewhere({ file, outcome }: { file: CaseFile; outcome: { done: true } | { error: UiError } | undefined }) {
  const { downloadCaseEscrow, uploadIssuedRecovery } = useAppStore(
    useShallow((s) => ({ downloadCaseEscrow: s.downloadCaseEscrow, uploadIssuedRecovery: s.uploadIssuedRecovery })),
  );
  const [busy, setBusy] = useState(false);
  const [downloadError, setDownloadError] = useState<UiError | null>(null);
  const id = useId();
  const done = outcome !== undefined && 'done' in outcome;
  return (
    <div className="actions">
      <button type="button" className="button button--small" onClick={() => void downloadCaseEscrow(file.fileId).then(setDownloadError)}>
        Download escrow blob for {file.serial}
      </button>
      {downloadError && <ErrorNotice error={downloadError} />}
      <label htmlFor={id}>Upload the recovery blob for {file.serial}</label>
      <input
        id={id}
        type="file"
        accept=".json,application/json"
        disabled={busy || done}
        onChange={(event) => {
          const chosen = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (!chosen) return;
          setBusy(true);
          void uploadIssuedRecovery(file.fileId, chosen).finally(() => { setBusy(false); });
        }}
      />
      {busy && <span role="status">Uploading…</span>}
      <UploadOutcome what="Recovery blob" file={file} outcome={outcome} />
    </div>
  );
}
