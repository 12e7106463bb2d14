import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { formatDate } from '../../store/format.ts';
import type { StoredCouncil } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { CouncilFacts } from './council-facts.tsx';
import { councilName } from './council-name.ts';
import { NotKeptNote } from './not-kept-note.tsx';

/** One pinned council, listed with the authority keys: what it is, its council ID, and removing it. */
export function CouncilCard({ council }: { council: StoredCouncil }) {
  const removeCouncil = useAppStore((s) => s.removeCouncil);
  const [open, setOpen] = useState(false);
  const { error, run } = useFormAction();
  const name = councilName(council);
  return (
    <li className="key-card" aria-label={name}>
      <div className="row__head">
        <strong className="row__name">{name}</strong>
        <span className="badge">Backup council</span>
      </div>
      <CouncilFacts council={council} />
      <p className="actions key-card__badges">
        <span className="badge badge--ok">Council ID confirmed {formatDate(council.pinnedAt)}</span>
      </p>
      <NotKeptNote kind="council" id={council.id} />
      <div className="actions">
        <button type="button" className="button button--quiet button--small" onClick={() => { setOpen(true); }}>
          Remove…
        </button>
      </div>
      <ConfirmDialog
        open={open}
        title="Remove this council?"
        confirmLabel="Remove council"
        danger
        onCancel={() => { setOpen(false); }}
        onConfirm={() => {
          setOpen(false);
          void run(() => removeCouncil(council.id));
        }}
      >
        {open && (
          <>
            <p>
              <strong className="row__name">{name}</strong>
            </p>
            <p>
              New files can no longer be escrowed to this council, and partial recovery blobs from its members are refused until you
              pin it again. Files already escrowed to it stay recoverable by its members.
            </p>
          </>
        )}
      </ConfirmDialog>
      {error && <ErrorNotice error={error} subject="Not removed" />}
    </li>
  );
}
