import { useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** The audit log, downloaded and its hash chain checked end to end here, in the browser. */
export function AuditCheck() {
  const { audit, checkAuditLog } = useAppStore(useShallow((s) => ({ audit: s.deskAudit, checkAuditLog: s.checkAuditLog })));
  const { busy, error, run } = useFormAction();
  const id = useId();
  return (
    <div role="group" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Audit log</h3>
      <p className="field-hint">
        Every enrolment, deposit, search, export and receipt is an entry of a hash chain. Keep the head shown and compare it with
        a later download: a log changed or cut short since then does not end at it.
      </p>
      <div className="actions">
        <button type="button" className="button" disabled={busy} onClick={() => void run(checkAuditLog)}>
          Download and verify the audit log
        </button>
        {busy && <span role="status">Verifying…</span>}
      </div>
      {error && <ErrorNotice error={error} />}
      <div aria-live="polite">
        {audit && !busy && 'head' in audit && (
          <div className="card" role="group" aria-label="Audit log verified">
            <p className="status--done">
              The audit log verifies: {audit.count} {audit.count === 1 ? 'entry' : 'entries'}, saved as <bdi>{audit.fileName}</bdi>.
            </p>
            <p>
              Head <code className="audit-head" data-head={audit.head}>{audit.head}</code>
            </p>
          </div>
        )}
        {audit && !busy && 'error' in audit && (
          <>
            <ErrorNotice error={audit.error} />
            <p>
              The copy was saved as <bdi>{audit.fileName}</bdi>.
            </p>
          </>
        )}
      </div>
    </div>
  );
}
