import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { DropZone } from '../../components/drop-zone.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { type FileWhere, RegisterTable } from './register-table.tsx';

/** Journey 3: every file encrypted in this browser, with its escrow blob to download again or export for the authority. */
export function RegisterPanel() {
  const { register, registerLoaded, exportRegister, clearRegister } = useAppStore(
    useShallow((s) => ({ register: s.register, registerLoaded: s.registerLoaded, exportRegister: s.exportRegister, clearRegister: s.clearRegister })),
  );
  const encryptJobs = useAppStore((s) => s.encryptJobs);
  // Encrypted files live only in this tab's rows: the register says honestly which ones are still here.
  const where = useMemo(() => {
    const map = new Map<string, FileWhere>();
    for (const job of encryptJobs) {
      if (job.status !== 'done' || !job.fileId) continue;
      map.set(job.fileId, job.fileDownloaded || job.savedAs ? 'downloaded' : 'in-tab');
    }
    return map;
  }, [encryptJobs]);
  const [exportError, setExportError] = useState<UiError | null>(null);
  const [clearError, setClearError] = useState<UiError | null>(null);
  const importReceipt = useAppStore((s) => s.importReceipt);
  const [receiptError, setReceiptError] = useState<UiError | null>(null);
  const [receiptBusy, setReceiptBusy] = useState(false);
  const takeReceipt = (file: File) => {
    setReceiptBusy(true);
    setReceiptError(null);
    void importReceipt(file).then((failure) => {
      setReceiptBusy(false);
      setReceiptError(failure);
    });
  };
  const [confirming, setConfirming] = useState(false);

  return (
    <section className="register-panel" aria-labelledby="register-heading">
      <h2 id="register-heading">Escrow register</h2>
      <p>
        Your backup authority can only help with a file whose escrow blob it holds. Download a blob again here, or export
        the whole register (an index and every blob) to hand over in one go.
      </p>
      {!registerLoaded ? (
        <p role="status">Opening the register…</p>
      ) : register.length === 0 ? (
        <p>Nothing encrypted here yet.</p>
      ) : (
        <>
          <RegisterTable entries={register} where={where} />
          <DropZone
            label="Drop a receipt from your backup authority"
            hint="The .keyward-receipt.json file your backup authority (or a member of your council) sent: the file it names is then shown as confirmed."
            buttonLabel="Choose receipt file"
            accept=".json,application/json"
            multiple={false}
            disabled={receiptBusy}
            onFiles={(files) => {
              takeReceipt(files[0]!);
            }}
          />
          {receiptBusy && <p role="status">Checking the receipt…</p>}
          {receiptError && <ErrorNotice error={receiptError} subject="Receipt" />}
          <div className="actions register-panel__actions">
            <button
              type="button"
              className="button"
              onClick={() => {
                setExportError(null);
                void exportRegister().then(setExportError);
              }}
            >
              Export register for the authority
            </button>
            <span className="field-hint">A zip with register.csv and every escrow blob, named by serial.</span>
            <button type="button" className="button button--quiet" onClick={() => { setClearError(null); setConfirming(true); }}>
              Clear register…
            </button>
          </div>
          {exportError && <ErrorNotice error={exportError} subject="Export register" />}
          {clearError && <ErrorNotice error={clearError} subject="Clear register" />}
          <ConfirmDialog
            open={confirming}
            title="Clear the escrow register?"
            confirmLabel="Clear register"
            danger
            onCancel={() => { setConfirming(false); }}
            onConfirm={() => {
              setConfirming(false);
              void clearRegister().then(setClearError);
            }}
          >
            {confirming && (
              <p>
                All {register.length} {register.length === 1 ? 'entry' : 'entries'} and their escrow blobs are removed from this browser. Your
                encrypted files and keys stay as they are, but a blob your backup authority does not hold yet cannot be handed over later.
                Export the register first if you are not sure.
              </p>
            )}
          </ConfirmDialog>
        </>
      )}
    </section>
  );
}
