import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useAppStore } from '../../store/use-app-store.ts';
import { EscrowCaseDetails } from './escrow-case-details.tsx';
import { ESCROW_LIST_HEADING, EscrowList } from './escrow-list.tsx';
import { IssueRecoveryForm } from './issue-recovery-form.tsx';
import { ReceiptOption } from './receipt-option.tsx';
import { RecoverFileOption } from './recover-file-option.tsx';

/**
 * Journey 6, second part: escrow blobs (one, several, or the owner's register
 * zip), each checked; then one of them opened to decrypt the file or issue a
 * recovery blob.
 */
export function EscrowCasePanel() {
  const { escrowCase, listed, loadError, loadEscrowBlobs, closeEscrowCase } = useAppStore(
    useShallow((s) => ({
      escrowCase: s.escrowCase,
      listed: s.escrowList.length > 0,
      loadError: s.escrowLoadError,
      loadEscrowBlobs: s.loadEscrowBlobs,
      closeEscrowCase: s.closeEscrowCase,
    })),
  );
  const [checking, setChecking] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const hadCase = useRef(escrowCase !== null);
  useEffect(() => {
    // Close removes itself with the case: focus goes to the list the case came from, or to this section's heading
    // above the drop zone, not to the page body.
    if (hadCase.current && !escrowCase) (document.getElementById(ESCROW_LIST_HEADING) ?? heading.current)?.focus();
    hadCase.current = escrowCase !== null;
  }, [escrowCase]);
  const hadList = useRef(listed);
  useEffect(() => {
    // "Clear the list" removes itself with the list: focus goes to this section's heading above the drop zone.
    if (hadList.current && !listed && !escrowCase) heading.current?.focus();
    hadList.current = listed;
  }, [listed, escrowCase]);

  const open = async (files: File[]) => {
    if (files.length === 0) return;
    setChecking(true);
    try {
      await loadEscrowBlobs(files);
    } finally {
      setChecking(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="escrow-heading">
      <h2 id="escrow-heading" ref={heading} tabIndex={-1}>Recover from an escrow blob</h2>
      {!escrowCase ? (
        <>
          <p>
            Open the escrow blob (<code>NAME.keyward-escrow.json</code>) the owner sent you when they encrypted the file, several
            at once, or the register zip the owner exported: each blob is checked with your authority key pair or identity (a
            council’s blob: your own share, as a member of the council).
          </p>
          <DropZone
            label="Drop escrow blobs"
            hint="One or more .keyward-escrow.json files, or the owner’s register .zip"
            buttonLabel="Choose escrow blobs"
            accept=".json,.zip,application/json,application/zip"
            disabled={checking}
            onFiles={(files) => void open(files)}
          />
          {checking && <p role="status">Checking the escrow blobs…</p>}
          {loadError && <ErrorNotice error={loadError.error} subject={loadError.fileName} />}
          <EscrowList />
        </>
      ) : (
        <>
          <EscrowCaseDetails escrow={escrowCase} />
          {escrowCase.verified && escrowCase.blob.format === 'keyward-escrow/2' && <ReceiptOption />}
          {escrowCase.verified && (
            <>
              <p className="warning">Recover only after you have checked, by your own rules, that the person asking is the owner.</p>
              <div className="two-columns escrow-options">
                {/* councils: desk: one member's share never opens a council's file (the ceremony is the CLI's). */}
                {!escrowCase.member && <RecoverFileOption />}
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
