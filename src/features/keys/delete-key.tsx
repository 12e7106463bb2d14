import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorNotice } from '../../components/error-notice.tsx';
import { StoredKeyId } from '../../components/stored-key-id.tsx';
import { useFormAction } from '../../components/use-form-action.ts';
import { backupStatus } from '../../store/slices/keys-slice.ts';
import type { StoredKey } from '../../store/types.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/** What deleting this key makes unreadable or impossible, in one sentence. */
function consequence(key: StoredKey): string {
  switch (key.role) {
    case 'owner':
      return 'Files encrypted for this key can no longer be opened in this browser unless you have a backup or your backup authority recovers them.';
    case 'authority-own':
      return 'Escrow blobs made for this authority key can no longer be opened in this browser unless you have a backup of it.';
    case 'authority':
      return 'New files can no longer be escrowed to this authority. Files already escrowed to it stay recoverable by the authority.';
  }
}

/** `Delete…` and the confirmation that says what becomes unreadable. */
export function DeleteKey({ storedKey }: { storedKey: StoredKey }) {
  const deleteKey = useAppStore((s) => s.deleteKey);
  const [open, setOpen] = useState(false);
  const { error, run } = useFormAction();
  return (
    <>
      <button type="button" className="button button--quiet button--small" onClick={() => { setOpen(true); }}>
        Delete…
      </button>
      <ConfirmDialog
        open={open}
        title="Delete this key?"
        confirmLabel="Delete key"
        danger
        onCancel={() => { setOpen(false); }}
        onConfirm={() => {
          setOpen(false);
          void run(() => deleteKey(storedKey.keyId));
        }}
      >
        {/* Only while open: a closed dialog's text would still be found inside the card. */}
        {open && (
          <>
            <p>
              <strong className="row__name">{storedKey.name}</strong> <StoredKeyId storedKey={storedKey} />
            </p>
            <p>{consequence(storedKey)}</p>
            {backupStatus(storedKey) === 'missing' && <p className="warning">No backup of this private key was exported.</p>}
            <p>This cannot be undone.</p>
          </>
        )}
      </ConfirmDialog>
      {error && <ErrorNotice error={error} subject="Not deleted" />}
    </>
  );
}
