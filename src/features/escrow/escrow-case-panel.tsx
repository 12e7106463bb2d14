import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useAppStore } from '../../store/use-app-store.ts';
import { EscrowCaseDetails } from './escrow-case-details.tsx';
import { IssueRecoveryForm } from './issue-recovery-form.tsx';
import { RecoverFileOption } from './recover-file-option.tsx';

/** Journey 6, second part: one escrow blob, checked, then the file decrypted or a recovery blob issued. */
export function EscrowCasePanel() {
  const { escrowCase, loadError, loadEscrowBlob, closeEscrowCase } = useAppStore(
    useShallow((s) => ({
      escrowCase: s.escrowCase,
      loadError: s.escrowLoadError,
      loadEscrowBlob: s.loadEscrowBlob,
      closeEscrowCase: s.closeEscrowCase,
    })),
  );
  const [checking, setChecking] = useState(false);

  const open = async (files: File[]) => {
    if (!files[0]) return;
    setChecking(true);
    try {
      await loadEscrowBlob(files[0]);
    } finally {
      setChecking(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="escrow-heading">
      <h2 id="escrow-heading">Recover from an escrow blob</h2>
      {!escrowCase ? (
        <>
          <p>
            Open the escrow blob (<code>NAME.keyward-escrow.json</code>) the owner sent you when they encrypted the file.
          </p>
          <DropZone
            label="Drop an escrow blob"
            hint="A .keyward-escrow.json file"
            buttonLabel="Choose escrow blob"
            accept=".json,application/json"
            multiple={false}
            disabled={checking}
            onFiles={(files) => void open(files)}
          />
          {checking && <p role="status">Checking the escrow blob…</p>}
          {loadError && <ErrorNotice error={loadError.error} subject={loadError.fileName} />}
        </>
      ) : (
        <>
          <EscrowCaseDetails escrow={escrowCase} />
          {escrowCase.verified && (
            <>
              <p className="warning">Recover only after you have checked, by your own rules, that the person asking is the owner.</p>
              <div className="two-columns escrow-options">
                <RecoverFileOption />
                <IssueRecoveryForm />
              </div>
            </>
          )}
          <div className="actions escrow-case__close">
            <button type="button" className="button button--quiet" onClick={closeEscrowCase}>
              Close
            </button>
          </div>
        </>
      )}
    </section>
  );
}
