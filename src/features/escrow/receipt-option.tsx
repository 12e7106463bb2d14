import { useId } from 'react';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * The authority's answer to a good signed blob (spec v2 §5): a receipt signed
 * by its identity, which the owner imports to see the file "confirmed by" it.
 */
export function ReceiptOption() {
  const downloadReceipt = useAppStore((s) => s.downloadReceipt);
  const saved = useAppStore((s) => s.escrowCase?.receipt?.name);
  const member = useAppStore((s) => s.escrowCase?.member !== undefined);
  const { busy, error, run } = useFormAction();
  const id = useId();
  return (
    <div className="escrow-option" role="group" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>Confirm receipt to the owner</h3>
      <p className="field-hint">
        {member
          ? 'A receipt signed with your identity: the owner imports it, and their app shows this file as confirmed by you, a member of the council.'
          : 'A receipt signed with your identity: the owner imports it, and their app shows this file as escrowed with you and confirmed.'}
      </p>
      <div className="actions">
        <button type="button" className="button" disabled={busy} onClick={() => void run(downloadReceipt)}>
          Download receipt
        </button>
      </div>
      {error && <ErrorNotice error={error} />}
      {saved && !error && (
        <p className="status--done" role="status">
          Saved <bdi className="row__name">{saved}</bdi>. Send it to the owner.
        </p>
      )}
    </div>
  );
}
