import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import type { UiError } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { RegisterTable } from './register-table.tsx';

/** Journey 3: every file encrypted in this browser, with its escrow blob to download again or export for the authority. */
export function RegisterPanel() {
  const { register, registerLoaded, exportRegister } = useAppStore(
    useShallow((s) => ({ register: s.register, registerLoaded: s.registerLoaded, exportRegister: s.exportRegister })),
  );
  const [exportError, setExportError] = useState<UiError | null>(null);

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
          <RegisterTable entries={register} />
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
          </div>
          {exportError && <ErrorNotice error={exportError} subject="Export register" />}
        </>
      )}
    </section>
  );
}
