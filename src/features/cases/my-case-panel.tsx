import { type SubmitEvent, useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { formatDate } from '../../store/format.ts';
import type { CaseFile, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { CaseFiles, CaseSteps } from './case-steps.tsx';
import { caseStateText } from './case-text.ts';

/**
 * The owner who lost a key, in a new browser with a new identity: opens a
 * recovery case at the escrow service for the lost identity, follows its
 * steps, and once it is ready downloads the recovery blobs and opens each
 * file with them (a row under “Files being decrypted”). Shown only where an
 * escrow service is configured.
 */
export function MyCasePanel() {
  const { service, myCase, loadMyCase } = useAppStore(useShallow((s) => ({ service: s.caseService, myCase: s.myCase, loadMyCase: s.loadMyCase })));
  useEffect(() => {
    void loadMyCase();
  }, [loadMyCase]);
  if (service !== 'ready') return null;
  return (
    <section className="recover-panel" aria-labelledby="my-case-heading">
      <h2 id="my-case-heading">Recovery case</h2>
      {myCase ? <MyCase /> : <OpenCaseForm />}
    </section>
  );
}

function OpenCaseForm() {
  const openCase = useAppStore((s) => s.openCase);
  const [lost, setLost] = useState('');
  const [note, setNote] = useState('');
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void run(() => openCase({ lostIdentityId: lost, note }));
  };
  return (
    <form onSubmit={submit} aria-label="Open a recovery case">
      <p>
        Lost the key pair your files were escrowed with? Open a case with the escrow service from this browser’s new identity.
        An officer checks who you are; then your authority (or enough members of its council) send recovery blobs made for
        your new identity, and you open your files here.
      </p>
      <label htmlFor={`${id}-lost`}>Your lost identity ID</label>
      <input id={`${id}-lost`} value={lost} spellCheck={false} autoComplete="off" placeholder="SHA256:…" onChange={(e) => { setLost(e.target.value); clearError(); }} />
      <label htmlFor={`${id}-note`}>Note for the officer</label>
      <textarea id={`${id}-note`} value={note} onChange={(e) => { setNote(e.target.value); clearError(); }} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy || lost.trim() === ''}>
          Open recovery case
        </button>
        {busy && <span role="status">Opening the case…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}

function MyCase() {
  const { myCase, refresh, download, forget } = useAppStore(
    useShallow((s) => ({ myCase: s.myCase!, refresh: s.refreshMyCase, download: s.downloadCaseBlobs, forget: s.forgetMyCase })),
  );
  const check = useFormAction();
  const blobs = useFormAction();
  const { detail } = myCase;
  return (
    <div className="card" role="group" aria-label="Your recovery case">
      <p>
        Case <code className="case-id">{myCase.caseId}</code>
        {detail && <> for the lost identity <KeyId keyId={detail.lostIdentityId} />, opened {formatDate(detail.openedAt)}</>}.
      </p>
      <p className="case-applicant">
        Opened from this browser’s new identity <KeyId keyId={myCase.identityId} />. Anyone may open a case for an identity, so when an officer checks who you
        are, tell them this case number and this identity ID: they verify the case that carries it.
      </p>
      {detail && (
        <p role="status" className={detail.state === 'ready' ? 'status--done' : detail.state === 'refused' ? 'warning' : ''}>
          {caseStateText(detail.state)}
        </p>
      )}
      {myCase.error && !check.error && <ErrorNotice error={myCase.error} />}
      <div className="actions">
        <button type="button" className="button button--small" disabled={check.busy} onClick={() => void check.run(refresh)}>
          Check the case again
        </button>
        {detail?.state === 'refused' && (
          <button type="button" className="button button--quiet button--small" onClick={() => void forget()}>
            Forget this case
          </button>
        )}
      </div>
      {check.error && <ErrorNotice error={check.error} />}
      {detail && (
        <>
          <h3>Steps</h3>
          <CaseSteps steps={detail.steps} me={myCase.identityId} />
          <h3>Files</h3>
          <CaseFiles files={detail.files}>{(file) => myCase.blobs && <OpenWithCase file={file} />}</CaseFiles>
        </>
      )}
      {detail?.state === 'ready' && !myCase.blobs && (
        <div className="actions">
          <button type="button" className="button" disabled={blobs.busy} onClick={() => void blobs.run(download)}>
            Download recovery blobs
          </button>
          {blobs.busy && <span role="status">Downloading…</span>}
        </div>
      )}
      {blobs.error && <ErrorNotice error={blobs.error} />}
    </div>
  );
}

/** One file of a ready case: the owner picks its .keyward file, opened with the case's blobs for it. */
function OpenWithCase({ file }: { file: CaseFile }) {
  const decryptWithCase = useAppStore((s) => s.decryptWithCase);
  const [error, setError] = useState<UiError | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const id = useId();
  return (
    <div className="actions">
      <label htmlFor={id}>Choose the encrypted file {file.serial}</label>
      <input
        id={id}
        type="file"
        accept=".keyward"
        onChange={(event) => {
          const chosen = event.currentTarget.files?.[0];
          event.currentTarget.value = '';
          if (!chosen) return;
          const failed = decryptWithCase(file.fileId, chosen);
          setError(failed);
          setStarted(failed ? null : chosen.name);
        }}
      />
      {started && (
        <p role="status" className="field-hint">
          Opening <bdi>{started}</bdi>: see its row under “Files being decrypted”.
        </p>
      )}
      {error && <ErrorNotice error={error} />}
    </div>
  );
}
