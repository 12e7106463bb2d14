import { type SubmitEvent, useEffect, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { IdentitySignInForm } from '../../components/private-identity-form.tsx';
import { KeyId } from '../../components/key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { formatDate } from '../../store/format.ts';
import type { CaseFile, CaseState, UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { CaseFiles, CaseSteps } from './case-steps.tsx';
import { caseStateText } from './case-text.ts';
import { IssueElsewhereHint, IssuedElsewhere, UploadOutcome } from './issued-elsewhere.tsx';

const STATES: readonly [CaseState, string][] = [
  ['open', 'Open'],
  ['verified', 'Verified'],
  ['ready', 'Ready'],
  ['refused', 'Refused'],
];

/**
 * Recovery cases at the authority's desk (authority mode, escrow service
 * configured): an officer or council member signs in with their private
 * identity (pasted, read from its file, or this desk's own stored one; held
 * in this page only), lists cases by state and opens one; an
 * officer records how the person's identity was checked, or refuses with a
 * reason (also a case verified by mistake, whose new identity is then
 * revoked); a council member issues a partial recovery blob here for each file
 * of their council and uploads it, and an officer signed in with the
 * authority identity a file is escrowed to issues and uploads its recovery
 * blob; any other officer uploads one issued where that key is kept.
 */
export function CaseDesk() {
  const { service, desk, findCaseService } = useAppStore(useShallow((s) => ({ service: s.caseService, desk: s.caseDesk, findCaseService: s.findCaseService })));
  useEffect(() => {
    void findCaseService();
  }, [findCaseService]);
  if (service !== 'ready') return null;
  return (
    <section className="panel" aria-labelledby="case-desk-heading">
      <h2 id="case-desk-heading">Recovery cases</h2>
      {desk ? <SignedIn /> : <SignInForm />}
    </section>
  );
}

function SignInForm() {
  const caseSignIn = useAppStore((s) => s.caseSignIn);
  return (
    <IdentitySignInForm
      name={{ label: 'Sign in for recovery cases' }}
      intro="Officers and council members sign in with their private identity. It is held in this page only, never stored, and forgotten when you sign out or close the page."
      fieldLabel="Your private identity for the escrow service (PEM or JWK)"
      submitLabel="Sign in to recovery cases"
      signIn={caseSignIn}
    />
  );
}

function SignedIn() {
  const { desk, cases, listedState, deskCase, listCases, openDeskCase, signOut } = useAppStore(
    useShallow((s) => ({
      desk: s.caseDesk!,
      cases: s.deskCases,
      listedState: s.deskCasesState,
      deskCase: s.deskCase,
      listCases: s.listCases,
      openDeskCase: s.openDeskCase,
      signOut: s.caseSignOut,
    })),
  );
  const [state, setState] = useState<CaseState>(desk.roles.includes('officer') ? 'open' : 'verified');
  const list = useFormAction();
  const open = useFormAction();
  const id = useId();
  return (
    <>
      <p role="status">
        Signed in as <bdi>{desk.name || 'an identity'}</bdi> <KeyId keyId={desk.identityId} /> ({desk.roles.join(', ') || 'no role'}).{' '}
        <button type="button" className="button button--quiet button--small" onClick={signOut}>
          Sign out
        </button>
      </p>
      <div className="actions">
        <label htmlFor={`${id}-state`}>Cases that are</label>
        <select id={`${id}-state`} value={state} onChange={(e) => { setState(e.target.value as CaseState); list.clearError(); }}>
          {STATES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <button type="button" className="button" disabled={list.busy} onClick={() => void list.run(() => listCases(state))}>
          List cases
        </button>
      </div>
      {list.error && <ErrorNotice error={list.error} />}
      {cases.length === 0 && !list.busy && !list.error && <p className="field-hint">No {listedState} cases listed.</p>}
      {cases.length > 0 && (
        <ul className="rows" aria-label="Recovery cases">
          {cases.map((c) => (
            <li className="row" key={c.caseId} aria-label={`Case ${c.caseId}`}>
              <div className="row__head">
                <bdi className="row__name">{c.name}</bdi>
                <span className="badge">{c.state}</span>
                <button type="button" className="button button--small" onClick={() => void open.run(() => openDeskCase(c.caseId))}>
                  Open case {c.caseId}
                </button>
              </div>
              <p className="row__meta">
                Opened {formatDate(c.openedAt)} for the lost identity <KeyId keyId={c.lostIdentityId} /> from the new identity <KeyId keyId={c.newIdentityId} />
              </p>
            </li>
          ))}
        </ul>
      )}
      {open.error && <ErrorNotice error={open.error} />}
      {deskCase && <DeskCase />}
    </>
  );
}

function DeskCase() {
  const { desk, detail, uploads, verify, refuse, uploadPartial, uploadRecovery } = useAppStore(
    useShallow((s) => ({
      desk: s.caseDesk!,
      detail: s.deskCase!,
      uploads: s.deskUploads,
      verify: s.verifyCase,
      refuse: s.refuseCase,
      uploadPartial: s.uploadPartial,
      uploadRecovery: s.uploadRecovery,
    })),
  );
  const officer = desk.roles.includes('officer');
  const member = desk.roles.includes('member');
  // A file escrowed to one identity, for an officer: issued here when that identity is the one signed in, else where its key is kept.
  const forOfficer = (file: CaseFile) => officer && file.authority.kind === 'identity';
  const elsewhere = (file: CaseFile) => forOfficer(file) && file.authority.id !== desk.identityId;
  return (
    <div className="card" role="group" aria-label={`Case ${detail.caseId}`}>
      <h3>
        Case <code className="case-id">{detail.caseId}</code>: <bdi>{detail.name}</bdi>
      </h3>
      <p role="status">{caseStateText(detail.state)}</p>
      <p>
        Lost identity <KeyId keyId={detail.lostIdentityId} />; new identity <KeyId keyId={detail.newIdentityId} />.
      </p>
      <h4>Steps</h4>
      <CaseSteps steps={detail.steps} me={desk.identityId} />
      <h4>Files</h4>
      {detail.state === 'verified' && detail.files.some(elsewhere) && <IssueElsewhereHint caseId={detail.caseId} />}
      <CaseFiles files={detail.files}>
        {(file) => {
          // Offered while the case is verified; what this desk did stays shown once the case moved on (ready).
          if (detail.state !== 'verified' && !uploads[file.fileId]) return null;
          if (member && file.authority.kind === 'council') return <UploadBlob file={file} kind="partial" onUpload={uploadPartial} outcome={uploads[file.fileId]} />;
          // A file escrowed to one identity: its recovery blob is issued by an officer signed in with that identity.
          if (forOfficer(file) && !elsewhere(file)) {
            return <UploadBlob file={file} kind="recovery blob" onUpload={uploadRecovery} outcome={uploads[file.fileId]} />;
          }
          if (elsewhere(file)) return <IssuedElsewhere file={file} outcome={uploads[file.fileId]} />;
          return null;
        }}
      </CaseFiles>
      {officer && detail.state === 'open' && (
        <>
          <p className="field-hint">
            Anyone may open a case for an identity. Verify this one only if the person you checked gives you its case number and its new identity ID; refuse
            the others.
          </p>
          <ReasonForm label="How you checked the person’s identity" button="Verify the case" action={verify} />
          <ReasonForm label="Why the case is refused" button="Refuse the case" action={refuse} />
        </>
      )}
      {officer && (detail.state === 'verified' || detail.state === 'ready') && (
        <>
          <p className="field-hint">
            Refuse this case if it was verified by mistake. Its new identity <KeyId keyId={detail.newIdentityId} /> is then revoked: it no longer acts as{' '}
            <bdi>{detail.name}</bdi>, deposits nothing, reads none of their records and is never enrolled again, and the case’s recovery blobs are not handed
            out again.
            {detail.state === 'ready' && ' The case is ready: if its blobs were downloaded (see the steps), the files they open may be recovered already.'}
          </p>
          <ReasonForm label="Why the case is refused" button="Refuse the case and revoke its identity" action={refuse} />
        </>
      )}
    </div>
  );
}

function UploadBlob({
  file,
  kind,
  onUpload,
  outcome,
}: {
  file: CaseFile;
  kind: 'partial' | 'recovery blob';
  onUpload: (fileId: string) => Promise<unknown>;
  outcome: { done: true } | { error: UiError } | undefined;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <div className="actions">
      <button
        type="button"
        className="button button--small"
        disabled={busy || (outcome !== undefined && 'done' in outcome)}
        onClick={() => {
          setBusy(true);
          void onUpload(file.fileId).finally(() => { setBusy(false); });
        }}
      >
        Issue and upload {kind} for {file.serial}
      </button>
      {busy && <span role="status">Issuing…</span>}
      <UploadOutcome what={kind === 'partial' ? 'Partial' : 'Recovery blob'} file={file} outcome={outcome} />
    </div>
  );
}

function ReasonForm({ label, button, action }: { label: string; button: string; action: (text: string) => Promise<UiError | null> }) {
  const [text, setText] = useState('');
  const { busy, error, run, clearError } = useFormAction();
  const id = useId();
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void run(() => action(text));
  };
  return (
    <form className="authority-form" aria-label={button} onSubmit={submit}>
      <label htmlFor={id}>{label}</label>
      <textarea id={id} value={text} onChange={(e) => { setText(e.target.value); clearError(); }} />
      <div className="actions">
        <button type="submit" className="button" disabled={busy || text.trim() === ''}>
          {button}
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
    </form>
  );
}
